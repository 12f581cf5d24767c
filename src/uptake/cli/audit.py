"""``uptake audit verify``: walk each workspace's sealed audit chain and name the first entry that breaks it;
``uptake audit seal``: checkpoint each chain's head outside the database (once after an upgrade, or after a restore).

Its domain imports sit inside the commands, so that ``uptake --help`` does not pay for them (see
``uptake/cli/__init__.py``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from uptake.cli.command import (
    ConfigOption,
    WorkspaceOption,
    command_settings,
    console,
    database_session,
    errors,
)

app = typer.Typer(help="Check the tamper-evident audit log.", no_args_is_help=True)


@app.command("verify")
def verify(workspace: WorkspaceOption = None, config: ConfigOption = None) -> None:
    """Walk the audit log's hash chain; exit 1 and name the first broken entry if it was tampered with."""
    _walk_chains(workspace, config, seal=False)


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
