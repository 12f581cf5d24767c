"""Survey decisions: built-in templates and the editor, sending to a cohort through the outbox with one-time
tokens, answering (anonymous by default), and results only above the privacy floor (docs/surveys.md). It stays
whole: sending, answering and results share one anonymity rule (what an invitation and a response may hold), and
split apart each would have to restate it.

Anonymity: an invitation is the token's HMAC under the server's secret key (kept in the data dir, never in the
database) and the invitee's team when that team has at least k invitees; it records that it was used, not when,
and invitations are stored in a shuffled order. A response keeps that team (or none) and its day but not its
invitation, and a person only on a survey that is not anonymous. The outbox message that carries a person's link
holds the token, but without the secret key a reader of the database cannot tell which invitation it is, so
cannot tell who answered, let alone what.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import secrets
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.comms.service import audiences as audiences_service
from uptake.comms.service import notifications as notifications_service
from uptake.db import across_workspaces, bind_workspace, bound_workspace, utcnow
from uptake.directory.service import teams as teams_service
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound
from uptake.surveys import repository, schemas
from uptake.surveys.models import Invitation, Response, Survey, SurveyKind, SurveyStatus

READINESS_DIMENSIONS = ("leadership", "skills", "process", "data", "governance", "culture")
PULSE_ITEMS = ("trust", "confidence", "role_concern", "usefulness", "recommend")
TOKEN_BYTES = 24
PROMOTER_FROM, DETRACTOR_TO = 9, 6
UNTIL_CLOSED = "results are shown when the survey closes"


def _question(key: str, topic: str, text: str, **extra: Any) -> schemas.Question:
    return schemas.Question(key=key, topic=topic, text=text, **extra)


TEMPLATES: dict[str, schemas.SurveyTemplate] = {
    "readiness": schemas.SurveyTemplate(
        name="readiness",
        kind=SurveyKind.readiness,
        title="How ready is your team for AI?",
        introduction="Twelve statements about your team. Your answers are anonymous; results are shown only for "
        "teams with enough answers.",
        questions=[
            _question(
                "leadership_why", "leadership", "Our leaders explain why we use AI and what it is for."
            ),
            _question("leadership_time", "leadership", "Leaders give us time and budget to learn AI tools."),
            _question("skills_use", "skills", "I know how to use the AI tools available to me well."),
            _question("skills_check", "skills", "I can tell when an AI output is wrong."),
            _question("process_fit", "process", "It is clear where AI fits into our team's work."),
            _question(
                "process_review", "process", "We have agreed how to check AI outputs before they are used."
            ),
            _question("data_quality", "data", "The data we would use with AI is accurate and easy to reach."),
            _question("data_rules", "data", "I know which data I may and may not share with AI tools."),
            _question(
                "governance_approval", "governance", "I know who approves new uses of AI and how to ask."
            ),
            _question("governance_report", "governance", "I know how to report a problem with an AI tool."),
            _question("culture_open", "culture", "My team is open to trying new ways of working."),
            _question("culture_safe", "culture", "I can say an AI tool is not working without being blamed."),
        ],
    ),
    "pulse": schemas.SurveyTemplate(
        name="pulse",
        kind=SurveyKind.pulse,
        title="A minute on the AI tools you use",
        introduction="Five questions, anonymous. We ask every few weeks to see how trust and usefulness change.",
        questions=[
            _question("trust", "trust", "I trust its outputs enough to use them with the usual checks."),
            _question("confidence", "confidence", "I feel confident using it in my work."),
            _question(
                "role_concern",
                "role_concern",
                "I worry AI will make my role less valuable.",
                is_reversed=True,
            ),
            _question("usefulness", "usefulness", "It is useful in my work."),
            _question(
                "recommend",
                "recommend",
                "How likely are you to recommend it to a colleague? (0-10)",
                scale="recommend10",
            ),
        ],
    ),
}


class SurveyNotFound(NotFound):
    title = "No such survey."


class SurveyNotEditable(Conflict):
    title = "Only a draft survey can be edited or sent."


class SurveyNotOpen(Conflict):
    title = "This survey is not open for answers."


class InvitationUsed(Conflict):
    title = "This invitation has already been used: one answer per invitation."


class InvitationNotFound(NotFound):
    title = "No such invitation."


# --- surveys and the editor --------------------------------------------------------------------------------


def _check_questions(questions: Sequence[schemas.Question]) -> None:
    errors = []
    seen: set[str] = set()
    for index, question in enumerate(questions):
        if question.key in seen:
            errors.append(FieldError(f"questions[{index}].key", f"{question.key!r} is used twice"))
        seen.add(question.key)
        if question.scale == "recommend10" and question.is_reversed:
            errors.append(
                FieldError(f"questions[{index}].is_reversed", "a 0-10 recommend item is never reversed")
            )
    if errors:
        raise InvalidInput(errors=errors)


def create_survey(session: Session, workspace_id: int, body: schemas.SurveyCreate, *, actor: str) -> Survey:
    """A draft survey from a built-in template (or from scratch), edited before it is sent."""
    template = TEMPLATES[body.template] if body.template else None
    kind = body.kind or (template.kind if template else None)
    questions = body.questions if body.questions is not None else (template.questions if template else None)
    title = body.title or (template.title if template else None)
    if kind is None or not title or not questions:
        raise InvalidInput(
            errors=[
                FieldError(name, "give it, or start from a template")
                for name, value in (("kind", kind), ("title", title), ("questions", questions))
                if not value
            ]
        )
    _check_questions(questions)
    use_case_id = (
        catalog_service.get_use_case_by_slug(session, workspace_id, body.use_case).id
        if body.use_case
        else None
    )
    survey = Survey(
        workspace_id=workspace_id,
        kind=kind,
        title=title,
        introduction=body.introduction
        if body.introduction is not None
        else (template.introduction if template else ""),
        questions=[question.model_dump() for question in questions],
        use_case_id=use_case_id,
        is_anonymous=body.is_anonymous,
        status=SurveyStatus.draft,
    )
    session.add(survey)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="surveys.survey.create",
        target=f"survey:{survey.id}",
        after={"kind": kind.value, "template": body.template, "is_anonymous": body.is_anonymous},
    )
    return survey


def get_survey(session: Session, workspace_id: int, survey_id: int) -> Survey:
    survey = repository.get_survey(session, workspace_id, survey_id)
    if survey is None:
        raise SurveyNotFound(f"no survey has the id {survey_id}", survey_id=survey_id)
    return survey


def list_surveys(session: Session, workspace_id: int) -> list[Survey]:
    return repository.list_surveys(session, workspace_id)


def update_survey(
    session: Session, workspace_id: int, survey_id: int, body: schemas.SurveyUpdate, *, actor: str
) -> Survey:
    """The editor: change a draft's title, introduction, questions or anonymity (only fields sent apply)."""
    survey = get_survey(session, workspace_id, survey_id)
    if survey.status != SurveyStatus.draft:
        raise SurveyNotEditable(
            f"survey {survey_id} is {survey.status.value}; answers would no longer compare"
        )
    fields = body.model_dump(exclude_unset=True)
    if body.questions is not None:
        _check_questions(body.questions)
        survey.questions = [question.model_dump() for question in body.questions]
    for name in ("title", "introduction", "is_anonymous"):
        if fields.get(name) is not None:
            setattr(survey, name, fields[name])
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="surveys.survey.update",
        target=f"survey:{survey.id}",
        after=sorted(fields),
    )
    return survey


