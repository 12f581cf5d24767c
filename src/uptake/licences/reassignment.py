"""The reassignment queue: idle seats go back to the pool and on to the people waiting, one audited step at a
time. It stays whole: the queue's steps are one state machine, read top to bottom; the policies and the
waiting list live in `policies.py` and `waiting_list.py`.

A tool's policy (`SeatPolicy`) says when a seat is idle: not used for `idle_days` (counted from the later of its
holder's last engaged event with the tool, the day it was assigned, and the day an earlier reassignment of it
closed). Each idle seat becomes a reassignment that moves through these steps:

    notice proposed → notice sent (the holder is asked "keep it? use it or it goes back"; the grace period runs)
      → release proposed (grace over, still unused) → released → assignment proposed (the first person waiting)
      → assigned
    any step before the release → kept (the holder used the tool, or said to keep it) or dismissed (by an owner)

A `…_proposed` step waits for a licence owner (the tool's owner in the catalog; an admin; a program lead when
the tool has no owner) unless the policy is automatic, when the queue runs it at once. Every step is audited and
tells the people concerned through the outbox. Releasing and giving a seat call the vendor through a
`SeatAdministrator` where there is one (GitHub's API, see `github_seats.py`); for other tools uptake records the
decision and says what to do in the vendor's admin console (`vendor_note`).

The next holder is the first person on the tool's waiting list (`waiting_list.py` says its order).

Longer than the house's ~500 lines on purpose: a reassignment's life (propose, notify, keep, release, assign,
and the owner's and the holder's decisions between them) is one story read top to bottom; the policy and the
waiting list it reads live in `policies.py` and `waiting_list.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.auth import service as auth_service
from uptake.comms.service import notifications as notifications_service
from uptake.db import utcnow
from uptake.errors import Conflict, Forbidden, NotFound, UptakeError
from uptake.licences import repository, schemas, seats, waiting_list
from uptake.licences.models import (
    OPEN_REASSIGNMENT_STATUSES,
    Reassignment,
    ReassignmentStatus,
    Seat,
    SeatPolicy,
    SeatSource,
    WaitingStatus,
)
from uptake.licences.tools import ToolInfo, get_tool, today_in, tools_by_id

CATEGORY = "licences"
PROPOSED = frozenset(
    {
        ReassignmentStatus.notice_proposed,
        ReassignmentStatus.release_proposed,
        ReassignmentStatus.assignment_proposed,
    }
)
BEFORE_RELEASE = frozenset(
    {ReassignmentStatus.notice_proposed, ReassignmentStatus.notice_sent, ReassignmentStatus.release_proposed}
)


class SeatAdministrator(Protocol):
    """A vendor's seat administration for one tool: cancel and give seats by vendor account."""

    vendor: str

    def release(self, account: str) -> str: ...

    def assign(self, account: str) -> str: ...

    def account_of(self, person_id: int) -> str | None: ...


SeatAdministrators = Callable[[Session, int, str], SeatAdministrator | None]
"""(session, workspace id, tool slug) → the tool's seat administrator, or None: uptake records and explains."""


def no_seat_administrators(session: Session, workspace_id: int, tool: str) -> SeatAdministrator | None:
    """No vendor is called: every release and assignment is recorded, with what to do in the admin console."""
    return None


class ReassignmentNotFound(NotFound):
    title = "There is no such reassignment in this workspace."


class NothingToApprove(Conflict):
    title = "This reassignment does not wait for a decision."


class NotALicenceOwner(Forbidden):
    title = "Only the tool's licence owner (or an admin) decides about its seats."


class NotTheHolder(Forbidden):
    title = "Only the seat's holder can keep it."


# ---------------------------------------------------------------- reading the queue


def reassignment_output(
    reassignment: Reassignment, seat: Seat | None, tool: ToolInfo, names: seats.HolderNames
) -> schemas.Reassignment:
    holder = seat.person_id if seat is not None else None
    return schemas.Reassignment(
        id=reassignment.id,
        tool=tool.slug,
        seat_id=reassignment.seat_id,
        holder_person_id=holder,
        holder_name=names.name(holder),
        holder_account=seat.account if seat is not None else None,
        status=reassignment.status,
        waits_for_approval=reassignment.status in PROPOSED,
        last_used_on=reassignment.last_used_on,
        idle_days=reassignment.idle_days,
        grace_days=reassignment.grace_days,
        proposed_at=reassignment.proposed_at,
        notified_on=reassignment.notified_on,
        grace_ends_on=reassignment.grace_ends_on,
        released_on=reassignment.released_on,
        next_person_id=reassignment.next_person_id,
        next_person_name=names.name(reassignment.next_person_id),
        vendor_note=reassignment.vendor_note,
        last_error=reassignment.last_error,
        closed_on=reassignment.closed_on,
    )


