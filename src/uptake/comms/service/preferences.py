"""Notification preferences: email on or off, immediate or a daily or weekly digest, and muted categories."""

from __future__ import annotations

from sqlalchemy.orm import Session

from uptake.comms import repository, schemas
from uptake.comms.models import DigestMode, NotificationPreference


def get_preferences(session: Session, workspace_id: int, person_id: int) -> schemas.NotificationPreferences:
    preference = repository.get_preference(session, workspace_id, person_id)
    if preference is None:
        return schemas.NotificationPreferences(email_enabled=True, digest="immediate", muted_categories=[])
    return schemas.NotificationPreferences.model_validate(preference)


def update_preferences(
    session: Session, workspace_id: int, person_id: int, body: schemas.NotificationPreferencesUpdate
) -> schemas.NotificationPreferences:
    preference = repository.get_preference(session, workspace_id, person_id)
    if preference is None:
        preference = NotificationPreference(
            workspace_id=workspace_id,
            person_id=person_id,
            email_enabled=True,
            digest=DigestMode.immediate,
            muted_categories=[],
        )
        session.add(preference)
    if body.email_enabled is not None:
        preference.email_enabled = body.email_enabled
    if body.digest is not None:
        preference.digest = DigestMode(body.digest)
    if body.muted_categories is not None:
        preference.muted_categories = sorted(set(body.muted_categories))
    session.flush()
    return schemas.NotificationPreferences.model_validate(preference)
