"""Enablement's pages: the training list, a module (lessons, quiz, result), my training, the module editor,
learning paths, the AI-literacy record (page, CSV, PDF), team coverage, champions (a use case's required training
and entitlement is rollout's page). It stays whole, a little over 500 lines: each route is short, and splitting
learners' pages from authors' would spread one domain's pages over two routers for no reader's benefit."""

from __future__ import annotations

import csv
import io
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from pydantic import Field, ValidationError
from sqlalchemy.orm import Session

from uptake.access.dependencies import EmployeePage, PersonPage, ProgramLeadPage, SessionDep, TeamLeadPage
from uptake.access.principal import PersonPrincipal, Principal
from uptake.access.roles import Role
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement import schemas
from uptake.enablement.lessons import render_lesson
from uptake.enablement.models import TrainingModule
from uptake.enablement.service import champions as champions_service
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import learning_paths as learning_paths_service
from uptake.enablement.service import literacy as literacy_service
from uptake.enablement.service import modules as modules_service
from uptake.enablement.service import progress as progress_service
from uptake.enablement.service import quizzes as quizzes_service
from uptake.enablement.training_format import ModuleDraft
from uptake.errors import FieldError, InvalidInput, ServiceUnavailable, UptakeError
from uptake.web.flash import flash
from uptake.web.forms import FormModel, Submitted, answer_form, errors_of, form_of, problem_of
from uptake.web.templating import render
from uptake.workspaces import service as workspaces_service

router = APIRouter(include_in_schema=False)

MODULE_TEMPLATE = """---
slug: prompt-basics
title: Writing good prompts
summary: How to ask an AI assistant for what you need.
version: "1.0"
estimated_minutes: 10
pass_mark: 80
max_attempts: 3
quiz:
  - question: What should a prompt say first?
    choices:
      - text: The task and its context
        correct: true
      - text: Nothing; the assistant guesses
    explanation: The assistant knows only what you tell it.
---
# Why prompts matter

Write the lesson here in Markdown. Each level-1 heading starts a new lesson.
"""


# ---------------------------------------------------------------- learners


