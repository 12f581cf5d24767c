"""Importing people from a CSV file: read and check each row, plan what changes, then write it in bulk. It stays
whole: the three steps below share the row, plan and report types, and a dry run is the first two of them.

Three steps, so a dry run is the first two:

1. ``read_people_csv`` maps the header to directory fields (by name, with common synonyms, see
   ``COLUMN_NAMES``) and checks each row on its own: every bad row is kept as a :class:`RowRejection` with its
   line number, column and reason, and the good rows go on.
2. ``plan_people_import`` compares the good rows with the directory: upsert by external id, teams found or
   created from paths such as ``Customer Service/Tier 1 Support``, job roles by name, managers by external id
   or email (in the file or already in the directory). Rows whose manager cannot be found, or that would close a
   manager cycle (named, e.g. ``E1 → E7 → E3 → E1``), are rejected; only those rows. So are rows whose vendor
   account (``github_login``, ``microsoft_upn``: see ``VENDOR_COLUMNS``) is linked to someone else.
3. ``apply_people_import`` writes the plan with a few bulk statements per 2,000 rows (never one ORM object per
   person) and records one audit entry with the counts; the vendor accounts are linked through
   ``service.vendor_accounts`` (whose listeners move the usage stored under an account to its person).

``import_people`` runs the three for the command line, the upload page and the background job.

File length: a little under 1,000 lines, kept whole: the three steps share the row, plan and report types, and
one import reads top to bottom here; the service's ``people_uploads`` module only decides when it runs.
"""

from __future__ import annotations

import csv
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory import repository
from uptake.directory.models import EmploymentStatus, JobRole, Team
from uptake.directory.schemas import EMAIL_PATTERN, PersonSnapshot
from uptake.directory.service import vendor_accounts as vendor_accounts_service
from uptake.errors import FieldError, InvalidInput, NotFound

Progress = Callable[[str, int, int], None]

# Each directory field, and the header names (normalized: lower case, spaces and dashes as "_") that fill it.
COLUMN_NAMES: dict[str, tuple[str, ...]] = {
    "external_id": (
        "external_id",
        "employee_id",
        "employee_number",
        "employee_no",
        "employeeid",
        "staff_id",
        "worker_id",
        "person_id",
        "hr_id",
        "id",
    ),
    "email": ("email", "mail", "email_address", "work_email", "e_mail", "business_email"),
    "display_name": ("display_name", "name", "full_name", "displayname", "employee_name"),
    "given_name": ("given_name", "first_name", "firstname", "forename"),
    "family_name": ("family_name", "last_name", "lastname", "surname"),
    "job_title": ("job_title", "title", "position", "position_title"),
    "job_role": ("job_role", "role", "job_family", "job_profile", "job_role_name"),
    "team": ("team", "team_path", "department", "org_unit", "organizational_unit", "unit"),
    "manager": (
        "manager",
        "manager_id",
        "manager_external_id",
        "manager_employee_id",
        "manager_email",
        "reports_to",
        "supervisor",
        "line_manager",
    ),
    "location": ("location", "office", "city", "site", "work_location"),
    "employment_status": ("employment_status", "status", "employee_status", "worker_status"),
    "start_date": ("start_date", "hire_date", "date_hired", "hired_on", "joined_on", "start"),
    "github_login": ("github_login", "github", "github_username", "github_user", "github_handle"),
    "microsoft_upn": (
        "microsoft_upn",
        "upn",
        "user_principal_name",
        "userprincipalname",
        "m365_upn",
        "entra_upn",
    ),
}
# The optional columns that name a person's account at a vendor (directory.service.vendor_accounts.VENDORS): a
# filled cell links the account to the person; an empty one changes nothing.
VENDOR_COLUMNS = {"github_login": "github", "microsoft_upn": "microsoft"}
REQUIRED_FIELDS = ("external_id", "email")
TEAM_SEPARATOR = "/"
STATUS_WORDS: dict[str, EmploymentStatus] = {
    "active": EmploymentStatus.active,
    "employed": EmploymentStatus.active,
    "leave": EmploymentStatus.leave,
    "on_leave": EmploymentStatus.leave,
    "on leave": EmploymentStatus.leave,
    "loa": EmploymentStatus.leave,
    "left": EmploymentStatus.left,
    "terminated": EmploymentStatus.left,
    "inactive": EmploymentStatus.left,
    "former": EmploymentStatus.left,
}
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_LENGTHS = {
    "external_id": 200,
    "email": 320,
    "display_name": 200,
    "job_title": 200,
    "job_role": 200,
    "location": 200,
}
# Uploads up to this many rows are imported while the page waits; bigger ones run as a background job.
SYNCHRONOUS_ROW_LIMIT = 5000


