"""uptake: make AI adoption a managed, measured process."""

__version__ = "0.1.0"
