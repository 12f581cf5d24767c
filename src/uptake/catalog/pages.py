"""The catalog's pages: the editor for program leads (use cases, use cards, tools) and the diff between two
versions of a card. The pages that also show what governance, trust and analytics say (the employee catalog,
the list of use cases, the use-case page and its transitions) are the app layer's
(`uptake/app/use_case_pages.py`). It stays whole: each route is short, and the use-case and tool forms share
their helpers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import Field
from sqlalchemy.orm import Session

from uptake.access.dependencies import EmployeePage, ProgramLeadPage, SessionDep
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.catalog import schemas, service
from uptake.catalog.models import UseCase
from uptake.catalog.schemas import Hosting, HumanOversight
from uptake.catalog.use_card import SECTIONS
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.errors import FieldError, InvalidInput
from uptake.web.forms import FormModel, Submitted, answer_form, form_of
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 30
RACI_WORDS = ("responsible", "accountable", "consulted", "informed")


def sees_unpublished(caller: Principal) -> bool:
    return caller.has_role(Role.program_lead, Role.reviewer)


def _split_list(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def names_of_people(session: Session, workspace_id: int, person_ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(person_id for person_id in person_ids if person_id is not None)
    if not wanted:
        return {}
    return {
        person.id: person.display_name
        for person in people_service.list_people_by_ids(session, workspace_id, wanted)
    }


# ---------------------------------------------------------------- the use-case page


@router.get("/use-cases/new")
def new_use_case(request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    return _use_case_form(request, session, lead.workspace_id, None, {}, {})


def _use_case_form(
    request: Request,
    session: Session,
    workspace_id: int,
    use_case: UseCase | None,
    values: dict[str, Any],
    errors: dict[str, str],
    *,
    status: int = 200,
) -> Response:
    if use_case is not None and not values:
        people = _people_emails(session, workspace_id, use_case)
        values = {
            "slug": use_case.slug,
            "title": use_case.title,
            "summary": use_case.summary,
            "workflow": use_case.workflow,
            "workflow_step": use_case.workflow_step,
            "owning_team_id": str(use_case.owning_team_id or ""),
            "owner_email": people.get(use_case.owner_id or 0, ""),
            "raci": "\n".join(
                f"{entry['responsibility']}: "
                + (
                    people.get(entry.get("person_id") or 0)
                    or entry.get("party")
                    or f"job role {entry.get('job_role_id')}"
                )
                for entry in use_case.raci
            ),
            "target_job_role_ids": [str(i) for i in use_case.target_job_role_ids],
            "target_team_ids": [str(i) for i in use_case.target_team_ids],
            "tool_slugs": use_case.tool_slugs,
            "allowed_data_classes": use_case.allowed_data_classes,
            "human_oversight": use_case.human_oversight.value if use_case.human_oversight else "",
            "target_adoption_percent": _number(use_case.target_adoption_percent),
            "target_acceptance_rate_percent": _number(use_case.target_acceptance_rate_percent),
            "target_minutes_saved_per_use": _number(use_case.target_minutes_saved_per_use),
            "estimated_minutes_saved_per_accepted_output": _number(
                use_case.estimated_minutes_saved_per_accepted_output
            ),
            "tags": ", ".join(use_case.tags),
            "required_training": ", ".join(use_case.required_training),
        }
    context = {
        "use_case": use_case,
        "values": values,
        "errors": errors,
        "tools": service.list_tools(session, workspace_id),
        "teams": teams_service.list_all_teams(session, workspace_id),
        "job_roles": job_roles_service.list_all_job_roles(session, workspace_id),
        "data_classes": service.list_data_classes(session, workspace_id),
        "oversight_modes": [mode.value for mode in HumanOversight],
    }
    return render(request, "catalog/use_case_form.html", context, status=status)


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:g}"


def _people_emails(session: Session, workspace_id: int, use_case: UseCase) -> dict[int, str]:
    ids = {use_case.owner_id, *(entry.get("person_id") for entry in use_case.raci)}
    wanted = sorted(person_id for person_id in ids if person_id)
    if not wanted:
        return {}
    return {p.id: p.email for p in people_service.list_people_by_ids(session, workspace_id, wanted)}


def _resolve_person(session: Session, workspace_id: int, email: str) -> int | None:
    person = people_service.get_person_by_email(session, workspace_id, email)
    return person.id if person is not None else None


UseCaseText = Annotated[str, Field(max_length=5000)]


class UseCaseForm(FormModel):
    """The use-case editor's fields (the slug only when drafting)."""

    slug: UseCaseText = ""
    title: UseCaseText = ""
    summary: UseCaseText = ""
    workflow: UseCaseText = ""
    workflow_step: UseCaseText = ""
    owning_team_id: UseCaseText = ""
    owner_email: UseCaseText = ""
    raci: Annotated[str, Field(max_length=5000, title="RACI")] = ""
    target_job_role_ids: list[str] = Field(default_factory=list)
    target_team_ids: list[str] = Field(default_factory=list)
    tool_slugs: list[str] = Field(default_factory=list)
    allowed_data_classes: list[str] = Field(default_factory=list)
    human_oversight: UseCaseText = ""
    target_adoption_percent: UseCaseText = ""
    target_acceptance_rate_percent: UseCaseText = ""
    target_minutes_saved_per_use: UseCaseText = ""
    estimated_minutes_saved_per_accepted_output: UseCaseText = ""
    tags: UseCaseText = ""
    required_training: UseCaseText = ""


