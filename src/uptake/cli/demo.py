"""``uptake demo``: a fresh demo organization (Northwind Mutual) in its own data dir, then served.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from uptake.cli.command import CommandError, console, progress_bars, session_factory
from uptake.cli.serve import serve_application
from uptake.settings import load_settings, prepare_data_dir

app = typer.Typer()


@app.command()
def demo(
    data_dir: Annotated[Path, typer.Option(help="Folder for the demo's data; made fresh each time.")] = Path(
        "uptake-demo"
    ),
    people: Annotated[
        int, typer.Option(min=50, max=200_000, help="How many people the organization has.")
    ] = 3000,
    serve_after: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the demo when it is ready.")
    ] = True,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Create a fresh demo organization (Northwind Mutual) in its own data dir and serve it."""
    from uptake.analytics.service import Analytics, connect_events_engine
    from uptake.db import session_scope
    from uptake.demo.organization import DEMO_PASSWORD, create_demo_organization, record_demo_usage
    from uptake.demo.service import DEMO_MARKER
    from uptake.stores import migrate_database
    from uptake.telemetry.event_store import EventStore

    if data_dir.exists():
        if not (data_dir / DEMO_MARKER).exists():
            raise CommandError(
                f"{data_dir} exists and was not made by 'uptake demo' — choose another --data-dir or remove it yourself"
            )
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    (data_dir / DEMO_MARKER).write_text("made by uptake demo; deleted and remade by the next 'uptake demo'\n")
    settings = prepare_data_dir(load_settings(None, data_dir=data_dir, host=host, port=port))
    migrate_database(settings)
    factory = session_factory(settings)
    with progress_bars() as progress:
        tasks: dict[str, Any] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(f"Creating {step}", total=total)
            progress.update(tasks[step], completed=done, total=total)

        today = date.today()
        with session_scope(factory) as session:
            summary = create_demo_organization(session, people=people, today=today, progress=report)
        store = EventStore(settings.effective_events_url)
        analytics = Analytics(connect_events_engine(settings.effective_events_url))
        try:
            with session_scope(factory, summary.workspace_id) as session:
                events = record_demo_usage(
                    session,
                    summary,
                    today=today,
                    append_events=lambda batch: store.append(summary.workspace_id, batch),
                    push_snapshot=lambda name, rows: analytics.write_snapshot(
                        name, rows, workspace_id=summary.workspace_id
                    ),
                    analytics=analytics,
                    survey_token_key=settings.effective_secret_key.encode(),
                    progress=report,
                )
        finally:
            analytics.backend.connection.disconnect()
            store.close()
    table = Table(title="Demo logins")
    table.add_column("persona")
    table.add_column("email", no_wrap=True)
    table.add_column("password", no_wrap=True)
    for persona in summary.personas:
        table.add_row(persona.label, persona.email, DEMO_PASSWORD)
    console.print(table)
    console.print(
        f"{summary.people:,} people in {summary.teams} teams, {len(summary.catalog.use_cases)} AI use cases and"
        f" {events:,} usage events, in workspace '{summary.workspace_slug}'."
    )
    if serve_after:
        serve_application(settings)
