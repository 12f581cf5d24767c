"""Every query of the connectors, scoped to one workspace (the scheduled sync finds the workspaces first)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uptake.connectors.models import Connector, ConnectorRun


def get_connector(session: Session, workspace_id: int, connector_id: int) -> Connector | None:
    return session.scalar(
        select(Connector).where(Connector.workspace_id == workspace_id, Connector.id == connector_id)
    )


def get_connector_by_name(session: Session, workspace_id: int, name: str) -> Connector | None:
    return session.scalar(
        select(Connector).where(Connector.workspace_id == workspace_id, Connector.name == name)
    )


def list_connectors(session: Session, workspace_id: int, *, enabled_only: bool = False) -> list[Connector]:
    query = select(Connector).where(Connector.workspace_id == workspace_id)
    if enabled_only:
        query = query.where(Connector.is_enabled.is_(True))
    return list(session.scalars(query.order_by(Connector.name)))


def list_workspace_ids_with_connectors(session: Session) -> list[int]:
    """Workspaces with an enabled connector (call inside `across_workspaces`)."""
    query = select(Connector.workspace_id).where(Connector.is_enabled.is_(True)).distinct()
    return sorted(session.scalars(query))


def list_runs(
    session: Session, workspace_id: int, connector_id: int, *, limit: int = 50
) -> list[ConnectorRun]:
    query = (
        select(ConnectorRun)
        .where(ConnectorRun.workspace_id == workspace_id, ConnectorRun.connector_id == connector_id)
        .order_by(ConnectorRun.started_at.desc(), ConnectorRun.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def last_runs(session: Session, workspace_id: int, connector_ids: list[int]) -> dict[int, ConnectorRun]:
    """Each connector's latest run (one query)."""
    if not connector_ids:
        return {}
    latest_ids = (
        select(func.max(ConnectorRun.id))
        .where(ConnectorRun.workspace_id == workspace_id, ConnectorRun.connector_id.in_(connector_ids))
        .group_by(ConnectorRun.connector_id)
    )
    runs = session.scalars(select(ConnectorRun).where(ConnectorRun.id.in_(latest_ids)))
    return {run.connector_id: run for run in runs}