@router.get("/training")
def training(request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    """Every module a learner can take; program leads also see drafts and archived modules."""
    is_lead = caller.has_role(Role.program_lead)
    modules = modules_service.list_modules(session, caller.workspace_id, published_only=not is_lead)
    progress = {}
    if caller.person_id is not None:
        progress = {
            item.module_slug: item
            for item in progress_service.progress_for_modules(
                session, caller.workspace_id, caller.person_id, modules
            )
        }
    return render(
        request, "enablement/training.html", {"modules": modules, "progress": progress, "is_lead": is_lead}
    )


@router.get("/training/me")
def my_training(request: Request, session: SessionDep, caller: PersonPage) -> Response:
    """What is required of me, what I have done, what is expiring."""
    overview = progress_service.training_overview(session, caller.workspace_id, caller.person_id)
    expiring = [
        module for requirement in overview.requirements for module in requirement.modules
        if module.state in ("expiring", "expired")
    ]  # fmt: skip
    return render(request, "enablement/my_training.html", {"overview": overview, "expiring": expiring})


def _module_page(
    request: Request,
    session: Session,
    caller: Principal,
    module: TrainingModule,
    *,
    result: schemas.QuizResult | None = None,
    chosen: dict[int, list[int]] | None = None,
    status: int = 200,
) -> Response:
    images = modules_service.list_image_names(session, caller.workspace_id, module)
    lessons = [
        (lesson.title, render_lesson(module.slug, lesson.body_markdown, images)) for lesson in module.lessons
    ]
    progress = None
    if caller.person_id is not None:
        progress = progress_service.progress_for_modules(
            session, caller.workspace_id, caller.person_id, [module]
        )[0]
    context = {
        "module": module,
        "lessons": lessons,
        "progress": progress,
        "result": result,
        "chosen": chosen or {},
        "is_lead": caller.has_role(Role.program_lead),
    }
    return render(request, "enablement/module.html", context, status=status)


def _module_for(session: Session, caller: Principal, slug: str) -> TrainingModule:
    if caller.has_role(Role.program_lead):
        return modules_service.get_module(session, caller.workspace_id, slug, with_content=True)
    return modules_service.get_module_for_learner(session, caller.workspace_id, slug)


@router.get("/training/modules/{slug}")
def module(slug: str, request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    """The module's lessons, then its quiz (or a button to mark it read)."""
    return _module_page(request, session, caller, _module_for(session, caller, slug))


@router.post("/training/modules/{slug}/quiz")
async def submit_quiz(slug: str, request: Request, session: SessionDep, caller: PersonPage) -> Response:
    """Score the quiz and show the result with each question's explanation; a failed try can be retried.

    The form's fields are named per question (``q<question id>``), so it is read here; the scoring runs in the
    thread pool like every other route's database work."""
    form = await request.form()
    answers: dict[int, list[int]] = {}
    for name, value in form.multi_items():
        if name.startswith("q") and name[1:].isdigit() and isinstance(value, str) and value.isdigit():
            answers.setdefault(int(name[1:]), []).append(int(value))
    return await run_in_threadpool(_score_quiz, request, session, caller, slug, answers)


def _score_quiz(
    request: Request, session: Session, caller: PersonPrincipal, slug: str, answers: dict[int, list[int]]
) -> Response:
    module = modules_service.get_module_for_learner(session, caller.workspace_id, slug)
    try:
        outcome = quizzes_service.submit_quiz(session, caller.workspace_id, slug, caller.person_id, answers)
    except UptakeError as error:
        session.rollback()
        response = RedirectResponse(f"/training/modules/{slug}", status_code=303)
        flash(request, response, error.detail, "error")
        return response
    return _module_page(request, session, caller, module, result=outcome.as_schema(), chosen=answers)


@router.post("/training/modules/{slug}/completion")
def complete_reading(slug: str, request: Request, session: SessionDep, caller: PersonPage) -> Response:
    completions_service.complete_reading(session, caller.workspace_id, slug, caller.person_id)
    response = RedirectResponse(f"/training/modules/{slug}", status_code=303)
    flash(request, response, "Completed. It counts for every requirement that names this module.", "success")
    return response


@router.get("/training/modules/{slug}/images/{name:path}")
def module_image(slug: str, name: str, session: SessionDep, caller: EmployeePage) -> Response:
    image = modules_service.get_module_image(session, caller.workspace_id, slug, name)
    return Response(
        image.data,
        media_type=image.content_type,
        headers={"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"},
    )


# ---------------------------------------------------------------- the editor


def _editor(
    request: Request,
    source: str,
    errors: dict[str, str],
    *,
    module: TrainingModule | None,
    preview: list[tuple[str, Markup]] | None = None,
    draft: ModuleDraft | None = None,
    status: int = 200,
) -> Response:
    context = {"source": source, "errors": errors, "module": module, "preview": preview, "draft": draft}
    return render(request, "enablement/editor.html", context, status=status)


@router.get("/training/new-module")
def new_module(request: Request, lead: ProgramLeadPage) -> Response:
    return _editor(request, MODULE_TEMPLATE, {}, module=None)


@router.get("/training/modules/{slug}/edit")
def edit_module(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    module = modules_service.get_module(session, lead.workspace_id, slug)
    return _editor(request, module.source, {}, module=module)


@router.post("/training/new-module")
def save_new_module(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    source: Annotated[str, Form(max_length=500_000)] = "",
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    return _save_or_preview(request, session, lead, source, action, slug=None)


@router.post("/training/modules/{slug}/edit")
def save_module(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    source: Annotated[str, Form(max_length=500_000)] = "",
    action: Annotated[str, Form(max_length=20)] = "save",
) -> Response:
    return _save_or_preview(request, session, lead, source, action, slug=slug)


def _save_or_preview(
    request: Request, session: Session, lead: Principal, source: str, action: str, *, slug: str | None
) -> Response:
    module = modules_service.get_module(session, lead.workspace_id, slug) if slug else None
    try:
        if action == "preview":
            draft = modules_service.preview_module_source(source)
            preview = [
                (lesson.title, render_lesson(draft.slug, lesson.body_markdown, ()))
                for lesson in draft.lessons
            ]
            return _editor(request, source, {}, module=module, preview=preview, draft=draft)
        result = modules_service.save_module_source(
            session, lead.workspace_id, source, actor=lead.actor, author_id=lead.person_id, expected_slug=slug
        )
    except UptakeError as error:
        session.rollback()
        return _editor(request, source, errors_of(error), module=module, status=422)
    response = RedirectResponse(f"/training/modules/{result.module.slug}", status_code=303)
    flash(request, response, f"Module {result.outcome} (version {result.module.version}).", "success")
    return response


# ---------------------------------------------------------------- learning paths


def _paths_page(
    request: Request, session: Session, caller: Principal, values: dict[str, Any], errors: dict[str, str]
) -> Response:
    context = {
        "paths": learning_paths_service.list_learning_paths(session, caller.workspace_id),
        "modules": {
            m.slug: m
            for m in modules_service.list_modules(session, caller.workspace_id, published_only=False)
        },
        "job_roles": {
            role.id: role for role in job_roles_service.list_all_job_roles(session, caller.workspace_id)
        },
        "is_lead": caller.has_role(Role.program_lead),
        "errors": errors,
        "values": values,
    }
    return render(request, "enablement/paths.html", context)


@router.get("/training/paths")
def learning_paths(request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    return _paths_page(request, session, caller, {}, {})


class LearningPathForm(FormModel):
    slug: Annotated[str, Field(max_length=63)] = ""
    title: Annotated[str, Field(max_length=200)] = ""
    description: Annotated[str, Field(max_length=5000)] = ""
    job_role_id: Annotated[str, Field(max_length=20, title="Job role")] = ""
    module_slugs: Annotated[str, Field(max_length=5000, title="Modules")] = ""


@router.post("/training/paths")
def create_learning_path(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    submitted: Annotated[Submitted[LearningPathForm], Depends(form_of(LearningPathForm))],
) -> Response:
    def create(form: LearningPathForm) -> str:
        body = schemas.LearningPathCreate.model_validate(
            {
                "slug": form.slug.strip(),
                "title": form.title,
                "description": form.description,
                "job_role_id": form.job_role_id or None,
                "module_slugs": [
                    part.strip() for part in form.module_slugs.replace("\n", ",").split(",") if part.strip()
                ],
            }
        )
        return learning_paths_service.create_learning_path(
            session, lead.workspace_id, body, actor=lead.actor
        ).title

    return answer_form(
        request,
        session,
        submitted,
        create,
        again=lambda values, errors: _paths_page(request, session, lead, values, errors),
        redirect="/training/paths",
        message=lambda title: f"Learning path “{title}” created.",
    )


@router.post("/training/paths/{slug}/remove")
def remove_learning_path(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    learning_paths_service.delete_learning_path(session, lead.workspace_id, slug, actor=lead.actor)
    response = RedirectResponse("/training/paths", status_code=303)
    flash(request, response, "Learning path removed.", "success")
    return response


# ---------------------------------------------------------------- the AI-literacy record and coverage


def _literacy_csv(record: schemas.LiteracyRecord) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["person", "email", "team", "job_role", "module", "title", "version", "score_percent",
                     "completed_at", "is_current"])  # fmt: skip
    for entry in record.entries:
        writer.writerow(
            [
                record.display_name, record.email, record.team or "", record.job_role or "", entry.module_slug,
                entry.module_title, entry.version, "" if entry.score_percent is None else entry.score_percent,
                entry.completed_at.isoformat(), "yes" if entry.is_current else "no",
            ]
        )  # fmt: skip
    filename = f"ai-literacy-{record.person_id}-{record.generated_at:%Y%m%d}.csv"
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _literacy_pdf(request: Request, record: schemas.LiteracyRecord) -> Response:
    """The record laid out as a PDF by WeasyPrint, from a self-contained HTML document (nothing is fetched)."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango, WeasyPrint's layout library, is missing
        raise ServiceUnavailable(
            "the PDF needs WeasyPrint and the Pango library (Debian: apt-get install libpango-1.0-0); "
            f"the CSV export works without them ({error})"
        ) from error
    template = request.app.state.templates.get_template("enablement/literacy_document.html")
    pdf = bytes(weasyprint.HTML(string=template.render(record=record)).write_pdf())
    filename = f"ai-literacy-{record.person_id}-{record.generated_at:%Y%m%d}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _literacy_response(request: Request, record: schemas.LiteracyRecord, format: str, link: str) -> Response:
    if format == "csv":
        return _literacy_csv(record)
    if format == "pdf":
        return _literacy_pdf(request, record)
    return render(request, "enablement/literacy.html", {"record": record, "link": link})


@router.get("/training/literacy")
def my_literacy(
    request: Request,
    session: SessionDep,
    caller: PersonPage,
    format: Annotated[str, Query(max_length=10)] = "html",
) -> Response:
    record = literacy_service.literacy_record(session, caller.workspace_id, caller.person_id)
    return _literacy_response(request, record, format, "/training/literacy")


@router.get("/training/people/{person_id}/literacy")
def person_literacy(
    person_id: int,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    format: Annotated[str, Query(max_length=10)] = "html",
) -> Response:
    record = literacy_service.literacy_record(session, lead.workspace_id, person_id)
    return _literacy_response(request, record, format, f"/training/people/{person_id}/literacy")


@router.get("/training/people")
def find_literacy_record(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    email: Annotated[str, Query(max_length=320)] = "",
) -> Response:
    """Open a person's AI-literacy record by their email."""
    person = people_service.get_person_by_email(session, lead.workspace_id, email.strip()) if email else None
    if person is None:
        response = RedirectResponse("/training/coverage", status_code=303)
        flash(request, response, f"Nobody in the directory has the email {email!r}.", "error")
        return response
    return RedirectResponse(f"/training/people/{person.id}/literacy", status_code=303)


@router.get("/training/coverage")
def coverage(
    request: Request,
    session: SessionDep,
    caller: TeamLeadPage,
    module: Annotated[str, Query(max_length=63)] = "",
) -> Response:
    """Training coverage per team (with its subteams); teams under the privacy floor show no figures."""
    floor = workspaces_service.get_workspace(session, caller.workspace_id).privacy_floor
    rows = literacy_service.literacy_coverage(
        session, caller.workspace_id, privacy_floor=floor, module_slug=module or None
    )
    if not caller.has_role(Role.program_lead):
        rows = [row for row in rows if caller.leads_team(row.team_id)]
    modules = modules_service.list_modules(session, caller.workspace_id)
    context = {
        "rows": rows,
        "modules": modules,
        "module": module,
        "privacy_floor": floor,
        "is_lead": caller.has_role(Role.program_lead),
    }
    return render(request, "enablement/coverage.html", context)


# ---------------------------------------------------------------- champions


@router.get("/champions")
def champions(
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    team_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    use_case: Annotated[str, Query(max_length=63)] = "",
) -> Response:
    """Who to ask: champions of a team (and the teams above it) or of a use case."""
    rows = champions_service.list_champions(
        session, caller.workspace_id, team_id=team_id, use_case_slug=use_case or None
    )
    teams = {team.id: team for team in teams_service.list_all_teams(session, caller.workspace_id)}
    context = {
        "champions": rows,
        "teams": teams,
        "team_id": team_id,
        "use_case": use_case,
        "may_nominate": caller.has_role(Role.program_lead, Role.team_lead),
        "errors": {},
    }
    return render(request, "enablement/champions.html", context)


@router.post("/champions")
def nominate_champion(
    request: Request,
    session: SessionDep,
    lead: TeamLeadPage,
    email: Annotated[str, Form(max_length=320)] = "",
    team_id: Annotated[str, Form(max_length=20)] = "",
    use_case_slug: Annotated[str, Form(max_length=63)] = "",
    note: Annotated[str, Form(max_length=300)] = "",
) -> Response:
    try:
        person = people_service.get_person_by_email(session, lead.workspace_id, email.strip())
        if person is None:
            raise InvalidInput(errors=[FieldError("email", "nobody in the directory has this email")])
        body = schemas.ChampionCreate.model_validate(
            {
                "person_id": person.id,
                "team_id": team_id or None,
                "use_case_slug": use_case_slug.strip() or None,
                "note": note,
            }
        )
        champions_service.nominate_champion(session, lead.workspace_id, body, nominated_by=lead)
    except (ValidationError, UptakeError) as error:
        session.rollback()
        response = RedirectResponse("/champions", status_code=303)
        flash(request, response, problem_of(error), "error")
        return response
    response = RedirectResponse("/champions", status_code=303)
    flash(request, response, f"{person.display_name} is now a champion.", "success")
    return response


@router.post("/champions/{champion_id}/remove")
def remove_champion(champion_id: int, request: Request, session: SessionDep, lead: TeamLeadPage) -> Response:
    champions_service.remove_champion(session, lead.workspace_id, champion_id, removed_by=lead)
    response = RedirectResponse("/champions", status_code=303)
    flash(request, response, "Champion removed.", "success")
    return response
