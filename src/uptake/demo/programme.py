"""The demo's AI programme around the usage: training and who completed it, champions and office hours, rollout
plans mid-flight, the incident and its recovery, announcements with read receipts, and questions and answers.
It stays whole: it is one dated story, told in order.

Everything goes through the owning domains' services, so it is audited and the pages show it as if people had
done it. The usage generator decided who trained when and which teams each wave reached; this module records
exactly that, so the figures on every page agree with the events. The history is dated: where a service records
"now", the demo passes the day the story needs (or, for incidents, dates the record it was given).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.catalog import service as catalog_service
from uptake.comms import schemas as comms_schemas
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import audiences as audiences_service
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import office_hours as office_hours_service
from uptake.comms.service import questions as questions_service
from uptake.demo import training, usage
from uptake.demo.catalog import DemoUseCase
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import teams as teams_service
from uptake.enablement import schemas as enablement_schemas
from uptake.enablement.service import champions as champions_service
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import learning_paths as learning_paths_service
from uptake.enablement.service import modules as modules_service
from uptake.rollout import schemas as rollout_schemas
from uptake.rollout import service as rollout_service
from uptake.rollout.analytics_gates import AnalyticsGateSource
from uptake.surveys import schemas as surveys_schemas
from uptake.surveys import service as surveys_service
from uptake.trust import incidents as trust_incidents
from uptake.trust import schemas as trust_schemas

if TYPE_CHECKING:
    from uptake.analytics.service import Analytics
    from uptake.demo.organization import DemoSummary

Progress = Callable[[str, int, int], None]
READS_SAMPLED = (
    600  # read receipts recorded per announcement at most: enough for the report, fast at any size
)


@dataclass(frozen=True)
class ProgrammeSummary:
    completions: int
    champions: int
    rollout_plans: int
    incidents: int
    announcements: int
    questions: int
    survey_answers: int


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def _person(workspace_id: int, person_id: int, *roles: Role) -> Principal:
    return Principal(
        workspace_id=workspace_id, roles=frozenset(roles or (Role.employee,)), person_id=person_id
    )


def build_programme(
    session: Session,
    summary: DemoSummary,
    people: Sequence[usage.DemoPerson],
    generated: usage.DemoUsage,
    *,
    today: date,
    analytics: Analytics,
    progress: Progress,
    survey_token_key: bytes,
    seed: int = 5,
) -> ProgrammeSummary:
    """Record the programme's history in the demo workspace; the caller commits."""
    rng = random.Random(seed)
    workspace_id = summary.workspace_id
    lead = _person(workspace_id, summary.persona_ids["program_lead"], Role.program_lead)
    completions = _training(session, workspace_id, lead, generated, today, progress)
    champions = _champions(session, workspace_id, lead, people, generated, today, progress)
    plans = _rollouts(session, summary, lead, people, today, analytics, progress)
    incident_resolved = _incident(session, summary, today, progress)
    trust_incidents.publish_incidents(session, workspace_id, analytics)
    announcements = _announcements(session, summary, lead, incident_resolved, today, rng, progress)
    questions = _questions(session, summary, people, today, rng, progress)
    answers = _surveys(session, summary, generated, analytics, rng, progress, survey_token_key)
    return ProgrammeSummary(completions, champions, plans, 2, announcements, questions, answers)


# -- training ---------------------------------------------------------------------------------------------------


def _training(
    session: Session,
    workspace_id: int,
    lead: Principal,
    generated: usage.DemoUsage,
    today: date,
    progress: Progress,
) -> int:
    """The modules (written before the first pilot), the learning paths, and the completions the usage drew: each
    person's AI-literacy course on the day of their first module."""
    steps = len(training.MODULES) + 1
    written = at(today - timedelta(days=usage.HISTORY_DAYS + 14), 9)
    for index, source in enumerate(training.MODULES):
        modules_service.save_module_source(
            session, workspace_id, source, actor=lead.actor, author_id=lead.person_id, now=written
        )
        progress("training", index + 1, steps)
    role_ids = {role.name: role.id for role in job_roles_service.list_all_job_roles(session, workspace_id)}
    for path in training.LEARNING_PATHS:
        learning_paths_service.create_learning_path(
            session,
            workspace_id,
            enablement_schemas.LearningPathCreate(
                slug=path.slug,
                title=path.title,
                description=path.description,
                job_role_id=role_ids[path.job_role] if path.job_role else None,
                module_slugs=list(path.modules),
            ),
            actor=lead.actor,
        )
    first_day: dict[int, date] = {}
    recorded = 0
    for module, done in generated.completions.items():
        for person_id, day in done:
            first_day[person_id] = min(day, first_day.get(person_id, day))
        recorded += completions_service.record_completions_in_bulk(
            session,
            workspace_id,
            module,
            {person_id: at(day, 10 + person_id % 7, person_id % 60) for person_id, day in done},
            actor=lead.actor,
            score_percent=100.0,
        )
    recorded += completions_service.record_completions_in_bulk(
        session,
        workspace_id,
        training.LITERACY_MODULE,
        {person_id: at(day, 8, person_id % 60) for person_id, day in first_day.items()},
        actor=lead.actor,
        score_percent=100.0,
    )
    progress("training", steps, steps)
    return recorded


