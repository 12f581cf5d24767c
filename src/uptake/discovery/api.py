"""Discovery's JSON routes: the log import, each discovered tool's figures (behind the privacy floor), the named
users (admins only, audited), the three decisions, and the workspace's own AI-service domains."""

from __future__ import annotations

import io
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from uptake.access.dependencies import Admin, Importer, ProgramLead, SessionDep
from uptake.discovery import decisions, figures, schemas, service
from uptake.discovery.models import LogFormat
from uptake.params import CSV_REQUEST_BODY, read_csv_body

router = APIRouter(prefix="/discovery", tags=["discovery"])

ToolPath = Annotated[str, Path(max_length=63)]


@router.post("/imports", openapi_extra=CSV_REQUEST_BODY)
async def import_log(
    request: Request,
    session: SessionDep,
    lead: Importer,
    dry_run: Annotated[bool, Query(description="Report what would be stored and store nothing.")] = False,
    log_format: Annotated[
        LogFormat | None, Query(alias="format", description="generic or umbrella (default: recognized).")
    ] = None,
    file_name: Annotated[str, Query(max_length=300, description="The file's name, for the record.")] = "",
) -> dict[str, Any]:
    """Import a web-proxy / CASB / SaaS-discovery export from a CSV body: the same report as `uptake import
    discovery` (each bad row by line, column and reason; the good rows imported all the same). Only traffic to
    AI services is kept. Importing the same file again changes nothing."""
    text = await read_csv_body(request)

    def run() -> dict[str, Any]:
        report = service.import_log(
            session,
            lead.workspace_id,
            io.StringIO(text, newline=""),
            dry_run=dry_run,
            actor=lead.actor,
            file_name=file_name,
            log_format=log_format,
        )
        return report.as_dict()

    return await run_in_threadpool(run)


@router.get("/imports", response_model=list[schemas.ImportSummary])
def list_imports(session: SessionDep, lead: ProgramLead) -> list[schemas.ImportSummary]:
    return service.list_imports(session, lead.workspace_id)


@router.get("/tools", response_model=schemas.DiscoveryOverview)
def list_discovered_tools(session: SessionDep, lead: ProgramLead) -> schemas.DiscoveryOverview:
    """Every AI tool seen in the logs, unapproved ones first; a tool used by fewer than k people shows no
    figure."""
    return figures.overview(session, lead.workspace_id)


@router.get("/tools/{slug}", response_model=schemas.DiscoveredTool)
def get_discovered_tool(slug: ToolPath, session: SessionDep, lead: ProgramLead) -> schemas.DiscoveredTool:
    return figures.discovered_tool(session, lead.workspace_id, slug)


@router.get("/tools/{slug}/users", response_model=list[schemas.NamedUser])
def list_named_users(slug: ToolPath, session: SessionDep, admin: Admin) -> list[schemas.NamedUser]:
    """The people who used the tool, for admins only; every call is audited."""
    return figures.named_users(session, admin.workspace_id, slug, actor=admin.actor)


@router.post("/tools/{slug}/candidate", status_code=201, response_model=schemas.ToolDecision)
def propose_candidate(
    slug: ToolPath, body: schemas.CandidateCreate, session: SessionDep, lead: ProgramLead
) -> schemas.ToolDecision:
    """Add the tool and a draft use case of it to the catalog, in governance's intake review with the
    discovery figures attached."""
    return decisions.propose_candidate(
        session, lead.workspace_id, slug, body, actor=lead.actor, person_id=lead.person_id
    )


@router.post("/tools/{slug}/dismissal", response_model=schemas.ToolDecision)
def dismiss_tool(
    slug: ToolPath, body: schemas.ToolDecisionCreate, session: SessionDep, lead: ProgramLead
) -> schemas.ToolDecision:
    return decisions.dismiss_tool(session, lead.workspace_id, slug, body, actor=lead.actor)


@router.post("/tools/{slug}/block", response_model=schemas.ToolDecision)
def block_tool(
    slug: ToolPath, body: schemas.ToolDecisionCreate, session: SessionDep, lead: ProgramLead
) -> schemas.ToolDecision:
    """Record that the tool is not to be used, and tell its users through the outbox."""
    return decisions.block_tool(session, lead.workspace_id, slug, body, actor=lead.actor)


@router.get("/service-domains", response_model=list[schemas.ServiceDomain])
def list_service_domains(session: SessionDep, lead: ProgramLead) -> list[schemas.ServiceDomain]:
    """The workspace's own domains first, then the shipped map's."""
    return service.list_service_domains(session, lead.workspace_id)


@router.post("/service-domains", status_code=201, response_model=schemas.ServiceDomain)
def add_service_domain(
    body: schemas.ServiceDomainCreate, session: SessionDep, lead: ProgramLead
) -> schemas.ServiceDomain:
    return service.add_service_domain(session, lead.workspace_id, body, actor=lead.actor)


@router.delete("/service-domains/{domain:path}", status_code=204)
def remove_service_domain(
    domain: Annotated[str, Path(max_length=300)], session: SessionDep, lead: ProgramLead
) -> Response:
    service.remove_service_domain(session, lead.workspace_id, domain, actor=lead.actor)
    return Response(status_code=204)
