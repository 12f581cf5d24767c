from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Path, Query

from uptake.access.dependencies import Employee, ProgramLead, Reviewer, SessionDep
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.catalog import schemas, service
from uptake.catalog.models import Tool, UseCardVersion, UseCase
from uptake.catalog.schemas import UseCaseStatus

router = APIRouter(tags=["catalog"])

SlugPath = Annotated[str, Path(max_length=63)]
VersionPath = Annotated[int, Path(ge=1, le=1_000_000)]


def sees_unpublished(caller: Principal) -> bool:
    """Program leads and reviewers see drafts and use cases in review; employees only published ones."""
    return caller.has_role(Role.program_lead, Role.reviewer)


# ---------------------------------------------------------------- tools


@router.get("/tools", response_model=list[schemas.Tool])
def list_tools(session: SessionDep, caller: Employee) -> list[Tool]:
    return service.list_tools(session, caller.workspace_id)


@router.post("/tools", status_code=201, response_model=schemas.Tool)
def create_tool(body: schemas.ToolCreate, session: SessionDep, lead: ProgramLead) -> Tool:
    return service.create_tool(session, lead.workspace_id, body, actor=lead.actor)


@router.get("/tools/{slug}", response_model=schemas.Tool)
def get_tool(slug: SlugPath, session: SessionDep, caller: Employee) -> Tool:
    return service.get_tool_by_slug(session, caller.workspace_id, slug)


@router.patch("/tools/{slug}", response_model=schemas.Tool)
def update_tool(slug: SlugPath, body: schemas.ToolUpdate, session: SessionDep, lead: ProgramLead) -> Tool:
    return service.update_tool(session, lead.workspace_id, slug, body, actor=lead.actor)


# ---------------------------------------------------------------- use cases