def _use_case_fields(session: Session, workspace_id: int, form: UseCaseForm) -> dict[str, Any]:
    """The use case's fields from the form, people named by email resolved to their ids."""
    errors: list[FieldError] = []
    owner_id = None
    if form.owner_email.strip():
        owner_id = _resolve_person(session, workspace_id, form.owner_email)
        if owner_id is None:
            errors.append(FieldError("owner_email", "nobody in the directory has this email"))
    raci = []
    for line_number, line in enumerate(form.raci.splitlines(), start=1):
        if not line.strip():
            continue
        word, _, who = line.partition(":")
        word, who = word.strip().lower(), who.strip()
        if word not in RACI_WORDS or not who:
            errors.append(
                FieldError(
                    "raci",
                    f"line {line_number}: write 'responsible: who' (or accountable, consulted, informed)",
                )
            )
            continue
        person_id = _resolve_person(session, workspace_id, who) if "@" in who else None
        raci.append(
            {"responsibility": word, "person_id": person_id}
            if person_id
            else {"responsibility": word, "party": who}
        )
    if errors:
        raise InvalidInput(errors=errors)

    def number(text: str) -> str | None:
        return text.strip() or None

    return {
        "title": form.title,
        "summary": form.summary,
        "workflow": form.workflow,
        "workflow_step": form.workflow_step,
        "owning_team_id": form.owning_team_id or None,
        "owner_id": owner_id,
        "raci": raci,
        "target_job_role_ids": form.target_job_role_ids,
        "target_team_ids": form.target_team_ids,
        "tool_slugs": form.tool_slugs,
        "allowed_data_classes": form.allowed_data_classes,
        "human_oversight": form.human_oversight or None,
        "target_adoption_percent": number(form.target_adoption_percent),
        "target_acceptance_rate_percent": number(form.target_acceptance_rate_percent),
        "target_minutes_saved_per_use": number(form.target_minutes_saved_per_use),
        "estimated_minutes_saved_per_accepted_output": number(
            form.estimated_minutes_saved_per_accepted_output
        ),
        "tags": _split_list(form.tags),
        "required_training": _split_list(form.required_training),
    }


@router.post("/use-cases/new")
def create_use_case(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    submitted: Annotated[Submitted[UseCaseForm], Depends(form_of(UseCaseForm))],
) -> Response:
    def save(form: UseCaseForm) -> UseCase:
        fields = _use_case_fields(session, lead.workspace_id, form)
        body = schemas.UseCaseCreate.model_validate({"slug": form.slug.strip(), **fields})
        return service.create_use_case(
            session, lead.workspace_id, body, actor=lead.actor, author_id=lead.person_id
        )

    return answer_form(
        request,
        session,
        submitted,
        save,
        again=lambda values, errors: _use_case_form(
            request, session, lead.workspace_id, None, values, errors
        ),
        redirect=lambda use_case: f"/use-cases/{use_case.slug}",
        message=lambda use_case: f"Use case “{use_case.title}” drafted. Next: write its use card.",
    )


