"""The catalog's pages that show what several domains say about use cases: the employee catalog and the list of
use cases (with governance's decisions and risk tier names), the use-case page (with its review, conditions and
trust label) and its transitions (decided by governance). They read catalog, governance, trust and analytics, so
they live in the app layer; the catalog's editor pages stay in `catalog/pages.py`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from uptake.access.dependencies import EmployeePage, ProgramLeadPage, SessionDep
from uptake.access.roles import Role
from uptake.analytics.dependencies import get_analytics
from uptake.catalog import service as catalog_service
from uptake.catalog.pages import PAGE_SIZE, names_of_people, sees_unpublished
from uptake.catalog.schemas import LIVE_STATUSES, TransitionActor, UseCaseStatus
from uptake.catalog.use_card import SECTIONS
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import teams as teams_service
from uptake.errors import UptakeError
from uptake.governance import service as governance_service
from uptake.trust import trust_score
from uptake.web.flash import flash
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)


def _tier_names(session: Session, workspace_id: int) -> dict[str, str]:
    questionnaire = governance_service.get_risk_questionnaire(session, workspace_id)
    return {tier.id: tier.name for tier in questionnaire.tiers}


# ---------------------------------------------------------------- the employee catalog


@router.get("/catalog")
def catalog(
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    q: Annotated[str, Query(max_length=200)] = "",
    tool: Annotated[str, Query(max_length=63)] = "",
    tier: Annotated[str, Query(max_length=60)] = "",
    status: Annotated[str, Query(max_length=30)] = "",
    for_me: Annotated[str, Query(max_length=5)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    """Approved use cases an employee may use, with search and filters; "for my role" keeps those aimed at the
    caller's job role or teams."""
    statuses = None
    if status in {s.value for s in LIVE_STATUSES} or status == UseCaseStatus.paused.value:
        statuses = [UseCaseStatus(status)]
    use_cases, total = catalog_service.list_use_cases(
        session,
        caller.workspace_id,
        statuses=statuses,
        published_only=True,
        search=q or None,
        tool_slug=tool or None,
        risk_tier=tier or None,
        for_person_id=caller.person_id if for_me and caller.person_id is not None else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    decisions = governance_service.latest_decisions(session, caller.workspace_id, [u.id for u in use_cases])
    context = {
        "use_cases": use_cases,
        "total": total,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "tools": catalog_service.list_tools(session, caller.workspace_id),
        "tier_names": _tier_names(session, caller.workspace_id),
        "statuses": [*sorted(s.value for s in LIVE_STATUSES), UseCaseStatus.paused.value],
        "filters": {"q": q, "tool": tool, "tier": tier, "status": status, "for_me": bool(for_me)},
        "owners": names_of_people(session, caller.workspace_id, {u.owner_id for u in use_cases}),
        "decisions": decisions,
    }
    return render(request, "catalog/catalog.html", context)


# ---------------------------------------------------------------- the editor's list


@router.get("/use-cases")
def use_cases(
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    status: Annotated[str, Query(max_length=30)] = "",
    q: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """Every use case in every status, for program leads and reviewers; employees go to the catalog."""
    if not sees_unpublished(caller):
        return RedirectResponse("/catalog", status_code=303)
    statuses = [UseCaseStatus(status)] if status in {s.value for s in UseCaseStatus} else None
    items, total = catalog_service.list_use_cases(
        session, caller.workspace_id, statuses=statuses, search=q or None, limit=500
    )
    context = {
        "use_cases": items,
        "total": total,
        "statuses": [s.value for s in UseCaseStatus],
        "filters": {"status": status, "q": q},
        "tier_names": _tier_names(session, caller.workspace_id),
        "owners": names_of_people(session, caller.workspace_id, {u.owner_id for u in items}),
    }
    return render(request, "catalog/use_cases.html", context)


@router.get("/use-cases/{slug}")
def use_case_page(slug: str, request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    """The use case with its use card, conditions, trust label and (for leads and reviewers) its governance."""
    workspace_id = caller.workspace_id
    use_case = catalog_service.get_use_case_for_viewer(
        session, workspace_id, slug, sees_unpublished=sees_unpublished(caller)
    )
    card = catalog_service.get_use_card(session, workspace_id, use_case)
    decisions = governance_service.latest_decisions(session, workspace_id, [use_case.id])
    assessment = governance_service.get_risk_assessment(session, workspace_id, use_case.id)
    tool_slugs = set(use_case.tool_slugs)
    is_lead = caller.has_role(Role.program_lead)
    open_review = (
        governance_service.get_open_review_view(session, workspace_id, use_case.id)
        if sees_unpublished(caller)
        else None
    )
    transitions = [
        transition
        for transition in catalog_service.allowed_transitions(use_case)
        if transition.actor in (TransitionActor.program_lead, TransitionActor.submission)
    ]
    raci_people = names_of_people(
        session, workspace_id, {use_case.owner_id, *(entry.get("person_id") for entry in use_case.raci)}
    )
    decision = decisions.get(use_case.id)
    tier_names = _tier_names(session, workspace_id)
    trust_label = {
        "owner": raci_people.get(use_case.owner_id or 0),
        "last_review": decision.decided_at if decision else None,
        "next_review": decision.next_review_on if decision else None,
        "tier": use_case.risk_tier,
        "tier_name": tier_names.get(use_case.risk_tier or ""),
        "status": use_case.status,
        **trust_score.trust_label(
            session, workspace_id, catalog_service.use_case_ref(use_case), get_analytics(request)
        ),
    }
    context = {
        "use_case": use_case,
        "card": card,
        "trust_label": trust_label,
        "sections": SECTIONS,
        "versions": catalog_service.list_use_card_versions(session, workspace_id, slug),
        "conditions": governance_service.list_use_case_conditions(session, workspace_id, use_case.id),
        "decision": decision,
        "assessment": assessment,
        "tier_names": tier_names,
        "tools": [
            tool for tool in catalog_service.list_tools(session, workspace_id) if tool.slug in tool_slugs
        ],
        "teams": {team.id: team.name for team in teams_service.list_all_teams(session, workspace_id)},
        "job_roles": {
            role.id: role.name for role in job_roles_service.list_all_job_roles(session, workspace_id)
        },
        "people": raci_people,
        "data_classes": {dc.slug: dc.name for dc in catalog_service.list_data_classes(session, workspace_id)},
        "is_lead": is_lead,
        "sees_governance": sees_unpublished(caller),
        "transitions": transitions if is_lead else [],
        "completeness": catalog_service.check_use_case_completeness(session, workspace_id, slug)
        if is_lead and use_case.status == UseCaseStatus.draft
        else None,
        "open_review": open_review,
        # Reviewers and leads may review a live use case again before its date (the overdue list is the reminder).
        "can_start_re_review": sees_unpublished(caller)
        and use_case.status in LIVE_STATUSES
        and open_review is None,
        "is_published": catalog_service.is_published(use_case),
    }
    return render(request, "catalog/use_case.html", context)


@router.post("/use-cases/{slug}/transitions")
def transition_use_case(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    to: Annotated[str, Form(max_length=30)],
    reason: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    response = RedirectResponse(f"/use-cases/{slug}", status_code=303)
    try:
        target = UseCaseStatus(to)
        use_case = governance_service.move_use_case(
            session,
            lead.workspace_id,
            slug,
            target,
            actor=lead.actor,
            person_id=lead.person_id,
            reason=reason or None,
        )
    except ValueError:
        flash(request, response, f"{to!r} is not a status.", "error")
        return response
    except UptakeError as error:
        session.rollback()
        details = "; ".join(f"{e.reason}" for e in error.errors[:6])
        flash(request, response, f"{error.detail}{': ' + details if details else ''}", "error")
        return response
    flash(
        request, response, f"“{use_case.title}” is now {use_case.status.value.replace('_', ' ')}.", "success"
    )
    return response
