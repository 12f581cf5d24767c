"""A small organization the directory's tests share."""

from __future__ import annotations

from support import World
from uptake.db import session_scope
from uptake.directory.models import EmploymentStatus
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service


def build_organization(world: World, workspace_id: int) -> dict[str, int]:
    """Customer Service > Tier 1 Support > Night Shift, and Finance; Ana manages Ben."""
    with session_scope(world.factory, workspace_id) as session:
        service_team = teams_service.create_team(session, workspace_id, name="Customer Service")
        tier1 = teams_service.create_team(
            session, workspace_id, name="Tier 1 Support", parent_id=service_team.id
        )
        night = teams_service.create_team(session, workspace_id, name="Night Shift", parent_id=tier1.id)
        finance = teams_service.create_team(session, workspace_id, name="Finance")
        agent = job_roles_service.create_job_role(session, workspace_id, name="Support agent")
        accountant = job_roles_service.create_job_role(session, workspace_id, name="Accountant")
        ana = people_service.create_person(
            session,
            workspace_id,
            email="ana@example.com",
            display_name="Ana Costa",
            external_id="E1",
            team_id=tier1.id,
            job_role_id=agent.id,
            job_title="Team coordinator",
            location="Lisbon",
        )
        ben = people_service.create_person(
            session,
            workspace_id,
            email="ben@example.com",
            display_name="Ben Okafor",
            external_id="E2",
            team_id=night.id,
            job_role_id=agent.id,
            manager_id=ana.id,
            location="Dublin",
            employment_status=EmploymentStatus.leave,
        )
        carla = people_service.create_person(
            session,
            workspace_id,
            email="carla@example.com",
            display_name="Carla Weber",
            external_id="F7",
            team_id=finance.id,
            job_role_id=accountant.id,
            location="Lisbon",
        )
        teams_service.set_team_lead(session, workspace_id, tier1.id, ana.id)
        return {
            "service": service_team.id,
            "tier1": tier1.id,
            "night": night.id,
            "finance": finance.id,
            "agent": agent.id,
            "accountant": accountant.id,
            "ana": ana.id,
            "ben": ben.id,
            "carla": carla.id,
        }
