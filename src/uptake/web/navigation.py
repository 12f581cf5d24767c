"""The navigation: one explicit list of sections, each shown to the roles that may open it."""

from __future__ import annotations

from dataclasses import dataclass

from uptake.access.principal import Principal
from uptake.access.roles import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str
    roles: frozenset[Role]


EVERYONE = frozenset({Role.employee, Role.team_lead, Role.reviewer, Role.program_lead})
LEADS = frozenset({Role.program_lead})
ADMINS = frozenset({Role.admin})

NAVIGATION: list[NavItem] = [
    NavItem("Home", "/", EVERYONE),
    NavItem("Overview", "/dashboard", frozenset({Role.reviewer, Role.program_lead})),
    NavItem("Catalog", "/catalog", EVERYONE),
    NavItem("Directory", "/directory", frozenset({Role.team_lead, Role.program_lead})),
    NavItem("Use cases", "/use-cases", frozenset({Role.reviewer, Role.program_lead})),
    NavItem("Tools", "/tools", LEADS),
    NavItem("Licences", "/licences", LEADS),
    NavItem("Discovery", "/discovery", LEADS),
    NavItem("Reviews", "/governance/reviews", frozenset({Role.reviewer, Role.program_lead})),
    NavItem("Frameworks", "/governance/frameworks", frozenset({Role.reviewer, Role.program_lead})),
    NavItem("Rollout", "/rollout", frozenset({Role.reviewer, Role.program_lead})),
    NavItem("Incidents", "/incidents", frozenset({Role.reviewer, Role.program_lead})),
    NavItem("Feedback themes", "/feedback-themes", frozenset({Role.reviewer, Role.program_lead})),
    NavItem("Audit log", "/audit", frozenset({Role.reviewer, Role.program_lead})),
    NavItem("Training", "/training", EVERYONE),
    NavItem("Announcements", "/announcements", EVERYONE),
    NavItem("Questions", "/questions", EVERYONE),
    NavItem("Notifications", "/notifications", EVERYONE),
    NavItem("My seats", "/licences/my-seats", EVERYONE),
    NavItem("Unrecognized usage", "/telemetry/unrecognized", LEADS),
    NavItem("Import usage", "/telemetry/import", LEADS),
    NavItem("Surveys", "/surveys", LEADS),
    NavItem("Trust settings", "/settings/trust", LEADS),
    NavItem("Users", "/settings/users", ADMINS),
    NavItem("API keys", "/settings/api-keys", ADMINS),
    NavItem("Single sign-on", "/settings/sso", ADMINS),
    NavItem("Personal data", "/settings/people-rights", ADMINS),
    NavItem("Connectors", "/connectors", ADMINS),
    NavItem("Jobs", "/jobs", ADMINS),
    NavItem("Workspace", "/settings/workspace", ADMINS),
    NavItem("My account", "/account", EVERYONE),
]


def navigation_for(principal: Principal | None) -> list[NavItem]:
    if principal is None:
        return []
    return [item for item in NAVIGATION if principal.has_role(*item.roles)]
