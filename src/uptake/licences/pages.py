"""The seat ledger's pages: every tool's seats, idle seats and their cost; one tool with its contracts, seats,
policy, waiting list and reassignment queue; the CSV upload; and "my seats" for everyone."""

from __future__ import annotations

import io
from datetime import date, timedelta
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from uptake.access.dependencies import EmployeePage, PersonPage, ProgramLeadPage, SessionDep
from uptake.analytics import schemas as analytics_schemas
from uptake.analytics import service as analytics_service
from uptake.analytics.dependencies import get_analytics
from uptake.catalog import service as catalog_service
from uptake.directory.service import teams as teams_service
from uptake.errors import UptakeError
from uptake.licences import (
    contracts,
    policies,
    reassignment,
    schemas,
    seat_groups,
    seats,
    seats_import,
    waiting_list,
)
from uptake.licences.api import seat_administrators
from uptake.licences.models import PricePeriod
from uptake.licences.tools import get_tool, today_in
from uptake.params import MAX_CSV_BYTES
from uptake.web.flash import flash
from uptake.web.forms import act, reasons_of
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)
# A licence page's button: refused for bad input, a service's refusal, or a value the vendor's data cannot take;
# the flash says the refusal's detail, then its reasons.
_act = partial(act, category="info", describe=reasons_of, refusals=(ValidationError, UptakeError, ValueError))

Text = Annotated[str, Form(max_length=2000)]
SEATS_SHOWN = 200


