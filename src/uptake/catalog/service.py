"""The catalog's decisions: AI tools, use cases and their lifecycle, use cards and their versions. It stays
whole: a use case, its status and its use card change together; the pure rules live in ``lifecycle.py`` and
``use_card.py``.

Other domains call these: ``get_use_case_by_slug``, ``list_use_cases``, ``list_active_use_case_slugs``
(telemetry), ``pause_use_case`` / ``resume_use_case`` (rollout, trust), ``record_use_card_version`` (trust, after
an incident), ``get_tool_by_slug`` / ``list_tools`` (analytics' licence waste). Governance moves a use case
through review with ``record_governed_transition`` and sets its tier with ``set_use_case_risk_tier``. Governance and
trust hold a use case as a ``UseCaseRef`` (``get_use_case_ref`` and its kin), a copy and never the row.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.catalog import repository, schemas
from uptake.catalog.lifecycle import (
    PAUSABLE_STATUSES,
    Transition,
    describe_allowed,
    find_transition,
    transitions_from,
)
from uptake.catalog.models import DataClass, Tool, UseCardVersion, UseCase
from uptake.catalog.schemas import LIVE_STATUSES, TransitionActor, UseCaseRef, UseCaseStatus
from uptake.catalog.use_card import (
    SECTION_KEYS,
    SECTIONS,
    CompletenessReport,
    SectionDiff,
    UseCardSection,
    check_completeness,
    diff_use_cards,
)
from uptake.db import utcnow
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound


class ToolNotFound(NotFound):
    title = "There is no such AI tool in this workspace."


class ToolSlugTaken(Conflict):
    title = "An AI tool with this slug already exists."


class UseCaseNotFound(NotFound):
    title = "There is no such use case in this workspace."


class UseCaseSlugTaken(Conflict):
    title = "A use case with this slug already exists."


class IllegalTransition(Conflict):
    title = "The use case cannot move to that status from where it is."


class UseCaseRetired(Conflict):
    title = "A retired use case cannot be changed."


class UseCardVersionNotFound(NotFound):
    title = "This use card has no such version."


class UseCardUnchanged(Conflict):
    title = "The use card did not change, so no new version was recorded."


@dataclass(frozen=True)
class DataClassInfo:
    slug: str
    name: str
    description: str


DEFAULT_DATA_CLASSES = (
    DataClassInfo("public", "Public", "Published or meant to be published; no harm if anyone sees it."),
    DataClassInfo("internal", "Internal", "For people inside the organization; limited harm if it leaks."),
    DataClassInfo("confidential", "Confidential", "Customer, personal or business data a few may see."),
    DataClassInfo("restricted", "Restricted", "Special-category personal data, secrets, regulated data."),
)
# Statuses an employee sees in the catalog: live ones, and paused ones that were live.
PUBLISHED_STATUSES = LIVE_STATUSES


# ---------------------------------------------------------------- tools


def get_tool_by_slug(session: Session, workspace_id: int, slug: str) -> Tool:
    tool = repository.get_tool_by_slug(session, workspace_id, slug)
    if tool is None:
        raise ToolNotFound(f"no AI tool has the slug {slug!r}", slug=slug)
    return tool


def list_tools(session: Session, workspace_id: int) -> list[Tool]:
    """Every AI tool of the workspace, with its cost per seat per month and seats purchased."""
    return repository.list_tools(session, workspace_id)


def _tool_snapshot(tool: Tool) -> dict[str, Any]:
    return schemas.Tool.model_validate(tool).model_dump(mode="json", exclude={"created_at", "updated_at"})


def create_tool(session: Session, workspace_id: int, body: schemas.ToolCreate, *, actor: str) -> Tool:
    if repository.get_tool_by_slug(session, workspace_id, body.slug) is not None:
        raise ToolSlugTaken(f"the slug {body.slug!r} is taken; choose another", slug=body.slug)
    if body.owner_id is not None:
        _check_people(session, workspace_id, {"owner_id": [body.owner_id]})
    tool = Tool(workspace_id=workspace_id, **body.model_dump())
    session.add(tool)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="catalog.tool.created",
        target=f"tool:{tool.id}",
        after=_tool_snapshot(tool),
    )
    return tool


def update_tool(
    session: Session, workspace_id: int, slug: str, body: schemas.ToolUpdate, *, actor: str
) -> Tool:
    tool = get_tool_by_slug(session, workspace_id, slug)
    changes = body.model_dump(exclude_unset=True)
    if changes.get("owner_id") is not None:
        _check_people(session, workspace_id, {"owner_id": [changes["owner_id"]]})
    for required in ("name", "vendor", "hosting", "currency", "models"):
        if required in changes and changes[required] is None:
            raise InvalidInput(errors=[FieldError(required, "cannot be cleared")])
    before = _tool_snapshot(tool)
    for field, value in changes.items():
        setattr(tool, field, value)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="catalog.tool.updated",
        target=f"tool:{tool.id}",
        before=before,
        after=_tool_snapshot(tool),
    )
    return tool


# ---------------------------------------------------------------- references to the directory


def _check_people(session: Session, workspace_id: int, fields: dict[str, list[int]]) -> None:
    wanted = {person_id for ids in fields.values() for person_id in ids}
    found = {person.id for person in people_service.list_people_by_ids(session, workspace_id, sorted(wanted))}
    errors = [
        FieldError(field, f"person {person_id} is not in this workspace's directory")
        for field, ids in fields.items()
        for person_id in ids
        if person_id not in found
    ]
    if errors:
        raise InvalidInput(errors=errors)


def _check_references(session: Session, workspace_id: int, body: schemas.UseCaseFields) -> list[int] | None:
    """Check every id the use case names exists in this workspace; returns the tool ids for ``tool_slugs``."""
    sent = body.model_dump(exclude_unset=True)
    errors: list[FieldError] = []
    people: dict[str, list[int]] = {}
    if sent.get("owner_id") is not None:
        people["owner_id"] = [sent["owner_id"]]
    raci = body.raci or []
    for index, entry in enumerate(raci):
        if entry.person_id is not None:
            people[f"raci[{index}].person_id"] = [entry.person_id]
    if people:
        try:
            _check_people(session, workspace_id, people)
        except InvalidInput as error:
            errors.extend(error.errors)
    team_ids = set(body.target_team_ids or [])
    if body.owning_team_id is not None:
        team_ids.add(body.owning_team_id)
    if team_ids:
        known_teams = {team.id for team in teams_service.list_all_teams(session, workspace_id)}
        if body.owning_team_id is not None and body.owning_team_id not in known_teams:
            errors.append(FieldError("owning_team_id", f"team {body.owning_team_id} does not exist"))
        for index, team_id in enumerate(body.target_team_ids or []):
            if team_id not in known_teams:
                errors.append(FieldError(f"target_team_ids[{index}]", f"team {team_id} does not exist"))
    role_ids = set(body.target_job_role_ids or []) | {
        e.job_role_id for e in raci if e.job_role_id is not None
    }
    if role_ids:
        known_roles = {role.id for role in job_roles_service.list_all_job_roles(session, workspace_id)}
        for index, role_id in enumerate(body.target_job_role_ids or []):
            if role_id not in known_roles:
                errors.append(
                    FieldError(f"target_job_role_ids[{index}]", f"job role {role_id} does not exist")
                )
        for index, entry in enumerate(raci):
            if entry.job_role_id is not None and entry.job_role_id not in known_roles:
                errors.append(
                    FieldError(f"raci[{index}].job_role_id", f"job role {entry.job_role_id} does not exist")
                )
    if body.allowed_data_classes:
        known_classes = {data_class.slug for data_class in list_data_classes(session, workspace_id)}
        for index, slug in enumerate(body.allowed_data_classes):
            if slug not in known_classes:
                errors.append(
                    FieldError(
                        f"allowed_data_classes[{index}]",
                        f"{slug!r} is not a data class here; use one of: {', '.join(sorted(known_classes))}",
                    )
                )
    tool_ids = None
    if body.tool_slugs is not None:
        tools = {
            tool.slug: tool.id
            for tool in repository.list_tools_by_slugs(session, workspace_id, body.tool_slugs)
        }
        for index, slug in enumerate(body.tool_slugs):
            if slug not in tools:
                errors.append(FieldError(f"tool_slugs[{index}]", f"no AI tool has the slug {slug!r}"))
        tool_ids = [tools[slug] for slug in body.tool_slugs if slug in tools]
    if errors:
        raise InvalidInput(errors=errors)
    return tool_ids


# ---------------------------------------------------------------- use cases


def _use_case_snapshot(use_case: UseCase) -> dict[str, Any]:
    return schemas.UseCase.model_validate(use_case).model_dump(
        mode="json", exclude={"created_at", "updated_at", "status_changed_at"}
    )


SCALAR_FIELDS = (
    "title",
    "summary",
    "workflow",
    "workflow_step",
    "owning_team_id",
    "owner_id",
    "human_oversight",
    "target_adoption_percent",
    "target_acceptance_rate_percent",
    "target_minutes_saved_per_use",
    "estimated_minutes_saved_per_accepted_output",
)
LIST_FIELDS = ("allowed_data_classes", "required_training", "tags")
TEXT_FIELDS = ("summary", "workflow", "workflow_step")


def _apply_fields(
    session: Session, use_case: UseCase, body: schemas.UseCaseFields, tool_ids: list[int] | None
) -> None:
    sent = body.model_dump(exclude_unset=True)
    for field in SCALAR_FIELDS:
        if field in sent:
            value = sent[field]
            if value is None and field in TEXT_FIELDS:
                value = ""
            if value is None and field == "title":
                raise InvalidInput(errors=[FieldError("title", "cannot be cleared")])
            setattr(use_case, field, value)
    for field in LIST_FIELDS:
        if field in sent:
            setattr(use_case, field, list(dict.fromkeys(sent[field] or [])))
    if "raci" in sent:
        use_case.raci = [entry.model_dump(exclude_none=True) for entry in body.raci or []]
    repository.replace_links(
        session,
        use_case,
        tool_ids=tool_ids if "tool_slugs" in sent else None,
        job_role_ids=(body.target_job_role_ids or []) if "target_job_role_ids" in sent else None,
        team_ids=(body.target_team_ids or []) if "target_team_ids" in sent else None,
    )


def create_use_case(
    session: Session, workspace_id: int, body: schemas.UseCaseCreate, *, actor: str, author_id: int | None
) -> UseCase:
    """A new use case, in draft, with an empty use card (version 0 until the first card is recorded)."""
    if repository.get_use_case_by_slug(session, workspace_id, body.slug) is not None:
        raise UseCaseSlugTaken(f"the slug {body.slug!r} is taken; choose another", slug=body.slug)
    tool_ids = _check_references(session, workspace_id, body)
    use_case = UseCase(
        workspace_id=workspace_id,
        slug=body.slug,
        title=body.title,
        status=UseCaseStatus.draft,
        created_by_id=author_id,
        tool_links=[],
        job_role_links=[],
        team_links=[],
    )
    _apply_fields(session, use_case, body, tool_ids)
    session.add(use_case)
    session.flush()
    use_case = _reload(session, use_case)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="catalog.use_case.created",
        target=f"use_case:{use_case.id}",
        after=_use_case_snapshot(use_case),
    )
    return use_case


def update_use_case(
    session: Session, workspace_id: int, slug: str, body: schemas.UseCaseUpdate, *, actor: str
) -> UseCase:
    use_case = get_use_case_by_slug(session, workspace_id, slug)
    if use_case.status == UseCaseStatus.retired:
        raise UseCaseRetired(f"{slug!r} is retired; create a new use case instead", slug=slug)
    tool_ids = _check_references(session, workspace_id, body)
    before = _use_case_snapshot(use_case)
    _apply_fields(session, use_case, body, tool_ids)
    use_case.updated_at = utcnow()
    session.flush()
    use_case = _reload(session, use_case)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="catalog.use_case.updated",
        target=f"use_case:{use_case.id}",
        before=before,
        after=_use_case_snapshot(use_case),
    )
    return use_case


def _reload(session: Session, use_case: UseCase) -> UseCase:
    session.expire(use_case)
    return get_use_case(session, use_case.workspace_id, use_case.id)


def get_use_case_by_slug(session: Session, workspace_id: int, slug: str) -> UseCase:
    """The use case with its tools, target roles and teams loaded; UseCaseNotFound (404) when there is none."""
    use_case = repository.get_use_case_by_slug(session, workspace_id, slug)
    if use_case is None:
        raise UseCaseNotFound(f"no use case has the slug {slug!r}", slug=slug)
    return use_case


def get_use_case_for_viewer(
    session: Session, workspace_id: int, slug: str, *, sees_unpublished: bool
) -> UseCase:
    """The use case as the caller may see it: employees see only published ones (a draft is "not found")."""
    use_case = get_use_case_by_slug(session, workspace_id, slug)
    if not sees_unpublished and not is_published(use_case):
        raise UseCaseNotFound(f"no use case has the slug {slug!r}", slug=slug)
    return use_case


def find_use_case_by_slug(session: Session, workspace_id: int, slug: str) -> UseCase | None:
    return repository.get_use_case_by_slug(session, workspace_id, slug)


def get_use_case(session: Session, workspace_id: int, use_case_id: int) -> UseCase:
    use_case = repository.get_use_case(session, workspace_id, use_case_id)
    if use_case is None:
        raise UseCaseNotFound(f"use case {use_case_id} does not exist", use_case_id=use_case_id)
    return use_case


def use_case_ref(use_case: UseCase) -> UseCaseRef:
    """What another domain may hold of the use case (a copy, not the row)."""
    return UseCaseRef(
        id=use_case.id,
        slug=use_case.slug,
        title=use_case.title,
        status=use_case.status,
        paused_from=use_case.paused_from,
        risk_tier=use_case.risk_tier,
        owner_id=use_case.owner_id,
        use_card_version=use_case.use_card_version,
    )


def describe_use_case(session: Session, workspace_id: int, slug: str) -> schemas.UseCase:
    """The use case as the API answers it, for another domain that answers it (governance's transitions)."""
    return schemas.UseCase.model_validate(get_use_case_by_slug(session, workspace_id, slug))


def get_use_case_ref(session: Session, workspace_id: int, slug: str) -> UseCaseRef:
    """The use case as other domains hold it; UseCaseNotFound (404) when there is none."""
    return use_case_ref(get_use_case_by_slug(session, workspace_id, slug))


def get_use_case_ref_by_id(session: Session, workspace_id: int, use_case_id: int) -> UseCaseRef:
    return use_case_ref(get_use_case(session, workspace_id, use_case_id))


def find_use_case_ref(session: Session, workspace_id: int, slug: str) -> UseCaseRef | None:
    found = find_use_case_by_slug(session, workspace_id, slug)
    return use_case_ref(found) if found is not None else None


def list_use_case_refs_by_ids(
    session: Session, workspace_id: int, use_case_ids: Collection[int]
) -> list[UseCaseRef]:
    return [use_case_ref(found) for found in list_use_cases_by_ids(session, workspace_id, use_case_ids)]


def list_use_cases_by_ids(
    session: Session, workspace_id: int, use_case_ids: Collection[int]
) -> list[UseCase]:
    return repository.list_use_cases_by_ids(session, workspace_id, use_case_ids)


def list_use_cases(
    session: Session,
    workspace_id: int,
    *,
    statuses: Collection[UseCaseStatus] | None = None,
    search: str | None = None,
    tool_slug: str | None = None,
    risk_tier: str | None = None,
    for_person_id: int | None = None,
    published_only: bool = False,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[UseCase], int]:
    """One page of use cases (by title) and how many match in all. ``for_person_id`` keeps the use cases aimed
    at that person's job role or at their team or a team above it; ``published_only``, what employees see."""
    job_role_id, team_ids = None, None
    if for_person_id is not None:
        job_role_id, team_ids = audience_of_person(session, workspace_id, for_person_id)
        if job_role_id is None and not team_ids:
            return [], 0
    return repository.list_use_cases(
        session,
        workspace_id,
        statuses=statuses,
        published_only=published_only,
        search=search,
        tool_slug=tool_slug,
        risk_tier=risk_tier,
        job_role_id=job_role_id,
        team_ids=team_ids,
        limit=limit,
        offset=offset,
    )


def list_active_use_case_slugs(session: Session, workspace_id: int) -> list[str]:
    """Slugs of use cases people may be using now (approved, piloting, rolling out, generally available, or
    paused): telemetry flags events for any other ``use_case`` as unknown."""
    return repository.list_use_case_slugs(session, workspace_id, {*LIVE_STATUSES, UseCaseStatus.paused})


def is_published(use_case: UseCase | UseCaseRef) -> bool:
    """Whether employees see it in the catalog: live, or paused after it was live."""
    if use_case.status == UseCaseStatus.paused:
        return use_case.paused_from in LIVE_STATUSES
    return use_case.status in LIVE_STATUSES


def audience_of_person(session: Session, workspace_id: int, person_id: int) -> tuple[int | None, list[int]]:
    """The person's job role and their team with every team above it: a use case aimed at a department is for
    everyone in its subteams too."""
    person = people_service.get_person(session, workspace_id, person_id)
    if person.team_id is None:
        return person.job_role_id, []
    team = teams_service.get_team(session, workspace_id, person.team_id)
    return person.job_role_id, sorted({person.team_id, *teams_service.path_ids(team)})


# ---------------------------------------------------------------- lifecycle


def allowed_transitions(use_case: UseCase | UseCaseRef) -> list[Transition]:
    return transitions_from(use_case.status, paused_from=use_case.paused_from)


def _move(
    session: Session, use_case: UseCase, transition: Transition, *, actor: str, reason: str | None
) -> None:
    before = {
        "status": use_case.status.value,
        "paused_from": use_case.paused_from.value if use_case.paused_from else None,
    }
    if transition.target == UseCaseStatus.paused:
        use_case.paused_from = use_case.status
    elif use_case.status == UseCaseStatus.paused:
        use_case.paused_from = None
    use_case.status = transition.target
    use_case.status_changed_at = utcnow()
    session.flush()
    audit_service.record_audit_entry(
        session,
        use_case.workspace_id,
        actor=actor,
        action="catalog.use_case.transitioned",
        target=f"use_case:{use_case.id}",
        before=before,
        after={
            "status": use_case.status.value,
            "paused_from": use_case.paused_from.value if use_case.paused_from else None,
            "action": transition.action,
            "by": transition.actor.value,
            "reason": reason,
        },
    )


def _illegal(use_case: UseCase, target: UseCaseStatus, why: str) -> IllegalTransition:
    allowed = allowed_transitions(use_case)
    return IllegalTransition(
        f"{use_case.slug!r} is {use_case.status.value}; {why}. From {use_case.status.value} it may move to: "
        f"{describe_allowed(use_case.status, paused_from=use_case.paused_from)}",
        slug=use_case.slug,
        current_status=use_case.status.value,
        requested_status=target.value,
        allowed=sorted({transition.target.value for transition in allowed}),
    )


def change_use_case_status(
    session: Session,
    workspace_id: int,
    slug: str,
    target: UseCaseStatus,
    *,
    actor: str,
    reason: str | None = None,
) -> UseCase:
    """A program lead's move (pilot, roll out, pause, resume, withdraw, retire…). Submission and the review's
    outcomes are refused here: governance makes those, so "approved" always has its approvals."""
    use_case = get_use_case_by_slug(session, workspace_id, slug)
    transition = find_transition(
        use_case.status, target, TransitionActor.program_lead, paused_from=use_case.paused_from
    )
    if transition is None:
        governed = [
            candidate
            for candidate in allowed_transitions(use_case)
            if candidate.target == target and candidate.actor != TransitionActor.program_lead
        ]
        if governed and governed[0].actor == TransitionActor.submission:
            why = f"moving to {target.value} happens by submitting it for review"
        elif governed:
            why = f"only its review decides {target.value} (four-eyes approval by the required reviewers)"
        else:
            why = f"it cannot move to {target.value}"
        raise _illegal(use_case, target, why)
    _move(session, use_case, transition, actor=actor, reason=reason)
    return use_case


def record_governed_transition(
    session: Session,
    workspace_id: int,
    use_case_id: int,
    target: UseCaseStatus,
    *,
    actor: str,
    action: str,
    by: TransitionActor,
    reason: str | None = None,
) -> UseCase:
    """Governance's moves: submission for review, and a review's outcome. Refused unless the table allows it."""
    use_case = get_use_case(session, workspace_id, use_case_id)
    if by == TransitionActor.program_lead:
        raise ValueError("program-lead moves go through change_use_case_status")
    transition = find_transition(use_case.status, target, by, paused_from=use_case.paused_from, action=action)
    if transition is None:
        raise _illegal(use_case, target, f"{action} cannot move it to {target.value} now")
    _move(session, use_case, transition, actor=actor, reason=reason)
    return use_case


def pause_use_case(
    session: Session, workspace_id: int, slug: str, *, actor: str, reason: str | None = None
) -> UseCase:
    """Pause a use case (an incident, a failed gate); pausing a paused use case changes nothing."""
    use_case = get_use_case_by_slug(session, workspace_id, slug)
    if use_case.status == UseCaseStatus.paused:
        return use_case
    if use_case.status not in PAUSABLE_STATUSES:
        raise _illegal(use_case, UseCaseStatus.paused, "it cannot be paused")
    return change_use_case_status(
        session, workspace_id, slug, UseCaseStatus.paused, actor=actor, reason=reason
    )


def resume_use_case(
    session: Session, workspace_id: int, slug: str, *, actor: str, reason: str | None = None
) -> UseCase:
    """Return a paused use case to the status it was paused from."""
    use_case = get_use_case_by_slug(session, workspace_id, slug)
    if use_case.status != UseCaseStatus.paused or use_case.paused_from is None:
        raise _illegal(
            use_case, use_case.paused_from or UseCaseStatus.paused, "only a paused use case resumes"
        )
    return change_use_case_status(
        session, workspace_id, slug, use_case.paused_from, actor=actor, reason=reason
    )


def set_use_case_risk_tier(
    session: Session, workspace_id: int, use_case_id: int, risk_tier: str | None, *, actor: str
) -> UseCase:
    """Governance records the use case's effective risk tier here, so the catalog can filter by it."""
    use_case = get_use_case(session, workspace_id, use_case_id)
    if use_case.risk_tier == risk_tier:
        return use_case
    before = {"risk_tier": use_case.risk_tier}
    use_case.risk_tier = risk_tier
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="catalog.use_case.risk_tier_set",
        target=f"use_case:{use_case.id}",
        before=before,
        after={"risk_tier": risk_tier},
    )
    return use_case


