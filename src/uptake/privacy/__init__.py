"""A person's rights over their data (GDPR Art. 15 access and Art. 17 erasure): everything uptake holds about one
person, gathered from every domain, and its erasure."""
