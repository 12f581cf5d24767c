"""Seats: given and released by hand, and the sync that replaces one source's seats of a tool with what the
source lists today; and the seats and contracts as analytics reads them. It stays whole: the rules below hold
for seats given by hand, by a sync and as analytics reads them alike.

Rules:
- A holder (a person, or a vendor account) holds at most one unreleased seat of a tool.
- A seat is held from `assigned_on` until the day before `released_on`: released on the day it was
  assigned, it was never held.
- `sync_seats` only touches the seats of its own source: a seat given by hand survives a GitHub sync. Run
  twice with the same list it changes nothing.
- Every change is audited; analytics reads the ledger through `snapshot_rows` (seats and contracts, pushed
  by `publish_ledger` after each change).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.directory.service import people as people_service
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound
from uptake.licences import repository, schemas
from uptake.licences.contracts import current_contract
from uptake.licences.models import Contract, Seat, SeatSource
from uptake.licences.tools import ToolInfo, get_tool, today_in, tools_by_id
from uptake.telemetry import service as telemetry_service

EARLIEST_DAY = date(1970, 1, 1)
NO_CURRENCY = "XXX"  # ISO 4217's code for "no currency": a tool with seats but no price


class SeatNotFound(NotFound):
    title = "There is no such seat in this workspace."


class SeatAlreadyHeld(Conflict):
    title = "This holder already has a seat of this tool."


class SeatAlreadyReleased(Conflict):
    title = "This seat was released already."


class HolderNotFound(InvalidInput):
    title = "The seat's holder is not in the directory."


@dataclass(frozen=True)
class HolderNames:
    """The directory's names for the holders of a page of seats."""

    names: dict[int, tuple[str, str]]  # person id -> (display name, email)

    @classmethod
    def of(cls, session: Session, workspace_id: int, person_ids: Sequence[int]) -> HolderNames:
        people = people_service.list_people_by_ids(session, workspace_id, sorted(set(person_ids)))
        return cls({person.id: (person.display_name, person.email) for person in people})

    def name(self, person_id: int | None) -> str | None:
        return self.names[person_id][0] if person_id in self.names else None

    def email(self, person_id: int | None) -> str | None:
        return self.names[person_id][1] if person_id in self.names else None


def seat_output(seat: Seat, tool_slug: str, names: HolderNames) -> schemas.Seat:
    return schemas.Seat(
        id=seat.id,
        tool=tool_slug,
        person_id=seat.person_id,
        person_name=names.name(seat.person_id),
        person_email=names.email(seat.person_id),
        account=seat.account,
        source=seat.source,
        assigned_on=seat.assigned_on,
        released_on=seat.released_on,
        note=seat.note,
    )


def find_person_id(session: Session, workspace_id: int, key: str) -> int | None:
    """The directory person named by an email or an external id."""
    key = key.strip()
    person = people_service.get_person_by_email(session, workspace_id, key.lower())
    if person is None:
        person = people_service.get_person_by_external_id(session, workspace_id, key)
    return person.id if person is not None else None


def _seat_audit(seat: Seat, tool_slug: str) -> dict[str, Any]:
    return {
        "tool": tool_slug,
        "person_id": seat.person_id,
        "account": seat.account,
        "source": seat.source.value,
        "assigned_on": seat.assigned_on.isoformat(),
        "released_on": seat.released_on.isoformat() if seat.released_on else None,
    }


def _holds_already(open_seats: Sequence[Seat], person_id: int | None, account: str | None) -> Seat | None:
    for seat in open_seats:
        if person_id is not None and seat.person_id == person_id:
            return seat
        if account is not None and seat.account == account:
            return seat
    return None


def give_seat(
    session: Session,
    workspace_id: int,
    tool: ToolInfo,
    *,
    person_id: int | None,
    account: str | None,
    assigned_on: date,
    source: SeatSource,
    actor: str,
    note: str = "",
    audit: bool = True,
) -> Seat:
    """Record a new seat of `tool`; SeatAlreadyHeld when the holder has an unreleased one."""
    existing = _holds_already(
        repository.list_open_seats_of_tool(session, workspace_id, tool.id), person_id, account
    )
    if existing is not None:
        raise SeatAlreadyHeld(
            f"the holder has seat {existing.id} of {tool.slug} since {existing.assigned_on}",
            seat_id=existing.id,
        )
    seat = Seat(
        workspace_id=workspace_id,
        tool_id=tool.id,
        person_id=person_id,
        account=account,
        source=source,
        assigned_on=assigned_on,
        note=note,
    )
    session.add(seat)
    session.flush()
    if audit:
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=actor,
            action="licences.seat.assigned",
            target=f"seat:{seat.id}",
            after=_seat_audit(seat, tool.slug),
        )
    return seat