def list_reassignments(
    session: Session, workspace_id: int, *, tool: str | None = None, open_only: bool = False
) -> list[schemas.Reassignment]:
    tools = tools_by_id(session, workspace_id)
    tool_id = get_tool(session, workspace_id, tool).id if tool is not None else None
    found = repository.list_reassignments(
        session, workspace_id, tool_id=tool_id, statuses=OPEN_REASSIGNMENT_STATUSES if open_only else None
    )
    seat_of = {item.seat_id: repository.get_seat(session, workspace_id, item.seat_id) for item in found}
    people = [seat.person_id for seat in seat_of.values() if seat is not None and seat.person_id]
    names = seats.HolderNames.of(
        session, workspace_id, people + [item.next_person_id for item in found if item.next_person_id]
    )
    return [reassignment_output(item, seat_of[item.seat_id], tools[item.tool_id], names) for item in found]


def get_reassignment(session: Session, workspace_id: int, reassignment_id: int) -> Reassignment:
    found = repository.get_reassignment(session, workspace_id, reassignment_id)
    if found is None:
        raise ReassignmentNotFound(f"no reassignment {reassignment_id}", reassignment_id=reassignment_id)
    return found


def describe(session: Session, workspace_id: int, reassignment: Reassignment) -> schemas.Reassignment:
    seat = repository.get_seat(session, workspace_id, reassignment.seat_id)
    tool = tools_by_id(session, workspace_id)[reassignment.tool_id]
    people = [person for person in (seat.person_id if seat else None, reassignment.next_person_id) if person]
    return reassignment_output(reassignment, seat, tool, seats.HolderNames.of(session, workspace_id, people))


# ---------------------------------------------------------------- the steps


@dataclass
class QueueContext:
    """What a run of the queue (or one owner's decision) works with."""

    session: Session
    workspace_id: int
    today: date
    actor: str
    administrators: SeatAdministrators
    last_use: dict[int, date | None]  # seat id → its holder's last engaged day with the tool (None: never)


def _audit(context: QueueContext, reassignment: Reassignment, action: str, **after: object) -> None:
    audit_service.record_audit_entry(
        context.session,
        context.workspace_id,
        actor=context.actor,
        action=f"licences.reassignment.{action}",
        target=f"reassignment:{reassignment.id}",
        after={"seat_id": reassignment.seat_id, "status": reassignment.status.value, **after},
    )


def licence_owner_ids(session: Session, workspace_id: int, tool: ToolInfo) -> list[int]:
    """Who decides about the tool's seats: its owner in the catalog, else the workspace's program leads and
    admins."""
    if tool.owner_id is not None:
        return [tool.owner_id]
    deciders = {Role.program_lead.value, Role.admin.value}
    return [
        user.person_id
        for user in auth_service.list_users(session, workspace_id)
        if user.is_active and deciders & {*user.roles, *user.idp_roles}
    ]


def may_decide(caller: Principal, tool: ToolInfo) -> bool:
    """A licence owner: an admin, the tool's owner, or (for a tool without owner) a program lead."""
    if caller.has_role(Role.admin):
        return True
    if tool.owner_id is not None:
        return caller.person_id == tool.owner_id
    return caller.has_role(Role.program_lead)


def _notify(
    context: QueueContext, person_ids: Sequence[int | None], subject: str, body: str, key: str
) -> None:
    wanted = [person_id for person_id in person_ids if person_id is not None]
    if wanted:
        notifications_service.enqueue_notification(
            context.session,
            context.workspace_id,
            person_ids=wanted,
            subject=subject,
            body_markdown=body,
            category=CATEGORY,
            link="/licences/my-seats",
            dedupe_key=key,
        )


def _holder_label(session: Session, workspace_id: int, seat: Seat) -> str:
    name = seats.HolderNames.of(session, workspace_id, [seat.person_id] if seat.person_id else []).name(
        seat.person_id
    )
    return name or seat.account or f"seat {seat.id}"


