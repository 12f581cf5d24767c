"""The seat ledger's JSON routes: contracts, seats (and their CSV import), policies, the waiting list and the
reassignment queue. Seat figures are the `seat_utilization` metric of `/api/v1/metrics`."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from uptake.access.dependencies import Employee, Importer, Person, ProgramLead, SessionDep
from uptake.analytics import service as analytics_service
from uptake.analytics.dependencies import get_analytics
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
from uptake.params import CSV_REQUEST_BODY, read_csv_body

router = APIRouter(prefix="/licences", tags=["licences"])

IdPath = Annotated[int, Path(ge=1, le=schemas.MAX_ID)]
ToolPath = Annotated[str, Path(max_length=63)]
ToolQuery = Annotated[str | None, Query(max_length=63, description="A tool's slug.")]


def _analytics(request: Request) -> analytics_service.Analytics:
    return get_analytics(request)


def seat_administrators(request: Request) -> reassignment.SeatAdministrators:
    """The application's seat administrators (set in `create_app`; the connectors domain provides GitHub's)."""
    administrators: reassignment.SeatAdministrators = request.app.state.seat_administrators
    return administrators


def _publish(request: Request, session: Session, workspace_id: int) -> None:
    seats.publish_ledger(session, workspace_id, _analytics(request))


# ---------------------------------------------------------------- contracts


@router.get("/contracts", response_model=list[schemas.Contract])
def list_contracts(session: SessionDep, lead: ProgramLead, tool: ToolQuery = None) -> list[schemas.Contract]:
    return contracts.list_contracts(session, lead.workspace_id, tool=tool)


@router.post("/contracts", status_code=201, response_model=schemas.Contract)
def create_contract(
    body: schemas.ContractCreate, request: Request, session: SessionDep, lead: ProgramLead
) -> schemas.Contract:
    contract = contracts.create_contract(session, lead.workspace_id, body, actor=lead.actor)
    _publish(request, session, lead.workspace_id)
    return contract


@router.patch("/contracts/{contract_id}", response_model=schemas.Contract)
def update_contract(
    contract_id: IdPath,
    body: schemas.ContractUpdate,
    request: Request,
    session: SessionDep,
    lead: ProgramLead,
) -> schemas.Contract:
    contract = contracts.update_contract(session, lead.workspace_id, contract_id, body, actor=lead.actor)
    _publish(request, session, lead.workspace_id)
    return contract


@router.delete("/contracts/{contract_id}", status_code=204)
def delete_contract(
    contract_id: IdPath, request: Request, session: SessionDep, lead: ProgramLead
) -> Response:
    contracts.delete_contract(session, lead.workspace_id, contract_id, actor=lead.actor)
    _publish(request, session, lead.workspace_id)
    return Response(status_code=204)


# ---------------------------------------------------------------- seats


@router.get("/seats", response_model=schemas.SeatPage)
def list_seats(
    session: SessionDep,
    lead: ProgramLead,
    tool: ToolQuery = None,
    held_on: Annotated[date | None, Query(description="Only the seats held that day.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> schemas.SeatPage:
    """Seats with their holders, newest first (released ones too, unless `held_on` is given)."""
    return seats.list_seats(
        session, lead.workspace_id, tool=tool, held_on=held_on, limit=limit, offset=offset
    )


@router.post("/seats", status_code=201, response_model=schemas.Seat)
def assign_seat(
    body: schemas.SeatCreate, request: Request, session: SessionDep, lead: ProgramLead
) -> schemas.Seat:
    seat = seats.assign_seat(session, lead.workspace_id, body, actor=lead.actor)
    _publish(request, session, lead.workspace_id)
    return seat


@router.post("/seats/{seat_id}/release", response_model=schemas.Seat)
def release_seat(
    seat_id: IdPath, body: schemas.SeatRelease, request: Request, session: SessionDep, lead: ProgramLead
) -> schemas.Seat:
    seat = seats.release_seat(session, lead.workspace_id, seat_id, body, actor=lead.actor)
    _publish(request, session, lead.workspace_id)
    return seat


@router.get("/seats/mine", response_model=list[schemas.Seat])
def my_seats(session: SessionDep, employee: Person) -> list[schemas.Seat]:
    return seats.list_seats_of_person(session, employee.workspace_id, employee.person_id)


@router.post("/seats/import", openapi_extra=CSV_REQUEST_BODY)
async def import_seats(
    request: Request,
    session: SessionDep,
    lead: Importer,
    dry_run: Annotated[bool, Query(description="Report what would change and store nothing.")] = False,
) -> dict[str, Any]:
    """Import seats from a CSV body: the same report as `uptake import seats` (each bad row by line, column and
    reason; the good rows imported all the same). Importing the same file again changes nothing."""
    text = await read_csv_body(request)

    def run() -> dict[str, Any]:
        report = seats_import.import_seats(
            session, lead.workspace_id, io.StringIO(text, newline=""), dry_run=dry_run, actor=lead.actor
        )
        if not dry_run:
            _publish(request, session, lead.workspace_id)
        return report.as_dict()

    return await run_in_threadpool(run)


# ---------------------------------------------------------------- seats that follow a group


@router.get("/seat-groups", response_model=list[schemas.SeatGroup])
def list_seat_groups(session: SessionDep, lead: ProgramLead) -> list[schemas.SeatGroup]:
    return seat_groups.list_seat_groups(session, lead.workspace_id)


@router.put("/seat-groups/{tool}", response_model=schemas.SeatGroup)
def set_seat_group(
    tool: ToolPath, body: schemas.SeatGroupSet, request: Request, session: SessionDep, lead: ProgramLead
) -> schemas.SeatGroup:
    """The tool's seats follow the members of a team (a SCIM group is one): synced now and every 15 minutes."""
    group = seat_groups.set_seat_group(session, lead.workspace_id, tool, body, actor=lead.actor)
    _publish(request, session, lead.workspace_id)
    return group


