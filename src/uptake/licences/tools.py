"""What the seat ledger needs of a catalog tool, and the workspace's calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.catalog import service as catalog_service


@dataclass(frozen=True)
class ToolInfo:
    """What the ledger needs of a catalog tool."""

    id: int
    slug: str
    name: str
    currency: str
    cost_per_seat_month: float | None
    seats_purchased: int | None
    contract_renewal_on: date | None
    owner_id: int | None


def get_tool(session: Session, workspace_id: int, slug: str) -> ToolInfo:
    tool = catalog_service.get_tool_by_slug(session, workspace_id, slug)
    return _tool_info(tool)


def tools_by_id(session: Session, workspace_id: int) -> dict[int, ToolInfo]:
    return {tool.id: _tool_info(tool) for tool in catalog_service.list_tools(session, workspace_id)}


def _tool_info(tool: Any) -> ToolInfo:
    return ToolInfo(
        id=tool.id,
        slug=tool.slug,
        name=tool.name,
        currency=tool.currency,
        cost_per_seat_month=tool.cost_per_seat_month,
        seats_purchased=tool.seats_purchased,
        contract_renewal_on=tool.contract_renewal_on,
        owner_id=tool.owner_id,
    )


def today_in(session: Session, workspace_id: int) -> date:
    """Today in the workspace's time zone (the calendar seats and events are dated in)."""
    return analytics_service.workspace_today(session, workspace_id)