def send_notice(context: QueueContext, reassignment: Reassignment, tool: ToolInfo) -> None:
    seat = seats.get_seat(context.session, context.workspace_id, reassignment.seat_id)
    reassignment.status = ReassignmentStatus.notice_sent
    reassignment.notified_on = context.today
    reassignment.grace_ends_on = context.today + timedelta(days=reassignment.grace_days)
    context.session.flush()
    since = reassignment.last_used_on.isoformat() if reassignment.last_used_on else "it was given to you"
    _notify(
        context,
        [seat.person_id],
        f"Your {tool.name} seat: keep it?",
        f"You have not used {tool.name} since {since}. Use it, or keep it on the page below, before "
        f"{reassignment.grace_ends_on.isoformat()}; otherwise the seat goes back to the pool for someone who "
        "is waiting for one.",
        f"licences:notice:{reassignment.id}",
    )
    _audit(context, reassignment, "notice_sent", grace_ends_on=reassignment.grace_ends_on.isoformat())


def _vendor_account(context: QueueContext, administrator: SeatAdministrator, seat: Seat) -> str | None:
    if seat.account:
        return seat.account
    return administrator.account_of(seat.person_id) if seat.person_id is not None else None


def _fail(context: QueueContext, reassignment: Reassignment, tool: ToolInfo, step: str, error: str) -> None:
    reassignment.last_error = error
    context.session.flush()
    _audit(context, reassignment, "vendor_failed", step=step, error=error)
    owners = licence_owner_ids(context.session, context.workspace_id, tool)
    _notify(
        context,
        owners,
        f"{tool.name}: a seat change failed",
        f"uptake could not {step} seat {reassignment.seat_id}: {error}",
        f"licences:failed:{reassignment.id}:{step}:{context.today.isoformat()}",
    )


def release(context: QueueContext, reassignment: Reassignment, tool: ToolInfo) -> bool:
    """Release the seat (at the vendor where uptake can); False when the vendor refused."""
    seat = seats.get_seat(context.session, context.workspace_id, reassignment.seat_id)
    administrator = context.administrators(context.session, context.workspace_id, tool.slug)
    holder = _holder_label(context.session, context.workspace_id, seat)
    if administrator is not None:
        account = _vendor_account(context, administrator, seat)
        if account is None:
            _fail(
                context,
                reassignment,
                tool,
                "release",
                f"no {administrator.vendor} account is known for {holder}",
            )
            return False
        try:
            note = administrator.release(account)
        except UptakeError as error:
            _fail(context, reassignment, tool, "release", error.detail)
            return False
    else:
        note = f"Remove {holder}'s seat of {tool.name} in the vendor's admin console: uptake recorded the release."
    if seat.released_on is None:
        seats.end_seat(
            context.session, context.workspace_id, seat, context.today, actor=context.actor, audit=False
        )
    reassignment.status = ReassignmentStatus.released
    reassignment.released_on = context.today
    reassignment.vendor_note = note
    reassignment.last_error = None
    context.session.flush()
    _notify(
        context,
        [seat.person_id],
        f"Your {tool.name} seat went back to the pool",
        f"Your seat of {tool.name} was released on {context.today.isoformat()} after {reassignment.grace_days} "
        "days' notice. Ask for one again whenever you need it.",
        f"licences:released:{reassignment.id}",
    )
    _audit(context, reassignment, "released", vendor_note=note)
    return True


def propose_assignment(context: QueueContext, reassignment: Reassignment, tool: ToolInfo) -> bool:
    """Name the first person waiting as the seat's next holder; False when nobody waits."""
    waiting = waiting_list.waiting_list(context.session, context.workspace_id, tool.slug)
    if not waiting:
        return False
    first = waiting[0]
    reassignment.status = ReassignmentStatus.assignment_proposed
    reassignment.next_person_id = first.person_id
    reassignment.next_request_id = first.request_id
    context.session.flush()
    _audit(context, reassignment, "assignment_proposed", next_person_id=first.person_id, why=first.why)
    return True


