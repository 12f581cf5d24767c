"""comms/service/digests.py: held email gathered each morning into one digest a person (weekly ones on Mondays)."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine

from comms.comms_builders import add_person
from support import job_context
from uptake.comms import schemas
from uptake.comms.service import digests as digests_service
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import preferences as preferences_service
from uptake.db import session_scope

TUESDAY = datetime(2025, 3, 4, 7, 5, tzinfo=UTC)
MONDAY = datetime(2025, 3, 10, 7, 5, tzinfo=UTC)


def _send_digests(world, workspace: int) -> dict[str, int]:
    with world.session() as runner:
        return digests_service.send_digests(job_context(world, runner, "comms.send_digests", workspace))


def _emails(world, workspace: int) -> list[tuple[int | None, str, str]]:
    with session_scope(world.factory, workspace) as session:
        return sorted(
            (item.person_id, item.subject, item.status.value)
            for item in notifications_service.list_outbox(session, workspace)
        )


def test_daily_digests_go_every_morning_and_weekly_ones_on_mondays(world) -> None:
    workspace = world.workspace()
    with time_machine.travel(TUESDAY, tick=False), session_scope(world.factory, workspace) as session:
        daily, weekly = add_person(session, workspace, "Dana"), add_person(session, workspace, "Wes")
        preferences_service.update_preferences(
            session, workspace, daily, schemas.NotificationPreferencesUpdate(digest="daily")
        )
        preferences_service.update_preferences(
            session, workspace, weekly, schemas.NotificationPreferencesUpdate(digest="weekly")
        )
        for subject in ("Office hours", "New guidance"):
            notifications_service.enqueue_notification(
                session,
                workspace,
                person_ids=[daily, weekly],
                subject=subject,
                body_markdown="",
                category="x",
            )
    with time_machine.travel(TUESDAY, tick=False):
        assert _send_digests(world, workspace) == {"digests": 1}
    assert _emails(world, workspace) == [
        (daily, "New guidance", "digested"),
        (daily, "Office hours", "digested"),
        (daily, "Your uptake digest: 2 updates", "pending"),
        (weekly, "New guidance", "held"),
        (weekly, "Office hours", "held"),
    ]
    with time_machine.travel(MONDAY, tick=False):
        assert _send_digests(world, workspace) == {"digests": 1}
        assert _send_digests(world, workspace) == {"digests": 0}  # nothing is held any more
    assert (weekly, "Your uptake digest: 2 updates", "pending") in _emails(world, workspace)
