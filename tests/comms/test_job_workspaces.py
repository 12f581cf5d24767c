"""comms/service/job_workspaces.py: the workspaces a comms job runs over, each in a session of its own."""

from __future__ import annotations

from comms.comms_builders import add_person
from support import job_context
from uptake.comms import schemas
from uptake.comms.models import DeliveryStatus
from uptake.comms.service import job_workspaces as job_workspaces_service
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import preferences as preferences_service
from uptake.db import bound_workspace, session_scope


def test_a_job_runs_over_its_own_workspace_or_every_one_with_work(world) -> None:
    quiet, busy = world.workspace(), world.workspace()
    with session_scope(world.factory, busy) as session:
        person = add_person(session, busy, "Ana")
        preferences_service.update_preferences(
            session, busy, person, schemas.NotificationPreferencesUpdate(digest="daily")
        )
        notifications_service.enqueue_notification(
            session, busy, person_ids=[person], subject="Held", body_markdown="", category="x"
        )
    with world.session() as runner:
        one = job_context(world, runner, "comms.send_digests", quiet)
        assert job_workspaces_service.job_workspace_ids(one, status=DeliveryStatus.held) == [quiet]
        every = job_context(world, runner, "comms.send_digests", None)
        assert job_workspaces_service.job_workspace_ids(every, status=DeliveryStatus.held) == [busy]
        assert set(job_workspaces_service.job_workspace_ids(every)) >= {quiet, busy}
        with job_workspaces_service.job_workspace_session(every, busy) as session:
            assert bound_workspace(session) == busy
            assert [item.subject for item in notifications_service.list_inbox(session, busy, person)] == [
                "Held"
            ]
