"""``uptake report``: the executive report (reach, depth, impact, trust, risk, cost) as PDF or HTML.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from uptake.cli.command import (
    CommandError,
    ConfigOption,
    WorkspaceOption,
    command_settings,
    console,
    database_session,
    opened_events_store,
    progress_bars,
    resolve_workspace,
)

app = typer.Typer()


@app.command("report")
def report(
    period: Annotated[
        str | None,
        typer.Option(
            "--period", help="last_28_days, last_month, this_quarter, ... (default: the last four weeks)"
        ),
    ] = None,
    output: Annotated[str, typer.Option("--format", help="pdf or html")] = "pdf",
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File to write (default: a name from the period)")
    ] = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Write the executive report (reach, depth, impact, trust, risk, cost) as PDF or HTML (server stopped)."""
    from uptake.analytics import service as analytics_service
    from uptake.reports import dashboards, executive

    if output not in ("pdf", "html"):
        raise CommandError(f"--format: {output!r} is not one of pdf, html")
    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        today = analytics_service.workspace_today(session, workspace_id)
        chosen = (
            analytics_service.resolve_period(period, None, None, today)
            if period
            else dashboards.default_period(today)
        )
        backend = opened_events_store(
            settings,
            analytics_service.connect_events_engine,
            "stop the server or run the report from its page",
        )
        with progress_bars() as progress:
            task = progress.add_task("Computing the figures", total=2)
            built = executive.build_report(
                session, workspace_id, analytics_service.Analytics(backend), period=chosen
            )
            progress.update(task, advance=1, description=f"Rendering the {output.upper()}")
            try:
                content = (
                    executive.render_pdf(built) if output == "pdf" else executive.render_html(built).encode()
                )
            except executive.ReportRenderingUnavailable as error:
                raise CommandError(str(error)) from None
            progress.update(task, advance=1)
    target = out or Path(f"ai-adoption-{chosen.start.isoformat()}-{chosen.end.isoformat()}.{output}")
    target.write_bytes(content)
    console.print(f"Wrote {target} ({len(content):,} bytes).")