# -- champions and office hours ---------------------------------------------------------------------------------


def _champions(
    session: Session,
    workspace_id: int,
    lead: Principal,
    people: Sequence[usage.DemoPerson],
    generated: usage.DemoUsage,
    today: date,
    progress: Progress,
) -> int:
    """A champion in each team the usage gave one (its earliest-trained member), and three office hours."""
    trained_on: dict[int, date] = {}
    for done in generated.completions.values():
        for person_id, day in done:
            trained_on[person_id] = min(day, trained_on.get(person_id, day))
    members: dict[int, list[usage.DemoPerson]] = {}
    for person in people:
        if person.team_id is not None and person.role not in (None, "Team lead", "Department head"):
            members.setdefault(person.team_id, []).append(person)
    teams = [
        team_id
        for team_id, factors in sorted(generated.team_factors.items())
        if factors.champion and members.get(team_id)
    ]
    champion_of: dict[int, int] = {}
    for index, team_id in enumerate(teams):
        chosen = min(
            members[team_id],
            key=lambda person: (trained_on.get(person.person_id, date.max), person.person_id),
        )
        champions_service.nominate_champion(
            session,
            workspace_id,
            enablement_schemas.ChampionCreate(
                person_id=chosen.person_id,
                team_id=team_id,
                note="Helps colleagues get started; ask anything.",
            ),
            nominated_by=lead,
        )
        champion_of[team_id] = chosen.person_id
        progress("champions", index + 1, len(teams))
    topics = [
        "getting more out of the reply drafts",
        "prompts that work for meeting summaries",
        "what to check before you accept a draft",
    ]
    for index, team_id in enumerate(teams[: len(topics)]):
        office_hours_service.schedule_office_hours(
            session,
            workspace_id,
            comms_schemas.OfficeHoursCreate(
                team_id=team_id,
                starts_at=at(today + timedelta(days=2 + 3 * index), 13),
                duration_minutes=45,
                location="Microsoft Teams: AI office hours channel",
                topic=topics[index],
            ),
            host=_person(workspace_id, champion_of[team_id]),
        )
    return len(teams)


# -- rollout plans ----------------------------------------------------------------------------------------------

PILOT_GATES = [("acceptance_rate", ">=", 55.0), ("open_severity_1_incidents", "<=", 0.0)]
WAVE_GATES = [
    ("adoption_rate", ">=", 35.0),
    ("acceptance_rate", ">=", 60.0),
    ("training_completion", ">=", 60.0),
    ("open_severity_1_incidents", "<=", 0.0),
]
LAST_GATES = [("trust_score", ">=", 60.0), ("open_severity_1_incidents", "<=", 0.0)]


def _gates(specs: list[tuple[str, str, float]]) -> list[rollout_schemas.GateCreate]:
    return [
        rollout_schemas.GateCreate.model_validate(
            {"metric": metric, "comparison": comparison, "threshold": value}
        )
        for metric, comparison, value in specs
    ]


