"""The program lead's upload page for vendor usage exports (GitHub Copilot, Microsoft 365 Copilot).

The upload goes through the server, which owns the events store, so it works while uptake runs (the
`uptake import` commands open the store themselves and need the server stopped). A form upload is bounded by
the CSRF check's form limit; larger reports go through the CLI, which streams any size.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from uptake.access.dependencies import ProgramLeadPage, SessionDep
from uptake.access.principal import Principal
from uptake.errors import FieldError
from uptake.telemetry.dependencies import get_event_store
from uptake.telemetry.importers import ImportFileUnreadable, ImportOptions, ImportSummary, run_import
from uptake.telemetry.importers.sources import IMPORT_SOURCES, read_people_map, record_usage_import
from uptake.telemetry.service import ingest_context
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/telemetry/import")
def import_form(request: Request, lead: ProgramLeadPage) -> Response:
    return _page(request)


@router.post("/telemetry/import")
async def import_upload(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    source: Annotated[str, Form(max_length=40)] = "",
    use_case: Annotated[str, Form(max_length=63)] = "",
    tool: Annotated[str, Form(max_length=63)] = "",
    file: UploadFile | None = None,
    people_map: UploadFile | None = None,
) -> Response:
    """Import the uploaded report at once and show what became of it, problem by problem."""
    chosen = IMPORT_SOURCES.get(source)
    form = {"source": source, "use_case": use_case, "tool": tool}
    errors = []
    if chosen is None:
        errors.append(FieldError("source", f"choose one of: {', '.join(IMPORT_SOURCES)}"))
    if file is None or not file.filename:
        errors.append(FieldError("file", "choose the report file to import"))
    if errors or chosen is None or file is None:
        return _page(request, form=form, errors=errors, status=422)
    people = b"" if people_map is None or not people_map.filename else await people_map.read()
    try:
        options = ImportOptions(
            use_case=use_case.strip() or chosen.default_use_case,
            tool=tool.strip() or chosen.default_tool,
            people_map=read_people_map(people) if people else {},
        )
        summary = await run_in_threadpool(_import, request, session, lead, chosen.name, options, file)
    except ImportFileUnreadable as error:
        return _page(request, form=form, errors=[FieldError("file", str(error))], status=422)
    return _page(request, form=form, summary=summary, source=chosen, file_name=file.filename or "")


def _import(
    request: Request, session: Session, lead: Principal, name: str, options: ImportOptions, file: UploadFile
) -> ImportSummary:
    source = IMPORT_SOURCES[name]
    store = get_event_store(request)
    context = ingest_context(session, lead.workspace_id)
    file.file.seek(0)
    summary = run_import(
        source.importer, file.file, store, context, options, source=source.event_source, now=datetime.now(UTC)
    )
    record_usage_import(
        session,
        lead.workspace_id,
        actor=lead.actor,
        source=source,
        file_name=file.filename or "",
        summary=summary,
    )
    return summary


def _page(request: Request, *, status: int = 200, **context: Any) -> Response:
    context.setdefault("form", {"source": "", "use_case": "", "tool": ""})
    context.setdefault("errors", [])
    context["sources"] = IMPORT_SOURCES
    return render(request, "telemetry/import.html", context, status=status)
