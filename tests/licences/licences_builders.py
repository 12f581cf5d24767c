"""Building a workspace with tools and people for the seat ledger's tests, through the services."""

from __future__ import annotations

from dataclasses import dataclass, field

from support import World
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.directory.service import people as people_service


@dataclass
class Ledger:
    workspace_id: int
    people: dict[str, int] = field(default_factory=dict)  # name -> person id (email name@example.com)


def make_ledger(world: World, names: tuple[str, ...] = ("ada", "bob", "cy", "dee", "eve")) -> Ledger:
    """A workspace with a `copilot` tool (GitHub, 19 USD a seat) and an `assistant` tool, and a few people."""
    workspace_id = world.workspace()
    ledger = Ledger(workspace_id)
    with session_scope(world.factory, workspace_id) as session:
        for slug, name, vendor, cost, currency in (
            ("copilot", "GitHub Copilot", "GitHub", 19.0, "USD"),
            ("assistant", "Assistant", "Acme AI", 30.0, "EUR"),
        ):
            catalog_service.create_tool(
                session,
                workspace_id,
                catalog_schemas.ToolCreate(
                    slug=slug, name=name, vendor=vendor, cost_per_seat_month=cost, currency=currency
                ),
                actor="test",
            )
        for name in names:
            person = people_service.create_person(
                session,
                workspace_id,
                email=f"{name}@example.com",
                display_name=name.title(),
                external_id=f"E-{name}",
            )
            ledger.people[name] = person.id
    return ledger
