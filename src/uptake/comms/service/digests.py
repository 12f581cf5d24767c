"""Digests: each morning, a person's held email gathered into one message (weekly ones on Mondays)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from uptake.comms import repository
from uptake.comms.models import Channel, DeliveryStatus, DigestMode, Notification
from uptake.comms.service.job_workspaces import job_workspace_ids, job_workspace_session
from uptake.comms.service.notifications import request_delivery
from uptake.db import utcnow
from uptake.jobs.service import JobContext


def send_digests(context: JobContext) -> dict[str, Any]:
    """Each morning (07:05 UTC): gather each person's held email into one digest (weekly ones on Mondays)."""
    now = utcnow()
    digests = 0
    for workspace_id in job_workspace_ids(context, status=DeliveryStatus.held):
        with job_workspace_session(context, workspace_id) as session:
            held = repository.list_held_for_digest(session, workspace_id)
            by_person: dict[int, list[Notification]] = defaultdict(list)
            for notification in held:
                if notification.person_id is not None:
                    by_person[notification.person_id].append(notification)
            preferences = repository.preferences_for(session, workspace_id, list(by_person))
            for person_id, items in by_person.items():
                preference = preferences.get(person_id)
                if preference is not None and preference.digest == DigestMode.weekly and now.weekday() != 0:
                    continue
                lines = [
                    f"- **{item.subject}**" + (f" — [open]({item.link})" if item.link else "")
                    for item in items
                ]
                digest = Notification(
                    workspace_id=workspace_id,
                    person_id=person_id,
                    channel=Channel.email,
                    category="digest",
                    subject=f"Your uptake digest: {len(items)} update{'s' if len(items) != 1 else ''}",
                    body_markdown="What happened since your last digest:\n\n" + "\n".join(lines),
                    link="/notifications",
                    dedupe_key=f"digest|{person_id}|{now:%Y-%m-%d}",
                    message_key=uuid.uuid4().hex,
                    status=DeliveryStatus.pending,
                    next_attempt_at=now,
                    created_at=now,
                )
                session.add(digest)
                session.flush()
                for item in items:
                    item.status = DeliveryStatus.digested
                    item.digest_id = digest.id
                digests += 1
            session.flush()
            if digests:
                request_delivery(session, workspace_id)
            session.commit()
    return {"digests": digests}