def _go(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def _analytics(request: Request) -> analytics_service.Analytics:
    return get_analytics(request)


def _seat_figures(request: Request, session: Session, workspace_id: int) -> dict[str, dict[str, Any]]:
    """Each tool's seat figures at today, behind the privacy floor."""
    today = today_in(session, workspace_id)
    published = _analytics(request).metric(
        session,
        workspace_id,
        "seat_utilization",
        analytics_schemas.Period(today, today),
        analytics_schemas.Grouping(by=("tool",)),
    )
    return {row["tool"]: row for row in published.rows}


USAGE_DAYS = 28


def _tool_usage(request: Request, session: Session, workspace_id: int, slug: str) -> dict[str, Any]:
    """The tool's adoption per use case and its daily active people over the last 28 days, behind the privacy
    floor, whatever fed them (a connector, an import, the events API)."""
    today = today_in(session, workspace_id)
    period = analytics_schemas.Period(today - timedelta(days=USAGE_DAYS - 1), today)
    analytics = _analytics(request)
    adoption = analytics.metric(
        session, workspace_id, "adoption_rate", period, analytics_schemas.Grouping(by=("tool", "use_case"))
    )
    daily = analytics.metric(session, workspace_id, "dau", period, analytics_schemas.Grouping(by=("tool",)))
    return {
        "from": period.start,
        "to": period.end,
        "adoption": [row for row in adoption.rows if row.get("tool") == slug],
        "daily": [row for row in daily.rows if row.get("tool") == slug],
    }


@router.get("/licences")
def licences_overview(request: Request, session: SessionDep, lead: ProgramLeadPage) -> Response:
    workspace_id = lead.workspace_id
    tools = catalog_service.list_tools(session, workspace_id)
    in_force: dict[str, schemas.Contract] = {}
    today = today_in(session, workspace_id)
    for contract in contracts.list_contracts(session, workspace_id):
        if contract.starts_on <= today:
            in_force[contract.tool] = contract
    open_items: dict[str, int] = {}
    for item in reassignment.list_reassignments(session, workspace_id, open_only=True):
        open_items[item.tool] = open_items.get(item.tool, 0) + 1
    return render(
        request,
        "licences/overview.html",
        {
            "tools": tools,
            "figures": _seat_figures(request, session, workspace_id),
            "contracts": in_force,
            "open_items": open_items,
            "today": today,
            "price_periods": list(PricePeriod),
        },
    )


@router.get("/licences/tools/{slug}")
def tool_page(
    slug: str, request: Request, session: SessionDep, lead: ProgramLeadPage, page: int = 0
) -> Response:
    workspace_id = lead.workspace_id
    tool = get_tool(session, workspace_id, slug)
    page = max(0, page)
    listed = seats.list_seats(session, workspace_id, tool=slug, limit=SEATS_SHOWN, offset=page * SEATS_SHOWN)
    today = today_in(session, workspace_id)
    return render(
        request,
        "licences/tool.html",
        {
            "tool": tool,
            "contracts": contracts.list_contracts(session, workspace_id, tool=slug),
            "figures": _seat_figures(request, session, workspace_id).get(slug),
            "seats": listed,
            "page": page,
            "page_size": SEATS_SHOWN,
            "policy": policies.get_policy(session, workspace_id, slug),
            "waiting": waiting_list.waiting_list(session, workspace_id, slug),
            "reassignments": reassignment.list_reassignments(session, workspace_id, tool=slug),
            "may_decide": reassignment.may_decide(lead, tool),
            "today": today,
            "renewal_notice": {
                contract.id: (contract.notice_deadline - today).days
                for contract in contracts.list_contracts(session, workspace_id, tool=slug)
                if contract.notice_deadline is not None
            },
            "price_periods": list(PricePeriod),
            "seat_group": next(
                (
                    group
                    for group in seat_groups.list_seat_groups(session, workspace_id)
                    if group.tool == slug
                ),
                None,
            ),
            "teams": teams_service.list_all_teams(session, workspace_id),
            "usage": _tool_usage(request, session, workspace_id, slug),
        },
    )


def _day(text: str) -> date | None:
    return date.fromisoformat(text) if text.strip() else None


def _publish(request: Request, session: Session, workspace_id: int) -> None:
    seats.publish_ledger(session, workspace_id, _analytics(request))


@router.post("/licences/contracts")
def add_contract(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    tool: Text = "",
    seats_purchased: Text = "",
    price_per_seat: Text = "",
    price_period: Text = "month",
    currency: Text = "",
    starts_on: Text = "",
    renews_on: Text = "",
    notice_days: Text = "0",
) -> Response:
    def add() -> None:
        body = schemas.ContractCreate(
            tool=tool,
            seats_purchased=int(seats_purchased or 0),
            price_per_seat=float(price_per_seat or 0),
            price_period=PricePeriod(price_period),
            currency=currency.strip().upper(),
            starts_on=_day(starts_on) or today_in(session, lead.workspace_id),
            renews_on=_day(renews_on),
            notice_days=int(notice_days or 0),
        )
        contracts.create_contract(session, lead.workspace_id, body, actor=lead.actor)
        _publish(request, session, lead.workspace_id)

    return _act(
        request,
        session,
        add,
        redirect=f"/licences/tools/{tool}",
        message="Contract recorded.",
    )


@router.post("/licences/seats")
def give_seat(
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    tool: Text = "",
    person: Text = "",
    account: Text = "",
    assigned_on: Text = "",
) -> Response:
    def give() -> None:
        body = schemas.SeatCreate(
            tool=tool,
            person=person.strip() or None,
            account=account.strip() or None,
            assigned_on=_day(assigned_on),
        )
        seats.assign_seat(session, lead.workspace_id, body, actor=lead.actor)
        _publish(request, session, lead.workspace_id)

    return _act(
        request,
        session,
        give,
        redirect=f"/licences/tools/{tool}",
        message="Seat given.",
    )


@router.post("/licences/seats/{seat_id}/release")
def release_seat(
    seat_id: int,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    tool: Text = "",
    released_on: Text = "",
) -> Response:
    def release() -> None:
        body = schemas.SeatRelease(released_on=_day(released_on))
        seats.release_seat(session, lead.workspace_id, seat_id, body, actor=lead.actor)
        _publish(request, session, lead.workspace_id)

    return _act(
        request,
        session,
        release,
        redirect=f"/licences/tools/{tool}",
        message="Seat released.",
    )


@router.post("/licences/tools/{slug}/policy")
def save_policy(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    idle_days: Text = "60",
    grace_days: Text = "14",
    is_automatic: Text = "",
    is_enabled: Text = "",
) -> Response:
    def save() -> None:
        body = schemas.SeatPolicyUpdate(
            idle_days=int(idle_days),
            grace_days=int(grace_days),
            is_automatic=bool(is_automatic),
            is_enabled=bool(is_enabled),
        )
        policies.set_policy(session, lead.workspace_id, slug, body, actor=lead.actor)

    return _act(
        request,
        session,
        save,
        redirect=f"/licences/tools/{slug}",
        message="Policy saved.",
    )


@router.post("/licences/tools/{slug}/seat-group")
def save_seat_group(
    slug: str,
    request: Request,
    session: SessionDep,
    lead: ProgramLeadPage,
    team_id: Text = "",
    include_subteams: Text = "",
    remove: Text = "",
) -> Response:
    def save() -> None:
        if remove:
            seat_groups.remove_seat_group(session, lead.workspace_id, slug, actor=lead.actor)
            return
        body = schemas.SeatGroupSet(team_id=int(team_id or 0), include_subteams=bool(include_subteams))
        seat_groups.set_seat_group(session, lead.workspace_id, slug, body, actor=lead.actor)
        _publish(request, session, lead.workspace_id)

    done = "Seats no longer follow the group." if remove else "Seats follow the group's members now."
    return _act(
        request,
        session,
        save,
        redirect=f"/licences/tools/{slug}",
        message=done,
    )


@router.post("/licences/queue-runs")
def run_queue(request: Request, session: SessionDep, lead: ProgramLeadPage, tool: Text = "") -> Response:
    outcome: dict[str, schemas.QueueRun] = {}

    def run() -> None:
        outcome["run"] = reassignment.run_queue(
            session,
            lead.workspace_id,
            analytics=_analytics(request),
            administrators=seat_administrators(request),
            actor=lead.actor,
        )

    back = f"/licences/tools/{tool}" if tool else "/licences"
    response = _act(
        request,
        session,
        run,
        redirect=back,
        message="The queue ran.",
    )
    if "run" in outcome:
        done = outcome["run"]
        flash(
            request,
            response,
            f"{done.proposed} proposed, {done.notified} notified, {done.kept} kept, {done.released} released, "
            f"{done.assigned} given to the next person, {done.failed} failed.",
        )
    return response


@router.post("/licences/reassignments/{reassignment_id}/approve")
def approve(
    reassignment_id: int, request: Request, session: SessionDep, caller: EmployeePage, tool: Text = ""
) -> Response:
    outcome: dict[str, schemas.Reassignment] = {}

    def run() -> None:
        outcome["step"] = reassignment.approve_step(
            session,
            caller.workspace_id,
            reassignment_id,
            caller=caller,
            analytics=_analytics(request),
            administrators=seat_administrators(request),
        )

    back = f"/licences/tools/{tool}" if tool else "/licences/my-seats"
    response = _act(
        request,
        session,
        run,
        redirect=back,
        message="Step approved.",
    )
    step = outcome.get("step")
    if step is not None and step.last_error:
        flash(request, response, f"The vendor refused: {step.last_error}", "error")
    return response


@router.post("/licences/reassignments/{reassignment_id}/dismiss")
def dismiss(
    reassignment_id: int, request: Request, session: SessionDep, caller: EmployeePage, tool: Text = ""
) -> Response:
    return _act(
        request,
        session,
        lambda: reassignment.dismiss(session, caller.workspace_id, reassignment_id, caller=caller),
        redirect=f"/licences/tools/{tool}" if tool else "/licences/my-seats",
        message="Reassignment dismissed: the seat stays.",
    )


# ---------------------------------------------------------------- the CSV upload


@router.get("/licences/import")
def import_form(request: Request, lead: ProgramLeadPage) -> Response:
    return render(request, "licences/import.html", {"report": None, "columns": seats_import.COLUMN_NAMES})


@router.post("/licences/import")
async def import_upload(
    request: Request, file: UploadFile, session: SessionDep, lead: ProgramLeadPage, dry_run: Text = ""
) -> Response:
    content = await file.read(MAX_CSV_BYTES + 1)
    context: dict[str, Any] = {
        "report": None,
        "columns": seats_import.COLUMN_NAMES,
        "file_name": file.filename,
    }
    try:
        if len(content) > MAX_CSV_BYTES:
            raise seats_import.SeatsFileInvalid(
                f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB"
            )
        text = seats_import.decode(content)
        report = seats_import.import_seats(
            session, lead.workspace_id, io.StringIO(text, newline=""), dry_run=bool(dry_run), actor=lead.actor
        )
        if not report.dry_run:
            _publish(request, session, lead.workspace_id)
        context["report"] = report
    except UptakeError as error:
        session.rollback()
        context["error"] = error
        return render(request, "licences/import.html", context, status=error.status)
    return render(request, "licences/import.html", context)


# ---------------------------------------------------------------- my seats


@router.get("/licences/my-seats")
def my_seats(request: Request, session: SessionDep, caller: PersonPage) -> Response:
    person_id = caller.person_id
    workspace_id = caller.workspace_id
    return render(
        request,
        "licences/my_seats.html",
        {
            "seats": seats.list_seats_of_person(session, workspace_id, person_id),
            "notices": reassignment.my_notices(session, workspace_id, person_id),
            "requests": waiting_list.list_my_requests(session, workspace_id, person_id),
            "tools": catalog_service.list_tools(session, workspace_id),
            "today": today_in(session, workspace_id),
        },
    )


@router.post("/licences/reassignments/{reassignment_id}/keep")
def keep(reassignment_id: int, request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    return _act(
        request,
        session,
        lambda: reassignment.keep_seat(session, caller.workspace_id, reassignment_id, caller=caller),
        redirect="/licences/my-seats",
        message="You keep your seat.",
    )


@router.post("/licences/seat-requests")
def ask_for_seat(
    request: Request,
    session: SessionDep,
    caller: EmployeePage,
    tool: Text = "",
    account: Text = "",
    reason: Text = "",
) -> Response:
    return _act(
        request,
        session,
        lambda: waiting_list.request_seat(
            session,
            caller.workspace_id,
            schemas.SeatRequestCreate(tool=tool, account=account.strip() or None, reason=reason),
            caller=caller,
        ),
        redirect="/licences/my-seats",
        message="You are on the waiting list.",
    )


@router.post("/licences/seat-requests/{request_id}/withdraw")
def withdraw(request_id: int, request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    return _act(
        request,
        session,
        lambda: waiting_list.withdraw_request(session, caller.workspace_id, request_id, caller=caller),
        redirect="/licences/my-seats",
        message="Request withdrawn.",
    )
