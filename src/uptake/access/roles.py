"""The roles a person (or an API key) can hold, and the scopes an API key can carry."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    admin = "admin"
    program_lead = "program_lead"
    reviewer = "reviewer"
    team_lead = "team_lead"
    employee = "employee"
    integration = "integration"


PERSON_ROLES = (Role.admin, Role.program_lead, Role.reviewer, Role.team_lead, Role.employee)


class Scope(enum.StrEnum):
    events_write = "events:write"
    entitlements_read = "entitlements:read"
    feedback_write = "feedback:write"
    metrics_read = "metrics:read"
    scim = "scim"
    admin = "admin"