@router.get("/use-cases", response_model=schemas.UseCasePage)
def list_use_cases(
    session: SessionDep,
    caller: Employee,
    q: Annotated[str | None, Query(max_length=200, description="Words in the title, summary or slug")] = None,
    tool: Annotated[
        str | None, Query(max_length=63, description="Only use cases using this tool (slug)")
    ] = None,
    tier: Annotated[str | None, Query(max_length=60, description="Only this risk tier")] = None,
    status: Annotated[UseCaseStatus | None, Query(description="Only this status")] = None,
    for_me: Annotated[
        bool, Query(description="Only use cases aimed at the caller's job role or teams")
    ] = False,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> schemas.UseCasePage:
    items, total = service.list_use_cases(
        session,
        caller.workspace_id,
        statuses=[status] if status else None,
        published_only=not sees_unpublished(caller),
        search=q,
        tool_slug=tool,
        risk_tier=tier,
        for_person_id=caller.person_id if for_me else None,
        limit=limit,
        offset=offset,
    )
    return schemas.UseCasePage(
        items=[schemas.UseCase.model_validate(item) for item in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("/use-cases", status_code=201, response_model=schemas.UseCase)
def create_use_case(body: schemas.UseCaseCreate, session: SessionDep, lead: ProgramLead) -> UseCase:
    return service.create_use_case(
        session, lead.workspace_id, body, actor=lead.actor, author_id=lead.person_id
    )


@router.get("/use-cases/{slug}", response_model=schemas.UseCase)
def get_use_case(slug: SlugPath, session: SessionDep, caller: Employee) -> UseCase:
    return service.get_use_case_for_viewer(
        session, caller.workspace_id, slug, sees_unpublished=sees_unpublished(caller)
    )


@router.patch("/use-cases/{slug}", response_model=schemas.UseCase)
def update_use_case(
    slug: SlugPath, body: schemas.UseCaseUpdate, session: SessionDep, lead: ProgramLead
) -> UseCase:
    return service.update_use_case(session, lead.workspace_id, slug, body, actor=lead.actor)


@router.get("/use-cases/{slug}/completeness", response_model=schemas.CompletenessReport)
def get_completeness(slug: SlugPath, session: SessionDep, reviewer: Reviewer) -> schemas.CompletenessReport:
    report = service.check_use_case_completeness(session, reviewer.workspace_id, slug)
    return schemas.CompletenessReport(
        is_complete=report.is_complete,
        items=[schemas.CompletenessItem.model_validate(item) for item in report.items],
    )


# ---------------------------------------------------------------- use cards


@router.get("/use-cases/{slug}/use-card", response_model=schemas.UseCardVersion)
def get_use_card(slug: SlugPath, session: SessionDep, caller: Employee) -> UseCardVersion:
    use_case = service.get_use_case_for_viewer(
        session, caller.workspace_id, slug, sees_unpublished=sees_unpublished(caller)
    )
    return service.get_use_card_version(session, caller.workspace_id, slug, use_case.use_card_version)


@router.get("/use-cases/{slug}/use-card/versions", response_model=list[schemas.UseCardVersionSummary])
def list_use_card_versions(slug: SlugPath, session: SessionDep, caller: Employee) -> list[UseCardVersion]:
    service.get_use_case_for_viewer(
        session, caller.workspace_id, slug, sees_unpublished=sees_unpublished(caller)
    )
    return service.list_use_card_versions(session, caller.workspace_id, slug)


@router.post("/use-cases/{slug}/use-card/versions", status_code=201, response_model=schemas.UseCardVersion)
def record_use_card_version(
    slug: SlugPath, body: schemas.UseCardVersionCreate, session: SessionDep, lead: ProgramLead
) -> UseCardVersion:
    """Publish a new version of the use card; ``changelog`` says in one line what changed."""
    content = schemas.UseCardContent.model_validate(body.model_dump(exclude={"changelog"}))
    return service.record_use_card_version(
        session,
        lead.workspace_id,
        slug,
        content,
        changelog=body.changelog,
        actor=lead.actor,
        author_id=lead.person_id,
    )


@router.get("/use-cases/{slug}/use-card/versions/{version}", response_model=schemas.UseCardVersion)
def get_use_card_version(
    slug: SlugPath, version: VersionPath, session: SessionDep, caller: Employee
) -> UseCardVersion:
    service.get_use_case_for_viewer(
        session, caller.workspace_id, slug, sees_unpublished=sees_unpublished(caller)
    )
    return service.get_use_card_version(session, caller.workspace_id, slug, version)


@router.get("/use-cases/{slug}/use-card/diff", response_model=schemas.UseCardDiff)
def diff_use_card_versions(
    slug: SlugPath,
    session: SessionDep,
    caller: Employee,
    from_version: Annotated[int, Query(alias="from", ge=0, le=1_000_000, description="0: the empty card")],
    to_version: Annotated[int, Query(alias="to", ge=1, le=1_000_000)],
) -> schemas.UseCardDiff:
    service.get_use_case_for_viewer(
        session, caller.workspace_id, slug, sees_unpublished=sees_unpublished(caller)
    )
    sections = service.diff_use_card_versions(session, caller.workspace_id, slug, from_version, to_version)
    return schemas.UseCardDiff(
        from_version=from_version,
        to_version=to_version,
        sections=[schemas.SectionDiff.model_validate(section) for section in sections],
    )


# ---------------------------------------------------------------- data classes


@router.get("/data-classes", response_model=list[schemas.DataClass])
def list_data_classes(session: SessionDep, caller: Employee) -> list[service.DataClassInfo]:
    return service.list_data_classes(session, caller.workspace_id)


@router.put("/data-classes", response_model=list[schemas.DataClass])
def replace_data_classes(
    body: Annotated[list[schemas.DataClassInput], Body(max_length=50, description="Most open first")],
    session: SessionDep,
    lead: ProgramLead,
) -> list[service.DataClassInfo]:
    return service.replace_data_classes(session, lead.workspace_id, body, actor=lead.actor)
