"""comms/service/preferences.py: what each person wants by email."""

from __future__ import annotations

from comms.comms_builders import add_person
from uptake.comms import schemas
from uptake.comms.service import preferences as preferences_service
from uptake.db import session_scope


def test_preferences_start_at_immediate_email_and_change_only_what_is_sent(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        ana, ben = add_person(session, workspace, "Ana"), add_person(session, workspace, "Ben")
        assert preferences_service.get_preferences(
            session, workspace, ana
        ) == schemas.NotificationPreferences(email_enabled=True, digest="immediate", muted_categories=[])
        preferences_service.update_preferences(
            session,
            workspace,
            ana,
            schemas.NotificationPreferencesUpdate(muted_categories=["survey", "question", "survey"]),
        )
        changed = preferences_service.update_preferences(
            session, workspace, ana, schemas.NotificationPreferencesUpdate(digest="weekly")
        )
        assert changed == schemas.NotificationPreferences(
            email_enabled=True, digest="weekly", muted_categories=["question", "survey"]
        )
        assert preferences_service.get_preferences(session, workspace, ana) == changed
        assert preferences_service.get_preferences(session, workspace, ben).digest == "immediate"
