"""What the rest of uptake may know about the demo: whether this data dir holds one, and its personas."""

from __future__ import annotations

from pathlib import Path

from uptake.demo.organization import DEMO_PASSWORD, PERSONAS, Persona

DEMO_MARKER = ".uptake-demo"
"""The file `uptake demo` leaves in its data dir: the next `uptake demo` may delete the dir, and the login page
offers the personas' one-click logins only where it is."""


def is_demo_data_dir(data_dir: Path) -> bool:
    return (data_dir / DEMO_MARKER).is_file()


def demo_logins(data_dir: Path) -> list[tuple[Persona, str]]:
    """Each persona with its published password, when this data dir is a demo's; nothing otherwise."""
    if not is_demo_data_dir(data_dir):
        return []
    return [(persona, DEMO_PASSWORD) for persona in PERSONAS]
