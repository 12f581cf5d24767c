"""enablement/service/learning_paths.py: ordered modules for a job role."""

from __future__ import annotations

import pytest

from enablement.enablement_builders import make_module, module_source
from uptake.db import session_scope
from uptake.directory.service import job_roles as job_roles_service
from uptake.enablement import schemas
from uptake.enablement.service import learning_paths as learning_paths_service
from uptake.errors import InvalidInput, NotFound


def test_learning_paths_name_unknown_modules_by_position(world) -> None:
    workspace = world.workspace()
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        with pytest.raises(InvalidInput) as raised:
            learning_paths_service.create_learning_path(
                session,
                workspace,
                schemas.LearningPathCreate(slug="basics", title="Basics", module_slugs=[slug, "nope"]),
                actor="t",
            )
        assert [(e.field, e.reason) for e in raised.value.errors] == [
            ("module_slugs[1]", "there is no training module 'nope'")
        ]
        path = learning_paths_service.create_learning_path(
            session,
            workspace,
            schemas.LearningPathCreate(slug="basics", title="Basics", module_slugs=[slug]),
            actor="t",
        )
        assert path.module_slugs == [slug]


def test_a_learning_path_changes_only_what_is_sent_and_is_deleted(world) -> None:
    workspace = world.workspace()
    first = make_module(world, workspace)
    second = make_module(world, workspace, module_source("second-steps"))
    with session_scope(world.factory, workspace) as session:
        role = job_roles_service.create_job_role(session, workspace, name="Handler").id
        learning_paths_service.create_learning_path(
            session,
            workspace,
            schemas.LearningPathCreate(slug="basics", title="Basics", module_slugs=[first], job_role_id=role),
            actor="t",
        )
        with pytest.raises(learning_paths_service.LearningPathSlugTaken):
            learning_paths_service.create_learning_path(
                session,
                workspace,
                schemas.LearningPathCreate(slug="basics", title="Again", module_slugs=[]),
                actor="t",
            )
        changed = learning_paths_service.update_learning_path(
            session, workspace, "basics", schemas.LearningPathUpdate(module_slugs=[second, first]), actor="t"
        )
        assert (changed.title, changed.job_role_id, changed.module_slugs) == ("Basics", role, [second, first])
        with pytest.raises(NotFound):
            learning_paths_service.update_learning_path(
                session, workspace, "basics", schemas.LearningPathUpdate(job_role_id=999), actor="t"
            )
        everyone = learning_paths_service.update_learning_path(
            session, workspace, "basics", schemas.LearningPathUpdate(job_role_id=None), actor="t"
        )
        assert everyone.job_role_id is None
        learning_paths_service.delete_learning_path(session, workspace, "basics", actor="t")
        assert learning_paths_service.list_learning_paths(session, workspace) == []
        with pytest.raises(learning_paths_service.LearningPathNotFound):
            learning_paths_service.get_learning_path(session, workspace, "basics")