def assign(context: QueueContext, reassignment: Reassignment, tool: ToolInfo) -> str:
    """Give the released seat to the proposed person (at the vendor where uptake can): `assigned`, `failed` when
    the vendor refused, or `withdrawn` when they got a seat meanwhile (the next person waiting is proposed)."""
    person_id = reassignment.next_person_id
    if person_id is None:
        raise NothingToApprove("no next holder is proposed")
    held = repository.list_open_seats_of_tool(context.session, context.workspace_id, tool.id)
    if any(seat.person_id == person_id for seat in held):
        # They got a seat meanwhile (by hand, a sync or a group): the next person waiting is proposed instead.
        reassignment.status = ReassignmentStatus.released
        reassignment.next_person_id = None
        reassignment.next_request_id = None
        context.session.flush()
        _audit(
            context, reassignment, "assignment_withdrawn", person_id=person_id, reason="holds a seat already"
        )
        propose_assignment(context, reassignment, tool)
        return "withdrawn"
    request = (
        repository.get_request(context.session, context.workspace_id, reassignment.next_request_id)
        if reassignment.next_request_id is not None
        else None
    )
    administrator = context.administrators(context.session, context.workspace_id, tool.slug)
    name = (
        seats.HolderNames.of(context.session, context.workspace_id, [person_id]).name(person_id)
        or f"person {person_id}"
    )
    account = request.account if request is not None else None
    if administrator is not None:
        account = account or administrator.account_of(person_id)
        if account is None:
            _fail(
                context,
                reassignment,
                tool,
                "assign",
                f"no {administrator.vendor} account is known for {name}",
            )
            return "failed"
        try:
            note = administrator.assign(account)
        except UptakeError as error:
            _fail(context, reassignment, tool, "assign", error.detail)
            return "failed"
        source = SeatSource.github if administrator.vendor == "GitHub" else SeatSource.manual
    else:
        note = f"Give {name} a seat of {tool.name} in the vendor's admin console: uptake recorded it."
        source = SeatSource.manual
    seat = seats.give_seat(
        context.session,
        context.workspace_id,
        tool,
        person_id=person_id,
        account=account,
        assigned_on=context.today,
        source=source,
        actor=context.actor,
        note=f"reassignment {reassignment.id}",
        audit=False,
    )
    if request is not None:
        request.status = WaitingStatus.fulfilled
        request.closed_at = utcnow()
        request.seat_id = seat.id
    reassignment.status = ReassignmentStatus.assigned
    reassignment.new_seat_id = seat.id
    reassignment.closed_on = context.today
    reassignment.vendor_note = "\n".join(part for part in (reassignment.vendor_note, note) if part)
    reassignment.last_error = None
    context.session.flush()
    _notify(
        context,
        [person_id],
        f"You have a {tool.name} seat",
        f"A seat of {tool.name} is yours from {context.today.isoformat()}.",
        f"licences:assigned:{reassignment.id}",
    )
    _audit(context, reassignment, "assigned", next_person_id=person_id, new_seat_id=seat.id, vendor_note=note)
    return "assigned"


def _close(
    context: QueueContext, reassignment: Reassignment, status: ReassignmentStatus, **why: object
) -> None:
    reassignment.status = status
    reassignment.closed_on = context.today
    context.session.flush()
    _audit(context, reassignment, status.value, **why)


def _used_since(context: QueueContext, reassignment: Reassignment) -> bool:
    last = context.last_use.get(reassignment.seat_id)
    mark = reassignment.notified_on or (reassignment.last_used_on or date.min)
    return last is not None and (last >= mark if reassignment.notified_on else last > mark)


def advance(
    context: QueueContext, reassignment: Reassignment, tool: ToolInfo, policy: SeatPolicy | None
) -> list[str]:
    """Take one reassignment as far as the policy lets it go today; the steps taken, in order."""
    automatic = policy is not None and policy.is_automatic
    taken: list[str] = []
    if reassignment.status in BEFORE_RELEASE and _used_since(context, reassignment):
        _close(context, reassignment, ReassignmentStatus.kept, reason="the holder used the tool")
        return ["kept"]
    if reassignment.status == ReassignmentStatus.notice_proposed and automatic:
        send_notice(context, reassignment, tool)
        taken.append("notified")
    if (
        reassignment.status == ReassignmentStatus.notice_sent
        and reassignment.grace_ends_on is not None
        and context.today >= reassignment.grace_ends_on
    ):
        reassignment.status = ReassignmentStatus.release_proposed
        context.session.flush()
        _audit(context, reassignment, "release_proposed")
        taken.append("release_proposed")
    if reassignment.status == ReassignmentStatus.release_proposed and automatic:
        taken.append("released" if release(context, reassignment, tool) else "failed")
    if reassignment.status == ReassignmentStatus.released and propose_assignment(context, reassignment, tool):
        taken.append("assignment_proposed")
    while reassignment.status == ReassignmentStatus.assignment_proposed and automatic:
        outcome = assign(context, reassignment, tool)
        taken.append(outcome)
        if outcome != "withdrawn":
            break
    return taken


