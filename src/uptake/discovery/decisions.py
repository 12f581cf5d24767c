"""What the programme decides about a discovered tool, each audited: a candidate in the catalog and in
governance's intake review with the figures attached, dismissed, or blocked (its users told through the outbox)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.comms.service import notifications as notifications_service
from uptake.db import utcnow
from uptake.discovery import repository, schemas
from uptake.discovery.ai_services import AIService
from uptake.discovery.figures import discovered_tool, people_linked_to, privacy_floor
from uptake.discovery.models import ToolDecision, ToolStatus
from uptake.discovery.service import service_map
from uptake.errors import Conflict, NotFound
from uptake.governance import service as governance_service

NOTICE_CATEGORY = "discovery"
SHADOW_AI_TAG = "shadow-ai"


class CandidateAlreadyProposed(Conflict):
    title = "This tool is a candidate already."


def _decide(
    session: Session,
    workspace_id: int,
    slug: str,
    status: ToolStatus,
    *,
    actor: str,
    note: str,
    use_case_slug: str | None = None,
    review_id: int | None = None,
    people_told: int = 0,
) -> ToolDecision:
    decision = repository.get_decision(session, workspace_id, slug)
    before = None
    if decision is None:
        decision = ToolDecision(workspace_id=workspace_id, tool_slug=slug, status=status, decided_by=actor)
        session.add(decision)
    else:
        before = {"status": decision.status.value, "note": decision.note}
    decision.status = status
    decision.note = note
    decision.decided_by = actor
    decision.decided_at = utcnow()
    if use_case_slug is not None:
        decision.use_case_slug = use_case_slug
        decision.review_id = review_id
    decision.people_told = people_told
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action=f"discovery.tool.{status.value}",
        target=f"discovery_tool:{slug}",
        before=before,
        after={
            "status": status.value,
            "note": note,
            "use_case_slug": decision.use_case_slug,
            "review_id": decision.review_id,
            "people_told": people_told,
        },
    )
    return decision


def evidence_of(tool: schemas.DiscoveredTool, *, k: int, map_version: str) -> dict[str, Any]:
    """What an intake review is opened with: the tool's figures as a program lead sees them (behind the floor)."""
    if tool.is_suppressed:
        summary = f"Found in the discovery logs: {tool.name} ({tool.vendor}), used by fewer than {k} people."
    else:
        summary = (
            f"Found in the discovery logs: {tool.name} ({tool.vendor}), used by {tool.people} people "
            f"from {tool.first_seen} to {tool.last_seen}, {tool.requests:,} requests."
        )
    return {
        "source": "discovery",
        "tool": tool.slug,
        "summary": summary,
        "people": tool.people,
        "teams": [team.model_dump() for team in tool.teams],
        "first_seen": tool.first_seen.isoformat() if tool.first_seen else None,
        "last_seen": tool.last_seen.isoformat() if tool.last_seen else None,
        "requests": tool.requests,
        "privacy_floor": k,
        "map_version": map_version,
        "link": f"/discovery/tools/{tool.slug}",
    }


def propose_candidate(
    session: Session,
    workspace_id: int,
    slug: str,
    body: schemas.CandidateCreate,
    *,
    actor: str,
    person_id: int | None,
) -> schemas.ToolDecision:
    """The tool (added to the catalog unless its slug is there) and a draft use case of it, tagged `shadow-ai`,
    entering governance's intake review with the discovery figures attached."""
    tool = discovered_tool(session, workspace_id, slug)
    decision = repository.get_decision(session, workspace_id, slug)
    if decision is not None and decision.status == ToolStatus.candidate:
        raise CandidateAlreadyProposed(
            f"{tool.name} is a candidate already (use case {decision.use_case_slug!r})", tool=slug
        )
    try:
        catalog_service.get_tool_by_slug(session, workspace_id, slug)
    except NotFound:
        catalog_service.create_tool(
            session,
            workspace_id,
            catalog_schemas.ToolCreate(slug=slug, name=body.tool_name, vendor=body.vendor),
            actor=actor,
        )
    k = privacy_floor(session, workspace_id)
    evidence = evidence_of(tool, k=k, map_version=service_map(session, workspace_id).version)
    summary = body.summary or evidence["summary"]
    catalog_service.create_use_case(
        session,
        workspace_id,
        catalog_schemas.UseCaseCreate(
            slug=body.use_case_slug,
            title=body.use_case_title,
            summary=summary,
            tool_slugs=[slug],
            tags=[SHADOW_AI_TAG],
        ),
        actor=actor,
        author_id=person_id,
    )
    review = governance_service.open_intake_review(
        session, workspace_id, body.use_case_slug, actor=actor, person_id=person_id, evidence=evidence
    )
    return schemas.ToolDecision.model_validate(
        _decide(
            session,
            workspace_id,
            slug,
            ToolStatus.candidate,
            actor=actor,
            note="",
            use_case_slug=body.use_case_slug,
            review_id=review.id,
        )
    )


def dismiss_tool(
    session: Session, workspace_id: int, slug: str, body: schemas.ToolDecisionCreate, *, actor: str
) -> schemas.ToolDecision:
    """Nothing to do about this tool (a false match, or use the programme accepts): it leaves the list of new
    tools, and the decision is audited."""
    people_linked_to(session, workspace_id, slug)
    return schemas.ToolDecision.model_validate(
        _decide(session, workspace_id, slug, ToolStatus.dismissed, actor=actor, note=body.note)
    )


def block_tool(
    session: Session, workspace_id: int, slug: str, body: schemas.ToolDecisionCreate, *, actor: str
) -> schemas.ToolDecision:
    """The tool is not to be used: recorded, and every person the logs link to it is told through the outbox
    (in the app, and by email for those who want it), with the reason given."""
    people = people_linked_to(session, workspace_id, slug)
    name = service_map(session, workspace_id).services.get(slug, AIService(slug, slug, "", "", ())).name
    reason = f"\n\n{body.note}" if body.note else ""
    notifications_service.enqueue_notification(
        session,
        workspace_id,
        person_ids=people,
        subject=f"{name} is not approved for work",
        body_markdown=(
            f"Our records show {name} was used from the company network. It is not approved for work use: "
            f"please stop using it for work.{reason}\n\nThe catalog lists the AI tools and use cases that are "
            "approved, with how to use them well."
        ),
        category=NOTICE_CATEGORY,
        link="/catalog",
        dedupe_key=f"discovery.blocked:{slug}",
    )
    return schemas.ToolDecision.model_validate(
        _decide(
            session,
            workspace_id,
            slug,
            ToolStatus.blocked,
            actor=actor,
            note=body.note,
            people_told=len(people),
        )
    )
