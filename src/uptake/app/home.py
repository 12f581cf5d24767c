"""What the home page shows each person: their AI use cases and training, and what their roles ask of them.

Everyone sees the use cases aimed at them and the training they still owe; a reviewer, their review queue and
the overdue re-reviews; a program lead, the headline adoption figure and the top interventions; an admin, what
exists in the workspace. A new workspace shows what to do first instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.analytics import schemas as analytics_schemas
from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.auth import service as auth_service
from uptake.catalog import service as catalog_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement.service import champions as champions_service
from uptake.enablement.service import progress as progress_service
from uptake.governance import service as governance_service
from uptake.jobs import schemas as jobs_schemas
from uptake.jobs import service as jobs_service


@dataclass(frozen=True)
class HomeSummary:
    people: int
    teams: int
    accounts: int
    api_keys: int
    audit_entries: int
    jobs_failed: int
    jobs_running: int

    @property
    def is_empty(self) -> bool:
        return self.people <= 1 and self.teams == 0


def summarize_workspace(session: Session, workspace_id: int) -> HomeSummary:
    jobs = jobs_service.count_jobs_by_status(session, workspace_id)
    return HomeSummary(
        people=people_service.count_people(session, workspace_id),
        teams=teams_service.count_teams(session, workspace_id),
        accounts=len(auth_service.list_accounts(session, workspace_id)),
        api_keys=len(
            [key for key in auth_service.list_api_keys(session, workspace_id) if key.revoked_at is None]
        ),
        audit_entries=audit_service.count_audit_entries(session, workspace_id),
        jobs_failed=jobs.get(jobs_schemas.JobStatus.failed, 0),
        jobs_running=jobs.get(jobs_schemas.JobStatus.running, 0),
    )


@dataclass(frozen=True)
class UseCaseLink:
    slug: str
    title: str
    status: str


@dataclass(frozen=True)
class TrainingDue:
    title: str
    modules: list[tuple[str, str]]  # (slug, title) of the modules not done yet


@dataclass(frozen=True)
class ProgramPulse:
    adoption: float | None
    active: int
    eligible: int
    interventions: list[analytics_schemas.Intervention]


@dataclass(frozen=True)
class TeamPulse:
    """A team lead's own team: its funnel per use case (figures under the floor hidden) and its champions."""

    team_id: int
    name: str
    funnel: list[dict[str, object]]
    champions: list[str]


@dataclass
class PersonalHome:
    use_cases: list[UseCaseLink]
    training_due: list[TrainingDue]
    review_queue: int = 0
    overdue_re_reviews: int = 0
    program: ProgramPulse | None = None
    team: TeamPulse | None = None


def personal_home(
    session: Session, caller: Principal, *, analytics: analytics_service.Analytics | None
) -> PersonalHome:
    """The parts of the home page that depend on who is looking."""
    workspace_id = caller.workspace_id
    use_cases: list[UseCaseLink] = []
    training: list[TrainingDue] = []
    if caller.person_id is not None:
        mine, _ = catalog_service.list_use_cases(
            session, workspace_id, for_person_id=caller.person_id, published_only=True, limit=12
        )
        use_cases = [UseCaseLink(u.slug, u.title, u.status.value) for u in mine]
        overview = progress_service.training_overview(session, workspace_id, caller.person_id)
        training = [
            TrainingDue(
                requirement.title,
                [
                    (module.module_slug, module.module_title)
                    for module in requirement.modules
                    if module.completion is None
                ],
            )
            for requirement in overview.requirements
            if not requirement.is_satisfied
        ]
    home = PersonalHome(use_cases=use_cases, training_due=training)
    roles = caller.roles
    if roles & {Role.reviewer, Role.program_lead, Role.admin}:
        home.review_queue = len(governance_service.list_review_queue(session, workspace_id))
        home.overdue_re_reviews = len(governance_service.list_overdue_re_reviews(session, workspace_id))
    if analytics is not None and roles & {Role.program_lead, Role.admin}:
        today = analytics_service.workspace_today(session, workspace_id)
        period = analytics_schemas.Period(today - timedelta(days=28), today - timedelta(days=1))
        row = analytics.metric(session, workspace_id, "adoption_rate", period).rows[0]
        home.program = ProgramPulse(
            adoption=None if row["suppressed"] else row.get("value"),
            active=int(row.get("active") or 0),
            eligible=int(row.get("eligible") or 0),
            interventions=analytics.interventions(session, workspace_id, period, limit=3),
        )
    if analytics is not None and Role.team_lead in roles and caller.team_ids:
        home.team = _team_pulse(session, caller, analytics)
    return home


def _team_pulse(
    session: Session, caller: Principal, analytics: analytics_service.Analytics
) -> TeamPulse | None:
    """The top team the caller leads (the one whose parent they don't lead), over the last four weeks."""
    workspace_id = caller.workspace_id
    teams = [teams_service.get_team(session, workspace_id, team_id) for team_id in sorted(caller.team_ids)]
    top = next((team for team in teams if team.parent_id not in caller.team_ids), None)
    if top is None:
        return None
    today = analytics_service.workspace_today(session, workspace_id)
    period = analytics_schemas.Period(today - timedelta(days=28), today - timedelta(days=1))
    rows = analytics_service.scoped_rows(
        analytics.metric(
            session, workspace_id, "funnel", period, analytics_schemas.Grouping(by=("team", "use_case"))
        ).rows,
        analytics_service.team_scope(caller),
    )
    titles = {u.slug: u.title for u in catalog_service.list_use_cases(session, workspace_id, limit=10_000)[0]}
    funnel = [
        {**row, "title": titles.get(str(row["use_case"]), row["use_case"])}
        for row in rows
        if row.get("team_id") == top.id and (row["suppressed"] or row.get("eligible"))
    ]
    champions = sorted(
        {
            champion.display_name
            for champion in champions_service.list_champions(session, workspace_id, team_id=top.id)
        }
    )
    return TeamPulse(top.id, top.name, funnel, champions)