# ---------------------------------------------------------------- use cards


def get_use_card(
    session: Session, workspace_id: int, use_case: UseCase | UseCaseRef
) -> UseCardVersion | None:
    """The current version of the use case's card, or None before the first one is recorded."""
    if not use_case.use_card_version:
        return None
    return repository.get_use_card_version(session, workspace_id, use_case.id, use_case.use_card_version)


def list_current_use_cards(
    session: Session, workspace_id: int, use_cases: Collection[UseCase]
) -> dict[int, UseCardVersion]:
    return repository.list_latest_use_cards(session, workspace_id, use_cases)


def get_use_card_version(session: Session, workspace_id: int, slug: str, version: int) -> UseCardVersion:
    use_case = get_use_case_by_slug(session, workspace_id, slug)
    card = repository.get_use_card_version(session, workspace_id, use_case.id, version)
    if card is None:
        raise UseCardVersionNotFound(
            f"{slug!r} has versions 1 to {use_case.use_card_version}, not {version}", version=version
        )
    return card


def list_use_card_versions(session: Session, workspace_id: int, slug: str) -> list[UseCardVersion]:
    """Newest first."""
    use_case = get_use_case_by_slug(session, workspace_id, slug)
    return repository.list_use_card_versions(session, workspace_id, use_case.id)


