"""``uptake serve`` (the web app, the API and, by default, the background worker) and ``uptake worker`` (the
job runner as a process of its own).

The server and the job list are imported inside the commands: ``uptake.app`` pulls in every domain and takes
seconds to import, which every ``uptake --help`` would pay; uvicorn (0.02 s) is imported at the top (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

import signal
from typing import Annotated

import typer
import uvicorn

from uptake.cli.command import ConfigOption, command_settings, console, session_factory
from uptake.settings import Settings

app = typer.Typer()


@app.command()
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (UPTAKE_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (UPTAKE_PORT).")] = None,
    worker: Annotated[
        bool | None, typer.Option("--worker/--no-worker", help="Run background jobs in this process.")
    ] = None,
) -> None:
    """Migrate the database to the newest schema, then serve the web app and API."""
    settings = command_settings(config, host=host, port=port, run_worker=worker)
    serve_application(settings)


def serve_application(settings: Settings) -> None:
    """Migrate the database, check the events store, then serve until Ctrl+C (also how ``uptake demo`` ends)."""
    from uptake.app import create_app
    from uptake.stores import check_events_store, migrate_database

    before, after = migrate_database(settings)
    if before != after:
        console.print(f"Database schema upgraded: {before or 'empty'} → {after}")
    check_events_store(settings)
    application = create_app(settings)
    console.print(
        f"uptake is serving at [bold]http://{settings.host}:{settings.port}[/bold]  (Ctrl+C stops it)"
    )
    uvicorn.run(application, host=settings.host, port=settings.port, log_config=None, access_log=False)


@app.command()
def worker(
    config: ConfigOption = None,
    once: Annotated[bool, typer.Option(help="Run the jobs that are due, then exit.")] = False,
) -> None:
    """Run the background job runner as its own process (any number may run beside the server)."""
    from uptake.app.jobs import job_definitions
    from uptake.jobs.runner import Worker
    from uptake.observability import configure_logging

    settings = command_settings(config)
    configure_logging(settings.log_level, settings.log_format)
    runner = Worker(settings, session_factory(settings), job_definitions())
    if once:
        ran = runner.run_until_idle()
        console.print(f"{ran} job(s) ran.")
        return
    signal.signal(signal.SIGTERM, lambda *_: runner.stop(timeout=0))
    try:
        runner.run_forever()
    except KeyboardInterrupt:
        runner.stop(timeout=0)