class ImportFileInvalid(InvalidInput):
    title = "This file cannot be imported."


class ImportUploadNotFound(NotFound):
    title = "This upload is gone; upload the file again."


@dataclass(frozen=True)
class RowRejection:
    """A row that was not imported: its line in the file, the column at fault and why."""

    line: int
    external_id: str | None
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "external_id": self.external_id,
            "column": self.column,
            "reason": self.reason,
        }


@dataclass
class PersonRow:
    """One good row, with its values parsed. ``None`` for a column the file does not have."""

    line: int
    external_id: str
    email: str
    display_name: str | None
    job_title: str | None
    job_role: str | None
    team_path: list[str] | None
    manager: str | None
    location: str | None
    employment_status: EmploymentStatus | None
    start_date: date | None
    accounts: dict[str, str] = field(default_factory=dict)  # vendor -> account, for the filled vendor columns


@dataclass
class ParsedPeople:
    columns: dict[str, str]  # directory field -> the header it was read from
    rows: list[PersonRow]
    rejections: list[RowRejection]
    ignored_headers: list[str]
    rows_read: int


def normalize_header(header: str) -> str:
    return re.sub(r"[\s\-.]+", "_", header.replace("\ufeff", "").strip().lower()).strip("_")


def map_columns(headers: list[str]) -> tuple[dict[str, str], list[str]]:
    """Which header fills which field; raises :class:`ImportFileInvalid` when the header cannot be used."""
    by_name: dict[str, str] = {}
    for header in headers:
        by_name.setdefault(normalize_header(header), header)
    columns: dict[str, str] = {}
    used: set[str] = set()
    problems: list[FieldError] = []
    for field_name, names in COLUMN_NAMES.items():
        found = [by_name[name] for name in names if name in by_name and by_name[name] not in used]
        if len(found) > 1 and field_name != "manager":
            problems.append(FieldError(field_name, f"several columns could fill it: {', '.join(found)}"))
        if found:
            columns[field_name] = found[0]
            used.add(found[0])
    for required in REQUIRED_FIELDS:
        if required not in columns:
            synonyms = ", ".join(COLUMN_NAMES[required][:4])
            problems.append(FieldError(required, f"no column for it; name one of: {synonyms}"))
    if "display_name" not in columns and not ("given_name" in columns and "family_name" in columns):
        problems.append(
            FieldError("display_name", "no column for it; add display_name (or first_name and last_name)")
        )
    if problems:
        raise ImportFileInvalid("the header row does not name the columns uptake needs", errors=problems)
    ignored = [header for header in headers if header not in used and header.strip()]
    return columns, ignored


def _cell(values: Mapping[str, str | None], columns: dict[str, str], field_name: str) -> str | None:
    header = columns.get(field_name)
    if header is None:
        return None
    value = values.get(header)
    return value.strip() if value is not None else ""


def _parse_date(text: str) -> date:
    if ISO_DATE.fullmatch(text):  # the usual case, ten times faster than strptime
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise ValueError("must be a date like 2024-03-01") from None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError("must be a date like 2024-03-01")