def assign_seat(
    session: Session, workspace_id: int, body: schemas.SeatCreate, *, actor: str, today: date | None = None
) -> schemas.Seat:
    """Give a seat by hand (source `manual`), dated `assigned_on` (default: today)."""
    tool = get_tool(session, workspace_id, body.tool)
    person_id = None
    if body.person is not None:
        person_id = find_person_id(session, workspace_id, body.person)
        if person_id is None:
            raise HolderNotFound(
                errors=[FieldError("person", f"no person with email or external id {body.person!r}")]
            )
    seat = give_seat(
        session,
        workspace_id,
        tool,
        person_id=person_id,
        account=body.account,
        assigned_on=body.assigned_on or today or today_in(session, workspace_id),
        source=SeatSource.manual,
        actor=actor,
        note=body.note,
    )
    return seat_output(
        seat, tool.slug, HolderNames.of(session, workspace_id, [person_id] if person_id else [])
    )


def get_seat(session: Session, workspace_id: int, seat_id: int) -> Seat:
    seat = repository.get_seat(session, workspace_id, seat_id)
    if seat is None:
        raise SeatNotFound(f"no seat {seat_id}", seat_id=seat_id)
    return seat


def end_seat(
    session: Session, workspace_id: int, seat: Seat, released_on: date, *, actor: str, audit: bool = True
) -> None:
    """Release a seat on a day (not held from then on)."""
    if seat.released_on is not None:
        raise SeatAlreadyReleased(f"seat {seat.id} was released on {seat.released_on}", seat_id=seat.id)
    if released_on < seat.assigned_on:
        raise InvalidInput(
            errors=[
                FieldError("released_on", f"must not be before the seat was assigned ({seat.assigned_on})")
            ]
        )
    seat.released_on = released_on
    session.flush()
    if audit:
        slug = tools_by_id(session, workspace_id)[seat.tool_id].slug
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=actor,
            action="licences.seat.released",
            target=f"seat:{seat.id}",
            after=_seat_audit(seat, slug),
        )


def release_seat(
    session: Session,
    workspace_id: int,
    seat_id: int,
    body: schemas.SeatRelease,
    *,
    actor: str,
    today: date | None = None,
) -> schemas.Seat:
    seat = get_seat(session, workspace_id, seat_id)
    end_seat(
        session, workspace_id, seat, body.released_on or today or today_in(session, workspace_id), actor=actor
    )
    slug = tools_by_id(session, workspace_id)[seat.tool_id].slug
    return seat_output(
        seat, slug, HolderNames.of(session, workspace_id, [seat.person_id] if seat.person_id else [])
    )


def list_seats(
    session: Session,
    workspace_id: int,
    *,
    tool: str | None = None,
    held_on: date | None = None,
    limit: int = 100,
    offset: int = 0,
) -> schemas.SeatPage:
    tools = tools_by_id(session, workspace_id)
    tool_id = get_tool(session, workspace_id, tool).id if tool is not None else None
    seats, total = repository.list_seats(
        session, workspace_id, tool_id=tool_id, held_on=held_on, limit=limit, offset=offset
    )
    names = HolderNames.of(session, workspace_id, [seat.person_id for seat in seats if seat.person_id])
    return schemas.SeatPage(
        items=[seat_output(seat, tools[seat.tool_id].slug, names) for seat in seats],
        total=total,
        limit=limit,
        offset=offset,
    )


def list_seats_of_person(session: Session, workspace_id: int, person_id: int) -> list[schemas.Seat]:
    """The person's seats, released ones too, newest first."""
    tools = tools_by_id(session, workspace_id)
    names = HolderNames.of(session, workspace_id, [person_id])
    return [
        seat_output(seat, tools[seat.tool_id].slug, names)
        for seat in repository.list_seats_of_person(session, workspace_id, person_id)
    ]


# ---------------------------------------------------------------- the sync one source makes


def _check_holders(
    session: Session, workspace_id: int, holders: Sequence[schemas.SeatHolder]
) -> list[schemas.SeatHolder]:
    """The holders with duplicates (same person or account) dropped; unknown person ids refused. Reads the
    directory once, whatever the number of holders (a vendor lists tens of thousands)."""
    wanted = {holder.person_id for holder in holders if holder.person_id is not None}
    known = (
        {person.id for person in people_service.person_snapshots(session, workspace_id)} if wanted else set()
    )
    errors = [
        FieldError(f"holders[{index}].person_id", f"person {holder.person_id} is not in the directory")
        for index, holder in enumerate(holders)
        if holder.person_id is not None and holder.person_id not in known
    ]
    if errors:
        raise HolderNotFound("some seat holders are not in the directory", errors=errors[:100])
    seen_people: set[int] = set()
    seen_accounts: set[str] = set()
    distinct = []
    for holder in holders:
        if (holder.person_id is not None and holder.person_id in seen_people) or (
            holder.account is not None and holder.account in seen_accounts
        ):
            continue
        if holder.person_id is not None:
            seen_people.add(holder.person_id)
        if holder.account is not None:
            seen_accounts.add(holder.account)
        distinct.append(holder)
    return distinct