def _rollouts(
    session: Session,
    summary: DemoSummary,
    lead: Principal,
    people: Sequence[usage.DemoPerson],
    today: date,
    analytics: Analytics,
    progress: Progress,
) -> int:
    """A plan for each piloting, rolling-out and generally available use case with the waves the usage granted
    by: the pilot teams, then half of the other teams, then everyone in the audience; the waves so far started on
    their days (a generally available use case has completed them all). Rollout's own entitlements, read from
    these plans, then agree with the demo's."""
    workspace_id = summary.workspace_id
    catalog = summary.catalog
    role_ids = {role.name: role.id for role in job_roles_service.list_all_job_roles(session, workspace_id)}
    cases = [
        catalog.use_cases[slug]
        for slug in catalog.live_since
        if catalog.use_cases[slug].status in ("piloting", "rolling_out", "generally_available")
    ]
    source = AnalyticsGateSource(analytics)
    for index, case in enumerate(cases):
        start = catalog.live_since[case.slug]
        audience = [person for person in people if person.role in case.roles]
        waves = usage.entitlement_waves(case, audience, start, today)
        _plan(session, workspace_id, case, waves, [role_ids[name] for name in case.roles], today, lead)
        rollout_service.start_rollout(session, workspace_id, case.slug, actor=lead.actor, now=at(start, 8))
        promotions = [day for _, day in waves[1:]]
        if case.status == "generally_available":  # its last wave is done too
            promotions.append(min(today - timedelta(days=1), waves[-1][1] + timedelta(days=14)))
        for day in promotions:
            rollout_service.promote_wave(
                session,
                workspace_id,
                case.slug,
                rollout_schemas.Promotion(
                    override=True,
                    justification="The pilot review agreed to go on: the pilot teams asked to keep it, and the "
                    "next teams had finished the required training.",
                ),
                promoter=_promoter(session, summary, case, lead),
                source=source,
                now=at(day, 8),
            )
        progress("rollouts", index + 1, len(cases))
    return len(cases)


def _plan(
    session: Session,
    workspace_id: int,
    case: DemoUseCase,
    waves: list[tuple[list[int | None], date]],
    role_ids: list[int],
    today: date,
    lead: Principal,
) -> None:
    names = ["pilot", "half-of-the-teams", "everyone"]
    creates = [
        rollout_schemas.WaveCreate(
            name=names[index],
            planned_on=day,
            team_ids=[team for team in teams if team is not None],
            job_role_ids=role_ids,
            gates=_gates([PILOT_GATES, WAVE_GATES, LAST_GATES][index]),
        )
        for index, (teams, day) in enumerate(waves)
    ]
    if len(waves) == 1:
        creates.append(
            rollout_schemas.WaveCreate(
                name=names[1],
                planned_on=today + timedelta(days=21),
                team_ids=[],
                job_role_ids=role_ids,
                percentage=50,
                gates=_gates(WAVE_GATES),
            )
        )
    if len(waves) < len(names):
        creates.append(
            rollout_schemas.WaveCreate(
                name=names[2],
                planned_on=today + timedelta(days=49 if len(waves) == 1 else 28),
                job_role_ids=role_ids,
                gates=_gates(LAST_GATES),
            )
        )
    rollout_service.create_plan(
        session,
        workspace_id,
        rollout_schemas.RolloutPlanCreate.model_validate(
            {"use_case": case.slug, "promotion_mode": "approval", "waves": [w.model_dump() for w in creates]}
        ),
        actor=lead.actor,
    )


def _promoter(session: Session, summary: DemoSummary, case: DemoUseCase, lead: Principal) -> Principal:
    """A high-risk use case is promoted by a reviewer (the AI governance officer); others by the program lead."""
    use_case = catalog_service.get_use_case_by_slug(session, summary.workspace_id, case.slug)
    if use_case.risk_tier == "high":
        return _person(summary.workspace_id, summary.persona_ids["reviewer:ai_governance"], Role.reviewer)
    return lead


# -- the incident and its recovery ------------------------------------------------------------------------------


