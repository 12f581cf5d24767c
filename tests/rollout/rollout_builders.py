"""A small organization for rollout tests: a team tree, two job roles, people, and a live use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from support import World
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.rollout import schemas, service

USE_CASE = "draft-replies"


@dataclass
class Organization:
    """Company → Support → Tier 1, and Company → Sales. Six agents in Tier 1, six analysts in Sales."""

    workspace_id: int
    company: int
    support: int
    tier1: int
    sales: int
    agent: int
    analyst: int
    agents: list[int] = field(default_factory=list)
    analysts: list[int] = field(default_factory=list)
    emails: dict[int, str] = field(default_factory=dict)
    external_ids: dict[int, str] = field(default_factory=dict)


def build_organization(
    world: World, workspace_id: int | None = None, *, people_per_team: int = 6
) -> Organization:
    workspace_id = workspace_id or world.workspace()
    with session_scope(world.factory, workspace_id) as session:
        company = teams_service.create_team(session, workspace_id, name="Company").id
        support = teams_service.create_team(session, workspace_id, name="Support", parent_id=company).id
        tier1 = teams_service.create_team(session, workspace_id, name="Tier 1", parent_id=support).id
        sales = teams_service.create_team(session, workspace_id, name="Sales", parent_id=company).id
        agent = job_roles_service.create_job_role(session, workspace_id, name="Agent").id
        analyst = job_roles_service.create_job_role(session, workspace_id, name="Analyst").id
        organization = Organization(workspace_id, company, support, tier1, sales, agent, analyst)
        for number in range(people_per_team):
            for team, role, group, prefix in (
                (tier1, agent, organization.agents, "agent"),
                (sales, analyst, organization.analysts, "analyst"),
            ):
                email = f"{prefix}{number}@example.com"
                person = people_service.create_person(
                    session,
                    workspace_id,
                    email=email,
                    display_name=f"{prefix.title()} {number}",
                    external_id=f"E-{prefix.upper()}-{number}",
                    team_id=team,
                    job_role_id=role,
                )
                group.append(person.id)
                organization.emails[person.id] = email
                organization.external_ids[person.id] = person.external_id
    return organization


def live_use_case(world: World, workspace_id: int, slug: str = USE_CASE, **fields: Any) -> None:
    """A use case in the pilot stage (the review that approved it is governance's concern, not rollout's)."""
    with session_scope(world.factory, workspace_id) as session:
        use_case = catalog_service.create_use_case(
            session,
            workspace_id,
            catalog_schemas.UseCaseCreate(slug=slug, title=slug.replace("-", " ").title(), **fields),
            actor="test",
            author_id=None,
        )
        use_case.status = catalog_service.UseCaseStatus.piloting


def create_plan(world: World, workspace_id: int, waves: list[dict[str, Any]], **fields: Any) -> None:
    with session_scope(world.factory, workspace_id) as session:
        body = schemas.RolloutPlanCreate(use_case=fields.pop("use_case", USE_CASE), waves=waves, **fields)
        service.create_plan(session, workspace_id, body, actor="test")
