"""``uptake import``: people from an HR CSV, licence seats from a CSV, training modules from a folder of
Markdown, usage from the GitHub Copilot and Microsoft 365 Copilot reports, and AI services seen in web-proxy /
CASB / SaaS-discovery logs.

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from uptake.cli.command import (
    CommandError,
    ConfigOption,
    WorkspaceOption,
    command_settings,
    console,
    database_session,
    errors,
    events_store,
    progress_bars,
    resolve_workspace,
)

if TYPE_CHECKING:
    from uptake.directory.people_import import ImportReport

app = typer.Typer(
    help="Import people, seats, training, usage and discovery logs from files.", no_args_is_help=True
)


# -- people -----------------------------------------------------------------------------------------------------


@app.command("people")
def import_people(
    file: Annotated[Path, typer.Argument(help="A CSV file, header row first (see docs/people-import.md).")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change and store nothing.")
    ] = False,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import people from CSV: upsert by external id, teams and managers linked by name or id.

    Every bad row is reported with its line, column and reason, and the good rows are imported all the same.
    The exit status is non-zero only when the file cannot be read at all.
    """
    from uptake.directory import people_import as importer

    if not file.is_file():
        raise CommandError(f"{file}: no such file")
    settings = command_settings(config)
    size = max(1, file.stat().st_size)
    with progress_bars() as progress:
        reading = progress.add_task("reading", total=size)
        tasks: dict[str, Any] = {}

        def lines_read(handle: Iterable[str]) -> Iterator[str]:
            characters = 0
            for number, line in enumerate(handle, start=1):
                characters += len(line)
                if number % 5000 == 0:
                    progress.update(reading, completed=min(characters, size))
                yield line
            progress.update(reading, completed=size)

        def advance(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = progress.add_task(step, total=max(total, 1))
            progress.update(tasks[step], completed=done, total=max(total, 1))

        try:
            with (
                database_session(settings) as session,
                file.open(encoding="utf-8-sig", newline="") as handle,
            ):
                workspace_id = resolve_workspace(session, workspace)
                report = importer.import_people(
                    session,
                    workspace_id,
                    lines_read(handle),
                    dry_run=dry_run,
                    actor="system",
                    progress=advance,
                )
        except UnicodeDecodeError:
            raise CommandError(f"{file} is not UTF-8 text; save it as 'CSV UTF-8' and run again") from None
    print_people_import_report(report)


def print_people_import_report(report: ImportReport) -> None:
    """The counts, the columns ignored and a table of every row not imported, with its line and reason."""
    verb = "would be " if report.dry_run else ""
    console.print(
        f"{report.rows_read:,} rows read: {report.created:,} {verb}created, {report.updated:,} {verb}updated, "
        f"{report.unchanged:,} unchanged, {report.rejected:,} bad "
        f"({report.teams_created:,} teams and {report.job_roles_created:,} job roles {verb}created, "
        f"{report.accounts_linked:,} vendor accounts {verb}linked)",
        highlight=False,
    )
    if report.ignored_headers:
        console.print(f"Columns ignored: {', '.join(report.ignored_headers)}", highlight=False)
    if report.rejections:
        table = Table("line", "external id", "column", "reason", title="Rows not imported")
        for rejection in report.rejections:
            table.add_row(
                str(rejection.line), rejection.external_id or "", rejection.column, rejection.reason
            )
        console.print(table)
    if report.dry_run:
        console.print("Dry run: nothing was stored.")


# -- seats ------------------------------------------------------------------------------------------------------


@app.command("seats")
def import_seats(
    file: Annotated[
        Path, typer.Argument(help="A CSV file of seats, header row first (see docs/licences.md).")
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change and store nothing.")
    ] = False,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import licence seats from CSV: a seat a row, with its tool, holder (email, external id or vendor account)
    and dates; importing the same file again changes nothing.

    Every bad row is reported with its line, column and reason, and the good rows are imported all the same.
    The exit status is non-zero only when the file cannot be read at all.
    """
    from uptake.analytics import service as analytics_service
    from uptake.app.jobs import job_definitions
    from uptake.licences import seats_import
    from uptake.licences import service as licences_service

    if not file.is_file():
        raise CommandError(f"{file}: no such file")
    settings = command_settings(config)
    try:
        with database_session(settings) as session, file.open(encoding="utf-8-sig", newline="") as handle:
            workspace_id = resolve_workspace(session, workspace)
            report = seats_import.import_seats(session, workspace_id, handle, dry_run=dry_run, actor="system")
    except UnicodeDecodeError:
        raise CommandError(f"{file} is not UTF-8 text; save it as 'CSV UTF-8' and run again") from None
    verb = "would be " if report.dry_run else ""
    console.print(
        f"{report.rows_read:,} rows read: {report.created:,} {verb}created, {report.updated:,} {verb}updated, "
        f"{report.unchanged:,} unchanged, {report.rejected:,} bad",
        highlight=False,
    )
    if report.ignored_headers:
        console.print(f"Columns ignored: {', '.join(report.ignored_headers)}", highlight=False)
    if report.rejections:
        table = Table("line", "holder", "column", "reason", title="Rows not imported")
        for rejection in report.rejections:
            table.add_row(str(rejection.line), rejection.holder or "", rejection.column, rejection.reason)
        console.print(table)
    if report.dry_run:
        console.print("Dry run: nothing was stored.")
        return
    if not report.created and not report.updated:
        return
    with database_session(settings, workspace_id) as session:
        try:
            backend = analytics_service.connect_events_engine(settings.effective_events_url)
        except Exception:  # noqa: BLE001 - a running server holds DuckDB's file: its worker publishes instead
            licences_service.request_publication(session, workspace_id, job_definitions())
            console.print("The running server publishes the seats to the figures (a job is queued).")
            return
        try:
            licences_service.publish_ledger(session, workspace_id, analytics_service.Analytics(backend))
        finally:
            backend.connection.disconnect()


# -- discovery --------------------------------------------------------------------------------------------------


@app.command("discovery")
def import_discovery(
    file: Annotated[
        Path,
        typer.Argument(help="A web-proxy / CASB / SaaS-discovery export as CSV (see docs/discovery.md)."),
    ],
    log_format: Annotated[
        str | None,
        typer.Option("--format", help="generic or umbrella (default: recognized from the first row)."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would be stored and store nothing.")
    ] = False,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import a discovery log: the AI services people use, found in proxy traffic (only that traffic is kept,
    its people pseudonymized); importing the same file again changes nothing.

    Every bad row is reported with its line, column and reason, and the good rows are imported all the same.
    The exit status is non-zero only when the file cannot be read at all.
    """
    from uptake.discovery import service as discovery_service
    from uptake.discovery.models import LogFormat

    if not file.is_file():
        raise CommandError(f"{file}: no such file")
    formats = {item.value: item for item in LogFormat}
    if log_format is not None and log_format not in formats:
        raise CommandError(f"--format must be one of {', '.join(formats)}")
    settings = command_settings(config)
    try:
        with database_session(settings) as session, file.open(encoding="utf-8-sig", newline="") as handle:
            workspace_id = resolve_workspace(session, workspace)
            report = discovery_service.import_log(
                session,
                workspace_id,
                handle,
                dry_run=dry_run,
                actor="system",
                file_name=file.name,
                log_format=formats[log_format] if log_format else None,
            )
    except UnicodeDecodeError:
        raise CommandError(f"{file} is not UTF-8 text; save it as 'CSV UTF-8' and run again") from None
    if report.already_imported_at is not None:
        console.print(
            f"{file.name} was imported on {report.already_imported_at:%Y-%m-%d %H:%M}: nothing changed."
        )
    verb = "would be " if report.dry_run else ""
    console.print(
        f"{report.rows_read:,} rows read ({report.log_format}): {report.rows_matched:,} to AI services, "
        f"{report.rows_other:,} elsewhere (not stored), {report.rejected:,} bad; "
        f"{report.sightings:,} person-days {verb}stored",
        highlight=False,
    )
    if report.tools:
        console.print(f"AI tools: {', '.join(report.tools)}", highlight=False)
    if report.ignored_headers:
        console.print(f"Columns ignored: {', '.join(report.ignored_headers)}", highlight=False)
    if report.rejections:
        table = Table("line", "column", "reason", title="Rows not imported")
        for rejection in report.rejections:
            table.add_row(str(rejection.line), rejection.column, rejection.reason)
        console.print(table)
    if report.dry_run:
        console.print("Dry run: nothing was stored.")


# -- training ---------------------------------------------------------------------------------------------------


@app.command("training")
def import_training(
    folder: Annotated[
        Path, typer.Argument(help="A folder of Markdown modules with front matter (docs/training-format.md).")
    ],
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import training modules: each Markdown file (with its images) is created, updated or left unchanged.

    A file with a mistake is reported with its field and reason and left out; the others are imported. The exit
    status is 1 when any file failed.
    """
    from uptake.enablement import training_import

    if not folder.is_dir():
        raise CommandError(f"{folder}: no such folder")
    settings = command_settings(config)
    files = training_import.training_files(folder)
    with progress_bars() as progress, database_session(settings) as session:
        task = progress.add_task("Importing modules", total=len(files))
        workspace_id = resolve_workspace(session, workspace)
        results = training_import.import_training_folder(
            session, workspace_id, folder, actor="system", on_file_done=lambda _: progress.advance(task)
        )
    table = Table("file", "module", "version", "outcome", title=f"Training modules from {folder}")
    for result in results:
        table.add_row(result.path, result.slug or "–", result.version or "–", result.outcome)
    console.print(table)
    failed = [result for result in results if result.outcome == "failed"]
    for result in failed:
        for error in result.errors:
            errors.print(f"{result.path}: {error.field}: {error.reason}", highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(1)


# -- usage ------------------------------------------------------------------------------------------------------

UseCaseOption = Annotated[
    str | None,
    typer.Option("--use-case", help="Use case slug the events count for (default: the source's name)."),
]
ToolOption = Annotated[
    str | None, typer.Option("--tool", help="Tool slug the events carry (default: the source's name).")
]

SERVER_HOLDS_THE_STORE = (
    "a running uptake server owns the file: stop it first, or upload the report on its Import usage page "
    "(/telemetry/import)"
)


@app.command("github-copilot")
def import_github_copilot(
    file: Annotated[Path, typer.Argument(help="An NDJSON usage report, or the seat list JSON.", exists=True)],
    people_map: Annotated[
        Path | None,
        typer.Option("--people-map", help="CSV of GitHub login,person (email or directory id).", exists=True),
    ] = None,
    use_case: UseCaseOption = None,
    tool: ToolOption = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import GitHub Copilot usage metrics (REST API usage reports); importing a file again changes nothing."""
    import_usage("github-copilot", file, people_map, use_case, tool, workspace, config)


@app.command("m365-copilot")
def import_m365_copilot(
    file: Annotated[
        Path, typer.Argument(help="The user-detail report: admin centre CSV or Graph JSON.", exists=True)
    ],
    use_case: UseCaseOption = None,
    tool: ToolOption = None,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Import the Microsoft 365 Copilot usage user-detail report; importing a file again changes nothing."""
    import_usage("m365-copilot", file, None, use_case, tool, workspace, config)


def import_usage(
    name: str,
    file: Path,
    people_map: Path | None,
    use_case: str | None,
    tool: str | None,
    workspace: str | None,
    config: Path | None,
) -> None:
    """Run the importer of the source ``name`` over ``file``, then record the import and print its summary."""
    from uptake.telemetry import service as telemetry_service
    from uptake.telemetry.importers import ImportFileUnreadable, ImportOptions, run_import
    from uptake.telemetry.importers.sources import IMPORT_SOURCES, read_people_map, record_usage_import

    source = IMPORT_SOURCES[name]
    settings = command_settings(config)
    try:
        options = ImportOptions(
            use_case=use_case or source.default_use_case,
            tool=tool or source.default_tool,
            people_map=read_people_map(people_map.read_bytes()) if people_map else {},
        )
        with database_session(settings) as session:
            workspace_id = resolve_workspace(session, workspace)
            context = telemetry_service.ingest_context(session, workspace_id)
        with (
            events_store(settings, SERVER_HOLDS_THE_STORE) as store,
            file.open("rb") as stream,
            progress_bars() as progress,
        ):
            task = progress.add_task(f"Importing {file.name}", total=file.stat().st_size)
            summary = run_import(
                source.importer,
                stream,
                store,
                context,
                options,
                source=source.event_source,
                now=datetime.now(UTC),
                on_progress=lambda position: progress.update(task, completed=position),
            )
        with database_session(settings, workspace_id) as session:
            record_usage_import(
                session, workspace_id, actor="system", source=source, file_name=file.name, summary=summary
            )
    except ImportFileUnreadable as error:
        raise CommandError(f"{file}: {error}") from None
    console.print(
        f"{summary.events:,} events from {file.name}: {summary.accepted:,} stored, "
        f"{summary.duplicates:,} already stored, {summary.problem_count:,} problem(s)."
    )
    for note in summary.notes:
        console.print(f"note: {note}", highlight=False)
    for problem in summary.problems:
        errors.print(f"line {problem.line}: {problem.reason}", highlight=False)
    if summary.problem_count > len(summary.problems):
        errors.print(f"… and {summary.problem_count - len(summary.problems):,} more problem(s)")
    if summary.unrecognized_use_cases or summary.unrecognized_tools:
        unknown = sorted(summary.unrecognized_use_cases | summary.unrecognized_tools)
        console.print(f"not in the catalog yet (stored all the same): {', '.join(unknown)}", highlight=False)