class _SeatIndex:
    """Unreleased seats found by person or by account, each at most once."""

    def __init__(self, seats: Sequence[Seat]) -> None:
        self.by_person = {seat.person_id: seat for seat in seats if seat.person_id is not None}
        self.by_account = {seat.account: seat for seat in seats if seat.account is not None}

    def find(self, person_id: int | None, account: str | None) -> Seat | None:
        seat = self.by_person.get(person_id) if person_id is not None else None
        if seat is None and account is not None:
            seat = self.by_account.get(account)
        return seat

    def take(self, seat: Seat) -> None:
        if seat.person_id is not None:
            self.by_person.pop(seat.person_id, None)
        if seat.account is not None:
            self.by_account.pop(seat.account, None)


def sync_seats(
    session: Session,
    workspace_id: int,
    *,
    tool: str,
    source: SeatSource,
    as_of: date,
    holders: Sequence[schemas.SeatHolder],
    actor: str,
) -> schemas.SeatSyncReport:
    """Make the tool's seats from `source` be exactly `holders` on day `as_of`.

    A holder without an unreleased seat of the tool gets one (from its `assigned_on`, else `as_of`); a seat of
    this source whose holder is no longer listed is released on `as_of`; a seat whose holder is listed stays,
    and gains the person or account the source now names. A holder who already holds a seat of the tool from
    another source keeps that one. Seats of other sources are never touched; the same list twice changes
    nothing. One audit entry records the counts of a sync that changed something. New seats are written in
    one bulk statement per 2,000.
    """
    info = get_tool(session, workspace_id, tool)
    wanted = _check_holders(session, workspace_id, holders)
    open_seats = repository.list_open_seats_of_tool(session, workspace_id, info.id)
    own = _SeatIndex([seat for seat in open_seats if seat.source == source])
    others = _SeatIndex([seat for seat in open_seats if seat.source != source])
    matched: set[int] = set()
    new_rows: list[dict[str, Any]] = []
    updated = unchanged = 0
    for holder in wanted:
        seat = own.find(holder.person_id, holder.account)
        if seat is not None:
            own.take(seat)
            matched.add(seat.id)
            changed = False
            if holder.person_id is not None and seat.person_id != holder.person_id:
                seat.person_id = holder.person_id
                changed = True
            if holder.account is not None and seat.account != holder.account:
                seat.account = holder.account
                changed = True
            if holder.assigned_on is not None and holder.assigned_on < seat.assigned_on:
                seat.assigned_on = holder.assigned_on
                changed = True
            updated += changed
            unchanged += not changed
        elif others.find(holder.person_id, holder.account) is not None:
            unchanged += 1
        else:
            new_rows.append(
                {
                    "tool_id": info.id,
                    "person_id": holder.person_id,
                    "account": holder.account,
                    "source": source,
                    "assigned_on": holder.assigned_on or as_of,
                    "note": "",
                }
            )
    released = 0
    for seat in open_seats:
        if seat.source == source and seat.id not in matched:
            seat.released_on = max(as_of, seat.assigned_on)
            released += 1
    session.flush()
    repository.insert_seats(session, workspace_id, new_rows)
    report = schemas.SeatSyncReport(
        tool=info.slug,
        source=source,
        as_of=as_of,
        assigned=len(new_rows),
        released=released,
        updated=updated,
        unchanged=unchanged,
    )
    if new_rows or released or updated:
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=actor,
            action="licences.seats.synced",
            target=f"tool:{info.id}",
            after=report.model_dump(mode="json"),
        )
    return report


def link_account_seats(
    session: Session, workspace_id: int, *, account: str, person_id: int, actor: str
) -> int:
    """Set the person on the unreleased seats `account` holds without one."""
    account = account.strip().lower()
    changed = 0
    for seat in repository.list_open_seats_of_account(session, workspace_id, account):
        if seat.person_id is None:
            seat.person_id = person_id
            changed += 1
            audit_service.record_audit_entry(
                session,
                workspace_id,
                actor=actor,
                action="licences.seat.linked",
                target=f"seat:{seat.id}",
                after={"account": account, "person_id": person_id},
            )
    session.flush()
    return changed