def _check_row(
    line: int, values: Mapping[str, str | None], columns: dict[str, str]
) -> PersonRow | RowRejection:
    external_id = _cell(values, columns, "external_id") or ""

    def reject(column: str, reason: str) -> RowRejection:
        return RowRejection(line, external_id or None, columns.get(column, column), reason)

    if not external_id:
        return reject("external_id", "is empty; every person needs an external id")
    email = (_cell(values, columns, "email") or "").lower()
    if not email:
        return reject("email", "is empty; every person needs an email")
    if not EMAIL_PATTERN.match(email):
        return reject("email", f"{email!r} is not an email address")
    display_name = _cell(values, columns, "display_name")
    if not display_name:
        given = _cell(values, columns, "given_name") or ""
        family = _cell(values, columns, "family_name") or ""
        display_name = f"{given} {family}".strip()
    if not display_name:
        return reject("display_name", "is empty; every person needs a name")
    texts = {
        "external_id": external_id,
        "email": email,
        "display_name": display_name,
        "job_title": _cell(values, columns, "job_title"),
        "job_role": _cell(values, columns, "job_role"),
        "location": _cell(values, columns, "location"),
    }
    for name, limit in MAX_LENGTHS.items():
        text = texts[name]
        if text is not None and len(text) > limit:
            return reject(name, f"is {len(text)} characters long; at most {limit}")
    team_text = _cell(values, columns, "team")
    team_path: list[str] | None = None
    if team_text is not None:
        team_path = [part.strip() for part in team_text.split(TEAM_SEPARATOR)] if team_text else []
        if any(not part for part in team_path):
            return reject("team", f"{team_text!r} has an empty level; write it like Customer Service/Tier 1")
        if any(len(part) > 200 for part in team_path):
            return reject("team", "a team name is longer than 200 characters")
    status_text = _cell(values, columns, "employment_status")
    status: EmploymentStatus | None = None
    if status_text:
        status = STATUS_WORDS.get(status_text.lower().replace("-", "_"))
        if status is None:
            return reject("employment_status", f"{status_text!r} is not one of active, leave, left")
    start_text = _cell(values, columns, "start_date")
    start: date | None = None
    if start_text:
        try:
            start = _parse_date(start_text)
        except ValueError as error:
            return reject("start_date", f"{start_text!r} {error}")
    accounts: dict[str, str] = {}
    for column, vendor in VENDOR_COLUMNS.items():
        account_text = _cell(values, columns, column)
        if account_text:
            try:
                accounts[vendor] = vendor_accounts_service.checked_account(vendor, account_text)
            except ValueError as error:
                return reject(column, str(error))
    manager = _cell(values, columns, "manager")
    if manager is not None and manager.lower() == email:
        manager = email
    return PersonRow(
        line=line,
        external_id=external_id,
        email=email,
        display_name=display_name,
        job_title=texts["job_title"] or None,
        job_role=texts["job_role"] or None,
        team_path=team_path,
        manager=(manager.lower() if manager and "@" in manager else manager) or None,
        location=texts["location"] or None,
        employment_status=status,
        start_date=start,
        accounts=accounts,
    )


def read_people_csv(lines: Iterable[str]) -> ParsedPeople:
    """Read a people CSV (the header first); check every row on its own. Duplicates in the file are rejected
    from their second appearance, naming the line of the first."""
    reader = csv.reader(iter(lines))
    try:
        headers = next(reader)
    except StopIteration:
        raise ImportFileInvalid("the file is empty; the first line must name the columns") from None
    except csv.Error as error:
        raise ImportFileInvalid(f"the header row cannot be read: {error}") from None
    columns, ignored = map_columns(headers)
    rows: list[PersonRow] = []
    rejections: list[RowRejection] = []
    first_line_of_id: dict[str, int] = {}
    first_line_of_email: dict[str, tuple[int, str]] = {}
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
        if not any(cell.strip() for cell in cells):
            line = reader.line_num + 1
            continue
        rows_read += 1
        if len(cells) > len(headers):
            rejections.append(
                RowRejection(
                    line,
                    cells[0].strip() or None,
                    "(row)",
                    f"has {len(cells)} cells; the header has {len(headers)}",
                )
            )
            line = reader.line_num + 1
            continue
        values = dict(zip(headers, cells, strict=False))
        checked = _check_row(line, values, columns)
        if isinstance(checked, PersonRow):
            if checked.external_id in first_line_of_id:
                checked = RowRejection(
                    line,
                    checked.external_id,
                    columns["external_id"],
                    f"{checked.external_id} is already on line {first_line_of_id[checked.external_id]}",
                )
            elif checked.email in first_line_of_email:
                other_line, other_id = first_line_of_email[checked.email]
                checked = RowRejection(
                    line,
                    checked.external_id,
                    columns["email"],
                    f"{checked.email} is already used by {other_id} on line {other_line}",
                )
        if isinstance(checked, PersonRow):
            first_line_of_id[checked.external_id] = line
            first_line_of_email[checked.email] = (line, checked.external_id)
            rows.append(checked)
        else:
            rejections.append(checked)
        line = reader.line_num + 1
    return ParsedPeople(columns, rows, rejections, ignored, rows_read)


def _vendor_column(columns: dict[str, str], vendor: str) -> str:
    return next(columns[column] for column, named in VENDOR_COLUMNS.items() if named == vendor)


def _account_on_earlier_line(
    row: PersonRow, first_line_of_account: dict[tuple[str, str], tuple[int, str]]
) -> tuple[str, str] | None:
    """(vendor, why) when one of the row's accounts is on an earlier line the plan kept (a second person)."""
    for vendor, account in row.accounts.items():
        earlier = first_line_of_account.get((vendor, account))
        if earlier is not None:
            other_line, other_id = earlier
            return (
                vendor,
                f"{account} is already {other_id}'s on line {other_line}; an account is one person's",
            )
    return None


# -- planning ---------------------------------------------------------------------------------------------------


@dataclass
class PlannedTeam:
    key: str  # lower-case name: team names are unique in a workspace
    name: str
    parent_key: str | None
    existing_id: int | None = None


