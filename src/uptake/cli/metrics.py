"""``uptake metrics NAME``: one adoption metric after the workspace's privacy floor, as a table, CSV or JSON.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

import csv
import json
import sys
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.table import Table

from uptake.cli.command import (
    CommandError,
    ConfigOption,
    WorkspaceOption,
    command_settings,
    console,
    database_session,
    opened_events_store,
    resolve_workspace,
)

app = typer.Typer()


@app.command("metrics")
def metrics(
    name: Annotated[str, typer.Argument(help="The metric (adoption_rate, funnel, retention, ...)")],
    start: Annotated[
        datetime | None, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (default: 28 days ago)")
    ] = None,
    end: Annotated[
        datetime | None, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day (default: today)")
    ] = None,
    grain: Annotated[str | None, typer.Option("--grain", help="day, week or month: a time series")] = None,
    by: Annotated[
        list[str] | None, typer.Option("--by", help="use_case, tool, team, role (repeat or comma)")
    ] = None,
    output: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Print one adoption metric after the workspace's privacy floor (the server must not be running)."""
    from uptake.analytics import service as analytics_service

    if output not in ("table", "csv", "json"):
        raise CommandError(f"--format: {output!r} is not one of table, csv, json")
    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        grouping = analytics_service.parse_grouping(by or [], grain)
        definition = analytics_service.check_grouping(name, grouping)
        today = analytics_service.workspace_today(session, workspace_id)
        period = analytics_service.resolve_period(
            None, start.date() if start else None, end.date() if end else None, today
        )
        backend = opened_events_store(settings, analytics_service.connect_events_engine)
        published = analytics_service.Analytics(backend).metric(session, workspace_id, name, period, grouping)
    columns = [*published.keys, *definition.figures, "people", "suppressed"]
    if output == "json":
        console.print_json(json.dumps({"metric": name, "rows": published.rows}, default=str))
    elif output == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(published.rows)
    else:
        table = Table(title=f"{name} ({definition.unit}), {period.start} to {period.end}, k = {published.k}")
        for column in columns:
            table.add_column(column, justify="left" if column in published.keys else "right")
        for row in published.rows:
            table.add_row(*[metric_cell(row.get(column), row["suppressed"]) for column in columns])
        console.print(table)


def metric_cell(value: Any, suppressed: bool) -> str:
    """A figure as the table shows it: 4 significant digits, ``suppressed`` under the floor, ``–`` for none."""
    if value is None:
        return "suppressed" if suppressed else "–"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