def _incident(session: Session, summary: DemoSummary, today: date, progress: Progress) -> datetime:
    """The severity-2 incident on the reply drafts the events dent: reported by an agent, triaged, mitigated,
    resolved with its root cause and fix, and kept as a new use-card version. Returns when it was resolved."""
    workspace_id = summary.workspace_id
    lead_actor = f"person:{summary.persona_ids['program_lead']}"
    reported = at(today - timedelta(days=usage.INCIDENT_DAYS_AGO + 1), 10, 12)
    incident = trust_incidents.report_incident(
        session,
        workspace_id,
        trust_schemas.IncidentCreate(
            use_case=usage.INCIDENT_USE_CASE,
            title="Reply drafts propose refunds without checking the conditions",
            description=(
                "Since the prompt template changed on Monday, drafts for delivery complaints offer a refund or a "
                "voucher, whatever the policy says. Two were sent before a colleague noticed."
            ),
            evidence="Tickets 48213 and 48240; feedback marked 'unsafe' on 31 drafts in two days.",
            severity=2,
            harm_type="financial_loss",
            failure_type="inaccurate_output",
        ),
        actor=f"person:{summary.persona_ids['employee']}",
        reporter_id=summary.persona_ids["employee"],
        analytics=None,  # its dates are set back below; the programme pushes the incidents once they are
    )
    incident.due_at = reported + (incident.due_at - incident.reported_at)
    incident.reported_at = reported
    steps: list[tuple[dict[str, str], timedelta]] = [
        ({"status": "triaged"}, timedelta(hours=2)),
        ({"status": "mitigating"}, timedelta(hours=6)),
        (
            {
                "status": "resolved",
                "root_cause": "A template change dropped the instruction never to promise money; the model "
                "then copied the goodwill wording of old replies.",
                "fix": "The instruction is back and tested on 200 past tickets; drafts that mention a refund are "
                "flagged for the agent; the use card says refunds are never promised in a draft.",
            },
            timedelta(days=12),
        ),
    ]
    for index, (change, after) in enumerate(steps):
        trust_incidents.update_incident(
            session,
            workspace_id,
            incident.id,
            trust_schemas.IncidentUpdate.model_validate(change),
            actor=lead_actor,
            analytics=None,
        )
        moment = reported + after
        incident.triaged_at = moment if change["status"] == "triaged" else incident.triaged_at
        incident.resolved_at = moment if change["status"] == "resolved" else incident.resolved_at
        progress("trust", index + 1, len(steps) + 1)
    trust_incidents.publish_post_incident_note(
        session,
        workspace_id,
        incident.id,
        trust_schemas.PostIncidentNote(
            note="A draft never promises a refund or compensation: check the conditions and decide yourself. "
            "Reject and report any draft that does.",
            update_use_card=True,
        ),
        actor=lead_actor,
        author_id=summary.persona_ids["program_lead"],
    )
    session.flush()
    progress("trust", len(steps) + 1, len(steps) + 1)
    assert incident.resolved_at is not None
    return incident.resolved_at


# -- announcements, questions and answers -----------------------------------------------------------------------


def _announcements(
    session: Session,
    summary: DemoSummary,
    lead: Principal,
    incident_resolved: datetime,
    today: date,
    rng: random.Random,
    progress: Progress,
) -> int:
    """Three announcements, with the read receipts and acknowledgements of a sample of their recipients."""
    paused_on = summary.catalog.paused_on[usage.STALE_USE_CASE]
    specs: list[tuple[str, str, comms_schemas.Audience, bool, datetime, float]] = [
        (
            "AI literacy: one course for everyone this year",
            "The EU AI Act asks that everyone who works with AI knows enough about it. Our course **AI literacy** "
            "takes 30 minutes; it is the first step of every learning path. Find it under *My training*.",
            comms_schemas.Audience(everyone=True),
            False,
            at(today - timedelta(days=usage.HISTORY_DAYS - 10), 9),
            0.7,
        ),
        (
            "Support reply drafts: the use card changed after the incident",
            "After the incident in which drafts proposed refunds, the use card has a new rule: **a draft never "
            "promises a refund or compensation**. Please read the new version and confirm you have.",
            comms_schemas.Audience(use_case_slugs=[usage.INCIDENT_USE_CASE]),
            True,
            incident_resolved + timedelta(days=1),
            0.85,
        ),
        (
            "Knowledge search is paused",
            "Some answers quoted withdrawn procedures. The knowledge search is paused until the index is rebuilt "
            "and checked; use the procedures portal meanwhile.",
            comms_schemas.Audience(use_case_slugs=[usage.STALE_USE_CASE]),
            False,
            at(paused_on, 15),
            0.6,
        ),
    ]
    for index, (title, body, audience, acknowledge, sent, share) in enumerate(specs):
        announcement = announcements_service.create_announcement(
            session,
            summary.workspace_id,
            comms_schemas.AnnouncementCreate(
                title=title,
                body_markdown=body,
                audience=audience,
                requires_acknowledgement=acknowledge,
                send_now=True,
            ),
            author=lead,
            now=sent,
        )
        members = audiences_service.resolve_audience(session, summary.workspace_id, audience)
        readers = [member.person_id for member in members if rng.random() < share][:READS_SAMPLED]
        for person_id in readers:
            opened = sent + timedelta(minutes=rng.randint(5, 60 * 24 * 6))
            if acknowledge and rng.random() < 0.85:
                announcements_service.acknowledge_announcement(
                    session, summary.workspace_id, announcement.id, person_id, now=opened
                )
            else:
                announcements_service.mark_announcement_read(
                    session, summary.workspace_id, announcement.id, person_id, now=opened
                )
        progress("announcements", index + 1, len(specs))
    return len(specs)