def survey_output(session: Session, workspace_id: int, surveys: Sequence[Survey]) -> list[schemas.Survey]:
    ids = [survey.id for survey in surveys]
    invited = repository.count_invitations(session, workspace_id, ids)
    responses = repository.count_responses(session, workspace_id, ids)
    slugs = {
        use_case.id: use_case.slug
        for use_case in catalog_service.list_use_cases_by_ids(
            session, workspace_id, {survey.use_case_id for survey in surveys if survey.use_case_id}
        )
    }
    return [
        schemas.Survey(
            id=survey.id,
            kind=survey.kind,
            title=survey.title,
            introduction=survey.introduction,
            questions=[schemas.Question(**question) for question in survey.questions],
            use_case=slugs.get(survey.use_case_id or 0),
            is_anonymous=survey.is_anonymous,
            status=survey.status,
            invited=invited.get(survey.id, 0),
            responses=responses.get(survey.id, 0),
            created_at=survey.created_at,
            opened_at=survey.opened_at,
            closed_at=survey.closed_at,
        )
        for survey in surveys
    ]


# --- sending and answering ----------------------------------------------------------------------------------


def _hash(token: str, token_key: bytes) -> str:
    """The stored form of a one-time token: its HMAC under a key the database does not hold."""
    return hmac.new(token_key, token.encode(), hashlib.sha256).hexdigest()


