from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any, TypeVar

from sqlalchemy import Select, and_, delete, func, or_, select
from sqlalchemy.orm import Session, selectinload

from uptake.catalog.models import (
    DataClass,
    Tool,
    UseCardVersion,
    UseCase,
    UseCaseJobRole,
    UseCaseTeam,
    UseCaseTool,
)
from uptake.catalog.schemas import LIVE_STATUSES, UseCaseStatus

SelectT = TypeVar("SelectT", bound=Select[Any])


def _with_links(query: SelectT) -> SelectT:
    return query.options(
        selectinload(UseCase.tool_links).selectinload(UseCaseTool.tool),
        selectinload(UseCase.job_role_links),
        selectinload(UseCase.team_links),
    )


# ---------------------------------------------------------------- tools


def get_tool_by_slug(session: Session, workspace_id: int, slug: str) -> Tool | None:
    return session.scalar(select(Tool).where(Tool.workspace_id == workspace_id, Tool.slug == slug))


def list_tools(session: Session, workspace_id: int) -> list[Tool]:
    query = select(Tool).where(Tool.workspace_id == workspace_id).order_by(Tool.name, Tool.id)
    return list(session.scalars(query))


def list_tools_by_slugs(session: Session, workspace_id: int, slugs: Collection[str]) -> list[Tool]:
    if not slugs:
        return []
    query = select(Tool).where(Tool.workspace_id == workspace_id, Tool.slug.in_(list(slugs)))
    return list(session.scalars(query))


# ---------------------------------------------------------------- use cases


def get_use_case_by_slug(session: Session, workspace_id: int, slug: str) -> UseCase | None:
    query = _with_links(select(UseCase).where(UseCase.workspace_id == workspace_id, UseCase.slug == slug))
    return session.scalar(query)


def get_use_case(session: Session, workspace_id: int, use_case_id: int) -> UseCase | None:
    query = _with_links(
        select(UseCase).where(UseCase.workspace_id == workspace_id, UseCase.id == use_case_id)
    )
    return session.scalar(query)


def list_use_cases_by_ids(
    session: Session, workspace_id: int, use_case_ids: Collection[int]
) -> list[UseCase]:
    if not use_case_ids:
        return []
    query = _with_links(
        select(UseCase).where(UseCase.workspace_id == workspace_id, UseCase.id.in_(list(use_case_ids)))
    ).order_by(UseCase.title, UseCase.id)
    return list(session.scalars(query))


def _use_case_filters(
    query: Select[Any],
    workspace_id: int,
    *,
    statuses: Collection[UseCaseStatus] | None,
    published_only: bool,
    search: str | None,
    tool_slug: str | None,
    risk_tier: str | None,
    job_role_id: int | None,
    team_ids: Collection[int] | None,
) -> Select[Any]:
    query = query.where(UseCase.workspace_id == workspace_id)
    if statuses is not None:
        query = query.where(UseCase.status.in_(list(statuses)))
    if published_only:
        query = query.where(
            or_(
                UseCase.status.in_(list(LIVE_STATUSES)),
                and_(UseCase.status == UseCaseStatus.paused, UseCase.paused_from.in_(list(LIVE_STATUSES))),
            )
        )
    if search:
        escaped = search.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        query = query.where(
            or_(
                func.lower(UseCase.title).like(pattern, escape="\\"),
                func.lower(UseCase.summary).like(pattern, escape="\\"),
                func.lower(UseCase.slug).like(pattern, escape="\\"),
            )
        )
    if tool_slug:
        tool_use_cases = (
            select(UseCaseTool.use_case_id)
            .join(Tool, Tool.id == UseCaseTool.tool_id)
            .where(UseCaseTool.workspace_id == workspace_id, Tool.slug == tool_slug)
        )
        query = query.where(UseCase.id.in_(tool_use_cases))
    if risk_tier:
        query = query.where(UseCase.risk_tier == risk_tier)
    if job_role_id is not None or team_ids:
        audiences = []
        if job_role_id is not None:
            audiences.append(
                UseCase.id.in_(
                    select(UseCaseJobRole.use_case_id).where(
                        UseCaseJobRole.workspace_id == workspace_id, UseCaseJobRole.job_role_id == job_role_id
                    )
                )
            )
        if team_ids:
            audiences.append(
                UseCase.id.in_(
                    select(UseCaseTeam.use_case_id).where(
                        UseCaseTeam.workspace_id == workspace_id, UseCaseTeam.team_id.in_(list(team_ids))
                    )
                )
            )
        query = query.where(or_(*audiences))
    return query


