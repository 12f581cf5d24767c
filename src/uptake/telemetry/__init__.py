"""Telemetry: usage events in, pseudonymized, stored once each.

`event_schema` decodes and validates a batch, `pseudonyms` replaces people by keyed hashes, `event_store`
keeps the events in DuckDB, and `ingest` puts the three together for the HTTP route, the importers and
OpenTelemetry.
"""