def send_survey(
    session: Session,
    workspace_id: int,
    survey_id: int,
    body: schemas.SurveySend,
    *,
    actor: str,
    token_key: bytes,
) -> int:
    """Open a draft survey and invite a cohort: one one-time token each, sent through the outbox. Returns how
    many were invited.

    `token_key` (the server's secret key) keys the stored token hashes; an invitee's team is kept only when at
    least k people of that team are invited, and the invitations are written in a shuffled order, so that
    nothing in the database ties an invitation (and the answer given with it) to the person it was sent to."""
    survey = get_survey(session, workspace_id, survey_id)
    if survey.status != SurveyStatus.draft:
        raise SurveyNotEditable(f"survey {survey_id} is already {survey.status.value}")
    members = audiences_service.resolve_audience(session, workspace_id, body.audience)
    if not members:
        raise InvalidInput(errors=[FieldError("audience", "nobody is in this cohort")])
    now = utcnow()
    survey.status = SurveyStatus.open
    survey.opened_at = now
    floor = analytics_service.workspace_settings(session, workspace_id).privacy_floor
    invited_per_team: dict[int | None, int] = defaultdict(int)
    for member in members:
        invited_per_team[member.team_id] += 1
    invitations = []
    for member in members:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        invitations.append(
            Invitation(
                workspace_id=workspace_id,
                survey_id=survey.id,
                token_hash=_hash(token, token_key),
                team_id=member.team_id if invited_per_team[member.team_id] >= floor else None,
            )
        )
        notifications_service.enqueue_notification(
            session,
            workspace_id,
            person_ids=[member.person_id],
            subject=f"Survey: {survey.title}"[:300],
            body_markdown=f"{survey.introduction}\n\nThe link is yours alone and works once.",
            category="survey",
            link=f"/surveys/respond/{token}",
            now=now,
        )
    random.SystemRandom().shuffle(invitations)
    session.add_all(invitations)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="surveys.survey.send",
        target=f"survey:{survey.id}",
        after={"invited": len(members)},
    )
    return len(members)


def close_survey(
    session: Session,
    workspace_id: int,
    survey_id: int,
    *,
    actor: str,
    analytics: analytics_service.Analytics | None,
) -> Survey:
    """Close a survey: its results show from now on, and (a pulse survey) its trust item reaches analytics from
    here, whoever closed it (``analytics`` None: a caller without an engine, which pushes it later)."""
    survey = get_survey(session, workspace_id, survey_id)
    if survey.status != SurveyStatus.open:
        raise SurveyNotOpen(f"survey {survey_id} is {survey.status.value}")
    survey.status = SurveyStatus.closed
    survey.closed_at = utcnow()
    audit_service.record_audit_entry(
        session, workspace_id, actor=actor, action="surveys.survey.close", target=f"survey:{survey.id}"
    )
    publish_survey_trust(session, workspace_id, analytics)
    return survey


def app_token_key(app_state: Any) -> bytes:
    """The key survey tokens are hashed with: the server's secret key (from the data dir, not the database)."""
    return str(app_state.settings.effective_secret_key).encode()


def survey_for_token(session: Session, token: str, *, token_key: bytes) -> tuple[Survey, Invitation]:
    """The open survey a token invites to, and its invitation; binds the session to the survey's workspace."""
    with across_workspaces(session):
        invitation = repository.find_invitation(session, _hash(token, token_key))
    bound = bound_workspace(session)
    if invitation is None or bound not in (None, invitation.workspace_id):
        raise InvitationNotFound("this survey link is unknown")
    bind_workspace(session, invitation.workspace_id)
    survey = get_survey(session, invitation.workspace_id, invitation.survey_id)
    if survey.status != SurveyStatus.open:
        raise SurveyNotOpen("this survey is closed")
    if invitation.is_used:
        raise InvitationUsed("this link has already been used to answer")
    return survey, invitation


