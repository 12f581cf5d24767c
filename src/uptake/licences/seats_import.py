"""Importing seats from a CSV file, like the people import: read and check each row, plan, then write.

1. `read_seats_csv` maps the header to the ledger's fields (by name, with common synonyms: `COLUMN_NAMES`) and
   checks each row on its own; a bad row is kept as a `RowRejection` with its line, column and reason.
2. `plan_seats_import` compares the good rows with the directory, the catalog and the ledger: the tool by
   slug, the holder by email or external id (or a vendor account alone). A row matches the holder's seat of
   the tool that starts the same day, else their unreleased one: same dates, unchanged; other dates, updated.
   Without a match it is a new seat, unless the holder has an unreleased seat already and the row is open too.
3. `apply_seats_import` writes the plan (new seats from source `csv`) with one audit entry of the counts.

Importing the same file again changes nothing. `import_seats` runs the three for the command line and the API.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory.service import people as people_service
from uptake.errors import FieldError, InvalidInput
from uptake.licences import repository
from uptake.licences.models import Seat, SeatSource
from uptake.licences.tools import ToolInfo, today_in, tools_by_id

COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "tool": ("tool", "tool_slug", "product", "licence", "license", "sku"),
    "person": ("person", "email", "work_email", "external_id", "employee_id", "holder", "user_email"),
    "account": ("account", "login", "github_login", "username", "user_name", "upn", "user_principal_name"),
    "assigned_on": ("assigned_on", "assigned", "assigned_date", "start", "start_date", "from", "created_at"),
    "released_on": ("released_on", "released", "released_date", "end", "end_date", "until", "removed_on"),
    "note": ("note", "notes", "comment"),
}
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}")
MAX_LENGTHS = {"person": 320, "account": 200, "note": 500}


class SeatsFileInvalid(InvalidInput):
    title = "This file cannot be imported."


@dataclass(frozen=True)
class RowRejection:
    """A row that was not imported: its line in the file, the column at fault and why."""

    line: int
    holder: str | None
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "holder": self.holder, "column": self.column, "reason": self.reason}


@dataclass
class SeatRow:
    line: int
    tool: str
    person: str | None
    account: str | None
    assigned_on: date | None
    released_on: date | None
    note: str


@dataclass
class ParsedSeats:
    columns: dict[str, str]
    rows: list[SeatRow]
    rejections: list[RowRejection]
    ignored_headers: list[str]
    rows_read: int


def _normalize(header: str) -> str:
    return re.sub(r"[\s\-.]+", "_", header.replace("\ufeff", "").strip().lower()).strip("_")


def map_columns(headers: list[str]) -> tuple[dict[str, str], list[str]]:
    by_name: dict[str, str] = {}
    for header in headers:
        by_name.setdefault(_normalize(header), header)
    columns: dict[str, str] = {}
    problems: list[FieldError] = []
    for name, synonyms in COLUMN_NAMES.items():
        found = [by_name[synonym] for synonym in synonyms if synonym in by_name]
        if len(found) > 1:
            problems.append(FieldError(name, f"several columns could fill it: {', '.join(found)}"))
        elif found:
            columns[name] = found[0]
    if "tool" not in columns:
        problems.append(FieldError("tool", "no column for it; name one of: tool, tool_slug, product"))
    ambiguous = {problem.field for problem in problems}
    if "person" not in columns and "account" not in columns and not ambiguous & {"person", "account"}:
        problems.append(FieldError("person", "no column names the holder; add person (email) or account"))
    if problems:
        raise SeatsFileInvalid("the header row does not name the columns uptake needs", errors=problems)
    used = set(columns.values())
    return columns, [header for header in headers if header not in used and header.strip()]


def _date(text: str) -> date:
    if not DATE_PATTERN.match(text):
        raise ValueError("must be a date like 2025-03-01")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError("must be a date like 2025-03-01") from None


def _check_row(line: int, values: Mapping[str, str], columns: dict[str, str]) -> SeatRow | RowRejection:
    def cell(name: str) -> str:
        header = columns.get(name)
        return (values.get(header) or "").strip() if header else ""

    person, account = cell("person"), cell("account").lower()
    holder = person or account or None

    def reject(name: str, reason: str) -> RowRejection:
        return RowRejection(line, holder, columns.get(name, name), reason)

    tool = cell("tool").lower()
    if not tool:
        return reject("tool", "is empty; name the tool by its slug in the catalog")
    if not person and not account:
        return reject("person" if "person" in columns else "account", "is empty; name the seat's holder")
    for name, text in (("person", person), ("account", account), ("note", cell("note"))):
        if len(text) > MAX_LENGTHS[name]:
            return reject(name, f"is {len(text)} characters long; at most {MAX_LENGTHS[name]}")
    days: dict[str, date | None] = {}
    for name in ("assigned_on", "released_on"):
        text = cell(name)
        try:
            days[name] = _date(text) if text else None
        except ValueError as error:
            return reject(name, f"{text!r} {error}")
    if days["assigned_on"] and days["released_on"] and days["released_on"] < days["assigned_on"]:
        return reject("released_on", f"is before assigned_on ({days['assigned_on']})")
    return SeatRow(
        line, tool, person or None, account or None, days["assigned_on"], days["released_on"], cell("note")
    )


def read_seats_csv(lines: Iterable[str]) -> ParsedSeats:
    """Read a seats CSV (the header first) and check every row on its own."""
    reader = csv.reader(iter(lines))
    try:
        headers = next(reader)
    except StopIteration:
        raise SeatsFileInvalid("the file is empty; the first line must name the columns") from None
    except csv.Error as error:
        raise SeatsFileInvalid(f"the header row cannot be read: {error}") from None
    columns, ignored = map_columns(headers)
    rows: list[SeatRow] = []
    rejections: list[RowRejection] = []
    line = reader.line_num + 1
    rows_read = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            rejections.append(RowRejection(line, None, "(row)", f"cannot be read as CSV: {error}"))
            line = reader.line_num + 1
            continue
        if any(cell.strip() for cell in cells):
            rows_read += 1
            if len(cells) > len(headers):
                rejections.append(
                    RowRejection(
                        line, None, "(row)", f"has {len(cells)} cells; the header has {len(headers)}"
                    )
                )
            else:
                checked = _check_row(line, dict(zip(headers, cells, strict=False)), columns)
                if isinstance(checked, SeatRow):
                    rows.append(checked)
                else:
                    rejections.append(checked)
        line = reader.line_num + 1
    return ParsedSeats(columns, rows, rejections, ignored, rows_read)


# -- planning and writing ----------------------------------------------------------------------------------------


@dataclass
class PlannedSeat:
    row: SeatRow
    tool: ToolInfo
    person_id: int | None
    assigned_on: date


@dataclass
class SeatsPlan:
    creates: list[PlannedSeat] = field(default_factory=list)
    updates: list[tuple[PlannedSeat, Seat]] = field(default_factory=list)
    unchanged: int = 0
    rejections: list[RowRejection] = field(default_factory=list)
    rows_read: int = 0
    ignored_headers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SeatsImportReport:
    dry_run: bool
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    rejections: list[RowRejection]
    ignored_headers: list[str]

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            **self.counts(),
            "rejections": [rejection.as_dict() for rejection in self.rejections],
            "ignored_headers": self.ignored_headers,
        }


def plan_seats_import(
    session: Session, workspace_id: int, parsed: ParsedSeats, *, today: date | None = None
) -> SeatsPlan:
    """Decide, writing nothing, what importing `parsed` changes in the ledger."""
    today = today or today_in(session, workspace_id)
    plan = SeatsPlan(
        rejections=list(parsed.rejections), rows_read=parsed.rows_read, ignored_headers=parsed.ignored_headers
    )
    tools = {tool.slug: tool for tool in tools_by_id(session, workspace_id).values()}
    people: dict[str, int] = {}
    for person in people_service.person_snapshots(session, workspace_id):
        people[person.email.lower()] = person.id
        people.setdefault(person.external_id.lower(), person.id)
    existing: dict[int, list[Seat]] = {}
    for seat in repository.list_all_seats(session, workspace_id):
        existing.setdefault(seat.tool_id, []).append(seat)
    columns = parsed.columns
    first_line: dict[tuple[int, int | None, str | None, date], int] = {}
    open_in_file: dict[tuple[int, int | None, str | None], int] = {}
    for row in parsed.rows:
        holder = row.person or row.account

        def reject(name: str, reason: str, row: SeatRow = row, holder: str | None = holder) -> None:
            plan.rejections.append(RowRejection(row.line, holder, columns.get(name, name), reason))

        tool = tools.get(row.tool)
        if tool is None:
            reject("tool", f"no tool {row.tool!r} in the catalog; add it there first")
            continue
        person_id = people.get(row.person.lower()) if row.person else None
        if row.person and person_id is None:
            reject("person", f"no person with email or external id {row.person!r}")
            continue
        planned = PlannedSeat(row, tool, person_id, row.assigned_on or today)
        key = (tool.id, person_id, row.account if person_id is None else None, planned.assigned_on)
        if key in first_line:
            reject("assigned_on", f"the same seat is already on line {first_line[key]}")
            continue
        first_line[key] = row.line
        if row.released_on is None:
            holder_key = key[:3]
            if holder_key in open_in_file:
                reject(
                    "released_on",
                    f"line {open_in_file[holder_key]} gives {holder} an unreleased seat already",
                )
                continue
            open_in_file[holder_key] = row.line
        mine = [
            seat
            for seat in existing.get(tool.id, [])
            if (person_id is not None and seat.person_id == person_id)
            or (row.account is not None and seat.account == row.account)
        ]
        match = next((seat for seat in mine if seat.assigned_on == planned.assigned_on), None)
        if match is None and row.assigned_on is None:
            match = next((seat for seat in mine if seat.released_on is None), None)
        if match is None:
            open_seat = next((seat for seat in mine if seat.released_on is None), None)
            if open_seat is not None and (row.released_on is None or row.released_on > open_seat.assigned_on):
                reject(
                    "assigned_on",
                    f"{holder} holds seat {open_seat.id} of {tool.slug} since {open_seat.assigned_on}; "
                    "give that day, or a released_on before it",
                )
                continue
            plan.creates.append(planned)
        elif (
            match.released_on == row.released_on
            and match.assigned_on == planned.assigned_on
            and (row.account is None or match.account == row.account)
            and (person_id is None or match.person_id == person_id)
        ):
            plan.unchanged += 1
        else:
            plan.updates.append((planned, match))
    plan.rejections.sort(key=lambda rejection: rejection.line)
    return plan


def _report(plan: SeatsPlan, *, dry_run: bool) -> SeatsImportReport:
    return SeatsImportReport(
        dry_run=dry_run,
        rows_read=plan.rows_read,
        created=len(plan.creates),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        rejected=len(plan.rejections),
        rejections=plan.rejections,
        ignored_headers=plan.ignored_headers,
    )


def apply_seats_import(
    session: Session, workspace_id: int, plan: SeatsPlan, *, actor: str
) -> SeatsImportReport:
    session.add_all(
        Seat(
            workspace_id=workspace_id,
            tool_id=planned.tool.id,
            person_id=planned.person_id,
            account=planned.row.account,
            source=SeatSource.csv,
            assigned_on=planned.assigned_on,
            released_on=planned.row.released_on,
            note=planned.row.note,
        )
        for planned in plan.creates
    )
    for planned, seat in plan.updates:
        seat.assigned_on = planned.assigned_on
        seat.released_on = planned.row.released_on
        seat.person_id = planned.person_id if planned.person_id is not None else seat.person_id
        seat.account = planned.row.account or seat.account
    session.flush()
    report = _report(plan, dry_run=False)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="licences.seats.imported",
        target=f"workspace:{workspace_id}",
        after=report.counts(),
    )
    return report


def import_seats(
    session: Session,
    workspace_id: int,
    lines: Iterable[str],
    *,
    dry_run: bool,
    actor: str,
    today: date | None = None,
) -> SeatsImportReport:
    """Read, plan and (unless `dry_run`) write a seats CSV; the report counts every outcome."""
    plan = plan_seats_import(session, workspace_id, read_seats_csv(lines), today=today)
    if dry_run:
        return _report(plan, dry_run=True)
    return apply_seats_import(session, workspace_id, plan, actor=actor)


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SeatsFileInvalid(
            "the file is not UTF-8 text; save it as 'CSV UTF-8' and send it again"
        ) from None
