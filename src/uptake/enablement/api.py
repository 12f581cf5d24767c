"""Enablement's JSON routes: training modules, quizzes, progress, the AI-literacy record, learning paths,
champions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from uptake.access.dependencies import Employee, Person, ProgramLead, SessionDep, TeamLead
from uptake.access.roles import Role
from uptake.enablement import schemas
from uptake.enablement.service import champions as champions_service
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import learning_paths as learning_paths_service
from uptake.enablement.service import literacy as literacy_service
from uptake.enablement.service import modules as modules_service
from uptake.enablement.service import progress as progress_service
from uptake.enablement.service import quizzes as quizzes_service
from uptake.params import ResourceId
from uptake.workspaces import service as workspaces_service

router = APIRouter(tags=["enablement"])

SlugPath = Annotated[str, Path(min_length=1, max_length=63, description="A slug")]


def _summary(module: object) -> schemas.ModuleSummary:
    return schemas.ModuleSummary.model_validate(module)


@router.get("/training/modules", response_model=list[schemas.ModuleSummary])
def list_modules(session: SessionDep, caller: Employee) -> list[schemas.ModuleSummary]:
    """Published modules; program leads see drafts and archived modules too."""
    published_only = not caller.has_role(Role.program_lead)
    return [
        _summary(m)
        for m in modules_service.list_modules(session, caller.workspace_id, published_only=published_only)
    ]


@router.post("/training/modules", status_code=201, response_model=schemas.ModuleSaved)
def create_module(body: schemas.ModuleSource, session: SessionDep, lead: ProgramLead) -> schemas.ModuleSaved:
    """Create (or, for a known slug with a higher version, update) a module from its Markdown source."""
    return modules_service.save_module_source(
        session, lead.workspace_id, body.source, actor=lead.actor, author_id=lead.person_id
    )


@router.get("/training/modules/{slug}", response_model=schemas.Module)
def get_module(slug: SlugPath, session: SessionDep, caller: Employee) -> schemas.Module:
    if caller.has_role(Role.program_lead):
        module = modules_service.get_module(session, caller.workspace_id, slug, with_content=True)
    else:
        module = modules_service.get_module_for_learner(session, caller.workspace_id, slug)
    return modules_service.module_output(session, caller.workspace_id, module)


@router.put("/training/modules/{slug}", response_model=schemas.ModuleSaved)
def update_module(
    slug: SlugPath, body: schemas.ModuleSource, session: SessionDep, lead: ProgramLead
) -> schemas.ModuleSaved:
    return modules_service.save_module_source(
        session,
        lead.workspace_id,
        body.source,
        actor=lead.actor,
        author_id=lead.person_id,
        expected_slug=slug,
    )


@router.post("/training/modules/{slug}/attempts", status_code=201, response_model=schemas.QuizResult)
def submit_quiz(
    slug: SlugPath, body: schemas.QuizSubmission, session: SessionDep, learner: Person
) -> schemas.QuizResult:
    """Take the module's quiz: the score, whether it passed, and an explanation for each question."""
    answers = {int(question_id): chosen for question_id, chosen in body.answers.items()}
    outcome = quizzes_service.submit_quiz(session, learner.workspace_id, slug, learner.person_id, answers)
    return outcome.as_schema()


@router.post("/training/modules/{slug}/completion", status_code=201, response_model=schemas.Completion)
def complete_reading(slug: SlugPath, session: SessionDep, learner: Person) -> schemas.Completion:
    """Complete a module without a quiz by having read it."""
    completion = completions_service.complete_reading(session, learner.workspace_id, slug, learner.person_id)
    module = modules_service.get_module(session, learner.workspace_id, slug)
    return schemas.Completion(
        module_slug=module.slug,
        module_title=module.title,
        version=completion.version,
        score_percent=completion.score_percent,
        completed_at=completion.completed_at,
    )


@router.delete("/training/modules/{slug}/attempts/{person_id}", status_code=204)
def reset_attempts(slug: SlugPath, person_id: ResourceId, session: SessionDep, lead: ProgramLead) -> Response:
    quizzes_service.reset_attempts(session, lead.workspace_id, slug, person_id, actor=lead.actor)
    return Response(status_code=204)


