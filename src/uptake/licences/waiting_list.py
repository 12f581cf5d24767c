"""The waiting list of a tool: who gets the next seat that frees up.

The waiting list, in the order seats are given: first the people who asked for a seat, oldest request first;
then the people a started rollout wave entitles to one of the tool's use cases, earliest wave first, then by
name. Nobody who holds a seat of the tool waits for one.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.db import utcnow
from uptake.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from uptake.licences import repository, schemas, seats
from uptake.licences.models import SeatRequest, WaitingStatus
from uptake.licences.tools import ToolInfo, get_tool, tools_by_id
from uptake.rollout import service as rollout_service


class RequestNotFound(NotFound):
    title = "There is no such seat request in this workspace."


class AlreadyWaiting(Conflict):
    title = "This person already waits for a seat of this tool."


class SeatHeldAlready(Conflict):
    title = "This person already holds a seat of this tool."


def request_seat(
    session: Session, workspace_id: int, body: schemas.SeatRequestCreate, *, caller: Principal
) -> schemas.SeatRequest:
    """Put a person on the tool's waiting list: the caller themself, or anyone when a program lead asks."""
    info = get_tool(session, workspace_id, body.tool)
    if body.person is not None and body.person != "me":
        if not caller.has_role(Role.program_lead, Role.admin):
            raise Forbidden("only a program lead puts someone else on a waiting list")
        person_id = seats.find_person_id(session, workspace_id, body.person)
        if person_id is None:
            raise InvalidInput(
                errors=[FieldError("person", f"no person with email or external id {body.person!r}")]
            )
    elif caller.person_id is not None:
        person_id = caller.person_id
    else:
        raise InvalidInput(errors=[FieldError("person", "an API key names the person who waits")])
    if any(
        seat.person_id == person_id
        for seat in repository.list_open_seats_of_tool(session, workspace_id, info.id)
    ):
        raise SeatHeldAlready(f"person {person_id} holds a seat of {info.slug}", person_id=person_id)
    if any(
        request.person_id == person_id
        for request in repository.list_waiting_requests(session, workspace_id, info.id)
    ):
        raise AlreadyWaiting(f"person {person_id} waits for {info.slug} already", person_id=person_id)
    request = SeatRequest(
        workspace_id=workspace_id,
        tool_id=info.id,
        person_id=person_id,
        account=body.account,
        reason=body.reason,
        status=WaitingStatus.waiting,
    )
    session.add(request)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=caller.actor,
        action="licences.seat_request.created",
        target=f"seat_request:{request.id}",
        after={"tool": info.slug, "person_id": person_id},
    )
    return _request_output(session, workspace_id, request, info)


def withdraw_request(session: Session, workspace_id: int, request_id: int, *, caller: Principal) -> None:
    request = repository.get_request(session, workspace_id, request_id)
    if request is None:
        raise RequestNotFound(f"no seat request {request_id}", request_id=request_id)
    if request.person_id != caller.person_id and not caller.has_role(Role.program_lead, Role.admin):
        raise Forbidden("only the person who waits, or a program lead, withdraws a request")
    if request.status != WaitingStatus.waiting:
        raise Conflict(f"the request is {request.status.value} already", request_id=request_id)
    request.status = WaitingStatus.withdrawn
    request.closed_at = utcnow()
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=caller.actor,
        action="licences.seat_request.withdrawn",
        target=f"seat_request:{request.id}",
    )


def _request_output(
    session: Session, workspace_id: int, request: SeatRequest, info: ToolInfo
) -> schemas.SeatRequest:
    position = None
    if request.status == WaitingStatus.waiting:
        position = next(
            (
                entry.position
                for entry in waiting_list(session, workspace_id, info.slug)
                if entry.request_id == request.id
            ),
            None,
        )
    names = seats.HolderNames.of(session, workspace_id, [request.person_id])
    return schemas.SeatRequest(
        id=request.id,
        tool=info.slug,
        person_id=request.person_id,
        person_name=names.name(request.person_id),
        account=request.account,
        reason=request.reason,
        status=request.status,
        requested_at=request.requested_at,
        position=position,
    )


def list_my_requests(session: Session, workspace_id: int, person_id: int) -> list[schemas.SeatRequest]:
    tools = tools_by_id(session, workspace_id)
    return [
        _request_output(session, workspace_id, request, tools[request.tool_id])
        for request in repository.list_requests_of_person(session, workspace_id, person_id)
    ]


def waiting_list(session: Session, workspace_id: int, tool: str) -> list[schemas.WaitingPerson]:
    """The people waiting for a seat of the tool, in the order seats are given (see the module's docstring)."""
    info = get_tool(session, workspace_id, tool)
    holders = {seat.person_id for seat in repository.list_open_seats_of_tool(session, workspace_id, info.id)}
    entries: list[tuple[int, str, int | None, object]] = []
    seen: set[int] = set()
    for request in repository.list_waiting_requests(session, workspace_id, info.id):
        if request.person_id in holders or request.person_id in seen:
            continue
        seen.add(request.person_id)
        entries.append((request.person_id, "asked for a seat", request.id, request.requested_at))
    targeted: dict[int, date] = {}
    for use_case in catalog_service.list_use_cases(session, workspace_id, tool_slug=info.slug, limit=10_000)[
        0
    ]:
        for person_id, since in rollout_service.entitled_since(session, workspace_id, use_case.slug).items():
            if person_id not in targeted or since < targeted[person_id]:
                targeted[person_id] = since
    names = seats.HolderNames.of(session, workspace_id, [*seen, *targeted])
    rolled = sorted(
        (person_id for person_id in targeted if person_id not in holders and person_id not in seen),
        key=lambda person_id: (targeted[person_id], names.name(person_id) or "", person_id),
    )
    entries += [
        (person_id, "in a started rollout wave of the tool", None, targeted[person_id])
        for person_id in rolled
    ]
    return [
        schemas.WaitingPerson(
            position=position,
            person_id=person_id,
            person_name=names.name(person_id) or f"person {person_id}",
            why=why,
            request_id=request_id,
            since=since,
        )
        for position, (person_id, why, request_id, since) in enumerate(entries, start=1)
    ]
