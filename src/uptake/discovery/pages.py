"""Discovery's pages: the AI tools seen in the logs (behind the privacy floor), one tool with its trend, teams and
the three decisions, the candidate form (the second click), the named users (admins), the log upload and the
workspace's own AI-service domains."""

from __future__ import annotations

import io
import re
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from uptake.access.dependencies import AdminPage, ProgramLeadPage, SessionDep
from uptake.access.roles import Role
from uptake.discovery import decisions, figures, intake, schemas, service
from uptake.discovery.ai_services import CATEGORIES
from uptake.discovery.models import LogFormat
from uptake.errors import UptakeError
from uptake.params import MAX_CSV_BYTES
from uptake.web.flash import flash
from uptake.web.forms import act, reasons_of
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)
# A discovery page's button: the flash says the refusal's detail, then its reasons.
_act = partial(act, category="info", describe=reasons_of)

Text = Annotated[str, Form(max_length=5000)]


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


@router.get("/discovery")
def discovery_overview(request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    return render(
        request,
        "discovery/overview.html",
        {
            "overview": figures.overview(session, lead.workspace_id),
            "imports": service.list_imports(session, lead.workspace_id)[:5],
            "is_admin": lead.has_role(Role.admin),
        },
    )


@router.get("/discovery/tools/{slug}")
def discovered_tool_page(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    tool = figures.discovered_tool(session, lead.workspace_id, slug)
    peak = max((week.people or 0 for week in tool.trend), default=0)
    return render(
        request,
        "discovery/tool.html",
        {
            "tool": tool,
            "peak": peak,
            "privacy_floor": figures.privacy_floor(session, lead.workspace_id),
            "is_admin": lead.has_role(Role.admin),
        },
    )


@router.get("/discovery/tools/{slug}/users")
def named_users_page(slug: str, request: Request, session: SessionDep, admin: AdminPage) -> Response:
    """Admins only; the view itself is audited (the service writes the entry)."""
    tool = figures.discovered_tool(session, admin.workspace_id, slug)
    users = figures.named_users(session, admin.workspace_id, slug, actor=admin.actor)
    return render(request, "discovery/users.html", {"tool": tool, "users": users})


def _default_use_case_slug(slug: str) -> str:
    return re.sub(r"-+", "-", f"{slug}-candidate")[:63]


@router.get("/discovery/tools/{slug}/candidate")
def candidate_form(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    """The first click: the candidate form, filled in from the map and the figures."""
    tool = figures.discovered_tool(session, lead.workspace_id, slug)
    return render(
        request,
        "discovery/candidate.html",
        {
            "tool": tool,
            "use_case_slug": _default_use_case_slug(slug),
            "use_case_title": f"Use {tool.name} at work",
        },
    )


@router.post("/discovery/tools/{slug}/candidate")
def propose_candidate(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    tool_name: Text = "",
    vendor: Text = "",
    use_case_slug: Text = "",
    use_case_title: Text = "",
    summary: Text = "",
) -> Response:
    """The second click: tool and draft use case in the catalog, in intake review; on to the review."""
    back = f"/discovery/tools/{slug}/candidate"
    try:
        body = schemas.CandidateCreate(
            tool_name=tool_name,
            vendor=vendor,
            use_case_slug=use_case_slug,
            use_case_title=use_case_title,
            summary=summary,
        )
        decision = decisions.propose_candidate(
            session, lead.workspace_id, slug, body, actor=lead.actor, person_id=lead.person_id
        )
    except ValidationError as error:
        session.rollback()
        response = _go(back)
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())
        flash(request, response, f"Not created — {reasons}", "error")
        return response
    except UptakeError as error:
        session.rollback()
        response = _go(back)
        reasons = "; ".join(f"{item.field}: {item.reason}" for item in getattr(error, "errors", []))
        flash(request, response, f"{error.detail}{' — ' + reasons if reasons else ''}", "error")
        return response
    response = _go(f"/governance/reviews/{decision.review_id}")
    flash(
        request, response, "The candidate is in the catalog as a draft, in intake review with its evidence."
    )
    return response


@router.post("/discovery/tools/{slug}/dismiss")
def dismiss_tool(
    slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage, note: Text = ""
) -> Response:
    return _act(
        request,
        session,
        lambda: decisions.dismiss_tool(
            session, lead.workspace_id, slug, schemas.ToolDecisionCreate(note=note), actor=lead.actor
        ),
        redirect=f"/discovery/tools/{slug}",
        message="Dismissed.",
    )


@router.post("/discovery/tools/{slug}/block")
def block_tool(
    slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage, note: Text = ""
) -> Response:
    return _act(
        request,
        session,
        lambda: decisions.block_tool(
            session, lead.workspace_id, slug, schemas.ToolDecisionCreate(note=note), actor=lead.actor
        ),
        redirect=f"/discovery/tools/{slug}",
        message="Blocked: its users are told.",
    )


# ---------------------------------------------------------------- the upload


def _import_context(**extra: Any) -> dict[str, Any]:
    return {"report": None, "columns": intake.GENERIC_COLUMNS, "umbrella": intake.UMBRELLA_FIELDS, **extra}


@router.get("/discovery/import")
def import_form(request: Request, lead: ProgramLeadPage) -> Response:
    return render(request, "discovery/import.html", _import_context())


@router.post("/discovery/import")
async def import_upload(
    request: Request,
    file: UploadFile,
    session: SessionDep,
    lead: ProgramLeadPage,
    dry_run: Annotated[str, Form(max_length=10)] = "",
    log_format: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    content = await file.read(MAX_CSV_BYTES + 1)
    context = _import_context(file_name=file.filename)
    try:
        if len(content) > MAX_CSV_BYTES:
            raise intake.LogFileInvalid(f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB")
        text = intake.decode(content)
        chosen = LogFormat(log_format) if log_format in {item.value for item in LogFormat} else None
        context["report"] = service.import_log(
            session,
            lead.workspace_id,
            io.StringIO(text, newline=""),
            dry_run=bool(dry_run),
            actor=lead.actor,
            file_name=file.filename or "",
            log_format=chosen,
        )
    except UptakeError as error:
        session.rollback()
        context["error"] = error
        return render(request, "discovery/import.html", context, status=error.status)
    return render(request, "discovery/import.html", context)


# ---------------------------------------------------------------- the workspace's own domains


@router.get("/discovery/services")
def services_page(request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    domains = service.list_service_domains(session, lead.workspace_id)
    return render(
        request,
        "discovery/services.html",
        {
            "own": [domain for domain in domains if domain.source == "workspace"],
            "shipped": [domain for domain in domains if domain.source == "shipped"],
            "categories": CATEGORIES,
            "map_version": service.service_map(session, lead.workspace_id).version,
        },
    )


@router.post("/discovery/services")
def add_service_domain(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    domain: Text = "",
    tool_slug: Text = "",
    tool_name: Text = "",
    vendor: Text = "",
    category: Text = "chat",
) -> Response:
    return _act(
        request,
        session,
        lambda: service.add_service_domain(
            session,
            lead.workspace_id,
            schemas.ServiceDomainCreate(
                domain=domain, tool_slug=tool_slug, tool_name=tool_name, vendor=vendor, category=category
            ),
            actor=lead.actor,
        ),
        redirect="/discovery/services",
        message=f"{domain} is mapped to {tool_name}.",
    )


@router.post("/discovery/services/remove")
def remove_service_domain(
    request: Request, session: SessionDep, lead: ProgramLeadPage, domain: Text = ""
) -> Response:
    return _act(
        request,
        session,
        lambda: service.remove_service_domain(session, lead.workspace_id, domain, actor=lead.actor),
        redirect="/discovery/services",
        message=f"{domain} is no longer mapped by this workspace.",
    )
