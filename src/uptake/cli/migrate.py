"""``uptake migrate``: upgrade the application database to the newest schema (Alembic).

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

import typer

from uptake.cli.command import ConfigOption, command_settings, console

app = typer.Typer()


@app.command()
def migrate(config: ConfigOption = None) -> None:
    """Upgrade the application database to the newest schema (Alembic)."""
    from uptake.stores import migrate_database

    settings = command_settings(config)
    before, after = migrate_database(settings)
    if before == after:
        console.print(f"The database is already at the newest schema ({after}).")
    else:
        console.print(f"Database schema upgraded: {before or 'empty'} → {after}")
