"""Importing a web-proxy, CASB or SaaS-discovery export: read and check each row, keep the AI services'
traffic, pseudonymize its people, then write one sighting per day, person, tool and domain.

1. `read_log` recognizes the format (a header naming the generic columns, or Cisco Umbrella's header-less web
   log), maps each row to (time, user, domain or app, requests, bytes) and checks it on its own; a bad row is a
   `RowRejection` with its line, column and reason, and the good rows are kept all the same.
2. Rows whose domain or application is no AI service (the shipped map and the workspace's own domains) are
   counted and dropped: uptake never stores the rest of anyone's browsing.
3. `import_log` pseudonymizes each user as telemetry does (HMAC of the canonical key under the workspace's key;
   an email or external id the directory knows becomes that person's external id first), links them to the
   directory person by email or external id, sums their requests and bytes per day (in the workspace's time
   zone), tool and domain, and (unless a dry run) stores them with one audit entry of the counts.

A file is known by its SHA-256: importing the same file again changes nothing (its report says when it came).
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory.service import people as people_service
from uptake.discovery import repository
from uptake.discovery.ai_services import ServiceMap
from uptake.discovery.models import LogFormat, LogImport
from uptake.errors import FieldError, InvalidInput
from uptake.telemetry import service as telemetry_service
from uptake.workspaces import service as workspaces_service

GENERIC_COLUMNS: dict[str, tuple[str, ...]] = {
    "time": ("time", "timestamp", "datetime", "date", "event_time", "_time", "date_time", "time_utc"),
    "user": ("user", "user_email", "email", "username", "user_name", "login", "upn", "user_principal_name"),
    "domain": ("domain", "host", "hostname", "url", "site", "destination", "dest_host", "server_name"),
    "app": ("app", "application", "app_name", "application_name", "service", "cloud_app", "appname"),
    "requests": ("requests", "request_count", "count", "hits", "transactions", "events"),
    "bytes": ("bytes", "total_bytes", "bytes_total", "size", "traffic_bytes"),
}
"""The generic format's fields and the header names read for each (compared lower-case, spaces as `_`)."""

# Cisco Umbrella web (proxy) logs: CSV without a header, every field quoted, in a documented order
# (https://docs.umbrella.com/umbrella-user-guide/docs/web-log-formats). The fields the import reads:
UMBRELLA_FIELDS: dict[str, int] = {
    "timestamp": 0,
    "policy identity label": 1,
    "url": 7,
    "request size": 11,
    "response size": 12,
    "identities": 23,
}
UMBRELLA_MIN_FIELDS = 13
TIMESTAMP_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}")
EPOCH_PATTERN = re.compile(r"\d{9,13}(\.\d+)?")
DATE_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
TIME_REASON = "must be a time like 2026-12-01 09:30:00 (UTC unless it says), or Unix seconds"
EMAIL_PATTERN = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
MAX_REJECTIONS_KEPT = 1000
MAX_USER_LENGTH = 320
MAX_COUNT = 10**12


class LogFileInvalid(InvalidInput):
    title = "This file cannot be imported."


@dataclass(frozen=True)
class RowRejection:
    """A row that was not imported: its line in the file, the column at fault and why."""

    line: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "column": self.column, "reason": self.reason}


@dataclass(frozen=True)
class LogRow:
    line: int
    time: datetime
    user: str
    target: str
    requests: int
    bytes: int


@dataclass
class DiscoveryImportReport:
    dry_run: bool
    log_format: str
    rows_read: int = 0
    rows_matched: int = 0
    rows_other: int = 0
    rejected: int = 0
    sightings: int = 0
    people_linked: int = 0
    people_unlinked: int = 0
    tools: list[str] = field(default_factory=list)
    first_day: date | None = None
    last_day: date | None = None
    already_imported_at: datetime | None = None
    rejections: list[RowRejection] = field(default_factory=list)
    ignored_headers: list[str] = field(default_factory=list)
    map_version: str = ""

    def counts(self) -> dict[str, Any]:
        return {
            "log_format": self.log_format,
            "rows_read": self.rows_read,
            "rows_matched": self.rows_matched,
            "rows_other": self.rows_other,
            "rejected": self.rejected,
            "sightings": self.sightings,
            "tools": self.tools,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            **self.counts(),
            "people_linked": self.people_linked,
            "people_unlinked": self.people_unlinked,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "already_imported_at": self.already_imported_at.isoformat() if self.already_imported_at else None,
            "map_version": self.map_version,
            "rejections": [rejection.as_dict() for rejection in self.rejections],
            "ignored_headers": self.ignored_headers,
        }