def answer_survey(
    session: Session, body: schemas.SurveyAnswer, *, token_key: bytes, person_id: int | None = None
) -> Response:
    """Store one answer set and spend the token. Every question must be answered in its scale; the person is
    kept only on a survey that is not anonymous."""
    survey, invitation = survey_for_token(session, body.token, token_key=token_key)
    errors = []
    for question in survey.questions:
        value = body.answers.get(question["key"])
        low, high = (0, 10) if question["scale"] == "recommend10" else (1, 5)
        if value is None:
            errors.append(FieldError(f"answers.{question['key']}", "answer every question"))
        elif not low <= value <= high:
            errors.append(FieldError(f"answers.{question['key']}", f"must be between {low} and {high}"))
    unknown = sorted(set(body.answers) - {question["key"] for question in survey.questions})
    errors += [FieldError(f"answers.{key}", "is not a question of this survey") for key in unknown]
    if errors:
        raise InvalidInput(errors=errors)
    invitation.is_used = True
    response = Response(
        workspace_id=survey.workspace_id,
        survey_id=survey.id,
        team_id=invitation.team_id,
        person_id=None if survey.is_anonymous else person_id,
        answers=dict(body.answers),
        submitted_on=utcnow().date(),
    )
    session.add(response)
    session.flush()
    return response


# --- results ------------------------------------------------------------------------------------------------


def _group_result(
    questions: Sequence[dict[str, Any]], responses: Sequence[Response], *, team_id: int | None, team: str
) -> schemas.GroupResult:
    sums: dict[str, list[float]] = defaultdict(list)
    recommend: list[int] = []
    for response in responses:
        for question in questions:
            value = response.answers.get(question["key"])
            if value is None:
                continue
            if question["scale"] == "recommend10":
                recommend.append(value)
                sums[question["topic"]].append(float(value))
            else:
                sums[question["topic"]].append(float(6 - value if question["is_reversed"] else value))
    topics = []
    for topic, values in sums.items():
        mean = sum(values) / len(values)
        is_recommend = any(q["topic"] == topic and q["scale"] == "recommend10" for q in questions)
        topics.append(
            schemas.TopicResult(
                topic=topic, mean=mean, score=mean * 10 if is_recommend else (mean - 1) / 4 * 100
            )
        )
    likert = [item.score for item in topics if item.topic in READINESS_DIMENSIONS]
    return schemas.GroupResult(
        team_id=team_id,
        team=team,
        respondents=len(responses),
        suppressed=None,
        topics=topics,
        readiness_score=sum(likert) / len(likert) if likert else None,
        recommend_score=(
            100.0
            * (
                sum(1 for v in recommend if v >= PROMOTER_FROM)
                - sum(1 for v in recommend if v <= DETRACTOR_TO)
            )
            / len(recommend)
            if recommend
            else None
        ),
    )


def _suppressed(result: schemas.GroupResult, reason: str) -> schemas.GroupResult:
    return schemas.GroupResult(
        team_id=result.team_id, team=result.team, respondents=None, suppressed=reason, topics=[]
    )