def unlinked_accounts(session: Session, workspace_id: int, tool: str) -> list[str]:
    info = get_tool(session, workspace_id, tool)
    return sorted(
        seat.account
        for seat in repository.list_open_seats_of_tool(session, workspace_id, info.id)
        if seat.person_id is None and seat.account is not None
    )


# ---------------------------------------------------------------- what analytics reads


def _pseudonyms(session: Session, workspace_id: int, seats: Sequence[Seat]) -> dict[int, str]:
    """Each seat's holder as the events name them: the person's pseudonym, else the vendor account's (the
    account's events carry it until the account is linked to a person, and both move together then)."""
    key = telemetry_service.pseudonym_key(session, workspace_id)
    people = people_service.person_snapshots(session, workspace_id)
    external_ids = {person.id: person.external_id for person in people}
    known = {person.email.lower(): person.external_id for person in people}
    known.update({person.external_id.strip().lower(): person.external_id for person in people})
    pseudonyms = {}
    for seat in seats:
        if seat.person_id is not None and seat.person_id in external_ids:
            identifier = external_ids[seat.person_id]
        elif seat.account is not None:
            identifier = known.get(seat.account.lower(), seat.account)
        else:
            continue
        pseudonyms[seat.id] = telemetry_service.pseudonymize_person(key, identifier)
    return pseudonyms


def seat_pseudonyms(session: Session, workspace_id: int, tool_id: int) -> dict[int, str]:
    """Seat id → its holder's pseudonym, for the tool's unreleased seats."""
    return _pseudonyms(
        session, workspace_id, repository.list_open_seats_of_tool(session, workspace_id, tool_id)
    )


def snapshot_rows(session: Session, workspace_id: int) -> dict[str, list[dict[str, Any]]]:
    """The `seats` and `contracts` snapshots (see `uptake.analytics.snapshots`).

    A seat costs its tool's monthly price per seat under the contract in force today, else the catalog's
    cost per seat. A tool with seats or a catalog price but no contract gets one row from the catalog
    (seats purchased, renewal day, price), in force since 1970-01-01.
    """
    tools = tools_by_id(session, workspace_id)
    today = today_in(session, workspace_id)
    seats = repository.list_all_seats(session, workspace_id)
    contracts = repository.list_contracts(session, workspace_id)
    by_tool: dict[int, list[Contract]] = {}
    for contract in contracts:
        by_tool.setdefault(contract.tool_id, []).append(contract)
    contract_rows: list[dict[str, Any]] = [
        {
            "workspace_id": workspace_id,
            "tool": tools[contract.tool_id].slug,
            "start_day": contract.starts_on,
            "renewal_day": contract.renews_on,
            "seats_purchased": contract.seats_purchased,
            "monthly_price_per_seat": contract.monthly_price_per_seat,
            "currency": contract.currency,
        }
        for contract in contracts
    ]
    seat_tools = {seat.tool_id for seat in seats}
    for tool in tools.values():
        if tool.id in by_tool or (tool.id not in seat_tools and tool.seats_purchased is None):
            continue
        contract_rows.append(
            {
                "workspace_id": workspace_id,
                "tool": tool.slug,
                "start_day": EARLIEST_DAY,
                "renewal_day": tool.contract_renewal_on,
                "seats_purchased": tool.seats_purchased,
                "monthly_price_per_seat": tool.cost_per_seat_month,
                "currency": tool.currency if tool.cost_per_seat_month is not None else NO_CURRENCY,
            }
        )
    monthly_cost: dict[int, float] = {}
    for tool in tools.values():
        tool_contracts = by_tool.get(tool.id, [])
        in_force = current_contract(tool_contracts, today) or min(
            tool_contracts, key=lambda contract: contract.starts_on, default=None
        )
        monthly_cost[tool.id] = (
            in_force.monthly_price_per_seat
            if in_force is not None
            else float(tool.cost_per_seat_month or 0.0)
        )
    pseudonyms = _pseudonyms(session, workspace_id, seats)
    seat_rows = [
        {
            "workspace_id": workspace_id,
            "tool": tools[seat.tool_id].slug,
            "person": pseudonyms[seat.id],
            "start_day": seat.assigned_on,
            "end_day": seat.released_on,
            "monthly_cost": monthly_cost[seat.tool_id],
        }
        for seat in seats
        if seat.id in pseudonyms and seat.tool_id in tools
    ]
    return {"seats": seat_rows, "contracts": contract_rows}


def publish_ledger(session: Session, workspace_id: int, analytics: analytics_service.Analytics) -> None:
    """Push the ledger's seats and contracts to analytics (after every change to them)."""
    session.flush()
    for name, rows in snapshot_rows(session, workspace_id).items():
        analytics.write_snapshot(name, rows, workspace_id=workspace_id)