# ---------------------------------------------------------------- reading


def _normalize(header: str) -> str:
    return re.sub(r"[\s\-.]+", "_", header.replace("\ufeff", "").strip().lower()).strip("_")


def parse_time(text: str) -> datetime:
    """An ISO 8601 time (a naive one is UTC) or Unix epoch seconds or milliseconds, as an aware datetime."""
    value = text.strip()
    if DATE_START.match(value):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(TIME_REASON) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if EPOCH_PATTERN.fullmatch(value):
        seconds = float(value)
        return datetime.fromtimestamp(seconds / 1000 if seconds > 1e11 else seconds, UTC)
    raise ValueError(TIME_REASON)


def _count(text: str, name: str) -> int:
    value = text.strip()
    if not value:
        return 0
    if not value.isdigit() or int(value) > MAX_COUNT:
        raise ValueError(f"{value[:40]!r} is not a whole number of {name}")
    return int(value)


def map_generic_columns(headers: list[str]) -> tuple[dict[str, int], list[str]]:
    by_name: dict[str, int] = {}
    for index, header in enumerate(headers):
        by_name.setdefault(_normalize(header), index)
    columns: dict[str, int] = {}
    problems: list[FieldError] = []
    for name, synonyms in GENERIC_COLUMNS.items():
        found = [synonym for synonym in synonyms if synonym in by_name]
        if len(found) > 1:
            problems.append(FieldError(name, f"several columns could fill it: {', '.join(found)}"))
        elif found:
            columns[name] = by_name[found[0]]
    for name in ("time", "user"):
        if name not in columns and name not in {problem.field for problem in problems}:
            problems.append(
                FieldError(name, f"no column for it; name one of: {', '.join(GENERIC_COLUMNS[name][:4])}")
            )
    if "domain" not in columns and "app" not in columns and not problems:
        problems.append(FieldError("domain", "no column names the service; add domain (or url) or app"))
    if problems:
        raise LogFileInvalid("the header row does not name the columns uptake needs", errors=problems)
    used = set(columns.values())
    return columns, [header for index, header in enumerate(headers) if index not in used and header.strip()]


def detect_format(first_row: list[str]) -> LogFormat:
    """Generic when the first row is a header naming a time column; Umbrella when it is a data row whose
    first field is a timestamp and which has Umbrella's fields."""
    normalized = {_normalize(cell) for cell in first_row}
    if normalized & set(GENERIC_COLUMNS["time"]):
        return LogFormat.generic
    if len(first_row) >= UMBRELLA_MIN_FIELDS and TIMESTAMP_PATTERN.match(first_row[0].strip()):
        return LogFormat.umbrella
    raise LogFileInvalid(
        "the format is not recognized",
        errors=[
            FieldError(
                "file",
                "start with a header row (time, user, domain or app, requests, bytes) for the generic format, "
                "or send a Cisco Umbrella web log as exported (no header, "
                f"{UMBRELLA_MIN_FIELDS} or more quoted fields)",
            )
        ],
    )


def _generic_row(
    line: int, cells: list[str], columns: Mapping[str, int], headers: list[str]
) -> LogRow | RowRejection:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def reject(name: str, reason: str) -> RowRejection:
        index = columns.get(name)
        return RowRejection(line, headers[index] if index is not None else name, reason)

    try:
        time = parse_time(cell("time"))
    except ValueError as error:
        return reject("time", f"{cell('time')[:40]!r} {error}" if cell("time") else "is empty")
    user = cell("user")
    if not user:
        return reject("user", "is empty; name who made the request (email or login)")
    if len(user) > MAX_USER_LENGTH:
        return reject("user", f"is {len(user)} characters long; at most {MAX_USER_LENGTH}")
    target = cell("domain") or cell("app")
    if not target:
        return reject("domain" if "domain" in columns else "app", "is empty; name the domain, URL or app")
    try:
        requests = _count(cell("requests"), "requests") if "requests" in columns else 1
        size = _count(cell("bytes"), "bytes")
    except ValueError as error:
        name = "requests" if "requests" in str(error) else "bytes"
        return reject(name, str(error))
    return LogRow(line, time, user, target, requests or 1, size)