def survey_results(session: Session, workspace_id: int, survey_id: int) -> schemas.SurveyResults:
    """Results for everyone and per team, once the survey is closed, each only when at least k people answered
    (k: the workspace's privacy floor).

    While a survey is open nothing is shown: results that moved with each answer would give away the answers
    of whoever answered between two looks. Hidden teams stay hidden together: when everyone's figure is shown
    and the hidden teams' respondents number fewer than k, the smallest shown teams are hidden too until they
    number k or more, so that subtracting the shown teams from everyone never gives fewer than k people's
    answers."""
    survey = get_survey(session, workspace_id, survey_id)
    floor = analytics_service.workspace_settings(session, workspace_id).privacy_floor
    if survey.status != SurveyStatus.closed:
        return schemas.SurveyResults(
            survey_id=survey.id,
            kind=survey.kind,
            privacy_floor=floor,
            overall=schemas.GroupResult(
                team_id=None, team="Everyone", respondents=None, suppressed=UNTIL_CLOSED, topics=[]
            ),
            teams=[],
        )
    responses = repository.list_responses(session, workspace_id, survey.id)
    below = f"fewer than {floor} people answered"
    overall = _group_result(survey.questions, responses, team_id=None, team="Everyone")
    if len(responses) < floor:
        overall = _suppressed(overall, below)
    by_team: dict[int | None, list[Response]] = defaultdict(list)
    for response in responses:
        by_team[response.team_id].append(response)
    names = {team.id: team.name for team in teams_service.list_all_teams(session, workspace_id)}
    teams = [
        _group_result(survey.questions, group, team_id=team_id, team=names.get(team_id or 0, "No team"))
        for team_id, group in sorted(by_team.items(), key=lambda item: names.get(item[0] or 0, ""))
    ]
    hidden = hidden_groups(
        [result.respondents or 0 for result in teams], floor, total_shown=overall.suppressed is None
    )
    teams = [
        _suppressed(
            result, below if (result.respondents or 0) < floor else "could be derived from other figures"
        )
        if index in hidden
        else result
        for index, result in enumerate(teams)
    ]
    return schemas.SurveyResults(
        survey_id=survey.id, kind=survey.kind, privacy_floor=floor, overall=overall, teams=teams
    )


def hidden_groups(respondents: Sequence[int], floor: int, *, total_shown: bool) -> set[int]:
    """The groups to hide: those under the floor, and, when the total is shown, the smallest shown ones until
    the hidden groups together count at least `floor` respondents (or every group is hidden)."""
    hidden = {index for index, count in enumerate(respondents) if count < floor}
    if not total_shown or not hidden:
        return hidden
    shown = sorted(
        (index for index in range(len(respondents)) if index not in hidden),
        key=lambda index: (respondents[index], index),
    )
    while shown and 0 < sum(respondents[index] for index in hidden) < floor:
        hidden.add(shown.pop(0))
    return hidden


def survey_trust_rows(session: Session, workspace_id: int) -> list[dict[str, Any]]:
    """The `survey_trust` snapshot analytics reads: per closed pulse survey about a use case, the mean trust
    answer (1-5) of its respondents, dated by its last answer; only surveys with at least k respondents."""
    floor = analytics_service.workspace_settings(session, workspace_id).privacy_floor
    surveys = repository.list_pulse_surveys_about_use_cases(session, workspace_id)
    slugs = {
        use_case.id: use_case.slug
        for use_case in catalog_service.list_use_cases_by_ids(
            session, workspace_id, {survey.use_case_id for survey in surveys if survey.use_case_id}
        )
    }
    rows = []
    for survey in surveys:
        if survey.status != SurveyStatus.closed:
            continue  # each answer would move the trust score: only closed surveys count
        keys = [question["key"] for question in survey.questions if question["topic"] == "trust"]
        answers = [
            (response.submitted_on, response.answers[key])
            for response in repository.list_responses(session, workspace_id, survey.id)
            for key in keys
            if key in response.answers
        ]
        if len(answers) < floor or survey.use_case_id not in slugs:
            continue
        rows.append(
            {
                "workspace_id": workspace_id,
                "use_case": slugs[survey.use_case_id],
                "day": max(day for day, _ in answers),
                "mean_score": sum(value for _, value in answers) / len(answers),
                "respondents": len(answers),
            }
        )
    return rows


def publish_survey_trust(
    session: Session, workspace_id: int, analytics: analytics_service.Analytics | None
) -> int:
    """Push the survey trust item of the closed surveys to analytics, where the trust score reads it (closing a
    survey calls it). Without an engine (None), nothing is pushed and 0 is answered."""
    if analytics is None:
        return 0
    session.flush()
    return analytics.write_snapshot(
        "survey_trust", survey_trust_rows(session, workspace_id), workspace_id=workspace_id
    )