@dataclass
class ImportPlan:
    columns: dict[str, str]
    creates: list[PersonRow] = field(default_factory=list)
    updates: list[tuple[PersonRow, PersonSnapshot, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    rejections: list[RowRejection] = field(default_factory=list)
    teams: dict[str, PlannedTeam] = field(default_factory=dict)
    team_of_row: dict[int, str | None] = field(default_factory=dict)  # line -> team key (None: no team)
    new_job_roles: dict[str, str] = field(default_factory=dict)  # lower name -> name
    job_role_ids: dict[str, int] = field(default_factory=dict)
    manager_of_row: dict[int, str | None] = field(default_factory=dict)  # line -> manager external id
    existing_ids: dict[str, int] = field(default_factory=dict)  # external id -> person id
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (vendor, account, external id) to link
    rows_read: int = 0
    ignored_headers: list[str] = field(default_factory=list)

    @property
    def new_teams(self) -> list[PlannedTeam]:
        return [team for team in self.teams.values() if team.existing_id is None]


@dataclass(frozen=True)
class ImportReport:
    dry_run: bool
    rows_read: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    teams_created: int
    job_roles_created: int
    rejections: list[RowRejection]
    ignored_headers: list[str]
    accounts_linked: int = 0

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
            "teams_created": self.teams_created,
            "job_roles_created": self.job_roles_created,
            "accounts_linked": self.accounts_linked,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            **self.counts(),
            "rejections": [rejection.as_dict() for rejection in self.rejections],
            "ignored_headers": self.ignored_headers,
        }


def _plan_team(
    plan: ImportPlan, teams_by_key: dict[str, Team], teams_by_id: dict[int, Team], path: list[str]
) -> tuple[str | None, str | None]:
    """The key of the row's team (created as needed), or an error naming the conflict."""
    parent_key: str | None = None
    for depth, name in enumerate(path):
        key = name.lower()
        planned = plan.teams.get(key)
        if planned is None:
            existing = teams_by_key.get(key)
            if existing is not None:
                parent = teams_by_id.get(existing.parent_id) if existing.parent_id is not None else None
                planned = PlannedTeam(
                    key, existing.name, parent.name.lower() if parent else None, existing.id
                )
                if parent is not None and parent.name.lower() not in plan.teams:
                    grandparent = teams_by_id.get(parent.parent_id) if parent.parent_id is not None else None
                    plan.teams[parent.name.lower()] = PlannedTeam(
                        parent.name.lower(),
                        parent.name,
                        grandparent.name.lower() if grandparent else None,
                        parent.id,
                    )
                plan.teams[key] = planned
        if planned is not None:
            if depth > 0 and planned.parent_key != parent_key:
                where = (
                    f"under {plan.teams[planned.parent_key].name!r}" if planned.parent_key else "at the top"
                )
                return (
                    None,
                    f"a team named {planned.name!r} exists {where}; team names are unique in a workspace",
                )
        else:
            plan.teams[key] = PlannedTeam(key, name, parent_key)
        parent_key = key
    return parent_key, None


def plan_people_import(
    session: Session, workspace_id: int, parsed: ParsedPeople, progress: Progress | None = None
) -> ImportPlan:
    """Decide, without writing anything, what importing ``parsed`` changes in the directory."""
    report = progress or (lambda step, done, total: None)
    plan = ImportPlan(
        columns=parsed.columns,
        rejections=list(parsed.rejections),
        rows_read=parsed.rows_read,
        ignored_headers=parsed.ignored_headers,
    )
    snapshots = repository.person_snapshots(session, workspace_id)
    by_external_id = {snapshot.external_id: snapshot for snapshot in snapshots}
    by_email = {snapshot.email: snapshot for snapshot in snapshots}
    by_id = {snapshot.id: snapshot for snapshot in snapshots}
    plan.existing_ids = {snapshot.external_id: snapshot.id for snapshot in snapshots}
    all_teams = repository.list_all_teams(session, workspace_id)
    teams_by_key = {team.name.lower(): team for team in all_teams}
    teams_by_id = {team.id: team for team in all_teams}
    roles_by_key = {role.name.lower(): role for role in repository.list_all_job_roles(session, workspace_id)}
    plan.job_role_ids = {key: role.id for key, role in roles_by_key.items()}
    columns = parsed.columns
    linked = {
        vendor: vendor_accounts_service.vendor_account_links(session, workspace_id, vendor)
        for column, vendor in VENDOR_COLUMNS.items()
        if column in columns
    }

    accepted: dict[str, PersonRow] = {}
    first_line_of_account: dict[tuple[str, str], tuple[int, str]] = {}
    rejected_lines: dict[str, int] = {}  # external id -> line of a row of the file that was rejected
    for rejection in parsed.rejections:
        if rejection.external_id:
            rejected_lines.setdefault(rejection.external_id, rejection.line)
    total = len(parsed.rows)
    for index, row in enumerate(parsed.rows):
        if index % 5000 == 0:
            report("checking", index, total)
        owner = by_email.get(row.email)
        if owner is not None and owner.external_id != row.external_id:
            plan.rejections.append(
                RowRejection(
                    row.line,
                    row.external_id,
                    columns["email"],
                    f"{row.email} belongs to another person (external id {owner.external_id})",
                )
            )
            rejected_lines.setdefault(row.external_id, row.line)
            continue
        taken = _account_of_another(row, by_external_id.get(row.external_id), linked, by_id)
        if taken is None:
            taken = _account_on_earlier_line(row, first_line_of_account)
        if taken is not None:
            vendor, why = taken
            plan.rejections.append(
                RowRejection(row.line, row.external_id, _vendor_column(columns, vendor), why)
            )
            rejected_lines.setdefault(row.external_id, row.line)
            continue
        if row.team_path:
            key, problem = _plan_team(plan, teams_by_key, teams_by_id, row.team_path)
            if problem:
                plan.rejections.append(RowRejection(row.line, row.external_id, columns["team"], problem))
                rejected_lines.setdefault(row.external_id, row.line)
                continue
            plan.team_of_row[row.line] = key
        elif row.team_path is not None:
            plan.team_of_row[row.line] = None
        for vendor, account in row.accounts.items():
            first_line_of_account[(vendor, account)] = (row.line, row.external_id)
        if row.job_role:
            role_key = row.job_role.lower()
            if role_key not in roles_by_key and role_key not in plan.new_job_roles:
                plan.new_job_roles[role_key] = row.job_role
        accepted[row.external_id] = row
    report("checking", total, total)

    # Managers: by external id or email, in this file or the directory; a rejected row rejects its reports.
    file_by_email = {row.email: row.external_id for row in accepted.values()}
    unresolved = True
    while unresolved:
        unresolved = False
        for external_id, row in list(accepted.items()):
            if row.manager is None:
                plan.manager_of_row[row.line] = None
                continue
            target = file_by_email.get(row.manager) if "@" in row.manager else row.manager
            if target is None and "@" in row.manager and row.manager in by_email:
                target = by_email[row.manager].external_id
            problem = None
            if target is not None and (target in accepted or target in by_external_id):
                pass
            elif target is not None and target in rejected_lines:
                problem = f"manager {row.manager} is on line {rejected_lines[target]}, which was rejected"
            else:
                kind = "email" if "@" in row.manager else "external id"
                problem = f"no person with {kind} {row.manager} in this file or the directory"
            if problem:
                plan.rejections.append(RowRejection(row.line, external_id, columns["manager"], problem))
                rejected_lines[external_id] = row.line
                del accepted[external_id]
                file_by_email.pop(row.email, None)
                unresolved = True
                continue
            plan.manager_of_row[row.line] = target

        if not unresolved:
            cycles = _manager_cycles(accepted, plan.manager_of_row, by_external_id, by_id)
            for external_id, cycle in cycles.items():
                row = accepted.pop(external_id)
                file_by_email.pop(row.email, None)
                plan.rejections.append(
                    RowRejection(
                        row.line, external_id, columns["manager"], f"manager cycle: {' → '.join(cycle)}"
                    )
                )
                rejected_lines[external_id] = row.line
            unresolved = bool(cycles)

    _drop_unused_new_teams_and_job_roles(plan, accepted.values())
    for row in accepted.values():
        existing = by_external_id.get(row.external_id)
        plan.links.extend(
            (vendor, account, row.external_id)
            for vendor, account in row.accounts.items()
            if existing is None or linked[vendor].get(account) != existing.id
        )
        if existing is None:
            plan.creates.append(row)
            continue
        changed = _changed_fields(plan, row, existing, by_id)
        if changed:
            plan.updates.append((row, existing, changed))
        else:
            plan.unchanged += 1
    plan.rejections.sort(key=lambda rejection: rejection.line)
    return plan


def _account_of_another(
    row: PersonRow,
    existing: PersonSnapshot | None,
    linked: dict[str, dict[str, int]],
    by_id: dict[int, PersonSnapshot],
) -> tuple[str, str] | None:
    """(vendor, why) when one of the row's accounts is linked to another person in the directory."""
    for vendor, account in row.accounts.items():
        owner = linked[vendor].get(account)
        if owner is not None and (existing is None or owner != existing.id):
            other = by_id.get(owner)
            name = other.external_id if other is not None else f"person {owner}"
            return (
                vendor,
                f"{account} is linked to {name} already; an account is one person's "
                "(move the link on the connector's accounts page)",
            )
    return None


def _drop_unused_new_teams_and_job_roles(plan: ImportPlan, accepted: Iterable[PersonRow]) -> None:
    """Forget the new teams and job roles that only rows rejected after planning them asked for."""
    used_teams: set[str] = set()
    used_roles: set[str] = set()
    for row in accepted:
        key = plan.team_of_row.get(row.line)
        while key is not None and key not in used_teams:
            used_teams.add(key)
            key = plan.teams[key].parent_key
        if row.job_role:
            used_roles.add(row.job_role.lower())
    plan.teams = {
        key: team for key, team in plan.teams.items() if team.existing_id is not None or key in used_teams
    }
    plan.new_job_roles = {key: name for key, name in plan.new_job_roles.items() if key in used_roles}


def _manager_cycles(
    accepted: dict[str, PersonRow],
    manager_of_row: dict[int, str | None],
    by_external_id: dict[str, PersonSnapshot],
    by_id: dict[int, PersonSnapshot],
) -> dict[str, list[str]]:
    """Rows of the file that sit on a manager cycle, each with the cycle named from itself."""

    def manager_of(external_id: str) -> str | None:
        row = accepted.get(external_id)
        if row is not None:
            return manager_of_row.get(row.line)
        snapshot = by_external_id.get(external_id)
        if snapshot is None or snapshot.manager_id is None:
            return None
        manager = by_id.get(snapshot.manager_id)
        return manager.external_id if manager else None

    cycles: dict[str, list[str]] = {}
    finished: set[str] = set()
    for start in accepted:
        if start in finished:
            continue
        chain: list[str] = []
        position: dict[str, int] = {}
        current: str | None = start
        while current is not None and current not in finished and current not in position:
            position[current] = len(chain)
            chain.append(current)
            current = manager_of(current)
        if current is not None and current in position:
            loop = chain[position[current] :]
            for index, member in enumerate(loop):
                if member in accepted:
                    named = loop[index:] + loop[:index]
                    cycles[member] = [*named, member]
        finished.update(chain)
    return cycles


def _changed_fields(
    plan: ImportPlan, row: PersonRow, existing: PersonSnapshot, by_id: dict[int, PersonSnapshot]
) -> list[str]:
    columns = plan.columns
    changed: list[str] = []
    if row.email != existing.email:
        changed.append("email")
    if row.display_name is not None and row.display_name != existing.display_name:
        changed.append("display_name")
    if "job_title" in columns and row.job_title != existing.job_title:
        changed.append("job_title")
    if "location" in columns and row.location != existing.location:
        changed.append("location")
    if row.employment_status is not None and row.employment_status != existing.employment_status:
        changed.append("employment_status")
    if "start_date" in columns and row.start_date != existing.start_date:
        changed.append("start_date")
    if "job_role" in columns:
        role_id = plan.job_role_ids.get(row.job_role.lower()) if row.job_role else None
        if (row.job_role and role_id is None) or role_id != existing.job_role_id:
            changed.append("job_role_id")
    if "team" in columns:
        team_key = plan.team_of_row.get(row.line)
        team = plan.teams.get(team_key) if team_key else None
        team_id = team.existing_id if team else None
        if (team is not None and team_id is None) or team_id != existing.team_id:
            changed.append("team_id")
    if "manager" in columns:
        manager_external_id = plan.manager_of_row.get(row.line)
        manager_id = plan.existing_ids.get(manager_external_id) if manager_external_id else None
        if (manager_external_id and manager_id is None) or manager_id != existing.manager_id:
            changed.append("manager_id")
    return changed


# -- writing ----------------------------------------------------------------------------------------------------


def _create_job_roles(session: Session, workspace_id: int, plan: ImportPlan) -> None:
    if not plan.new_job_roles:
        return
    rows = [{"workspace_id": workspace_id, "name": name} for name in plan.new_job_roles.values()]
    result = session.execute(
        insert(JobRole).returning(JobRole.id, JobRole.name, sort_by_parameter_order=True), rows
    )
    for role_id, name in result.all():
        plan.job_role_ids[name.lower()] = int(role_id)


def _create_teams(session: Session, workspace_id: int, plan: ImportPlan) -> None:
    """Create the planned teams a level at a time, parents first, each with its materialized path: a few
    statements per level of the tree rather than a few per team."""
    existing = repository.list_teams_by_ids(
        session,
        workspace_id,
        [team.existing_id for team in plan.teams.values() if team.existing_id is not None],
    )
    path_of_id = {team.id: team.path for team in existing}
    paths = {
        team.key: path_of_id[team.existing_id]
        for team in plan.teams.values()
        if team.existing_id is not None and team.existing_id in path_of_id
    }
    pending = plan.new_teams
    while pending:
        ready = [team for team in pending if team.parent_key is None or team.parent_key in paths]
        if not ready:  # cannot happen: a parent is planned before its child
            raise ImportFileInvalid("the team paths in this file refer to each other in a loop")
        ids = repository.insert_teams(
            session,
            workspace_id,
            [
                {
                    "name": team.name,
                    "parent_id": plan.teams[team.parent_key].existing_id if team.parent_key else None,
                }
                for team in ready
            ],
        )
        new_paths: dict[int, str] = {}
        for team, team_id in zip(ready, ids, strict=True):
            team.existing_id = team_id
            new_paths[team_id] = f"{paths[team.parent_key] if team.parent_key else '/'}{team_id}/"
            paths[team.key] = new_paths[team_id]
        repository.set_team_paths(session, workspace_id, new_paths)
        pending = [team for team in pending if team.existing_id is None]


def _person_values(plan: ImportPlan, row: PersonRow, fields: Iterable[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in fields:
        if name == "job_role_id":
            values[name] = plan.job_role_ids[row.job_role.lower()] if row.job_role else None
        elif name == "team_id":
            key = plan.team_of_row.get(row.line)
            values[name] = plan.teams[key].existing_id if key else None
        elif name == "manager_id":
            continue  # set once every person has an id
        else:
            values[name] = getattr(row, name)
    return values


def _creation_waves(plan: ImportPlan) -> list[list[PersonRow]]:
    """The new people in waves, managers before their reports: everyone in a wave has a manager who is stored
    already (in the directory or an earlier wave), so each person is inserted with their manager set and no
    second pass over the new rows is needed. Org charts are a few levels deep, so there are few waves."""
    creating = {row.external_id: row for row in plan.creates}
    depths: dict[str, int] = {}
    for row in plan.creates:
        chain: list[str] = []
        current: str | None = row.external_id
        while current is not None and current in creating and current not in depths:
            if current in chain:  # cannot happen: the plan rejected every manager cycle
                raise ImportFileInvalid(f"manager cycle through {current} left in the plan")
            chain.append(current)
            current = plan.manager_of_row.get(creating[current].line)
        depth = depths[current] + 1 if current is not None and current in depths else 0
        for external_id in reversed(chain):
            depths[external_id] = depth
            depth += 1
    waves: list[list[PersonRow]] = [[] for _ in range(max(depths.values(), default=-1) + 1)]
    for row in plan.creates:
        waves[depths[row.external_id]].append(row)
    return waves


def apply_people_import(
    session: Session, workspace_id: int, plan: ImportPlan, *, actor: str, progress: Progress | None = None
) -> ImportReport:
    report = progress or (lambda step, done, total: None)
    teams_created = len(plan.new_teams)
    _create_job_roles(session, workspace_id, plan)
    _create_teams(session, workspace_id, plan)
    columns = plan.columns
    new_fields = ["external_id", "email", "display_name", "job_title", "location", "start_date"]
    if "job_role" in columns:
        new_fields.append("job_role_id")
    if "team" in columns:
        new_fields.append("team_id")
    sets_managers = "manager" in columns
    total = len(plan.creates) + len(plan.updates)
    done = 0
    for wave in _creation_waves(plan) if sets_managers else [plan.creates]:
        for start in range(0, len(wave), repository.BATCH_SIZE):
            batch = wave[start : start + repository.BATCH_SIZE]
            new_rows = []
            for row in batch:
                values = _person_values(plan, row, new_fields)
                values["employment_status"] = row.employment_status or EmploymentStatus.active
                if sets_managers:
                    manager = plan.manager_of_row.get(row.line)
                    values["manager_id"] = plan.existing_ids[manager] if manager else None
                new_rows.append(values)
            ids = repository.insert_people(session, workspace_id, new_rows)
            for row, person_id in zip(batch, ids, strict=True):
                plan.existing_ids[row.external_id] = person_id
            done += len(batch)
            report("writing", done, total)

    changed_rows = []
    for row, existing, changed in plan.updates:
        values = {"id": existing.id, **_person_values(plan, row, changed)}
        if "manager_id" in changed:
            manager = plan.manager_of_row.get(row.line)
            values["manager_id"] = plan.existing_ids[manager] if manager else None
        changed_rows.append(values)
    repository.update_people(session, workspace_id, changed_rows)
    done += len(changed_rows)
    report("writing", done, total)
    session.flush()
    vendor_accounts_service.link_vendor_accounts(
        session,
        workspace_id,
        [(vendor, account, plan.existing_ids[external_id]) for vendor, account, external_id in plan.links],
        source="people_import",
        actor=actor,
    )
    result = _report(plan, dry_run=False, teams_created=teams_created)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.people.imported",
        target=f"workspace:{workspace_id}",
        after=result.counts(),
    )
    return result


def _report(plan: ImportPlan, *, dry_run: bool, teams_created: int | None = None) -> ImportReport:
    return ImportReport(
        dry_run=dry_run,
        rows_read=plan.rows_read,
        created=len(plan.creates),
        updated=len(plan.updates),
        unchanged=plan.unchanged,
        rejected=len(plan.rejections),
        teams_created=len(plan.new_teams) if teams_created is None else teams_created,
        job_roles_created=len(plan.new_job_roles),
        rejections=plan.rejections,
        ignored_headers=plan.ignored_headers,
        accounts_linked=len(plan.links),
    )


def import_people(
    session: Session,
    workspace_id: int,
    lines: Iterable[str],
    *,
    dry_run: bool,
    actor: str,
    progress: Progress | None = None,
) -> ImportReport:
    """Read, plan and (unless ``dry_run``) write a people CSV; the report counts every outcome."""
    parsed = read_people_csv(lines)
    plan = plan_people_import(session, workspace_id, parsed, progress)
    if dry_run:
        return _report(plan, dry_run=True)
    return apply_people_import(session, workspace_id, plan, actor=actor, progress=progress)


@dataclass(frozen=True)
class PlannedChange:
    """One person an import would create or update, as the upload preview lists it."""

    line: int
    external_id: str
    display_name: str | None
    action: str  # "create" or "update"
    fields: list[str]  # for an update, the directory fields that change


@dataclass(frozen=True)
class ImportPreview:
    """What confirming an upload would do: the dry-run report, the first changes, the teams and job roles made."""

    report: ImportReport
    changes: list[PlannedChange]
    new_team_names: list[str]
    new_job_role_names: list[str]


def preview_people_import(
    session: Session, workspace_id: int, lines: Iterable[str], *, change_limit: int = 200
) -> ImportPreview:
    """A dry run that also lists the first ``change_limit`` people it would create or update (by line)."""
    plan = plan_people_import(session, workspace_id, read_people_csv(lines))
    changes = [
        PlannedChange(row.line, row.external_id, row.display_name, "create", []) for row in plan.creates
    ] + [
        PlannedChange(
            row.line,
            row.external_id,
            row.display_name,
            "update",
            [name.removesuffix("_id") for name in changed],
        )
        for row, _, changed in plan.updates
    ]
    changes.sort(key=lambda change: change.line)
    return ImportPreview(
        report=_report(plan, dry_run=True),
        changes=changes[:change_limit],
        new_team_names=sorted(team.name for team in plan.new_teams),
        new_job_role_names=sorted(plan.new_job_roles.values()),
    )


# -- uploads kept between the preview and the confirmation ------------------------------------------------------


def uploads_folder(data_dir: Path) -> Path:
    return data_dir / "imports"


def store_upload(data_dir: Path, workspace_id: int, content: bytes) -> str:
    """Keep an uploaded file until it is confirmed; returns the token that names it."""
    token = secrets.token_urlsafe(16)
    folder = uploads_folder(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{workspace_id}-{token}.csv").write_bytes(content)
    return token


def upload_path(data_dir: Path, workspace_id: int, token: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_-]{10,64}", token):
        raise ImportUploadNotFound("the upload token is not valid")
    path = uploads_folder(data_dir) / f"{workspace_id}-{token}.csv"
    if not path.is_file():
        raise ImportUploadNotFound("the upload is gone (already imported, or the server was cleaned)")
    return path


def delete_uploads_older_than(data_dir: Path, *, hours: float) -> int:
    """Delete kept uploads (of every workspace) last written more than ``hours`` ago; returns how many."""
    folder = uploads_folder(data_dir)
    if not folder.is_dir():
        return 0
    cutoff = time.time() - hours * 3600
    deleted = 0
    for path in folder.glob("*.csv"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            deleted += 1
    return deleted


def upload_lines(path: Path) -> Iterator[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from handle


def count_upload_rows(path: Path) -> int:
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def decode_upload(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileInvalid(
            "the file is not UTF-8 text; save it as 'CSV UTF-8' and upload it again"
        ) from None
