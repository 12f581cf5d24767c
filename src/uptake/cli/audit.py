"""``uptake audit verify``: walk each workspace's sealed audit chain and name the first entry that breaks it;
``uptake audit seal``: checkpoint each chain's head outside the database (once after an upgrade, or after a restore).

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
    errors,
)

app = typer.Typer(help="Check the tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
def verify(
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export",
            help="A compliance pack (Markdown, PDF or OSCAL JSON) or audit extract: check its entries against "
            "their seals, the database and the checkpoint",
        ),
    ] = None,
) -> None:
    """Walk the audit log's hash chain; exit 1 and name the first broken entry if it was tampered with."""
    if export is not None:
        _verify_export(export, config)
        return
    _walk_chains(workspace, config, seal=False)


def _verify_export(path: Path, config: Path | None) -> None:
    """Check a pack's audit extract: exit 1 naming each problem (an edited pack, an edited or missing database
    entry, a broken chain, a checkpoint the chain no longer holds)."""
    from uptake.audit import service as audit_service
    from uptake.db import bind_workspace
    from uptake.governance import compliance_pack

    try:
        extract = compliance_pack.extract_from_pack(path.read_bytes())
    except (OSError, ValueError) as error:
        raise CommandError(f"--export: {path}: {error}") from None
    settings = command_settings(config)
    with database_session(settings) as session:
        workspace_id = int(extract.get("workspace_id", 0))
        bind_workspace(session, workspace_id)
        report = audit_service.verify_audit_extract(session, workspace_id, extract)
    if report.is_intact:
        console.print(
            f"[green]✓[/green] {path}: {report.entries_checked} entries match their seals, the database and the "
            "checkpoint"
        )
        return
    for problem in report.problems:
        errors.print(f"[red]✗[/red] {path}: {problem}")
    raise typer.Exit(1)


@app.command("seal")
def seal(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """Check each chain and checkpoint its head in the data dir; run once after an upgrade or a database restore."""
    _walk_chains(workspace, config, seal=True)


def _walk_chains(workspace: str | None, config: Path | None, *, seal: bool) -> None:
    """Verify (and with ``seal``, checkpoint) each workspace's chain, or ``workspace``'s; exit 1 if one breaks."""
    from uptake.audit import service as audit_service
    from uptake.db import across_workspaces
    from uptake.workspaces import service as workspaces_service

    check = audit_service.seal_audit_chain if seal else audit_service.verify_audit_chain
    intact, broken_prefix = ("head checkpointed", "not checkpointed, ") if seal else ("chain intact", "")
    settings = command_settings(config)
    broken = False
    with database_session(settings) as session, across_workspaces(session):
        targets = (
            [workspaces_service.get_workspace_by_slug(session, workspace)]
            if workspace
            else workspaces_service.list_workspaces(session)
        )
        for target in targets:
            report = check(session, target.id)
            if report.first_break is None:
                console.print(f"[green]✓[/green] {target.slug}: {report.entries_checked} entries, {intact}")
            else:
                broken = True
                brk = report.first_break
                errors.print(
                    f"[red]✗[/red] {target.slug}: {broken_prefix}the chain breaks at entry #{brk.seq} "
                    f"(id {brk.entry_id}): {brk.reason}"
                )
    if broken:
        raise typer.Exit(1)
