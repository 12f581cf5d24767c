"""``uptake check``: the effective settings (secrets masked), then whether each store can be reached.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.table import Table

from uptake.cli.command import ConfigOption, console, errors
from uptake.settings import Settings, SettingsError, load_settings, masked, prepare_data_dir

app = typer.Typer()


@app.command()
def check(config: ConfigOption = None) -> None:
    """Print the effective settings (secrets masked) and check that each store can be reached."""
    from uptake.stores import check_events_store

    settings = load_settings(config)
    table = Table("setting", "value", "from", title="Effective settings")
    explicit = settings.model_fields_set
    for name in Settings.model_fields:
        value = getattr(settings, name)
        if name == "secret_key":
            shown = (
                "set (hidden)" if value is not None else f"generated into {settings.data_dir / 'secret_key'}"
            )
        elif name == "database_url":
            shown = masked(settings.effective_database_url)
        elif name == "events_url":
            shown = settings.effective_events_url
        else:
            shown = str(value)
        table.add_row(f"UPTAKE_{name.upper()}", shown, "set" if name in explicit else "default")
    console.print(table)

    failures: list[SettingsError] = []
    steps: list[tuple[str, Callable[[], str]]] = [
        ("data dir", lambda: f"{prepare_data_dir(settings).data_dir.resolve()} is writable"),
        ("database", lambda: describe_database(settings)),
        ("events store", lambda: check_events_store(prepare_data_dir(settings))),
    ]
    for label, step in steps:
        try:
            console.print(f"[green]✓[/green] {label}: {step()}")
        except SettingsError as error:
            failures.append(error)
            errors.print(f"[red]✗[/red] {label}: {error}", soft_wrap=True)
    if failures:
        raise typer.Exit(1)


def describe_database(settings: Settings) -> str:
    """One line on the application database: it answers, and its schema is the newest or needs a migrate."""
    from uptake.stores import database_status

    current, head = database_status(settings)
    url = masked(settings.effective_database_url)
    if current == head:
        return f"{url} answers, schema {head} (newest)"
    return f"{url} answers, schema {current or 'empty'}; run 'uptake migrate' to reach {head}"