@router.get("/use-cases/{slug}/edit")
def edit_use_case(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    use_case = service.get_use_case_by_slug(session, lead.workspace_id, slug)
    return _use_case_form(request, session, lead.workspace_id, use_case, {}, {})


@router.post("/use-cases/{slug}/edit")
def save_use_case(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    submitted: Annotated[Submitted[UseCaseForm], Depends(form_of(UseCaseForm))],
) -> Response:
    service.get_use_case_by_slug(session, lead.workspace_id, slug)

    def save(form: UseCaseForm) -> None:
        body = schemas.UseCaseUpdate.model_validate(_use_case_fields(session, lead.workspace_id, form))
        service.update_use_case(session, lead.workspace_id, slug, body, actor=lead.actor)

    def again(values: dict[str, Any], errors: dict[str, str]) -> Response:
        use_case = service.get_use_case_by_slug(session, lead.workspace_id, slug)
        return _use_case_form(request, session, lead.workspace_id, use_case, {**values, "slug": slug}, errors)

    return answer_form(
        request,
        session,
        submitted,
        save,
        again=again,
        redirect=f"/use-cases/{slug}",
        message="Use case saved.",
    )


# ---------------------------------------------------------------- the use card


@router.get("/use-cases/{slug}/use-card/edit")
def edit_use_card(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    use_case = service.get_use_case_by_slug(session, lead.workspace_id, slug)
    card = service.get_use_card(session, lead.workspace_id, use_case)
    values = {section.key: getattr(card, section.key) if card else "" for section in SECTIONS}
    context = {"use_case": use_case, "sections": SECTIONS, "values": values, "errors": {}, "card": card}
    return render(request, "catalog/use_card_form.html", context)


CardField = Annotated[str, Field(max_length=20_000)]


class UseCardForm(FormModel):
    """A new version of a use card: its sections (see ``SECTIONS``) and what changed."""

    trust_output: CardField = ""
    role_impact: CardField = ""
    when_to_use: CardField = ""
    when_wrong: CardField = ""
    accountability: CardField = ""
    approvals: CardField = ""
    good_examples: CardField = ""
    bad_examples: CardField = ""
    changelog: Annotated[str, Field(max_length=500)] = ""


@router.post("/use-cases/{slug}/use-card/edit")
def save_use_card(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    submitted: Annotated[Submitted[UseCardForm], Depends(form_of(UseCardForm))],
) -> Response:
    service.get_use_case_by_slug(session, lead.workspace_id, slug)

    def save(form: UseCardForm) -> int:
        sections = {
            key: value.replace("\r\n", "\n") for key, value in form.model_dump(exclude={"changelog"}).items()
        }
        version = service.record_use_card_version(
            session,
            lead.workspace_id,
            slug,
            schemas.UseCardContent(**sections),
            changelog=form.changelog,
            actor=lead.actor,
            author_id=lead.person_id,
        )
        return version.version

    def again(values: dict[str, Any], errors: dict[str, str]) -> Response:
        use_case = service.get_use_case_by_slug(session, lead.workspace_id, slug)
        context = {
            "use_case": use_case,
            "sections": SECTIONS,
            "values": values,
            "errors": errors,
            "card": service.get_use_card(session, lead.workspace_id, use_case),
        }
        return render(request, "catalog/use_card_form.html", context)

    return answer_form(
        request,
        session,
        submitted,
        save,
        again=again,
        redirect=f"/use-cases/{slug}",
        message=lambda version: f"Use card version {version} published.",
    )


@router.get("/use-cases/{slug}/use-card/diff")
def use_card_diff(
    slug: str,
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    from_version: Annotated[int, Query(alias="from", ge=0, le=1_000_000)] = 0,
    to_version: Annotated[int, Query(alias="to", ge=1, le=1_000_000)] = 1,
) -> Response:
    use_case = service.get_use_case_for_viewer(
        session, caller.workspace_id, slug, sees_unpublished=sees_unpublished(caller)
    )
    sections = service.diff_use_card_versions(session, caller.workspace_id, slug, from_version, to_version)
    versions = service.list_use_card_versions(session, caller.workspace_id, slug)
    context = {
        "use_case": use_case,
        "sections": sections,
        "from_version": from_version,
        "to_version": to_version,
        "versions": versions,
    }
    return render(request, "catalog/use_card_diff.html", context)


# ---------------------------------------------------------------- tools


@router.get("/tools")
def tools(request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    items = service.list_tools(session, lead.workspace_id)
    owners = names_of_people(session, lead.workspace_id, {tool.owner_id for tool in items})
    return render(request, "catalog/tools.html", {"tools": items, "owners": owners})


def _tool_form(
    request: Request, tool: Any, values: dict[str, Any], errors: dict[str, str], *, status: int = 200
) -> Response:
    context = {"tool": tool, "values": values, "errors": errors, "hostings": [h.value for h in Hosting]}
    return render(request, "catalog/tool_form.html", context, status=status)


@router.get("/tools/new")
def new_tool(request: Request, lead: ProgramLeadPage) -> Response:
    return _tool_form(request, None, {"currency": "EUR", "hosting": Hosting.vendor_cloud.value}, {})


ToolText = Annotated[str, Field(max_length=1000)]


class ToolForm(FormModel):
    """The tool editor's fields (the slug only when registering)."""

    slug: ToolText = ""
    name: ToolText = ""
    vendor: ToolText = ""
    models: ToolText = ""
    hosting: ToolText = ""
    data_residency: ToolText = ""
    licence_model: ToolText = ""
    cost_per_seat_month: ToolText = ""
    currency: ToolText = ""
    seats_purchased: ToolText = ""
    contract_renewal_on: ToolText = ""
    owner_email: ToolText = ""


def _tool_fields(session: Session, workspace_id: int, form: ToolForm) -> dict[str, Any]:
    owner_id = None
    if form.owner_email.strip():
        owner_id = _resolve_person(session, workspace_id, form.owner_email)
        if owner_id is None:
            raise InvalidInput(errors=[FieldError("owner_email", "nobody in the directory has this email")])
    return {
        "name": form.name,
        "vendor": form.vendor,
        "models": _split_list(form.models),
        "hosting": form.hosting or Hosting.vendor_cloud.value,
        "data_residency": form.data_residency.strip() or None,
        "licence_model": form.licence_model.strip() or None,
        "cost_per_seat_month": form.cost_per_seat_month.strip() or None,
        "currency": (form.currency.strip() or "EUR").upper(),
        "seats_purchased": form.seats_purchased.strip() or None,
        "contract_renewal_on": form.contract_renewal_on.strip() or None,
        "owner_id": owner_id,
    }


@router.post("/tools/new")
def create_tool(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    submitted: Annotated[Submitted[ToolForm], Depends(form_of(ToolForm))],
) -> Response:
    def save(form: ToolForm) -> str:
        body = schemas.ToolCreate.model_validate(
            {"slug": form.slug.strip(), **_tool_fields(session, lead.workspace_id, form)}
        )
        return service.create_tool(session, lead.workspace_id, body, actor=lead.actor).name

    return answer_form(
        request,
        session,
        submitted,
        save,
        again=lambda values, errors: _tool_form(request, None, values, errors),
        redirect="/tools",
        message=lambda name: f"Tool “{name}” registered.",
    )


@router.get("/tools/{slug}/edit")
def edit_tool(slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    tool = service.get_tool_by_slug(session, lead.workspace_id, slug)
    owner = _people_by_id_email(session, lead.workspace_id, tool.owner_id)
    values = {
        "slug": tool.slug,
        "name": tool.name,
        "vendor": tool.vendor,
        "models": ", ".join(tool.models),
        "hosting": tool.hosting.value,
        "data_residency": tool.data_residency or "",
        "licence_model": tool.licence_model or "",
        "cost_per_seat_month": _number(tool.cost_per_seat_month),
        "currency": tool.currency,
        "seats_purchased": "" if tool.seats_purchased is None else str(tool.seats_purchased),
        "contract_renewal_on": tool.contract_renewal_on.isoformat() if tool.contract_renewal_on else "",
        "owner_email": owner,
    }
    return _tool_form(request, tool, values, {})


def _people_by_id_email(session: Session, workspace_id: int, person_id: int | None) -> str:
    if person_id is None:
        return ""
    people = people_service.list_people_by_ids(session, workspace_id, [person_id])
    return people[0].email if people else ""


@router.post("/tools/{slug}/edit")
def save_tool(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    submitted: Annotated[Submitted[ToolForm], Depends(form_of(ToolForm))],
) -> Response:
    service.get_tool_by_slug(session, lead.workspace_id, slug)

    def save(form: ToolForm) -> None:
        body = schemas.ToolUpdate.model_validate(_tool_fields(session, lead.workspace_id, form))
        service.update_tool(session, lead.workspace_id, slug, body, actor=lead.actor)

    def again(values: dict[str, Any], errors: dict[str, str]) -> Response:
        tool = service.get_tool_by_slug(session, lead.workspace_id, slug)
        return _tool_form(request, tool, {**values, "slug": slug}, errors)

    return answer_form(
        request, session, submitted, save, again=again, redirect="/tools", message="Tool saved."
    )
