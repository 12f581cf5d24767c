"""comms/service/announcements.py: drafts, schedules, sending, read receipts, acknowledgements, the report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from comms.comms_builders import add_person, program_lead
from support import job_context
from uptake.comms import schemas
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import notifications as notifications_service
from uptake.db import session_scope
from uptake.directory.service import teams as teams_service
from uptake.errors import InvalidInput

NOW = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)


def _announcement(audience: schemas.Audience, **fields) -> schemas.AnnouncementCreate:
    return schemas.AnnouncementCreate(
        title="New guidance", body_markdown="Read **this**.", audience=audience, **fields
    )


def test_a_draft_is_scheduled_then_sent_to_its_cohort_who_read_and_acknowledge_it(world) -> None:
    workspace = world.workspace()
    with time_machine.travel(NOW, tick=False), session_scope(world.factory, workspace) as session:
        claims = teams_service.create_team(session, workspace, name="Claims").id
        ana = add_person(session, workspace, "Ana", team_id=claims)
        ben = add_person(session, workspace, "Ben", team_id=claims)
        outsider = add_person(session, workspace, "Olga")
        lead = program_lead(workspace)
        draft = announcements_service.create_announcement(
            session,
            workspace,
            _announcement(schemas.Audience(team_ids=[claims]), requires_acknowledgement=True),
            author=lead,
        )
        assert (draft.status, draft.audience_size, draft.sent_at) == ("draft", 0, None)
        scheduled = announcements_service.schedule_announcement(
            session, workspace, draft.id, NOW + timedelta(days=1), actor=lead.actor
        )
        assert (scheduled.status, scheduled.scheduled_for) == ("scheduled", NOW + timedelta(days=1))
        sent = announcements_service.send_announcement(session, workspace, draft.id, actor=lead.actor)
        assert (sent.status, sent.audience_size, sent.sent_at) == ("sent", 2, NOW)
        with pytest.raises(announcements_service.AnnouncementAlreadySent):
            announcements_service.send_announcement(session, workspace, draft.id, actor=lead.actor)

        inbox = notifications_service.list_inbox(session, workspace, ana)
        assert [(item.subject, item.link) for item in inbox] == [
            ("New guidance", f"/announcements/{draft.id}")
        ]
        assert "Please confirm that you have read it." in inbox[0].body_markdown
        assert notifications_service.list_inbox(session, workspace, outsider) == []

        opened = announcements_service.mark_announcement_read(
            session, workspace, draft.id, ana, now=NOW + timedelta(hours=1)
        )
        assert opened == announcements_service.Receipt(draft.id, ana, NOW + timedelta(hours=1), None)
        assert announcements_service.mark_announcement_read(session, workspace, draft.id, outsider) is None
        acknowledged = announcements_service.acknowledge_announcement(
            session, workspace, draft.id, ben, now=NOW + timedelta(hours=2)
        )
        assert (acknowledged.read_at, acknowledged.acknowledged_at) == (NOW + timedelta(hours=2),) * 2
        with pytest.raises(announcements_service.NotARecipient):
            announcements_service.acknowledge_announcement(session, workspace, draft.id, outsider)
        (mine,) = announcements_service.list_my_announcements(session, workspace, ben)
        assert (mine.id, mine.acknowledged_at) == (draft.id, NOW + timedelta(hours=2))


def test_an_announcement_is_not_scheduled_in_the_past_nor_rescheduled_once_sent(world) -> None:
    workspace = world.workspace()
    with time_machine.travel(NOW, tick=False), session_scope(world.factory, workspace) as session:
        add_person(session, workspace, "Ana")
        lead = program_lead(workspace)
        with pytest.raises(InvalidInput) as raised:
            announcements_service.create_announcement(
                session,
                workspace,
                _announcement(schemas.Audience(everyone=True), scheduled_for=NOW),
                author=lead,
            )
        assert [error.field for error in raised.value.errors] == ["scheduled_for"]
        sent = announcements_service.create_announcement(
            session, workspace, _announcement(schemas.Audience(everyone=True), send_now=True), author=lead
        )
        with pytest.raises(announcements_service.AnnouncementAlreadySent):
            announcements_service.schedule_announcement(
                session, workspace, sent.id, NOW + timedelta(days=1), actor=lead.actor
            )
        with pytest.raises(announcements_service.AnnouncementNotFound):
            announcements_service.get_announcement(session, workspace, sent.id + 100)


def test_the_report_hides_small_parts_and_the_next_smallest_so_none_can_be_subtracted(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        sizes = {"Claims": 6, "Legal": 5, "Sales": 2}
        people: dict[str, list[int]] = {}
        for name, size in sizes.items():
            team = teams_service.create_team(session, workspace, name=name).id
            people[name] = [add_person(session, workspace, f"{name} {n}", team_id=team) for n in range(size)]
        announcement = announcements_service.create_announcement(
            session,
            workspace,
            _announcement(schemas.Audience(everyone=True), requires_acknowledgement=True, send_now=True),
            author=program_lead(workspace),
        )
        for person in people["Claims"][:3]:
            announcements_service.acknowledge_announcement(session, workspace, announcement.id, person)
        announcements_service.mark_announcement_read(session, workspace, announcement.id, people["Claims"][3])
        report = announcements_service.announcement_report(
            session, workspace, announcement.id, privacy_floor=5
        )
    assert (report.total.recipients, report.total.read, report.total.acknowledged) == (13, 4, 3)
    rows = {row.cohort: row for row in report.cohorts}
    assert (
        rows["team: Claims"].recipients,
        rows["team: Claims"].read,
        rows["team: Claims"].acknowledged,
    ) == (
        6,
        4,
        3,
    )
    assert rows["team: Sales"].suppressed  # 2 people, under the floor
    # Legal alone is above the floor, but showing it would give Sales away as 13 - 6 - 5.
    assert (rows["team: Legal"].suppressed, rows["team: Legal"].recipients) == (True, None)


def test_the_scheduled_job_sends_what_is_due_and_leaves_the_rest(world) -> None:
    workspace = world.workspace()
    with time_machine.travel(NOW, tick=False), session_scope(world.factory, workspace) as session:
        add_person(session, workspace, "Ana")
        lead = program_lead(workspace)
        soon, later = (
            announcements_service.create_announcement(
                session,
                workspace,
                _announcement(schemas.Audience(everyone=True), scheduled_for=NOW + timedelta(hours=hours)),
                author=lead,
            ).id
            for hours in (1, 48)
        )
    with time_machine.travel(NOW + timedelta(hours=2), tick=False), world.session() as runner:
        context = job_context(world, runner, "comms.send_scheduled_announcements", workspace)
        assert announcements_service.send_scheduled_announcements(context) == {"sent": 1}
    with session_scope(world.factory, workspace) as session:
        assert announcements_service.get_announcement(session, workspace, soon).status.value == "sent"
        assert announcements_service.get_announcement(session, workspace, later).status.value == "scheduled"