def record_use_card_version(
    session: Session,
    workspace_id: int,
    slug: str,
    content: schemas.UseCardContent,
    *,
    changelog: str,
    actor: str,
    author_id: int | None,
) -> UseCardVersion:
    """Publish a new version of the use card with its changelog line (the trust issue calls this after an
    incident). A card identical to the current one is refused: every version is a real change."""
    use_case = get_use_case_by_slug(session, workspace_id, slug)
    if use_case.status == UseCaseStatus.retired:
        raise UseCaseRetired(f"{slug!r} is retired; its use card is kept as it was", slug=slug)
    changelog = changelog.strip()
    if not changelog:
        raise InvalidInput(errors=[FieldError("changelog", "say in one line what changed")])
    current = get_use_card(session, workspace_id, use_case)
    sections = content.sections()
    if current is not None and all(getattr(current, key) == sections[key] for key in SECTION_KEYS):
        raise UseCardUnchanged(
            f"version {current.version} already says exactly this", version=current.version
        )
    version = UseCardVersion(
        workspace_id=workspace_id,
        use_case_id=use_case.id,
        version=use_case.use_card_version + 1,
        changelog=changelog,
        author_id=author_id,
        **sections,
    )
    session.add(version)
    use_case.use_card_version = version.version
    use_case.updated_at = utcnow()
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="catalog.use_card.versioned",
        target=f"use_case:{use_case.id}",
        before={"version": version.version - 1},
        after={
            "version": version.version,
            "changelog": changelog,
            "changed_sections": [
                key for key in SECTION_KEYS if current is None or getattr(current, key) != sections[key]
            ],
        },
    )
    return version