QUESTIONS: dict[str, list[tuple[str, str, str]]] = {  # (title, body, answer)
    "support-reply-drafts": [
        (
            "Can I use the drafts for complaints that mention a lawyer?",
            "A customer wrote that their lawyer is copied. Is a draft fine here?",
            "No: tickets that mention legal steps go to Complaints without a draft. The use card lists them "
            "under 'not for'.",
        ),
        (
            "Why did the drafts get shorter last week?",
            "",
            "We shortened the template after the incident review; the greeting and closing now come from your "
            "own signature settings.",
        ),
        ("Is Spanish supported?", "We get a few tickets in Spanish every day.", ""),
    ],
    "claims-first-notice": [
        (
            "May the assistant read the photos attached to a claim?",
            "",
            "Not in this use case: the photo triage is a separate use case, still piloting in Claims Intake.",
        ),
        (
            "What if the extracted policy number is wrong?",
            "It happened twice today.",
            "Correct it in the form and leave feedback 'wrong' on the output: that is how we see the pattern.",
        ),
        ("Does it work for commercial policies too?", "", ""),
    ],
}


def _questions(
    session: Session,
    summary: DemoSummary,
    people: Sequence[usage.DemoPerson],
    today: date,
    rng: random.Random,
    progress: Progress,
) -> int:
    """A handful of questions per live use case: named and anonymous ones answered by the owner, and a few left
    unanswered long enough to be flagged."""
    workspace_id = summary.workspace_id
    catalog = summary.catalog
    live = [
        catalog.use_cases[slug]
        for slug in catalog.live_since
        if catalog.use_cases[slug].status in ("piloting", "rolling_out", "generally_available", "paused")
    ]
    asked = 0
    for index, case in enumerate(live):
        audience = [person for person in people if person.role in case.roles]
        if not audience:
            continue
        owner = _person(workspace_id, catalog.owner_ids[case.slug])
        for position, (title, body, answer) in enumerate(QUESTIONS.get(case.slug, _generic_questions(case))):
            asker = audience[rng.randrange(len(audience))]
            day = today - timedelta(days=3 + 9 * position + rng.randrange(6))
            question_id = questions_service.ask_question(
                session,
                workspace_id,
                comms_schemas.QuestionCreate(
                    use_case_slug=case.slug, title=title, body=body, anonymous=position == 1
                ),
                asker=_person(workspace_id, asker.person_id),
                now=at(day, 11, rng.randrange(60)),
            )
            asked += 1
            if answer:
                questions_service.answer_question(
                    session,
                    workspace_id,
                    question_id,
                    comms_schemas.AnswerCreate(body_markdown=answer),
                    author=owner,
                    now=at(day + timedelta(days=1), 9, rng.randrange(60)),
                )
        progress("questions", index + 1, len(live))
    return asked


def _generic_questions(case: DemoUseCase) -> list[tuple[str, str, str]]:
    return [
        (
            f"Where do I find good examples for {case.title.lower()}?",
            "",
            "The use card links the examples our pilot teams collected; your team's champion has more.",
        ),
        (
            "Is my input used to train the model?",
            "",
            "No. The contract with the vendor excludes training on our data; see the use card's data section.",
        ),
    ]


# -- surveys ----------------------------------------------------------------------------------------------------

READINESS_TEAMS = ("Tier 1 Support", "Claims Intake", "Complaints", "Service Quality")
PULSE_USE_CASES = (usage.INCIDENT_USE_CASE, "claims-first-notice")
# Teams that hardly answer: their results stay under the floor (in the readiness assessment, the smallest shown
# team is hidden too, so that the quiet one cannot be worked out from the total).
QUIET_TEAMS = ("Complaints", "IT Service Desk", "Claims Resolution")
QUIET_ANSWERS = 2  # below any privacy floor (at least 3)