@router.get("/training/me", response_model=schemas.TrainingOverview)
def my_training(session: SessionDep, learner: Person) -> schemas.TrainingOverview:
    """What is required of me, what I have done and what is expiring."""
    return progress_service.training_overview(session, learner.workspace_id, learner.person_id)


@router.get("/training/use-cases/{use_case_slug}/requirement", response_model=schemas.Requirement)
def my_requirement(use_case_slug: SlugPath, session: SessionDep, learner: Person) -> schemas.Requirement:
    """The use case's required training and where I stand on each module."""
    return progress_service.use_case_requirement(
        session, learner.workspace_id, learner.person_id, use_case_slug
    )


@router.get("/training/me/literacy", response_model=schemas.LiteracyRecord)
def my_literacy_record(session: SessionDep, learner: Person) -> schemas.LiteracyRecord:
    """My AI-literacy record: every module I completed and when."""
    return literacy_service.literacy_record(session, learner.workspace_id, learner.person_id)


@router.get("/training/people/{person_id}/literacy", response_model=schemas.LiteracyRecord)
def literacy_record(person_id: ResourceId, session: SessionDep, lead: ProgramLead) -> schemas.LiteracyRecord:
    """A person's AI-literacy record, the evidence for the EU AI Act's Art. 4 AI-literacy duty."""
    return literacy_service.literacy_record(session, lead.workspace_id, person_id)


@router.get("/training/coverage", response_model=list[schemas.TeamCoverage])
def coverage(
    session: SessionDep,
    caller: TeamLead,
    module_slug: Annotated[str | None, Query(max_length=63)] = None,
) -> list[schemas.TeamCoverage]:
    """Training coverage per team (with subteams), under the privacy floor; team leads see their own teams."""
    floor = workspaces_service.get_workspace(session, caller.workspace_id).privacy_floor
    rows = literacy_service.literacy_coverage(
        session, caller.workspace_id, privacy_floor=floor, module_slug=module_slug
    )
    if caller.has_role(Role.program_lead):
        return rows
    return [row for row in rows if caller.leads_team(row.team_id)]


@router.get("/learning-paths", response_model=list[schemas.LearningPath])
def list_learning_paths(session: SessionDep, caller: Employee) -> list[schemas.LearningPath]:
    return learning_paths_service.list_learning_paths(session, caller.workspace_id)


@router.post("/learning-paths", status_code=201, response_model=schemas.LearningPath)
def create_learning_path(
    body: schemas.LearningPathCreate, session: SessionDep, lead: ProgramLead
) -> schemas.LearningPath:
    return learning_paths_service.create_learning_path(session, lead.workspace_id, body, actor=lead.actor)


@router.patch("/learning-paths/{slug}", response_model=schemas.LearningPath)
def update_learning_path(
    slug: SlugPath, body: schemas.LearningPathUpdate, session: SessionDep, lead: ProgramLead
) -> schemas.LearningPath:
    return learning_paths_service.update_learning_path(
        session, lead.workspace_id, slug, body, actor=lead.actor
    )


@router.delete("/learning-paths/{slug}", status_code=204)
def delete_learning_path(slug: SlugPath, session: SessionDep, lead: ProgramLead) -> Response:
    learning_paths_service.delete_learning_path(session, lead.workspace_id, slug, actor=lead.actor)
    return Response(status_code=204)


@router.get("/champions", response_model=list[schemas.Champion])
def list_champions(
    session: SessionDep,
    caller: Employee,
    team_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    use_case_slug: Annotated[str | None, Query(max_length=63)] = None,
) -> list[schemas.Champion]:
    """Who to ask: champions of a use case, of a team (and the teams above it), or all."""
    return champions_service.list_champions(
        session, caller.workspace_id, team_id=team_id, use_case_slug=use_case_slug
    )


@router.post("/champions", status_code=201, response_model=schemas.Champion)
def nominate_champion(body: schemas.ChampionCreate, session: SessionDep, lead: TeamLead) -> schemas.Champion:
    return champions_service.nominate_champion(session, lead.workspace_id, body, nominated_by=lead)


@router.delete("/champions/{champion_id}", status_code=204)
def remove_champion(champion_id: ResourceId, session: SessionDep, lead: TeamLead) -> Response:
    champions_service.remove_champion(session, lead.workspace_id, champion_id, removed_by=lead)
    return Response(status_code=204)
