"""enablement/service/progress.py: where a person stands on what their role and their use cases require."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from enablement.enablement_builders import make_module, make_use_case, module_source, quiz_answers
from uptake.db import session_scope, utcnow
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.enablement import schemas
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import learning_paths as learning_paths_service
from uptake.enablement.service import modules as modules_service
from uptake.enablement.service import progress as progress_service
from uptake.enablement.service import quizzes as quizzes_service

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def test_a_new_major_version_needs_recertification_after_the_grace_period(world) -> None:
    workspace = world.workspace()
    learner = world.person(workspace)
    slug = make_module(world, workspace)
    make_use_case(world, workspace, "claims-letters", required_training=[slug])
    with session_scope(world.factory, workspace) as session:
        quizzes_service.submit_quiz(
            session, workspace, slug, learner, quiz_answers(session, workspace, slug, True)
        )
        assert progress_service.has_completed_required_training(session, workspace, learner, "claims-letters")
        modules_service.save_module_source(
            session, workspace, module_source(version="2.0", lesson="New rules."), actor="t", author_id=None
        )
        now = utcnow()
        requirement = progress_service.use_case_requirement(
            session, workspace, learner, "claims-letters", now=now
        )
        assert requirement.modules[0].state == "expiring"
        assert requirement.is_satisfied
        later = now + timedelta(days=31)
        requirement = progress_service.use_case_requirement(
            session, workspace, learner, "claims-letters", now=later
        )
        assert requirement.modules[0].state == "expired"
        assert not requirement.is_satisfied
        assert (
            completions_service.completions_for_use_case(session, workspace, "claims-letters", now=later)
            == {}
        )


def test_the_overview_lists_the_learning_paths_of_a_persons_role_and_their_completions(world) -> None:
    workspace = world.workspace()
    basics = make_module(world, workspace)
    advanced = make_module(world, workspace, module_source("advanced-prompts", max_attempts=1))
    with session_scope(world.factory, workspace) as session:
        handler = job_roles_service.create_job_role(session, workspace, name="Handler").id
        learner = people_service.create_person(
            session, workspace, email="hana@example.com", display_name="Hana", job_role_id=handler
        ).id
        learning_paths_service.create_learning_path(
            session,
            workspace,
            schemas.LearningPathCreate(
                slug="handlers", title="For handlers", job_role_id=handler, module_slugs=[basics, advanced]
            ),
            actor="t",
        )
        learning_paths_service.create_learning_path(
            session,
            workspace,
            schemas.LearningPathCreate(slug="other-role", title="Not for Hana", module_slugs=[basics]),
            actor="t",
        )
        quizzes_service.submit_quiz(
            session, workspace, basics, learner, quiz_answers(session, workspace, basics, True), now=NOW
        )
        quizzes_service.submit_quiz(
            session, workspace, advanced, learner, quiz_answers(session, workspace, advanced, False)
        )
        overview = progress_service.training_overview(
            session, workspace, learner, now=NOW + timedelta(days=1)
        )
    paths = {requirement.key: requirement for requirement in overview.requirements}
    assert set(paths) >= {"handlers"}
    handlers = paths["handlers"]
    assert [(item.module_slug, item.state) for item in handlers.modules] == [
        (basics, "completed"),
        (advanced, "locked"),
    ]
    assert not handlers.is_satisfied
    assert [(item.module_slug, item.completed_at) for item in overview.completions] == [(basics, NOW)]


def test_progress_moves_from_not_started_through_in_progress_to_completed(world) -> None:
    workspace = world.workspace()
    learner = world.person(workspace)
    slug = make_module(world, workspace)
    with session_scope(world.factory, workspace) as session:
        modules = [modules_service.get_module(session, workspace, slug)]

        def state() -> str:
            (progress,) = progress_service.progress_for_modules(session, workspace, learner, modules, now=NOW)
            return progress.state

        assert state() == "not_started"
        quizzes_service.submit_quiz(
            session, workspace, slug, learner, quiz_answers(session, workspace, slug, False)
        )
        assert state() == "in_progress"
        quizzes_service.submit_quiz(
            session, workspace, slug, learner, quiz_answers(session, workspace, slug, True)
        )
        assert state() == "completed"
        assert progress_service.is_satisfied(
            progress_service.progress_for_modules(session, workspace, learner, modules, now=NOW)[0]
        )