def umbrella_user(label: str, identities: str) -> str:
    """The person an Umbrella row names: an email in the policy identity label or the identities (an AD or
    directory user, `Jane Doe (jane.doe@example.com)`), else the label itself (a computer, a network)."""
    for text in (label, identities):
        found = EMAIL_PATTERN.search(text)
        if found:
            return found.group(0)
    return label.strip()


def _umbrella_row(line: int, cells: list[str]) -> LogRow | RowRejection:
    if len(cells) < UMBRELLA_MIN_FIELDS:
        return RowRejection(
            line,
            "(row)",
            f"has {len(cells)} fields; an Umbrella web log row has at least {UMBRELLA_MIN_FIELDS}",
        )
    stamp = cells[UMBRELLA_FIELDS["timestamp"]].strip()
    try:
        time = parse_time(stamp)
    except ValueError as error:
        return RowRejection(line, "timestamp (field 1)", f"{stamp[:40]!r} {error}")
    identities = cells[UMBRELLA_FIELDS["identities"]] if len(cells) > UMBRELLA_FIELDS["identities"] else ""
    user = umbrella_user(cells[UMBRELLA_FIELDS["policy identity label"]], identities)
    if not user:
        return RowRejection(line, "policy identity label (field 2)", "is empty; the row names nobody")
    if len(user) > MAX_USER_LENGTH:
        return RowRejection(
            line, "policy identity label (field 2)", f"is longer than {MAX_USER_LENGTH} characters"
        )
    url = cells[UMBRELLA_FIELDS["url"]].strip()
    if not url:
        return RowRejection(line, "url (field 8)", "is empty")
    try:
        size = _count(cells[UMBRELLA_FIELDS["request size"]], "bytes") + _count(
            cells[UMBRELLA_FIELDS["response size"]], "bytes"
        )
    except ValueError as error:
        return RowRejection(line, "request size / response size (fields 12, 13)", str(error))
    return LogRow(line, time, user, url, 1, size)


@dataclass
class ParsedLog:
    log_format: LogFormat
    rows: Iterator[LogRow | RowRejection]
    ignored_headers: list[str]
    digest: Any


def _hashing(lines: Iterable[str], digest: Any) -> Iterator[str]:
    for line in lines:
        digest.update(line.encode())
        yield line


def read_log(lines: Iterable[str], *, log_format: LogFormat | None = None) -> ParsedLog:
    """Recognize the format (or take `log_format`) and yield each row checked on its own, line by line."""
    digest = hashlib.sha256()
    reader = csv.reader(_hashing(lines, digest), skipinitialspace=True)
    try:
        first = next(reader)
    except StopIteration:
        raise LogFileInvalid("the file is empty") from None
    except csv.Error as error:
        raise LogFileInvalid(f"the first row cannot be read: {error}") from None
    found = log_format or detect_format(first)
    if found == LogFormat.generic:
        columns, ignored = map_generic_columns(first)
        return ParsedLog(found, _rows(reader, found, columns, first, None), ignored, digest)
    return ParsedLog(found, _rows(reader, found, {}, [], first), [], digest)


def _rows(
    reader: Any,
    log_format: LogFormat,
    columns: Mapping[str, int],
    headers: list[str],
    first: list[str] | None,
) -> Iterator[LogRow | RowRejection]:
    if first is not None:
        yield _umbrella_row(1, first)
    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowRejection(line, "(row)", f"cannot be read as CSV: {error}")
            line = reader.line_num + 1
            continue
        if any(cell.strip() for cell in cells):
            if log_format == LogFormat.umbrella:
                yield _umbrella_row(line, cells)
            elif len(cells) > len(headers):
                yield RowRejection(line, "(row)", f"has {len(cells)} cells; the header has {len(headers)}")
            else:
                yield _generic_row(line, cells, columns, headers)
        line = reader.line_num + 1


# ---------------------------------------------------------------- pseudonymizing, summing, writing


@dataclass
class _Total:
    person_id: int | None
    requests: int = 0
    bytes: int = 0