def diff_use_card_versions(
    session: Session, workspace_id: int, slug: str, from_version: int, to_version: int
) -> list[SectionDiff]:
    """Section by section, what changed from ``from_version`` to ``to_version`` (0 is the empty card)."""
    before = get_use_card_version(session, workspace_id, slug, from_version) if from_version else None
    after = get_use_card_version(session, workspace_id, slug, to_version)
    return diff_use_cards(before, after)


def check_use_case_completeness(session: Session, workspace_id: int, slug: str) -> CompletenessReport:
    """Which answers and fields are missing or thin; submitting for review needs a complete use case."""
    use_case = get_use_case_by_slug(session, workspace_id, slug)
    return check_completeness(use_case, get_use_card(session, workspace_id, use_case))


# ---------------------------------------------------------------- data classes


def list_data_classes(session: Session, workspace_id: int) -> list[DataClassInfo]:
    """The workspace's data classes, most open first; the default four until the workspace sets its own."""
    stored = repository.list_data_classes(session, workspace_id)
    if not stored:
        return list(DEFAULT_DATA_CLASSES)
    return [DataClassInfo(row.slug, row.name, row.description) for row in stored]


def replace_data_classes(
    session: Session, workspace_id: int, classes: list[schemas.DataClassInput], *, actor: str
) -> list[DataClassInfo]:
    slugs = [data_class.slug for data_class in classes]
    if not classes:
        raise InvalidInput(errors=[FieldError("body", "give at least one data class")])
    duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if duplicates:
        raise InvalidInput(errors=[FieldError("body", f"slugs appear twice: {', '.join(duplicates)}")])
    before = [data_class.slug for data_class in list_data_classes(session, workspace_id)]
    repository.delete_data_classes(session, workspace_id)
    for rank, data_class in enumerate(classes):
        session.add(
            DataClass(
                workspace_id=workspace_id,
                slug=data_class.slug,
                name=data_class.name,
                description=data_class.description,
                rank=rank,
            )
        )
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="catalog.data_classes.replaced",
        target=f"workspace:{workspace_id}",
        before={"data_classes": before},
        after={"data_classes": slugs},
    )
    return list_data_classes(session, workspace_id)


def use_card_sections() -> tuple[UseCardSection, ...]:
    """The sections of a use card, in the order a card shows them (for pages that show a card's sections)."""
    return SECTIONS
