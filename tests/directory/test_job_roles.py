"""directory/service/job_roles.py: job roles, their unique names and how many hold each."""

from __future__ import annotations

import pytest

from directory.directory_builders import build_organization
from uptake.db import session_scope
from uptake.directory import schemas
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.errors import InvalidInput


def test_a_job_role_has_a_unique_name_and_counts_the_people_who_hold_it(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        assert job_roles_service.get_job_role(session, workspace, ids["agent"]) == schemas.JobRoleSnapshot(
            id=ids["agent"], name="Support agent", description=None
        )
        assert job_roles_service.get_job_role_by_name(session, workspace, "SUPPORT AGENT").id == ids["agent"]
        with pytest.raises(job_roles_service.JobRoleAlreadyExists):
            job_roles_service.create_job_role(session, workspace, name="support agent")
        roles, total = job_roles_service.list_job_roles(session, workspace, search="agent")
        assert (total, [(role.name, role.people_count) for role in roles]) == (1, [("Support agent", 2)])
        assert job_roles_service.job_role_output(session, workspace, ids["accountant"]).people_count == 1
        assert [role.name for role in job_roles_service.list_all_job_roles(session, workspace)] == [
            "Accountant",
            "Support agent",
        ]


def test_a_job_role_is_renamed_described_and_deleted_while_its_people_stay(world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    with session_scope(world.factory, workspace) as session:
        renamed = job_roles_service.update_job_role(
            session,
            workspace,
            ids["accountant"],
            schemas.JobRoleUpdate(name="Finance analyst", description="Reads the numbers"),
            actor="lead",
        )
        assert (renamed.name, renamed.description) == ("Finance analyst", "Reads the numbers")
        with pytest.raises(job_roles_service.JobRoleAlreadyExists):
            job_roles_service.update_job_role(
                session,
                workspace,
                ids["accountant"],
                schemas.JobRoleUpdate(name="Support agent"),
                actor="lead",
            )
        with pytest.raises(InvalidInput):
            job_roles_service.update_job_role(
                session, workspace, ids["accountant"], schemas.JobRoleUpdate(name=None), actor="lead"
            )
        job_roles_service.delete_job_role(session, workspace, ids["accountant"], actor="lead")
        with pytest.raises(job_roles_service.JobRoleNotFound):
            job_roles_service.get_job_role(session, workspace, ids["accountant"])
    with session_scope(world.factory, workspace) as session:
        assert people_service.get_person(session, workspace, ids["carla"]).job_role_id is None