def _surveys(
    session: Session,
    summary: DemoSummary,
    generated: usage.DemoUsage,
    analytics: Analytics,
    rng: random.Random,
    progress: Progress,
    token_key: bytes,
) -> int:
    """A readiness assessment of four front-office teams (closed) and a pulse survey of the support and claims
    teams that use AI (open), answered through each invitee's one-time link. Teams answer more when they are
    trained and have a champion; quiet teams answer too little to be shown."""
    workspace_id = summary.workspace_id
    actor = f"person:{summary.persona_ids['program_lead']}"
    teams = {team.name: team.id for team in teams_service.list_all_teams(session, workspace_id)}
    quiet = {teams[name] for name in QUIET_TEAMS if name in teams}
    answered = 0
    surveys: list[tuple[str, str | None, comms_schemas.Audience, bool]] = [
        (
            "readiness",
            None,
            comms_schemas.Audience(team_ids=[teams[name] for name in READINESS_TEAMS if name in teams]),
            True,
        ),
        (
            "pulse",
            None,
            comms_schemas.Audience(use_case_slugs=list(PULSE_USE_CASES)),
            False,
        ),
    ]
    for index, (template, use_case, audience, close) in enumerate(surveys):
        survey = surveys_service.create_survey(
            session,
            workspace_id,
            surveys_schemas.SurveyCreate.model_validate({"template": template, "use_case": use_case}),
            actor=actor,
        )
        invited = surveys_service.send_survey(
            session,
            workspace_id,
            survey.id,
            surveys_schemas.SurveySend(audience=audience),
            actor=actor,
            token_key=token_key,
        )
        tokens = _survey_tokens(session, workspace_id, f"Survey: {survey.title}", invited)
        quiet_answers: dict[int | None, int] = {}
        for member in audiences_service.resolve_audience(session, workspace_id, audience):
            factors = generated.team_factors.get(member.team_id or -1, usage.TeamFactors(0.3, False))
            if rng.random() >= 0.35 + 0.3 * factors.training:
                continue
            if member.team_id in quiet:
                if quiet_answers.get(member.team_id, 0) >= QUIET_ANSWERS:
                    continue
                quiet_answers[member.team_id] = quiet_answers.get(member.team_id, 0) + 1
            token = tokens.get(member.person_id) or _survey_token(session, workspace_id, member.person_id)
            leaning = 1.2 * factors.training + (0.4 if factors.champion else 0.0)
            answers = {question["key"]: _answer(question, leaning, rng) for question in survey.questions}
            surveys_service.answer_survey(
                session,
                surveys_schemas.SurveyAnswer(token=token, answers=answers),
                token_key=token_key,
                person_id=member.person_id,
            )
            answered += 1
        if close:
            surveys_service.close_survey(session, workspace_id, survey.id, actor=actor, analytics=None)
        progress("surveys", index + 1, len(surveys))
    surveys_service.publish_survey_trust(session, workspace_id, analytics)
    return answered


def _survey_tokens(session: Session, workspace_id: int, subject: str, invited: int) -> dict[int, str]:
    """Each invitee's one-time token, from the links of the invitation emails just queued (one query for all;
    the newest messages of the outbox are this survey's)."""
    return {
        notification.person_id: notification.link.rsplit("/", 1)[-1]
        for notification in notifications_service.list_outbox(session, workspace_id, limit=2 * invited)
        if notification.subject == subject[:300]
        and notification.person_id is not None
        and notification.link
        and notification.link.startswith("/surveys/respond/")
    }


def _survey_token(session: Session, workspace_id: int, person_id: int) -> str:
    """The one-time token of the person's latest survey invitation, from the link in their inbox (for someone
    who asked for no emails)."""
    for notification in notifications_service.list_inbox(session, workspace_id, person_id, limit=10):
        if notification.category == "survey" and notification.link:
            return notification.link.rsplit("/", 1)[-1]
    raise LookupError(f"person {person_id} has no survey invitation")


def _answer(question: dict[str, object], leaning: float, rng: random.Random) -> int:
    """An answer near the team's leaning: trained teams with a champion agree more (and worry less)."""
    if question["scale"] == "recommend10":
        return max(0, min(10, round(rng.gauss(5.5 + 2.0 * leaning, 2.0))))
    mean = 2.6 + leaning
    if question.get("is_reversed"):
        mean = 6 - mean
    return max(1, min(5, round(rng.gauss(mean, 0.9))))
