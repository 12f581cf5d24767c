"""Every query of the discovery domain, each scoped to one workspace."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, cast

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.orm import Session

from uptake.discovery.models import LogImport, ServiceDomain, Sighting, ToolDecision

SightingRow = tuple[date, str, str, int | None, int, int]
"""A sighting's columns the figures read: day, tool slug, person key, person id, requests, bytes."""


def get_import_by_digest(session: Session, workspace_id: int, digest: str) -> LogImport | None:
    return session.scalars(
        select(LogImport).where(LogImport.workspace_id == workspace_id, LogImport.digest == digest)
    ).first()


def list_imports(session: Session, workspace_id: int, *, limit: int = 20) -> list[LogImport]:
    return list(
        session.scalars(
            select(LogImport)
            .where(LogImport.workspace_id == workspace_id)
            .order_by(LogImport.imported_at.desc(), LogImport.id.desc())
            .limit(limit)
        )
    )


INSERT_CHUNK = 5_000


def insert_sightings(session: Session, rows: list[dict[str, Any]]) -> None:
    """Bulk inserts (executemany), a chunk at a time: an import stores tens of thousands of rows."""
    for start in range(0, len(rows), INSERT_CHUNK):
        session.execute(insert(Sighting), rows[start : start + INSERT_CHUNK])


def list_sightings(
    session: Session, workspace_id: int, *, tool_slugs: Collection[str] | None = None
) -> Sequence[SightingRow]:
    """The columns the figures need, as plain rows (not entities: an overview reads every sighting)."""
    query = select(
        Sighting.day,
        Sighting.tool_slug,
        Sighting.person_key,
        Sighting.person_id,
        Sighting.requests,
        Sighting.bytes,
    ).where(Sighting.workspace_id == workspace_id)
    if tool_slugs is not None:
        query = query.where(Sighting.tool_slug.in_(sorted(tool_slugs)))
    return cast(Sequence[SightingRow], session.execute(query).all())


def list_service_domains(session: Session, workspace_id: int) -> list[ServiceDomain]:
    return list(
        session.scalars(
            select(ServiceDomain)
            .where(ServiceDomain.workspace_id == workspace_id)
            .order_by(ServiceDomain.domain)
        )
    )


def get_service_domain(session: Session, workspace_id: int, domain: str) -> ServiceDomain | None:
    return session.scalars(
        select(ServiceDomain).where(
            ServiceDomain.workspace_id == workspace_id, ServiceDomain.domain == domain
        )
    ).first()


def delete_service_domain(session: Session, workspace_id: int, domain: str) -> int:
    result = session.execute(
        delete(ServiceDomain).where(
            ServiceDomain.workspace_id == workspace_id, ServiceDomain.domain == domain
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def list_decisions(session: Session, workspace_id: int) -> dict[str, ToolDecision]:
    rows = session.scalars(select(ToolDecision).where(ToolDecision.workspace_id == workspace_id))
    return {row.tool_slug: row for row in rows}


def get_decision(session: Session, workspace_id: int, tool_slug: str) -> ToolDecision | None:
    return session.scalars(
        select(ToolDecision).where(
            ToolDecision.workspace_id == workspace_id, ToolDecision.tool_slug == tool_slug
        )
    ).first()


def _of_person(workspace_id: int, person_id: int, pseudonyms: Collection[str]) -> Any:
    return (Sighting.workspace_id == workspace_id) & or_(
        Sighting.person_id == person_id, Sighting.person_key.in_(sorted(pseudonyms))
    )


def list_sightings_of_person(
    session: Session, workspace_id: int, person_id: int, pseudonyms: Collection[str]
) -> list[Sighting]:
    return list(
        session.scalars(
            select(Sighting).where(_of_person(workspace_id, person_id, pseudonyms)).order_by(Sighting.day)
        )
    )


def delete_sightings_of_person(
    session: Session, workspace_id: int, person_id: int, pseudonyms: Collection[str]
) -> int:
    result = session.execute(delete(Sighting).where(_of_person(workspace_id, person_id, pseudonyms)))
    return int(getattr(result, "rowcount", 0) or 0)


def rekey_sightings_of_person(
    session: Session, workspace_id: int, person_id: int, pseudonyms: Collection[str], new_key: str
) -> int:
    result = session.execute(
        update(Sighting)
        .where(_of_person(workspace_id, person_id, pseudonyms))
        .values(person_key=new_key, person_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)