def idle_seats(
    context: QueueContext, tool: ToolInfo, policy: SeatPolicy, open_seat_ids: set[int]
) -> list[tuple[Seat, date | None]]:
    """Held seats of the tool idle for the policy's days, without an open reassignment."""
    held = repository.list_open_seats_of_tool(context.session, context.workspace_id, tool.id)
    closed = repository.last_closed_on_by_seat(
        context.session, context.workspace_id, [seat.id for seat in held]
    )
    found = []
    for seat in held:
        if seat.id in open_seat_ids or seat.assigned_on > context.today:
            continue
        last_use = context.last_use.get(seat.id)
        since = max(day for day in (last_use, seat.assigned_on, closed.get(seat.id)) if day is not None)
        if (context.today - since).days >= policy.idle_days:
            found.append((seat, last_use))
    return found


def last_use_of_seats(
    session: Session, workspace_id: int, analytics: analytics_service.Analytics, tool: ToolInfo
) -> dict[int, date | None]:
    """Seat id → its holder's last engaged day with the tool (None: never), read from analytics."""
    last_days = analytics.last_engaged_days(session, workspace_id, tool.slug)
    pseudonyms = seats.seat_pseudonyms(session, workspace_id, tool.id)
    return {seat_id: last_days.get(pseudonym) for seat_id, pseudonym in pseudonyms.items()}


def run_queue(
    session: Session,
    workspace_id: int,
    *,
    analytics: analytics_service.Analytics,
    administrators: SeatAdministrators,
    today: date | None = None,
    actor: str = "system",
) -> schemas.QueueRun:
    """One run over every tool with an enabled policy: advance the open reassignments, propose the new idle
    seats (and under an automatic policy, take each as far as it goes today), then publish the ledger."""
    today = today or today_in(session, workspace_id)
    tools = tools_by_id(session, workspace_id)
    counts = dict.fromkeys(
        (
            "proposed",
            "notified",
            "kept",
            "release_proposed",
            "released",
            "assignment_proposed",
            "assigned",
            "withdrawn",
            "failed",
        ),
        0,
    )
    touched: list[int] = []
    for policy in repository.list_enabled_policies(session, workspace_id):
        tool = tools[policy.tool_id]
        context = QueueContext(
            session,
            workspace_id,
            today,
            actor,
            administrators,
            last_use_of_seats(session, workspace_id, analytics, tool),
        )
        open_items = repository.list_open_reassignments(session, workspace_id, tool.id)
        for item in open_items:
            steps = advance(context, item, tool, policy)
            for step in steps:
                counts[step] += 1
            if steps:
                touched.append(item.id)
        open_seat_ids = {item.seat_id for item in open_items}
        for seat, last_use in idle_seats(context, tool, policy, open_seat_ids):
            item = Reassignment(
                workspace_id=workspace_id,
                tool_id=tool.id,
                seat_id=seat.id,
                status=ReassignmentStatus.notice_proposed,
                last_used_on=last_use,
                idle_days=policy.idle_days,
                grace_days=policy.grace_days,
            )
            session.add(item)
            session.flush()
            _audit(context, item, "proposed", last_used_on=last_use.isoformat() if last_use else None)
            counts["proposed"] += 1
            touched.append(item.id)
            if not policy.is_automatic:
                _notify(
                    context,
                    licence_owner_ids(session, workspace_id, tool),
                    f"{tool.name}: an idle seat waits for your decision",
                    f"Seat {seat.id} of {tool.name} has not been used for {policy.idle_days} days. Approve the "
                    "notice to its holder, or dismiss it, on the reassignment queue.",
                    f"licences:proposed:{item.id}",
                )
            for step in advance(context, item, tool, policy):
                counts[step] += 1
    seats.publish_ledger(session, workspace_id, analytics)
    return schemas.QueueRun(**counts, ids=sorted(set(touched)))


# ---------------------------------------------------------------- a licence owner's and a holder's decisions


