"""Every query of the discovery domain, each scoped to one workspace."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from uptake.discovery.models import LogImport, ServiceDomain, Sighting, ToolDecision


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


def list_sightings(
    session: Session, workspace_id: int, *, tool_slugs: Collection[str] | None = None
) -> list[Sighting]:
    query = select(Sighting).where(Sighting.workspace_id == workspace_id)
    if tool_slugs is not None:
        query = query.where(Sighting.tool_slug.in_(sorted(tool_slugs)))
    return list(session.scalars(query.order_by(Sighting.day, Sighting.id)))


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
