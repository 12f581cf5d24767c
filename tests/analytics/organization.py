"""A small organization in the application database, with events, for the analytics service and API tests.

Company (root) has two teams, Sales (6 people) and Support (6 people). Everyone is entitled to `drafting`
(target adoption 80 %) from 2025-01-01. In the four weeks ending 2025-03-02, five Sales people use it
every week and one Support person once; nobody uses it otherwise. The pseudonyms are computed with
telemetry's own pseudonymizer (from the email a tool would send), not with the code under test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from support import World
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.telemetry.pseudonyms import pseudonymize_person
from uptake.workspaces import service as workspaces_service

START = date(2025, 1, 1)
FIRST_WEEK = date(2025, 2, 3)  # a Monday; four weeks of use to 2025-03-02
PERIOD_END = date(2025, 3, 2)


@dataclass
class Organization:
    workspace_id: int
    company: int
    sales: int
    support: int
    people: dict[str, list[int]] = field(default_factory=dict)
    pseudonyms: dict[int, str] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    def entitlements(self) -> list[dict[str, Any]]:
        return [
            {
                "workspace_id": self.workspace_id,
                "person": pseudonym,
                "use_case": "drafting",
                "start_day": START,
                "end_day": None,
            }
            for pseudonym in self.pseudonyms.values()
        ]


def stored_event(pseudonym: str, day: date, kind: str = "accepted") -> dict[str, Any]:
    at = datetime(day.year, day.month, day.day, 10)
    return {
        "event_id": f"{pseudonym[:8]}-{day.isoformat()}-{kind}",
        "time": at,
        "day": day,
        "person": pseudonym,
        "use_case": "drafting",
        "tool": None,
        "kind": kind,
        "session_id": None,
        "minutes_saved": None,
        "rating": None,
        "category": None,
        "comment": None,
        "correction": None,
        "attributes": None,
        "source": "api",
        "received_at": at,
    }


def build_organization(world: World, workspace_id: int | None = None) -> Organization:
    workspace_id = workspace_id or world.workspace()
    with session_scope(world.factory, workspace_id) as session:
        key = workspaces_service.get_workspace(session, workspace_id).pseudonym_key.encode()
        company = teams_service.create_team(session, workspace_id, name="Company").id
        sales = teams_service.create_team(session, workspace_id, name="Sales", parent_id=company).id
        support = teams_service.create_team(session, workspace_id, name="Support", parent_id=company).id
        organization = Organization(workspace_id, company, sales, support)
        for team_name, team_id in (("sales", sales), ("support", support)):
            for number in range(6):
                email = f"{team_name}{number}@example.com"
                person = people_service.create_person(
                    session, workspace_id, email=email, display_name=f"{team_name} {number}", team_id=team_id
                )
                organization.people.setdefault(team_name, []).append(person.id)
                organization.pseudonyms[person.id] = pseudonymize_person(key, email.upper())
        drafting = catalog_service.create_use_case(
            session,
            workspace_id,
            catalog_schemas.UseCaseCreate(slug="drafting", title="Drafting", target_adoption_percent=80),
            actor="test",
            author_id=None,
        )
        # In pilot (its approval is governance's business, tested there): analytics counts released use cases.
        drafting.status = catalog_service.UseCaseStatus.piloting
    for person_id in organization.people["sales"][:5]:
        for week in range(4):
            day = FIRST_WEEK + timedelta(weeks=week, days=1)
            organization.events.append(stored_event(organization.pseudonyms[person_id], day))
    organization.events.append(
        stored_event(organization.pseudonyms[organization.people["support"][0]], FIRST_WEEK, "rejected")
    )
    return organization