def _decision_context(
    session: Session,
    workspace_id: int,
    reassignment: Reassignment,
    *,
    analytics: analytics_service.Analytics,
    administrators: SeatAdministrators,
    actor: str,
    today: date | None,
) -> tuple[QueueContext, ToolInfo]:
    tool = tools_by_id(session, workspace_id)[reassignment.tool_id]
    context = QueueContext(
        session,
        workspace_id,
        today or today_in(session, workspace_id),
        actor,
        administrators,
        last_use_of_seats(session, workspace_id, analytics, tool),
    )
    return context, tool


def approve_step(
    session: Session,
    workspace_id: int,
    reassignment_id: int,
    *,
    caller: Principal,
    analytics: analytics_service.Analytics,
    administrators: SeatAdministrators,
    today: date | None = None,
) -> schemas.Reassignment:
    """A licence owner approves the step waiting for them: the notice, the release, or the assignment."""
    reassignment = get_reassignment(session, workspace_id, reassignment_id)
    context, tool = _decision_context(
        session,
        workspace_id,
        reassignment,
        analytics=analytics,
        administrators=administrators,
        actor=caller.actor,
        today=today,
    )
    if not may_decide(caller, tool):
        raise NotALicenceOwner(f"{tool.name}'s seats are decided by its licence owner")
    if reassignment.status not in PROPOSED:
        raise NothingToApprove(f"reassignment {reassignment.id} is {reassignment.status.value}")
    _audit(context, reassignment, "approved", step=reassignment.status.value)
    if reassignment.status == ReassignmentStatus.notice_proposed:
        send_notice(context, reassignment, tool)
    elif reassignment.status == ReassignmentStatus.release_proposed:
        if release(context, reassignment, tool):
            propose_assignment(context, reassignment, tool)
    else:
        assign(context, reassignment, tool)  # withdrawn: the next person waiting is proposed for approval
    seats.publish_ledger(session, workspace_id, analytics)
    return describe(session, workspace_id, reassignment)


def dismiss(
    session: Session,
    workspace_id: int,
    reassignment_id: int,
    *,
    caller: Principal,
    note: str = "",
    today: date | None = None,
) -> schemas.Reassignment:
    """A licence owner stops a reassignment waiting for them; the seat stays as it is."""
    reassignment = get_reassignment(session, workspace_id, reassignment_id)
    tool = tools_by_id(session, workspace_id)[reassignment.tool_id]
    if not may_decide(caller, tool):
        raise NotALicenceOwner(f"{tool.name}'s seats are decided by its licence owner")
    if reassignment.status not in PROPOSED | {ReassignmentStatus.notice_sent}:
        raise NothingToApprove(f"reassignment {reassignment.id} is {reassignment.status.value}")
    context = QueueContext(
        session,
        workspace_id,
        today or today_in(session, workspace_id),
        caller.actor,
        no_seat_administrators,
        {},
    )
    _close(context, reassignment, ReassignmentStatus.dismissed, note=note)
    return describe(session, workspace_id, reassignment)


def keep_seat(
    session: Session, workspace_id: int, reassignment_id: int, *, caller: Principal, today: date | None = None
) -> schemas.Reassignment:
    """The holder answers the notice: keep it. Their seat stays, and its idle days count from today."""
    reassignment = get_reassignment(session, workspace_id, reassignment_id)
    seat = seats.get_seat(session, workspace_id, reassignment.seat_id)
    if caller.person_id is None or seat.person_id != caller.person_id:
        raise NotTheHolder("only the seat's holder can keep it")
    if reassignment.status not in BEFORE_RELEASE:
        raise Conflict(f"the seat is {reassignment.status.value} already", reassignment_id=reassignment.id)
    context = QueueContext(
        session,
        workspace_id,
        today or today_in(session, workspace_id),
        caller.actor,
        no_seat_administrators,
        {},
    )
    _close(context, reassignment, ReassignmentStatus.kept, reason="the holder kept it")
    return describe(session, workspace_id, reassignment)


def my_notices(session: Session, workspace_id: int, person_id: int) -> list[schemas.Reassignment]:
    """The open reassignments of the person's seats (what the "my seats" page asks about)."""
    mine = {seat.id for seat in repository.list_seats_of_person(session, workspace_id, person_id)}
    return [
        item for item in list_reassignments(session, workspace_id, open_only=True) if item.seat_id in mine
    ]
