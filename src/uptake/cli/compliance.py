"""``uptake compliance export``: a use case's compliance pack (or every use case's, ``--all``) as Markdown, PDF or
OSCAL assessment results, for an auditor. ``uptake audit verify --export FILE`` checks a pack's audit extract.

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
    resolve_workspace,
)

app = typer.Typer(help="Compliance packs for auditors.", no_args_is_help=True)
PACK_FORMATS = ("markdown", "pdf", "oscal")


@app.command("export")
def export(
    slug: Annotated[str | None, typer.Argument(help="The use case (leave out with --all)")] = None,
    output: Annotated[str, typer.Option("--format", help="markdown, pdf or oscal")] = "markdown",
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", help="File to write; with --all, a folder (default: SLUG-compliance.EXT)"
        ),
    ] = None,
    every: Annotated[bool, typer.Option("--all", help="Every use case not retired, one file each")] = False,
    workspace: WorkspaceOption = None,
    config: ConfigOption = None,
) -> None:
    """Write a use case's compliance pack: required controls with evidence and gaps, use card and history, risk
    assessment, review trail, conditions, training, monitoring figures, incidents and a verifiable audit extract."""
    from uptake.analytics import service as analytics_service
    from uptake.catalog import service as catalog_service
    from uptake.governance import compliance_pack

    if output not in PACK_FORMATS:
        raise CommandError(f"--format: {output!r} is not one of {', '.join(PACK_FORMATS)}")
    if every == (slug is not None):
        raise CommandError("name one use case, or give --all (not both)")
    settings = command_settings(config)
    suffix = compliance_pack.SUFFIXES[output]
    with database_session(settings) as session:
        workspace_id = resolve_workspace(session, workspace)
        backend = opened_events_store(
            settings,
            analytics_service.connect_events_engine,
            "stop the server or download the pack from its page",
        )
        analytics = analytics_service.Analytics(backend)
        if every:
            use_cases, _ = catalog_service.list_use_cases(session, workspace_id, limit=10_000)
            slugs = [use_case.slug for use_case in use_cases if use_case.status.value != "retired"]
            folder = out or Path(".")
            folder.mkdir(parents=True, exist_ok=True)
            targets = [(name, folder / f"{name}-compliance.{suffix}") for name in slugs]
        else:
            assert slug is not None
            targets = [(slug, out or Path(f"{slug}-compliance.{suffix}"))]
        for name, target in targets:
            pack = compliance_pack.build_pack(session, workspace_id, name, analytics=analytics)
            try:
                content = compliance_pack.render(pack, output)
            except compliance_pack.PackRenderingUnavailable as error:
                raise CommandError(str(error)) from None
            target.write_bytes(content)
            summary = pack.assessment
            console.print(
                f"Wrote {target} ({len(content):,} bytes): {len(summary.controls)} controls required, "
                f"{len(summary.met)} met, {len(summary.missing)} missing."
            )