@router.delete("/seat-groups/{tool}", status_code=204)
def remove_seat_group(tool: ToolPath, session: SessionDep, lead: ProgramLead) -> Response:
    seat_groups.remove_seat_group(session, lead.workspace_id, tool, actor=lead.actor)
    return Response(status_code=204)


# ---------------------------------------------------------------- policies and the waiting list


@router.get("/policies/{tool}", response_model=schemas.SeatPolicy)
def get_policy(tool: ToolPath, session: SessionDep, lead: ProgramLead) -> schemas.SeatPolicy:
    return policies.get_policy(session, lead.workspace_id, tool)


@router.put("/policies/{tool}", response_model=schemas.SeatPolicy)
def set_policy(
    tool: ToolPath, body: schemas.SeatPolicyUpdate, session: SessionDep, lead: ProgramLead
) -> schemas.SeatPolicy:
    return policies.set_policy(session, lead.workspace_id, tool, body, actor=lead.actor)


@router.get("/waiting-list/{tool}", response_model=list[schemas.WaitingPerson])
def get_waiting_list(tool: ToolPath, session: SessionDep, lead: ProgramLead) -> list[schemas.WaitingPerson]:
    """Who gets the tool's next free seat, in order (docs/licences.md explains the order)."""
    return waiting_list.waiting_list(session, lead.workspace_id, tool)


@router.post("/seat-requests", status_code=201, response_model=schemas.SeatRequest)
def request_seat(
    body: schemas.SeatRequestCreate, session: SessionDep, employee: Employee
) -> schemas.SeatRequest:
    """Ask for a seat of a tool (a program lead may ask for someone else with `person`)."""
    return waiting_list.request_seat(session, employee.workspace_id, body, caller=employee)


@router.get("/seat-requests/mine", response_model=list[schemas.SeatRequest])
def my_requests(session: SessionDep, employee: Person) -> list[schemas.SeatRequest]:
    return waiting_list.list_my_requests(session, employee.workspace_id, employee.person_id)


@router.delete("/seat-requests/{request_id}", status_code=204)
def withdraw_request(request_id: IdPath, session: SessionDep, employee: Employee) -> Response:
    waiting_list.withdraw_request(session, employee.workspace_id, request_id, caller=employee)
    return Response(status_code=204)


# ---------------------------------------------------------------- the reassignment queue


@router.get("/reassignments", response_model=list[schemas.Reassignment])
def list_reassignments(
    session: SessionDep,
    lead: ProgramLead,
    tool: ToolQuery = None,
    open_only: Annotated[bool, Query(alias="open", description="Only those not closed yet.")] = False,
) -> list[schemas.Reassignment]:
    return reassignment.list_reassignments(session, lead.workspace_id, tool=tool, open_only=open_only)


@router.post("/reassignments/{reassignment_id}/approval", response_model=schemas.Reassignment)
def approve_step(
    reassignment_id: IdPath,
    body: schemas.ReassignmentDecision,
    request: Request,
    session: SessionDep,
    caller: Employee,
) -> schemas.Reassignment:
    """The tool's licence owner approves the step waiting for them (notice, release or assignment)."""
    return reassignment.approve_step(
        session,
        caller.workspace_id,
        reassignment_id,
        caller=caller,
        analytics=_analytics(request),
        administrators=seat_administrators(request),
    )


@router.post("/reassignments/{reassignment_id}/dismissal", response_model=schemas.Reassignment)
def dismiss(
    reassignment_id: IdPath, body: schemas.ReassignmentDecision, session: SessionDep, caller: Employee
) -> schemas.Reassignment:
    """The tool's licence owner stops a reassignment; the seat stays with its holder."""
    return reassignment.dismiss(session, caller.workspace_id, reassignment_id, caller=caller, note=body.note)


@router.post("/reassignments/{reassignment_id}/keep", response_model=schemas.Reassignment)
def keep_seat(reassignment_id: IdPath, session: SessionDep, caller: Employee) -> schemas.Reassignment:
    """The seat's holder answers the notice: they keep their seat."""
    return reassignment.keep_seat(session, caller.workspace_id, reassignment_id, caller=caller)


@router.post("/queue-runs", response_model=schemas.QueueRun)
def run_queue(request: Request, session: SessionDep, lead: ProgramLead) -> schemas.QueueRun:
    """Run the reassignment queue now, as the daily job does."""
    return reassignment.run_queue(
        session,
        lead.workspace_id,
        analytics=_analytics(request),
        administrators=seat_administrators(request),
        actor=lead.actor,
    )
