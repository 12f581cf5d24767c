"""Every query of the seat ledger, scoped to one workspace."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from uptake.db import utcnow
from uptake.licences.models import (
    OPEN_REASSIGNMENT_STATUSES,
    Contract,
    Reassignment,
    ReassignmentStatus,
    Seat,
    SeatGroup,
    SeatPolicy,
    SeatRequest,
    SeatSource,
    WaitingStatus,
)

# ---------------------------------------------------------------- contracts


def get_contract(session: Session, workspace_id: int, contract_id: int) -> Contract | None:
    return session.scalar(
        select(Contract).where(Contract.workspace_id == workspace_id, Contract.id == contract_id)
    )


def list_contracts(session: Session, workspace_id: int, *, tool_id: int | None = None) -> list[Contract]:
    query = select(Contract).where(Contract.workspace_id == workspace_id)
    if tool_id is not None:
        query = query.where(Contract.tool_id == tool_id)
    return list(session.scalars(query.order_by(Contract.tool_id, Contract.starts_on, Contract.id)))


# ---------------------------------------------------------------- seats


def get_seat(session: Session, workspace_id: int, seat_id: int) -> Seat | None:
    return session.scalar(select(Seat).where(Seat.workspace_id == workspace_id, Seat.id == seat_id))


def _held_on(day: date) -> object:
    return (Seat.assigned_on <= day) & or_(Seat.released_on.is_(None), Seat.released_on > day)


def list_seats(
    session: Session,
    workspace_id: int,
    *,
    tool_id: int | None = None,
    held_on: date | None = None,
    open_only: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[Seat], int]:
    """Seats, newest assignment first; `held_on` keeps those held that day, `open_only` those not released."""
    query = select(Seat).where(Seat.workspace_id == workspace_id)
    if tool_id is not None:
        query = query.where(Seat.tool_id == tool_id)
    if held_on is not None:
        query = query.where(_held_on(held_on))  # type: ignore[arg-type]
    if open_only:
        query = query.where(Seat.released_on.is_(None))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(Seat.assigned_on.desc(), Seat.id.desc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), int(total)


def list_all_seats(session: Session, workspace_id: int) -> list[Seat]:
    """Every seat of the workspace, released ones included (what analytics' snapshot is made of)."""
    return list(session.scalars(select(Seat).where(Seat.workspace_id == workspace_id).order_by(Seat.id)))


def list_open_seats_of_account(session: Session, workspace_id: int, account: str) -> list[Seat]:
    """Every tool's unreleased seats held by a vendor account."""
    query = select(Seat).where(
        Seat.workspace_id == workspace_id, Seat.account == account, Seat.released_on.is_(None)
    )
    return list(session.scalars(query.order_by(Seat.id)))


def list_open_seats_of_tool(
    session: Session, workspace_id: int, tool_id: int, *, source: SeatSource | None = None
) -> list[Seat]:
    """The tool's seats not released (those assigned for a day still to come included)."""
    query = select(Seat).where(
        Seat.workspace_id == workspace_id, Seat.tool_id == tool_id, Seat.released_on.is_(None)
    )
    if source is not None:
        query = query.where(Seat.source == source)
    return list(session.scalars(query.order_by(Seat.id)))


BATCH_SIZE = 2000


def insert_seats(session: Session, workspace_id: int, rows: Sequence[dict[str, Any]]) -> None:
    """Write new seats in bulk, a statement per `BATCH_SIZE` (never one ORM object per seat)."""
    now = utcnow()
    for start in range(0, len(rows), BATCH_SIZE):
        batch = [
            {"workspace_id": workspace_id, "created_at": now, "updated_at": now, **row}
            for row in rows[start : start + BATCH_SIZE]
        ]
        session.execute(insert(Seat), batch)


def list_seats_of_person(session: Session, workspace_id: int, person_id: int) -> list[Seat]:
    return list(
        session.scalars(
            select(Seat)
            .where(Seat.workspace_id == workspace_id, Seat.person_id == person_id)
            .order_by(Seat.assigned_on.desc(), Seat.id.desc())
        )
    )


# ---------------------------------------------------------------- groups whose members hold seats


def get_seat_group(session: Session, workspace_id: int, tool_id: int) -> SeatGroup | None:
    return session.scalar(
        select(SeatGroup).where(SeatGroup.workspace_id == workspace_id, SeatGroup.tool_id == tool_id)
    )


def list_seat_groups(session: Session, workspace_id: int) -> list[SeatGroup]:
    return list(
        session.scalars(
            select(SeatGroup).where(SeatGroup.workspace_id == workspace_id).order_by(SeatGroup.tool_id)
        )
    )


def list_workspace_ids_with_seat_groups(session: Session) -> list[int]:
    """Every workspace with a tool whose seats follow a group (the caller opens the cross-workspace scope)."""
    return sorted({int(workspace_id) for workspace_id in session.scalars(select(SeatGroup.workspace_id))})


# ---------------------------------------------------------------- policies and the waiting list


def get_policy(session: Session, workspace_id: int, tool_id: int) -> SeatPolicy | None:
    return session.scalar(
        select(SeatPolicy).where(SeatPolicy.workspace_id == workspace_id, SeatPolicy.tool_id == tool_id)
    )


def list_enabled_policies(session: Session, workspace_id: int) -> list[SeatPolicy]:
    return list(
        session.scalars(
            select(SeatPolicy)
            .where(SeatPolicy.workspace_id == workspace_id, SeatPolicy.is_enabled.is_(True))
            .order_by(SeatPolicy.tool_id)
        )
    )


def list_workspace_ids_with_policies(session: Session) -> list[int]:
    """Every workspace with an enabled idle-seat policy (the caller opens the cross-workspace scope)."""
    return sorted(
        {
            int(workspace_id)
            for workspace_id in session.scalars(
                select(SeatPolicy.workspace_id).where(SeatPolicy.is_enabled.is_(True))
            )
        }
    )


def get_request(session: Session, workspace_id: int, request_id: int) -> SeatRequest | None:
    return session.scalar(
        select(SeatRequest).where(SeatRequest.workspace_id == workspace_id, SeatRequest.id == request_id)
    )


def list_waiting_requests(session: Session, workspace_id: int, tool_id: int) -> list[SeatRequest]:
    """The tool's open requests, oldest first (the waiting list's own order)."""
    return list(
        session.scalars(
            select(SeatRequest)
            .where(
                SeatRequest.workspace_id == workspace_id,
                SeatRequest.tool_id == tool_id,
                SeatRequest.status == WaitingStatus.waiting,
            )
            .order_by(SeatRequest.requested_at, SeatRequest.id)
        )
    )


def list_requests_of_person(session: Session, workspace_id: int, person_id: int) -> list[SeatRequest]:
    return list(
        session.scalars(
            select(SeatRequest)
            .where(SeatRequest.workspace_id == workspace_id, SeatRequest.person_id == person_id)
            .order_by(SeatRequest.requested_at.desc(), SeatRequest.id.desc())
        )
    )


# ---------------------------------------------------------------- reassignments


def get_reassignment(session: Session, workspace_id: int, reassignment_id: int) -> Reassignment | None:
    return session.scalar(
        select(Reassignment).where(
            Reassignment.workspace_id == workspace_id, Reassignment.id == reassignment_id
        )
    )


def list_reassignments(
    session: Session,
    workspace_id: int,
    *,
    tool_id: int | None = None,
    statuses: Collection[ReassignmentStatus] | None = None,
    limit: int = 200,
) -> list[Reassignment]:
    query = select(Reassignment).where(Reassignment.workspace_id == workspace_id)
    if tool_id is not None:
        query = query.where(Reassignment.tool_id == tool_id)
    if statuses is not None:
        query = query.where(Reassignment.status.in_(list(statuses)))
    return list(
        session.scalars(query.order_by(Reassignment.proposed_at.desc(), Reassignment.id.desc()).limit(limit))
    )


def list_open_reassignments(session: Session, workspace_id: int, tool_id: int) -> list[Reassignment]:
    return list(
        session.scalars(
            select(Reassignment)
            .where(
                Reassignment.workspace_id == workspace_id,
                Reassignment.tool_id == tool_id,
                Reassignment.status.in_(list(OPEN_REASSIGNMENT_STATUSES)),
            )
            .order_by(Reassignment.id)
        )
    )


def last_closed_on_by_seat(session: Session, workspace_id: int, seat_ids: Collection[int]) -> dict[int, date]:
    """Each seat's latest closed reassignment day (a kept or dismissed seat starts its idle count again)."""
    if not seat_ids:
        return {}
    rows = session.execute(
        select(Reassignment.seat_id, func.max(Reassignment.closed_on))
        .where(
            Reassignment.workspace_id == workspace_id,
            Reassignment.seat_id.in_(list(seat_ids)),
            Reassignment.closed_on.is_not(None),
        )
        .group_by(Reassignment.seat_id)
    )
    return {int(seat_id): closed for seat_id, closed in rows if closed is not None}
