"""An announcement to a cohort of 1,000 people goes out through the outbox by SMTP to a real SMTP server, each
person getting it once, while the worker process sending it is killed (SIGKILL) in the middle and another started.

Exactly once, and where the line is: the worker marks a row ``sending`` (a lease) and commits before talking to the
server, and marks it ``sent`` after the server's 250. A kill between those two moments cannot be told apart from a
kill before the server had the message, so the row is sent again once its lease runs out, with the same Message-ID.
The test forces that worst case: the server takes the 300th message and stalls its answer, and the worker is killed
while waiting. The wire then carries that one message twice, with one Message-ID; the mailbox (which files a
Message-ID once, as de-duplicating mail stores do) holds exactly one message for each of the 1,000 people. No other
message is ever sent twice: every other row was either marked ``sent`` or never claimed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from comms.smtp_server import RecordingHandler, SmtpServer
from conftest import free_port
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.comms import schemas
from uptake.comms.models import Channel, Notification
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import notifications as notifications_service
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.settings import Settings

# About a crash, not a date: left out of `make clock` (a worker process and an SMTP server under a moved clock only
# make it slower).
pytestmark = [pytest.mark.slow, pytest.mark.clockless]
COHORT = 1000
KILL_AT = 300


def _worker(settings: Settings, smtp_port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "UPTAKE_DATABASE_URL": settings.database_url,
        "UPTAKE_DATA_DIR": str(settings.data_dir),
        "UPTAKE_EVENTS_URL": settings.events_url,
        "UPTAKE_SECRET_KEY": settings.effective_secret_key,
        "UPTAKE_SMTP_HOST": "127.0.0.1",
        "UPTAKE_SMTP_PORT": str(smtp_port),
        "UPTAKE_SMTP_SECURITY": "none",
        "UPTAKE_SMTP_FROM": "uptake <uptake@acme.example>",
        "UPTAKE_SMTP_TIMEOUT_SECONDS": "5",
        "UPTAKE_NOTIFICATION_LEASE_SECONDS": "6",
        "UPTAKE_LOG_LEVEL": "warning",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "uptake", "worker"], env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
    )


def _wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _email_statuses(world, workspace: int) -> dict[str, int]:
    with world.session(workspace) as session:
        rows = session.execute(
            select(Notification.status, func.count())
            .where(Notification.workspace_id == workspace, Notification.channel == Channel.email)
            .group_by(Notification.status)
        )
        return {str(status): int(count) for status, count in rows}


def test_a_cohort_of_1000_gets_the_announcement_once_each_across_a_killed_worker(
    world, settings, tmp_path
) -> None:
    workspace = world.workspace()
    lead = world.caller(workspace, Role.program_lead)
    with session_scope(world.factory, workspace) as session:
        team_id = teams_service.create_team(session, workspace, name="Claims").id
        for index in range(COHORT):
            people_service.create_person(
                session, workspace, email=f"adjuster{index:04d}@acme.example", display_name=f"Adjuster {index}",
                team_id=team_id,
            )  # fmt: skip
    handler = RecordingHandler(hold_at=KILL_AT)
    smtp_port = free_port()
    log = tmp_path / "worker.log"
    with SmtpServer(handler, smtp_port):
        with session_scope(world.factory, workspace) as session:
            principal = Principal(
                workspace_id=workspace, person_id=lead.person_id, roles=frozenset({Role.program_lead})
            )
            announcement = announcements_service.create_announcement(
                session,
                workspace,
                schemas.AnnouncementCreate(
                    title="New guidance for claims letters",
                    body_markdown="Check **every** figure before you send a drafted letter.",
                    audience=schemas.Audience(team_ids=[team_id]),
                    requires_acknowledgement=True,
                    send_now=True,
                ),
                author=principal,
            )
            assert announcement.audience_size == COHORT

        first = _worker(settings, smtp_port, log)
        try:
            _wait_for(
                handler.held.is_set, 180, f"the {KILL_AT}th message"
            )  # generous: a loaded machine is slow
            first.send_signal(signal.SIGKILL)
            first.wait(10)
        finally:
            if first.poll() is None:
                first.kill()
        handler.release.set()
        statuses = _email_statuses(world, workspace)
        assert statuses.get("sending") == 1, statuses  # the one the server holds and the worker never marked
        assert statuses.get("sent") == KILL_AT - 1, statuses

        # What the minute schedule would do: queue a delivery run; a new worker process takes it.
        with session_scope(world.factory, workspace) as session:
            notifications_service.request_delivery(session, workspace)
        second = _worker(settings, smtp_port, log)
        try:
            _wait_for(lambda: _email_statuses(world, workspace) == {"sent": COHORT}, 120, "every email sent")
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(15)

    warnings = [
        line for line in log.read_text().splitlines() if "notification.resent_after_lost_claim" in line
    ]
    assert len(warnings) == 1, warnings  # the possible duplicate is visible to operators
    mailbox = handler.mailbox()
    expected = {f"adjuster{index:04d}@acme.example" for index in range(COHORT)}
    assert set(mailbox) == expected
    assert all(len(ids) == 1 for ids in mailbox.values())
    on_the_wire = [item.message_id for item in handler.wire]
    assert len(on_the_wire) == COHORT + 1
    repeated = {message_id for message_id in on_the_wire if on_the_wire.count(message_id) > 1}
    assert len(repeated) == 1
    assert all(item.message["Subject"] == "New guidance for claims letters" for item in handler.wire)
    with world.session(workspace) as session:
        attempts = list(
            session.scalars(
                select(Notification.attempts).where(
                    Notification.workspace_id == workspace, Notification.channel == Channel.email
                )
            )
        )
    assert sorted(attempts)[-2:] == [1, 2]
    assert attempts.count(1) == COHORT - 1
