"""Every route the app registers × every caller: the allow/deny table below is the contract.

The callers are: anonymous, a person in each role, and an integration key holding exactly one scope, for each
scope. A route added without a row here fails ``test_every_route_has_a_rule``; a route whose access differs from
its row fails ``test_each_caller_gets_exactly_its_access``. Keep the table in step with the routes, written by
hand. An ``admin`` person passes every rule but SCIM's (a key's only); an ``admin``-scoped key passes the ``Admin``
rules only (``ADMINS``).
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from support import as_caller
from uptake.access.dependencies import Access
from uptake.access.roles import Role, Scope

ANON = "anonymous"
ADMIN, LEAD, REVIEWER, TEAM_LEAD, EMPLOYEE = "admin", "program_lead", "reviewer", "team_lead", "employee"
# Integration keys, one per scope (each key holds that one scope only).
EVENTS_KEY = "key:events:write"
ENTITLEMENTS_KEY = "key:entitlements:read"
FEEDBACK_KEY = "key:feedback:write"
SCIM_KEY = "key:scim"
METRICS_KEY = "key:metrics:read"
ADMIN_KEY = "key:admin"
SCOPE_KEYS = {
    Scope.events_write: EVENTS_KEY,
    Scope.entitlements_read: ENTITLEMENTS_KEY,
    Scope.feedback_write: FEEDBACK_KEY,
    Scope.scim: SCIM_KEY,
    Scope.metrics_read: METRICS_KEY,
    Scope.admin: ADMIN_KEY,
}
KEYS = frozenset(SCOPE_KEYS.values())
# No longer a caller: a row must name which scope's key reaches it (EVENTS_KEY, SCIM_KEY, …).
KEY = "integration"
ALL_CALLERS = (ANON, ADMIN, LEAD, REVIEWER, TEAM_LEAD, EMPLOYEE, *SCOPE_KEYS.values())

PUBLIC = frozenset(ALL_CALLERS)
PEOPLE = frozenset({ADMIN, LEAD, REVIEWER, TEAM_LEAD, EMPLOYEE})
ADMINS = frozenset({ADMIN, ADMIN_KEY})
REVIEWERS = frozenset({ADMIN, LEAD, REVIEWER})
LEADS = frozenset({ADMIN, LEAD})
TEAM_LEADS = frozenset({ADMIN, LEAD, TEAM_LEAD})
# SCIM takes a key with the scim scope only: an identity provider, never a person's login (not even an admin's).
SCIM = frozenset({SCIM_KEY})

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    # operations
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("GET", "/metrics"): frozenset({ADMIN, ADMIN_KEY, METRICS_KEY}),
    # workspace
    ("GET", "/api/v1/workspace"): PEOPLE,
    ("PATCH", "/api/v1/workspace"): ADMINS,
    ("GET", "/"): PEOPLE,
    ("GET", "/settings/workspace"): ADMINS,
    ("POST", "/settings/workspace"): ADMINS,
    # access: me and my sessions
    ("GET", "/api/v1/me"): PEOPLE,
    ("GET", "/api/v1/me/sessions"): PEOPLE,
    ("DELETE", "/api/v1/me/sessions"): PEOPLE,
    ("DELETE", "/api/v1/me/sessions/{login_session_id}"): PEOPLE,
    ("GET", "/account"): PEOPLE,
    ("POST", "/account/sessions/{login_session_id}/end"): PEOPLE,
    ("POST", "/account/sessions/end-all"): PEOPLE,
    # access: logging in and out
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("GET", "/login/sso/{workspace_slug}"): PUBLIC,
    ("GET", "/login/sso/{workspace_slug}/callback"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    # access: API keys
    ("GET", "/api/v1/api-keys"): ADMINS,
    ("POST", "/api/v1/api-keys"): ADMINS,
    ("DELETE", "/api/v1/api-keys/{key_id}"): ADMINS,
    ("GET", "/settings/api-keys"): ADMINS,
    ("POST", "/settings/api-keys"): ADMINS,
    ("POST", "/settings/api-keys/{key_id}/revoke"): ADMINS,
    # access: users and roles
    ("GET", "/api/v1/users"): ADMINS,
    ("POST", "/api/v1/users"): ADMINS,
    ("PATCH", "/api/v1/users/{person_id}"): ADMINS,
    ("PUT", "/api/v1/users/{person_id}/roles/{role}"): ADMINS,
    ("DELETE", "/api/v1/users/{person_id}/roles/{role}"): ADMINS,
    ("PUT", "/api/v1/users/{person_id}/password"): ADMINS,
    ("GET", "/settings/users"): ADMINS,
    ("POST", "/settings/users"): ADMINS,
    ("POST", "/settings/users/{person_id}/roles"): ADMINS,
    ("POST", "/settings/users/{person_id}/roles/{role}/revoke"): ADMINS,
    ("POST", "/settings/users/{person_id}/password"): ADMINS,
    ("POST", "/settings/users/{person_id}/deactivate"): ADMINS,
    ("POST", "/settings/users/{person_id}/activate"): ADMINS,
    # access: single sign-on settings
    ("GET", "/api/v1/sso-configuration"): ADMINS,
    ("PUT", "/api/v1/sso-configuration"): ADMINS,
    ("DELETE", "/api/v1/sso-configuration"): ADMINS,
    ("GET", "/settings/sso"): ADMINS,
    ("POST", "/settings/sso"): ADMINS,
    ("POST", "/settings/sso/delete"): ADMINS,
    # audit
    ("GET", "/api/v1/audit/entries"): REVIEWERS,
    ("GET", "/api/v1/audit/verification"): REVIEWERS,
    ("GET", "/audit"): REVIEWERS,
    # jobs
    ("GET", "/api/v1/jobs"): ADMINS,
    ("POST", "/api/v1/jobs/{job_id}/retry"): ADMINS,
    ("GET", "/jobs"): ADMINS,
    ("POST", "/jobs/{job_id}/retry"): ADMINS,
    # connectors: admins configure vendor connections (their secrets) and run them
    ("POST", "/api/v1/connectors"): ADMINS,
    ("GET", "/api/v1/connectors"): ADMINS,
    ("GET", "/api/v1/connectors/{connector_id}"): ADMINS,
    ("PATCH", "/api/v1/connectors/{connector_id}"): ADMINS,
    ("POST", "/api/v1/connectors/{connector_id}/test"): ADMINS,
    ("POST", "/api/v1/connectors/{connector_id}/sync"): ADMINS,
    ("GET", "/api/v1/connectors/{connector_id}/runs"): ADMINS,
    ("GET", "/api/v1/connectors/{connector_id}/accounts/unlinked"): ADMINS,
    ("POST", "/api/v1/connectors/{connector_id}/accounts/links"): ADMINS,
    ("POST", "/api/v1/connectors/{connector_id}/accounts/links/import"): ADMINS,
    ("GET", "/connectors/{connector_id}/accounts"): ADMINS,
    ("POST", "/connectors/{connector_id}/accounts"): ADMINS,
    ("GET", "/connectors"): ADMINS,
    ("POST", "/connectors"): ADMINS,
    ("GET", "/connectors/{connector_id}"): ADMINS,
    ("POST", "/connectors/{connector_id}/test"): ADMINS,
    ("POST", "/connectors/{connector_id}/sync"): ADMINS,
    ("POST", "/connectors/{connector_id}/settings"): ADMINS,
    # reports: the program overview and the metric definitions it links to
    ("GET", "/dashboard"): REVIEWERS,
    ("GET", "/dashboard/definitions"): PEOPLE,
    ("GET", "/reports/executive"): REVIEWERS,
    ("GET", "/reports/executive.pdf"): REVIEWERS,
    # directory
    ("GET", "/api/v1/job-roles"): PEOPLE,
    ("POST", "/api/v1/job-roles"): LEADS,
    ("DELETE", "/api/v1/job-roles/{job_role_id}"): LEADS,
    ("GET", "/api/v1/job-roles/{job_role_id}"): PEOPLE,
    ("PATCH", "/api/v1/job-roles/{job_role_id}"): LEADS,
    ("GET", "/api/v1/people"): PEOPLE,
    ("POST", "/api/v1/people"): LEADS,
    ("POST", "/api/v1/people/import"): LEADS | {ADMIN_KEY},
    ("DELETE", "/api/v1/people/{person_id}"): ADMINS,
    ("GET", "/api/v1/people/{person_id}"): PEOPLE,
    ("PATCH", "/api/v1/people/{person_id}"): LEADS,
    ("GET", "/api/v1/teams"): PEOPLE,
    ("POST", "/api/v1/teams"): LEADS,
    ("DELETE", "/api/v1/teams/{team_id}"): LEADS,
    ("GET", "/api/v1/teams/{team_id}"): PEOPLE,
    ("PATCH", "/api/v1/teams/{team_id}"): LEADS,
    # directory: pages (team leads browse their own teams and subteams only) and the CSV upload
    ("GET", "/directory"): TEAM_LEADS,
    ("GET", "/directory/people/{person_id}"): TEAM_LEADS,
    ("GET", "/directory/teams"): TEAM_LEADS,
    ("GET", "/directory/teams/{team_id}"): TEAM_LEADS,
    ("POST", "/directory/teams/{team_id}/lead"): LEADS,
    ("GET", "/directory/job-roles"): TEAM_LEADS,
    ("GET", "/directory/import"): LEADS,
    ("POST", "/directory/import"): LEADS,
    ("POST", "/directory/import/confirm"): LEADS,
    ("GET", "/directory/import/jobs/{job_id}"): LEADS,
    # directory: SCIM 2.0 provisioning
    ("POST", "/scim/v2/.search"): SCIM,
    ("GET", "/scim/v2/Groups"): SCIM,
    ("POST", "/scim/v2/Groups"): SCIM,
    ("POST", "/scim/v2/Groups/.search"): SCIM,
    ("DELETE", "/scim/v2/Groups/{group_id}"): SCIM,
    ("GET", "/scim/v2/Groups/{group_id}"): SCIM,
    ("PATCH", "/scim/v2/Groups/{group_id}"): SCIM,
    ("PUT", "/scim/v2/Groups/{group_id}"): SCIM,
    ("GET", "/scim/v2/ResourceTypes"): SCIM,
    ("GET", "/scim/v2/ResourceTypes/{resource_type_id}"): SCIM,
    ("GET", "/scim/v2/Schemas"): SCIM,
    ("GET", "/scim/v2/Schemas/{schema_id}"): SCIM,
    ("GET", "/scim/v2/ServiceProviderConfig"): SCIM,
    ("GET", "/scim/v2/Users"): SCIM,
    ("POST", "/scim/v2/Users"): SCIM,
    ("POST", "/scim/v2/Users/.search"): SCIM,
    ("DELETE", "/scim/v2/Users/{user_id}"): SCIM,
    ("GET", "/scim/v2/Users/{user_id}"): SCIM,
    ("PATCH", "/scim/v2/Users/{user_id}"): SCIM,
    ("PUT", "/scim/v2/Users/{user_id}"): SCIM,
    ("DELETE", "/scim/v2/{rest:path}"): SCIM,
    ("GET", "/scim/v2/{rest:path}"): SCIM,
    ("PATCH", "/scim/v2/{rest:path}"): SCIM,
    ("POST", "/scim/v2/{rest:path}"): SCIM,
    ("PUT", "/scim/v2/{rest:path}"): SCIM,
    # catalog: tools, use cases, use cards, data classes
    ("GET", "/api/v1/data-classes"): PEOPLE,
    ("PUT", "/api/v1/data-classes"): LEADS,
    ("GET", "/api/v1/tools"): PEOPLE,
    ("POST", "/api/v1/tools"): LEADS,
    ("GET", "/api/v1/tools/{slug}"): PEOPLE,
    ("PATCH", "/api/v1/tools/{slug}"): LEADS,
    ("GET", "/api/v1/use-cases"): PEOPLE,
    ("POST", "/api/v1/use-cases"): LEADS,
    ("GET", "/api/v1/use-cases/{slug}"): PEOPLE,
    ("PATCH", "/api/v1/use-cases/{slug}"): LEADS,
    ("POST", "/api/v1/use-cases/{slug}/submission"): LEADS,
    ("POST", "/api/v1/use-cases/{slug}/transitions"): LEADS,
    ("GET", "/api/v1/use-cases/{slug}/use-card"): PEOPLE,
    ("GET", "/api/v1/use-cases/{slug}/use-card/diff"): PEOPLE,
    ("GET", "/api/v1/use-cases/{slug}/use-card/versions"): PEOPLE,
    ("POST", "/api/v1/use-cases/{slug}/use-card/versions"): LEADS,
    ("GET", "/api/v1/use-cases/{slug}/use-card/versions/{version}"): PEOPLE,
    ("GET", "/catalog"): PEOPLE,
    ("GET", "/tools"): LEADS,
    ("GET", "/tools/new"): LEADS,
    ("POST", "/tools/new"): LEADS,
    ("GET", "/tools/{slug}/edit"): LEADS,
    ("POST", "/tools/{slug}/edit"): LEADS,
    ("GET", "/use-cases"): PEOPLE,
    ("GET", "/use-cases/new"): LEADS,
    ("POST", "/use-cases/new"): LEADS,
    ("GET", "/use-cases/{slug}"): PEOPLE,
    ("GET", "/use-cases/{slug}/edit"): LEADS,
    ("POST", "/use-cases/{slug}/edit"): LEADS,
    ("POST", "/use-cases/{slug}/transitions"): LEADS,
    ("GET", "/use-cases/{slug}/use-card/diff"): PEOPLE,
    ("GET", "/use-cases/{slug}/use-card/edit"): LEADS,
    ("POST", "/use-cases/{slug}/use-card/edit"): LEADS,
    # governance: risk, reviews, conditions, frameworks and controls
    ("PATCH", "/api/v1/conditions/{condition_id}"): REVIEWERS,
    ("DELETE", "/api/v1/control-mappings/{mapping_id}"): REVIEWERS,
    ("GET", "/api/v1/frameworks"): REVIEWERS,
    ("POST", "/api/v1/frameworks"): LEADS,
    ("DELETE", "/api/v1/frameworks/{slug}"): LEADS,
    ("GET", "/api/v1/frameworks/{slug}"): REVIEWERS,
    ("GET", "/api/v1/frameworks/{slug}/coverage"): REVIEWERS,
    ("GET", "/api/v1/re-reviews/overdue"): REVIEWERS,
    ("DELETE", "/api/v1/review-policy"): LEADS,
    ("GET", "/api/v1/review-policy"): PEOPLE,
    ("PUT", "/api/v1/review-policy"): LEADS,
    ("GET", "/api/v1/reviewer-board"): REVIEWERS,
    ("POST", "/api/v1/reviewer-board"): LEADS,
    ("DELETE", "/api/v1/reviewer-board/{assignment_id}"): LEADS,
    ("GET", "/api/v1/reviews"): REVIEWERS,
    ("GET", "/api/v1/reviews/{review_id}"): REVIEWERS,
    ("POST", "/api/v1/reviews/{review_id}/verdicts"): REVIEWERS,
    ("DELETE", "/api/v1/risk-questionnaire"): LEADS,
    ("GET", "/api/v1/risk-questionnaire"): PEOPLE,
    ("PUT", "/api/v1/risk-questionnaire"): LEADS,
    ("GET", "/api/v1/use-cases/{slug}/completeness"): REVIEWERS,
    ("GET", "/api/v1/use-cases/{slug}/compliance"): REVIEWERS,
    ("GET", "/api/v1/use-cases/{slug}/compliance-pack"): REVIEWERS,
    ("GET", "/api/v1/use-cases/{slug}/control-mappings"): REVIEWERS,
    ("POST", "/api/v1/use-cases/{slug}/control-mappings"): REVIEWERS,
    ("GET", "/api/v1/use-cases/{slug}/decisions"): REVIEWERS,
    ("POST", "/api/v1/use-cases/{slug}/re-reviews"): REVIEWERS,
    ("GET", "/api/v1/use-cases/{slug}/reviews"): REVIEWERS,
    ("GET", "/api/v1/use-cases/{slug}/risk-assessment"): REVIEWERS,
    ("PUT", "/api/v1/use-cases/{slug}/risk-assessment"): LEADS,
    ("POST", "/api/v1/use-cases/{slug}/risk-assessment/override"): REVIEWERS,
    ("POST", "/governance/conditions/{condition_id}"): REVIEWERS,
    ("POST", "/governance/control-mappings/{mapping_id}/remove"): REVIEWERS,
    ("GET", "/governance/frameworks"): REVIEWERS,
    ("POST", "/governance/frameworks"): LEADS,
    ("GET", "/governance/frameworks/{slug}"): REVIEWERS,
    ("POST", "/governance/frameworks/{slug}/remove"): LEADS,
    ("GET", "/governance/policies"): REVIEWERS,
    ("POST", "/governance/policies/{kind}"): LEADS,
    ("GET", "/governance/re-reviews"): REVIEWERS,
    ("GET", "/governance/reviewer-board"): REVIEWERS,
    ("POST", "/governance/reviewer-board"): LEADS,
    ("POST", "/governance/reviewer-board/{assignment_id}/remove"): LEADS,
    ("GET", "/governance/reviews"): REVIEWERS,
    ("GET", "/governance/reviews/{review_id}"): REVIEWERS,
    ("POST", "/governance/reviews/{review_id}/verdicts"): REVIEWERS,
    ("GET", "/governance/use-cases/{slug}/controls"): REVIEWERS,
    ("POST", "/governance/use-cases/{slug}/controls"): REVIEWERS,
    ("POST", "/governance/use-cases/{slug}/re-reviews"): REVIEWERS,
    ("GET", "/governance/use-cases/{slug}/risk-assessment"): REVIEWERS,
    ("POST", "/governance/use-cases/{slug}/risk-assessment"): LEADS,
    ("POST", "/governance/use-cases/{slug}/risk-assessment/override"): REVIEWERS,
    # rollout: plans, waves, gates, promotion, the kill switch; entitlements, the rollout state and OFREP
    ("GET", "/api/v1/rollout-plans"): REVIEWERS,
    ("POST", "/api/v1/rollout-plans"): LEADS,
    ("GET", "/api/v1/rollout-plans/{slug}"): REVIEWERS,
    ("PATCH", "/api/v1/rollout-plans/{slug}"): LEADS,
    ("POST", "/api/v1/rollout-plans/{slug}/waves"): LEADS,
    ("PATCH", "/api/v1/rollout-plans/{slug}/waves/{wave}"): LEADS,
    ("POST", "/api/v1/rollout-plans/{slug}/waves/{wave}/gates"): LEADS,
    ("DELETE", "/api/v1/rollout-plans/{slug}/gates/{gate_id}"): LEADS,
    ("POST", "/api/v1/rollout-plans/{slug}/start"): LEADS,
    ("POST", "/api/v1/rollout-plans/{slug}/gate-evaluation"): LEADS,
    ("POST", "/api/v1/rollout-plans/{slug}/promotion"): REVIEWERS,
    ("POST", "/api/v1/rollout-plans/{slug}/hold"): REVIEWERS,
    ("POST", "/api/v1/rollout-plans/{slug}/resume"): LEADS,
    ("POST", "/api/v1/rollout-plans/{slug}/pause"): REVIEWERS,
    ("POST", "/api/v1/rollout-plans/{slug}/unpause"): LEADS,
    ("POST", "/api/v1/use-cases/{slug}/use-card-acknowledgement"): PEOPLE,
    ("GET", "/api/v1/entitlements"): PEOPLE | {ENTITLEMENTS_KEY},
    ("POST", "/api/v1/entitlements/check"): PEOPLE | {ENTITLEMENTS_KEY},
    # The whole state names everyone's entitlements: an SDK's key, or a program lead (the rule admits every
    # person; the route refuses the others).
    ("GET", "/api/v1/rollout-state"): LEADS | {ENTITLEMENTS_KEY},
    ("POST", "/ofrep/v1/evaluate/flags/{key}"): PEOPLE | {ENTITLEMENTS_KEY},
    ("POST", "/ofrep/v1/evaluate/flags"): PEOPLE | {ENTITLEMENTS_KEY},
    ("GET", "/rollout"): REVIEWERS,
    ("POST", "/rollout"): LEADS,
    ("GET", "/rollout/{slug}"): REVIEWERS,
    ("GET", "/rollout/{slug}/gates"): REVIEWERS,
    ("POST", "/rollout/{slug}/start"): LEADS,
    ("POST", "/rollout/{slug}/waves"): LEADS,
    ("POST", "/rollout/{slug}/gates"): LEADS,
    ("POST", "/rollout/{slug}/gate-evaluation"): LEADS,
    ("POST", "/rollout/{slug}/promotion"): REVIEWERS,
    ("POST", "/rollout/{slug}/hold"): REVIEWERS,
    ("POST", "/rollout/{slug}/resume"): LEADS,
    ("POST", "/rollout/{slug}/pause"): REVIEWERS,
    ("POST", "/rollout/{slug}/unpause"): LEADS,
    # telemetry: event ingest (an events:write key, or an admin) and the unrecognized slugs
    ("POST", "/api/v1/events"): frozenset({ADMIN, EVENTS_KEY}),
    ("GET", "/api/v1/events/unrecognized"): LEADS,
    ("GET", "/telemetry/unrecognized"): LEADS,
    # privacy: a person's rights (access and erasure), for administrators
    ("GET", "/settings/people-rights"): ADMINS,
    ("GET", "/settings/people-rights/export"): ADMINS,
    ("POST", "/settings/people-rights/erasure"): ADMINS,
    # telemetry sources: OpenTelemetry traces (an events:write key, or an admin) and the report upload page
    ("POST", "/v1/traces"): frozenset({ADMIN, EVENTS_KEY}),
    ("GET", "/telemetry/import"): LEADS,
    ("POST", "/telemetry/import"): LEADS,
    # analytics: metrics, forecasts, interventions (team leads see their own teams' figures)
    ("GET", "/api/v1/metrics"): REVIEWERS | {TEAM_LEAD},
    ("GET", "/api/v1/metrics/{name}"): REVIEWERS | {TEAM_LEAD},
    ("GET", "/api/v1/forecasts"): REVIEWERS,
    ("GET", "/api/v1/interventions"): REVIEWERS | {TEAM_LEAD},
    # enablement: training modules, quizzes, progress, AI literacy, learning paths, champions
    ("GET", "/api/v1/training/modules"): PEOPLE,
    ("POST", "/api/v1/training/modules"): LEADS,
    ("GET", "/api/v1/training/modules/{slug}"): PEOPLE,
    ("PUT", "/api/v1/training/modules/{slug}"): LEADS,
    ("POST", "/api/v1/training/modules/{slug}/attempts"): PEOPLE,
    ("POST", "/api/v1/training/modules/{slug}/completion"): PEOPLE,
    ("DELETE", "/api/v1/training/modules/{slug}/attempts/{person_id}"): LEADS,
    ("GET", "/api/v1/training/me"): PEOPLE,
    ("GET", "/api/v1/training/me/literacy"): PEOPLE,
    ("GET", "/api/v1/training/use-cases/{use_case_slug}/requirement"): PEOPLE,
    ("GET", "/api/v1/training/people/{person_id}/literacy"): LEADS,
    ("GET", "/api/v1/training/coverage"): TEAM_LEADS,
    ("GET", "/api/v1/learning-paths"): PEOPLE,
    ("POST", "/api/v1/learning-paths"): LEADS,
    ("PATCH", "/api/v1/learning-paths/{slug}"): LEADS,
    ("DELETE", "/api/v1/learning-paths/{slug}"): LEADS,
    ("GET", "/api/v1/champions"): PEOPLE,
    ("POST", "/api/v1/champions"): TEAM_LEADS,
    ("DELETE", "/api/v1/champions/{champion_id}"): TEAM_LEADS,
    ("GET", "/training"): PEOPLE,
    ("GET", "/training/me"): PEOPLE,
    ("GET", "/training/modules/{slug}"): PEOPLE,
    ("POST", "/training/modules/{slug}/quiz"): PEOPLE,
    ("POST", "/training/modules/{slug}/completion"): PEOPLE,
    ("GET", "/training/modules/{slug}/images/{name:path}"): PEOPLE,
    ("GET", "/training/use-cases/{use_case_slug}"): PEOPLE,
    ("GET", "/training/new-module"): LEADS,
    ("POST", "/training/new-module"): LEADS,
    ("GET", "/training/modules/{slug}/edit"): LEADS,
    ("POST", "/training/modules/{slug}/edit"): LEADS,
    ("GET", "/training/paths"): PEOPLE,
    ("POST", "/training/paths"): LEADS,
    ("POST", "/training/paths/{slug}/remove"): LEADS,
    ("GET", "/training/literacy"): PEOPLE,
    ("GET", "/training/people"): LEADS,
    ("GET", "/training/people/{person_id}/literacy"): LEADS,
    ("GET", "/training/coverage"): TEAM_LEADS,
    ("GET", "/champions"): PEOPLE,
    ("POST", "/champions"): TEAM_LEADS,
    ("POST", "/champions/{champion_id}/remove"): TEAM_LEADS,
    # comms: announcements, questions and the FAQ, office hours, notifications, webhooks
    ("POST", "/api/v1/announcements/audience-preview"): LEADS,
    ("GET", "/api/v1/announcements"): LEADS,
    ("POST", "/api/v1/announcements"): LEADS,
    ("GET", "/api/v1/announcements/{announcement_id}"): LEADS,
    ("POST", "/api/v1/announcements/{announcement_id}/sending"): LEADS,
    ("PUT", "/api/v1/announcements/{announcement_id}/schedule"): LEADS,
    ("GET", "/api/v1/announcements/{announcement_id}/report"): LEADS,
    ("POST", "/api/v1/announcements/{announcement_id}/acknowledgement"): PEOPLE,
    ("GET", "/api/v1/me/announcements"): PEOPLE,
    ("GET", "/api/v1/questions"): PEOPLE,
    ("POST", "/api/v1/questions"): PEOPLE,
    ("GET", "/api/v1/questions/{question_id}"): PEOPLE,
    ("POST", "/api/v1/questions/{question_id}/answers"): PEOPLE,
    ("POST", "/api/v1/questions/{question_id}/faq"): PEOPLE,
    ("GET", "/api/v1/faq"): PEOPLE,
    ("GET", "/api/v1/office-hours"): PEOPLE,
    ("POST", "/api/v1/office-hours"): PEOPLE,
    ("GET", "/api/v1/me/notifications"): PEOPLE,
    ("POST", "/api/v1/me/notifications/{notification_id}/read"): PEOPLE,
    ("GET", "/api/v1/me/notification-preferences"): PEOPLE,
    ("PATCH", "/api/v1/me/notification-preferences"): PEOPLE,
    ("GET", "/api/v1/notifications/outbox"): ADMINS,
    ("POST", "/api/v1/notifications/outbox/{notification_id}/retry"): ADMINS,
    ("GET", "/api/v1/webhooks"): ADMINS,
    ("POST", "/api/v1/webhooks"): ADMINS,
    ("DELETE", "/api/v1/webhooks/{webhook_id}"): ADMINS,
    ("GET", "/announcements"): PEOPLE,
    ("GET", "/announcements/new"): LEADS,
    ("POST", "/announcements/new"): LEADS,
    ("GET", "/announcements/{announcement_id}"): PEOPLE,
    ("POST", "/announcements/{announcement_id}/acknowledgement"): PEOPLE,
    ("POST", "/announcements/{announcement_id}/send"): LEADS,
    ("GET", "/questions"): PEOPLE,
    ("POST", "/questions"): PEOPLE,
    ("GET", "/questions/{question_id}"): PEOPLE,
    ("POST", "/questions/{question_id}/answers"): PEOPLE,
    ("POST", "/questions/{question_id}/faq"): PEOPLE,
    ("GET", "/notifications"): PEOPLE,
    ("POST", "/notifications/{notification_id}/read"): PEOPLE,
    ("GET", "/notifications/preferences"): PEOPLE,
    ("POST", "/notifications/preferences"): PEOPLE,
    ("GET", "/office-hours"): PEOPLE,
    ("POST", "/office-hours"): PEOPLE,
    # trust: feedback (a feedback:write key or anyone signed in gives it; reviewers read it), widget keys,
    # incidents (anyone reports; reviewers triage and resolve; the reporter sees their own), the trust score,
    # feedback themes; the embeddable widget's script and endpoint take no login (its key is checked inside)
    ("POST", "/api/v1/feedback"): PEOPLE | {FEEDBACK_KEY},
    ("GET", "/api/v1/use-cases/{slug}/feedback"): REVIEWERS,
    ("POST", "/api/v1/feedback/{feedback_id}/escalation"): REVIEWERS,
    ("GET", "/api/v1/widget-keys"): LEADS,
    ("POST", "/api/v1/widget-keys"): LEADS,
    ("DELETE", "/api/v1/widget-keys/{key_id}"): LEADS,
    ("GET", "/api/v1/incidents"): REVIEWERS,
    ("POST", "/api/v1/incidents"): PEOPLE,
    ("GET", "/api/v1/incidents/{incident_id}"): PEOPLE,
    ("PATCH", "/api/v1/incidents/{incident_id}"): REVIEWERS,
    ("POST", "/api/v1/incidents/{incident_id}/note"): REVIEWERS,
    ("GET", "/api/v1/trust/settings"): LEADS,
    ("PUT", "/api/v1/trust/settings"): LEADS,
    ("GET", "/api/v1/use-cases/{slug}/trust-score"): PEOPLE,
    ("POST", "/api/v1/feedback-themes"): REVIEWERS,
    ("GET", "/api/v1/feedback-themes/{run_id}"): REVIEWERS,
    ("GET", "/widget/feedback.js"): PUBLIC,
    ("OPTIONS", "/widget/{key}/feedback"): PUBLIC,
    ("POST", "/widget/{key}/feedback"): PUBLIC,
    ("GET", "/use-cases/{slug}/feedback"): REVIEWERS,
    ("POST", "/feedback/{feedback_id}/escalation"): REVIEWERS,
    ("GET", "/incidents"): REVIEWERS,
    ("GET", "/incidents/new"): PEOPLE,
    ("POST", "/incidents"): PEOPLE,
    ("GET", "/incidents/{incident_id}"): PEOPLE,
    ("POST", "/incidents/{incident_id}"): REVIEWERS,
    ("POST", "/incidents/{incident_id}/note"): REVIEWERS,
    ("GET", "/use-cases/{slug}/trust"): PEOPLE,
    ("GET", "/feedback-themes"): REVIEWERS,
    ("POST", "/feedback-themes"): REVIEWERS,
    ("GET", "/settings/trust"): LEADS,
    ("POST", "/settings/trust"): LEADS,
    ("POST", "/settings/trust/widget-keys"): LEADS,
    ("POST", "/settings/trust/widget-keys/{key_id}/revoke"): LEADS,
    # surveys: program leads make, send and read them; the answer takes the one-time link, no login (anonymity)
    ("GET", "/api/v1/survey-templates"): LEADS,
    ("GET", "/api/v1/surveys"): LEADS,
    ("POST", "/api/v1/surveys"): LEADS,
    ("GET", "/api/v1/surveys/{survey_id}"): LEADS,
    ("PATCH", "/api/v1/surveys/{survey_id}"): LEADS,
    ("POST", "/api/v1/surveys/{survey_id}/send"): LEADS,
    ("POST", "/api/v1/surveys/{survey_id}/close"): LEADS,
    ("GET", "/api/v1/surveys/{survey_id}/results"): LEADS,
    ("POST", "/api/v1/survey-responses"): PUBLIC,
    ("GET", "/surveys"): LEADS,
    ("POST", "/surveys"): LEADS,
    ("GET", "/surveys/{survey_id}"): LEADS,
    ("POST", "/surveys/{survey_id}"): LEADS,
    ("POST", "/surveys/{survey_id}/send"): LEADS,
    ("POST", "/surveys/{survey_id}/close"): LEADS,
    ("GET", "/surveys/{survey_id}/results"): LEADS,
    ("GET", "/surveys/respond/{token}"): PUBLIC,
    ("POST", "/surveys/respond/{token}"): PUBLIC,
    # licences: program leads keep the ledger and run the queue; a tool's licence owner (checked by the service)
    # decides each step; everyone sees their own seats, asks for one and answers a notice
    ("GET", "/api/v1/licences/contracts"): LEADS,
    ("POST", "/api/v1/licences/contracts"): LEADS,
    ("PATCH", "/api/v1/licences/contracts/{contract_id}"): LEADS,
    ("DELETE", "/api/v1/licences/contracts/{contract_id}"): LEADS,
    ("GET", "/api/v1/licences/seats"): LEADS,
    ("POST", "/api/v1/licences/seats"): LEADS,
    ("POST", "/api/v1/licences/seats/{seat_id}/release"): LEADS,
    ("GET", "/api/v1/licences/seats/mine"): PEOPLE,
    ("POST", "/api/v1/licences/seats/import"): LEADS | {ADMIN_KEY},
    ("GET", "/api/v1/licences/seat-groups"): LEADS,
    ("PUT", "/api/v1/licences/seat-groups/{tool}"): LEADS,
    ("DELETE", "/api/v1/licences/seat-groups/{tool}"): LEADS,
    ("GET", "/api/v1/licences/policies/{tool}"): LEADS,
    ("PUT", "/api/v1/licences/policies/{tool}"): LEADS,
    ("GET", "/api/v1/licences/waiting-list/{tool}"): LEADS,
    ("POST", "/api/v1/licences/seat-requests"): PEOPLE,
    ("GET", "/api/v1/licences/seat-requests/mine"): PEOPLE,
    ("DELETE", "/api/v1/licences/seat-requests/{request_id}"): PEOPLE,
    ("GET", "/api/v1/licences/reassignments"): LEADS,
    ("POST", "/api/v1/licences/reassignments/{reassignment_id}/approval"): PEOPLE,
    ("POST", "/api/v1/licences/reassignments/{reassignment_id}/dismissal"): PEOPLE,
    ("POST", "/api/v1/licences/reassignments/{reassignment_id}/keep"): PEOPLE,
    ("POST", "/api/v1/licences/queue-runs"): LEADS,
    ("GET", "/licences"): LEADS,
    ("GET", "/licences/tools/{slug}"): LEADS,
    ("POST", "/licences/contracts"): LEADS,
    ("POST", "/licences/seats"): LEADS,
    ("POST", "/licences/seats/{seat_id}/release"): LEADS,
    ("POST", "/licences/tools/{slug}/policy"): LEADS,
    ("POST", "/licences/tools/{slug}/seat-group"): LEADS,
    ("POST", "/licences/queue-runs"): LEADS,
    ("POST", "/licences/reassignments/{reassignment_id}/approve"): PEOPLE,
    ("POST", "/licences/reassignments/{reassignment_id}/dismiss"): PEOPLE,
    ("GET", "/licences/import"): LEADS,
    ("POST", "/licences/import"): LEADS,
    ("GET", "/licences/my-seats"): PEOPLE,
    ("POST", "/licences/reassignments/{reassignment_id}/keep"): PEOPLE,
    ("POST", "/licences/seat-requests"): PEOPLE,
    ("POST", "/licences/seat-requests/{request_id}/withdraw"): PEOPLE,
    # discovery: program leads import logs, see the figures (behind the floor) and decide; only admins see who
    ("POST", "/api/v1/discovery/imports"): LEADS | {ADMIN_KEY},
    ("GET", "/api/v1/discovery/imports"): LEADS,
    ("GET", "/api/v1/discovery/tools"): LEADS,
    ("GET", "/api/v1/discovery/tools/{slug}"): LEADS,
    ("GET", "/api/v1/discovery/tools/{slug}/users"): ADMINS,
    ("POST", "/api/v1/discovery/tools/{slug}/candidate"): LEADS,
    ("POST", "/api/v1/discovery/tools/{slug}/dismissal"): LEADS,
    ("POST", "/api/v1/discovery/tools/{slug}/block"): LEADS,
    ("GET", "/api/v1/discovery/service-domains"): LEADS,
    ("POST", "/api/v1/discovery/service-domains"): LEADS,
    ("DELETE", "/api/v1/discovery/service-domains/{domain:path}"): LEADS,
    ("GET", "/discovery"): LEADS,
    ("GET", "/discovery/tools/{slug}"): LEADS,
    ("GET", "/discovery/tools/{slug}/users"): ADMINS,
    ("GET", "/discovery/tools/{slug}/candidate"): LEADS,
    ("POST", "/discovery/tools/{slug}/candidate"): LEADS,
    ("POST", "/discovery/tools/{slug}/dismiss"): LEADS,
    ("POST", "/discovery/tools/{slug}/block"): LEADS,
    ("GET", "/discovery/import"): LEADS,
    ("POST", "/discovery/import"): LEADS,
    ("GET", "/discovery/services"): LEADS,
    ("POST", "/discovery/services"): LEADS,
    ("POST", "/discovery/services/remove"): LEADS,
}


def registered_routes(app) -> set[tuple[str, str]]:
    """Every (method, full path) the app answers, including routes of included routers."""
    found = set()
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            for method in set(context.methods or ()) - {"HEAD"}:
                found.add((method, context.path))
    return found


def test_every_route_has_a_rule(app) -> None:
    routes = registered_routes(app)
    missing = sorted(routes - EXPECTED.keys())
    stale = sorted(EXPECTED.keys() - routes)
    assert missing == [], "routes without a row in EXPECTED"
    assert stale == [], "rows in EXPECTED for routes that no longer exist"


def test_rows_name_known_callers_only() -> None:
    """``KEY`` (a key of every scope) is not a caller any more: a row names the scope key(s) that reach it."""
    unknown = {route: sorted(allowed - set(ALL_CALLERS)) for route, allowed in EXPECTED.items()}
    assert {route: names for route, names in unknown.items() if names} == {}


def _access_rules(dependant) -> list[Access]:
    found = [dependant.call] if isinstance(dependant.call, Access) else []
    for child in dependant.dependencies:
        found.extend(_access_rules(child))
    return found


def test_every_route_depends_on_exactly_one_access_rule(app) -> None:
    """One mechanism decides access: each route names one ``Access`` rule (``Admin``, ``Public``, …)."""
    counts = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in set(context.methods or ()) - {"HEAD"}:
                counts[(method, context.path)] = len(_access_rules(route.dependant))
    assert {route: count for route, count in counts.items() if count != 1} == {}


@pytest.fixture
def callers(world):
    workspace = world.workspace()
    made = {role.value: world.caller(workspace, role) for role in Role if role != Role.integration}
    keys = {name: world.api_key(workspace, scope) for scope, name in SCOPE_KEYS.items()}
    return workspace, made, keys


# Path parameters are filled with values that exist nowhere (the rule is checked before the lookup); a few need a
# value of the right shape to reach the handler.
PATH_VALUES = {"role": "reviewer", "workspace_slug": "no-such-workspace", "kind": "risk-questionnaire"}


def _call(client: TestClient, method: str, path: str):
    url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda match: PATH_VALUES.get(match.group(1), "999999"), path)
    kwargs = {"json": {}} if method in ("POST", "PATCH", "PUT") and url.startswith("/api/") else {}
    if method in ("POST", "PATCH", "PUT") and not url.startswith("/api/"):
        kwargs = {"data": {"csrf_token": client.cookies.get("uptake_csrf", "")}}
    return client.request(method, url, follow_redirects=False, **kwargs)


def _is_denied(response) -> bool:
    if response.status_code in (401, 403):
        return True
    return response.status_code == 303 and response.headers.get("location", "").startswith("/login?next=")


# Routes that end the caller's login come last, each with a fresh login, so none turns a later call into a 401.
ENDING = {("DELETE", "/api/v1/me/sessions"), ("POST", "/logout"), ("POST", "/account/sessions/end-all")}
# SCIM's answer for an operation the protocol lets a provider leave out (RFC 7644, section 3.12): not a failure.
NOT_IMPLEMENTED = {("POST", "/scim/v2/.search")}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_caller_gets_exactly_its_access(app, client: TestClient, callers, world) -> None:
    workspace, people, keys = callers
    mismatches = []
    for (method, path), allowed in sorted(EXPECTED.items(), key=lambda item: (item[0] in ENDING, item[0])):
        for caller in ALL_CALLERS:
            client.cookies.clear()
            client.headers.pop("X-CSRF-Token", None)
            client.headers.pop("Authorization", None)
            if caller in keys:
                client.headers["Authorization"] = f"Bearer {keys[caller]}"
            elif caller != ANON:
                if (method, path) in ENDING:
                    people[caller] = world.caller(workspace, Role(caller))
                as_caller(client, people[caller])
            else:
                client.cookies.set("uptake_csrf", "anonymous-token")
                client.headers["X-CSRF-Token"] = "anonymous-token"
            response = _call(client, method, path)
            if response.status_code == 501 and (method, path) in NOT_IMPLEMENTED:
                continue
            if response.status_code >= 500:
                mismatches.append(f"{method} {path} as {caller}: server error {response.status_code}")
            elif _is_denied(response) == (caller in allowed):
                verdict = "denied" if _is_denied(response) else f"allowed ({response.status_code})"
                mismatches.append(f"{method} {path} as {caller}: {verdict}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_scope_reaches_exactly_the_routes_of_its_rules(app) -> None:
    """Cross-check of the table against the rules themselves: a key with one scope is admitted by a route's rule
    exactly when the row lists that scope's key."""
    from uptake.access.principal import Principal

    rules = {}
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute):
            for method in set(context.methods or ()) - {"HEAD"}:
                rules[(method, context.path)] = _access_rules(route.dependant)[0]
    mismatches = []
    for scope, name in SCOPE_KEYS.items():
        roles = frozenset({Role.integration, Role.admin} if scope == Scope.admin else {Role.integration})
        key = Principal(workspace_id=1, roles=roles, api_key_id=1, scopes=frozenset({scope.value}))
        for route, rule in rules.items():
            admitted = rule.public or rule.admits(key)
            if route in EXPECTED and admitted != (name in EXPECTED[route]):
                mismatches.append(f"{route} with {name}: rule {'admits' if admitted else 'refuses'}")
    assert mismatches == []