def list_use_cases(
    session: Session,
    workspace_id: int,
    *,
    statuses: Collection[UseCaseStatus] | None = None,
    published_only: bool = False,
    search: str | None = None,
    tool_slug: str | None = None,
    risk_tier: str | None = None,
    job_role_id: int | None = None,
    team_ids: Collection[int] | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[UseCase], int]:
    """One page of use cases and the total that match, with their tools, roles and teams loaded."""
    filters: dict[str, Any] = {
        "statuses": statuses,
        "published_only": published_only,
        "search": search,
        "tool_slug": tool_slug,
        "risk_tier": risk_tier,
        "job_role_id": job_role_id,
        "team_ids": team_ids,
    }
    page = _with_links(_use_case_filters(select(UseCase), workspace_id, **filters))
    page = page.order_by(UseCase.title, UseCase.id).limit(limit).offset(offset)
    total = _use_case_filters(select(func.count(UseCase.id)), workspace_id, **filters)
    return list(session.scalars(page)), int(session.scalar(total) or 0)


def list_use_case_slugs(
    session: Session, workspace_id: int, statuses: Collection[UseCaseStatus]
) -> list[str]:
    query = (
        select(UseCase.slug)
        .where(UseCase.workspace_id == workspace_id, UseCase.status.in_(list(statuses)))
        .order_by(UseCase.slug)
    )
    return list(session.scalars(query))


LinkT = TypeVar("LinkT")


def _relinked(
    links: Sequence[LinkT],
    key_of: Callable[[LinkT], int],
    wanted: Sequence[int],
    make: Callable[[int], LinkT],
) -> list[LinkT]:
    """The links for ``wanted``, reusing the stored row for a key that stays. The unit of work inserts a table's new
    rows before it deletes the orphaned ones, so a fresh row for a key already stored breaks the unique constraint."""
    stored = {key_of(link): link for link in links}
    return [stored[key] if key in stored else make(key) for key in dict.fromkeys(wanted)]


def replace_links(
    session: Session,
    use_case: UseCase,
    *,
    tool_ids: Sequence[int] | None = None,
    job_role_ids: Sequence[int] | None = None,
    team_ids: Sequence[int] | None = None,
) -> None:
    workspace_id = use_case.workspace_id
    if tool_ids is not None:
        use_case.tool_links = _relinked(
            use_case.tool_links,
            lambda link: link.tool_id,
            tool_ids,
            lambda tool_id: UseCaseTool(workspace_id=workspace_id, tool_id=tool_id),
        )
    if job_role_ids is not None:
        use_case.job_role_links = _relinked(
            use_case.job_role_links,
            lambda link: link.job_role_id,
            job_role_ids,
            lambda role_id: UseCaseJobRole(workspace_id=workspace_id, job_role_id=role_id),
        )
    if team_ids is not None:
        use_case.team_links = _relinked(
            use_case.team_links,
            lambda link: link.team_id,
            team_ids,
            lambda team_id: UseCaseTeam(workspace_id=workspace_id, team_id=team_id),
        )


# ---------------------------------------------------------------- use cards


def get_use_card_version(
    session: Session, workspace_id: int, use_case_id: int, version: int
) -> UseCardVersion | None:
    query = select(UseCardVersion).where(
        UseCardVersion.workspace_id == workspace_id,
        UseCardVersion.use_case_id == use_case_id,
        UseCardVersion.version == version,
    )
    return session.scalar(query)


def list_use_card_versions(session: Session, workspace_id: int, use_case_id: int) -> list[UseCardVersion]:
    query = (
        select(UseCardVersion)
        .where(UseCardVersion.workspace_id == workspace_id, UseCardVersion.use_case_id == use_case_id)
        .order_by(UseCardVersion.version.desc())
    )
    return list(session.scalars(query))


def list_latest_use_cards(
    session: Session, workspace_id: int, use_cases: Collection[UseCase]
) -> dict[int, UseCardVersion]:
    """The current card of each use case, in one query."""
    use_case_ids = [use_case.id for use_case in use_cases if use_case.use_card_version]
    if not use_case_ids:
        return {}
    query = (
        select(UseCardVersion)
        .join(
            UseCase,
            and_(
                UseCase.id == UseCardVersion.use_case_id, UseCase.use_card_version == UseCardVersion.version
            ),
        )
        .where(UseCardVersion.workspace_id == workspace_id, UseCase.id.in_(use_case_ids))
    )
    return {card.use_case_id: card for card in session.scalars(query)}


# ---------------------------------------------------------------- data classes


def list_data_classes(session: Session, workspace_id: int) -> list[DataClass]:
    query = (
        select(DataClass).where(DataClass.workspace_id == workspace_id).order_by(DataClass.rank, DataClass.id)
    )
    return list(session.scalars(query))


def delete_data_classes(session: Session, workspace_id: int) -> None:
    session.execute(delete(DataClass).where(DataClass.workspace_id == workspace_id))