def import_log(
    session: Session,
    workspace_id: int,
    lines: Iterable[str],
    services: ServiceMap,
    *,
    dry_run: bool,
    actor: str,
    file_name: str = "",
    log_format: LogFormat | None = None,
) -> DiscoveryImportReport:
    """Read, match, pseudonymize and (unless `dry_run`) store a discovery log; the report counts every row."""
    parsed = read_log(lines, log_format=log_format)
    report = DiscoveryImportReport(
        dry_run=dry_run,
        log_format=parsed.log_format.value,
        ignored_headers=parsed.ignored_headers,
        map_version=services.version,
    )
    key = telemetry_service.pseudonym_key(session, workspace_id)
    zone = ZoneInfo(workspaces_service.get_workspace(session, workspace_id).timezone)
    directory_map: dict[str, str] = {}
    person_ids: dict[str, int] = {}
    for person in people_service.person_snapshots(session, workspace_id):
        canonical_id = person.external_id.strip().lower()
        directory_map[canonical_id] = person.external_id
        person_ids[canonical_id] = person.id
        if person.email:
            directory_map[person.email.strip().lower()] = person.external_id
    pseudonyms: dict[str, tuple[str, int | None]] = {}
    days_by_hour: dict[datetime, date] = {}
    totals: dict[tuple[date, str, str, str], _Total] = {}
    tools: set[str] = set()
    for row in parsed.rows:
        if isinstance(row, RowRejection):
            report.rejected += 1
            if len(report.rejections) < MAX_REJECTIONS_KEPT:
                report.rejections.append(row)
            continue
        report.rows_read += 1
        found = services.match(row.target)
        if found is None:
            report.rows_other += 1
            continue
        report.rows_matched += 1
        tool, domain = found
        known = pseudonyms.get(row.user)
        if known is None:
            external = directory_map.get(row.user.strip().lower())
            known = pseudonyms[row.user] = (
                telemetry_service.pseudonymize_person(key, external or row.user),
                person_ids.get(external.strip().lower()) if external else None,
            )
        hour = row.time.replace(minute=0, second=0, microsecond=0)
        day = days_by_hour.get(hour)
        if day is None:
            day = days_by_hour[hour] = row.time.astimezone(zone).date()
        total = totals.setdefault((day, tool, domain, known[0]), _Total(known[1]))
        total.requests += row.requests
        total.bytes += row.bytes
        tools.add(tool)
    report.rows_read += report.rejected
    report.sightings = len(totals)
    report.tools = sorted(tools)
    linked = {pseudonym for pseudonym, person_id in pseudonyms.values() if person_id is not None}
    seen = {person_key for (_, _, _, person_key) in totals}
    report.people_linked = len(seen & linked)
    report.people_unlinked = len(seen - linked)
    days = sorted({day for (day, _, _, _) in totals})
    report.first_day, report.last_day = (days[0], days[-1]) if days else (None, None)
    digest = parsed.digest.hexdigest()
    earlier = repository.get_import_by_digest(session, workspace_id, digest)
    if earlier is not None:
        report.already_imported_at = earlier.imported_at
        report.sightings = 0
        return report
    if dry_run:
        return report
    log_import = LogImport(
        workspace_id=workspace_id,
        file_name=file_name[:300],
        log_format=parsed.log_format,
        digest=digest,
        rows_read=report.rows_read,
        rows_matched=report.rows_matched,
        rows_rejected=report.rejected,
        first_day=report.first_day,
        last_day=report.last_day,
        actor=actor,
    )
    session.add(log_import)
    session.flush()
    repository.insert_sightings(
        session,
        [
            {
                "workspace_id": workspace_id,
                "import_id": log_import.id,
                "day": day,
                "tool_slug": tool,
                "domain": domain[:253],
                "person_key": person_key,
                "person_id": total.person_id,
                "requests": total.requests,
                "bytes": total.bytes,
            }
            for (day, tool, domain, person_key), total in totals.items()
        ],
    )
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="discovery.log.imported",
        target=f"discovery_import:{log_import.id}",
        after={**report.counts(), "file_name": file_name[:300], "digest": digest},
    )
    return report


def decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise LogFileInvalid("the file is not UTF-8 text; save it as 'CSV UTF-8' and send it again") from None
