"""GitHub Copilot usage metrics: the NDJSON usage reports of the REST API (`/copilot/metrics/reports/...`),
and the seat list (`/orgs/{org}/copilot/billing/seats`).

GitHub retired `/orgs/{org}/copilot/metrics` (the `total_active_users` days) in favour of report files: the
report endpoints answer with signed `download_links` to NDJSON files, one JSON record per line. Those files
are what this importer reads:

- **user-level** (`users-1-day`, `users-28-day/latest`): one record per user and day — `user_login`,
  `user_id`, `day`, `user_initiated_interaction_count`, `code_generation_activity_count`,
  `code_acceptance_activity_count`, `used_agent`, `used_chat`, and breakdowns `totals_by_feature`,
  `totals_by_ide`, `totals_by_language_feature`, `totals_by_cli`. Each becomes events (below).
- **enterprise- or organization-level** (`enterprise-1-day`, `enterprise-28-day/latest`, and the
  organization's): one record per day with `daily_active_users`, `weekly_active_users`,
  `monthly_active_users`, … (a 28-day file may hold them under `day_totals`). They name nobody, so they make no
  events; the import reports the days it saw and GitHub's active-user figures, as a cross-check.
- **seat list** (a JSON document with `seats`): each seat's `last_activity_at` becomes one event.

The answer of a report endpoint itself (`download_links` and `report_day` or `report_start_day` /
`report_end_day`) is refused with what to do: download the files it links to and import those.

**Events of a user's day.** For each feature of `totals_by_feature` (or the record's totals when it has no
breakdown): `user_initiated_interaction_count` `invoked` events (prompts the person sent), then
`code_acceptance_activity_count` `accepted` events, then `code_generation_activity_count −
code_acceptance_activity_count` `rejected` events (suggestions generated and not accepted), so uptake's
acceptance rate is GitHub's. Copilot CLI prompts (`totals_by_cli.prompt_count`) are `invoked` events of the
feature `copilot_cli`. A record with no count at all still makes one `invoked` event: GitHub listed the user
as active that day. Each event carries the feature, the IDEs and languages of that day, and `used_agent` /
`used_chat` in its attributes; it is dated at noon of the report's day in the workspace's zone. Its id is a
UUIDv5 of (user id or login, day, feature, kind, n). Counts above `MAX_EVENTS_PER_COUNT` are capped and the
cap is reported.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, BinaryIO, Final

from uptake.telemetry.event_sources import deterministic_event_id, time_on_day
from uptake.telemetry.importers import (
    ImportedEvent,
    ImportFileUnreadable,
    ImportItem,
    ImportNote,
    ImportOptions,
    RecordProblem,
    json_records,
)
from uptake.telemetry.service import IngestContext

SOURCE: Final = "github_copilot"
GITHUB_EVENT_NAMESPACE: Final = uuid.UUID("1c9f6a7e-4d0b-4b9a-8f3e-5a2c7d6b8e41")
"""The UUIDv5 namespace of imported GitHub Copilot events (fixed: changing it would import every file again)."""
MAX_EVENTS_PER_COUNT: Final = 10_000
"""Most events made from one count of one feature of one user's day; a person does not accept 10,000
suggestions in a day, so more is a report error, not usage."""
MAX_LISTED_NAMES: Final = 10
ALL_FEATURES: Final = "all"
CLI_FEATURE: Final = "copilot_cli"
_AGGREGATE_FIELDS: Final = (
    "daily_active_users",
    "weekly_active_users",
    "monthly_active_users",
    "monthly_active_chat_users",
    "monthly_active_agent_users",
)


@dataclass(frozen=True, slots=True)
class ReportLinks:
    """A report endpoint's answer: where the day's (or range's) NDJSON files can be downloaded."""

    download_links: list[str]
    report_day: date | None
    report_start_day: date | None
    report_end_day: date | None


@dataclass(frozen=True, slots=True)
class Seat:
    login: str
    assigned_at: datetime | None
    """`created_at`: when the seat was given."""
    last_activity_at: datetime | None
    last_activity_editor: str | None
    plan_type: str | None
    pending_cancellation_date: date | None


@dataclass(frozen=True, slots=True)
class SeatBreakdown:
    """The organization's Copilot billing answer: how many seats, and how many were used this cycle."""

    total: int
    added_this_cycle: int
    pending_invitation: int
    pending_cancellation: int
    active_this_cycle: int
    inactive_this_cycle: int
    plan_type: str | None


@dataclass(frozen=True, slots=True)
class DailyTotals:
    """One day of an enterprise- or organization-level report: GitHub's own active-user counts."""

    day: date
    daily_active_users: int | None
    weekly_active_users: int | None
    monthly_active_users: int | None


def parse_report_links(document: Mapping[str, Any]) -> ReportLinks:
    """Read a report endpoint's answer (`download_links` with `report_day` or a start and end day)."""
    links = document.get("download_links")
    if not isinstance(links, list) or not all(isinstance(link, str) for link in links):
        raise ValueError("download_links must be a list of URLs")
    return ReportLinks(
        download_links=list(links),
        report_day=_optional_day(document.get("report_day")),
        report_start_day=_optional_day(document.get("report_start_day")),
        report_end_day=_optional_day(document.get("report_end_day")),
    )


def parse_seats(document: Mapping[str, Any]) -> list[Seat]:
    """Read the seat list (`seats`, each with an `assignee` and its last activity)."""
    seats = []
    for seat in document.get("seats") or []:
        assignee = seat.get("assignee") or {}
        login = assignee.get("login") or assignee.get("slug") or assignee.get("name")
        if not isinstance(login, str) or not login.strip():
            raise ValueError("a seat has no assignee login")
        seats.append(
            Seat(
                login=login,
                assigned_at=_optional_time(seat.get("created_at")),
                last_activity_at=_optional_time(seat.get("last_activity_at")),
                last_activity_editor=seat.get("last_activity_editor"),
                plan_type=seat.get("plan_type"),
                pending_cancellation_date=_optional_day(seat.get("pending_cancellation_date")),
            )
        )
    return seats


def parse_seat_breakdown(document: Mapping[str, Any]) -> SeatBreakdown:
    """Read the organization's Copilot billing answer (`seat_breakdown`)."""
    breakdown = document.get("seat_breakdown")
    if not isinstance(breakdown, dict):
        raise ValueError("seat_breakdown must be an object")
    return SeatBreakdown(
        total=int(breakdown.get("total", 0)),
        added_this_cycle=int(breakdown.get("added_this_cycle", 0)),
        pending_invitation=int(breakdown.get("pending_invitation", 0)),
        pending_cancellation=int(breakdown.get("pending_cancellation", 0)),
        active_this_cycle=int(breakdown.get("active_this_cycle", 0)),
        inactive_this_cycle=int(breakdown.get("inactive_this_cycle", 0)),
        plan_type=document.get("plan_type"),
    )


def parse_daily_totals(record: Mapping[str, Any]) -> DailyTotals:
    """Read one day of an enterprise- or organization-level report."""
    day = _optional_day(record.get("day"))
    if day is None:
        raise ValueError("day is missing")
    return DailyTotals(
        day=day,
        daily_active_users=_optional_count(record.get("daily_active_users")),
        weekly_active_users=_optional_count(record.get("weekly_active_users")),
        monthly_active_users=_optional_count(record.get("monthly_active_users")),
    )


def import_github_copilot(
    file: BinaryIO, options: ImportOptions, context: IngestContext, now: datetime
) -> Iterator[ImportItem]:
    """The events of a GitHub Copilot report file (see the module's description for the formats)."""
    aggregate_days: list[DailyTotals] = []
    capped: list[int] = []
    for item in json_records(file):
        if isinstance(item, RecordProblem):
            yield item
            continue
        line, record = item
        if not isinstance(record, dict):
            yield RecordProblem(line, "is not a JSON object")
            continue
        if "download_links" in record:
            raise ImportFileUnreadable(_links_message(record))
        if "seat_breakdown" in record:
            raise ImportFileUnreadable(
                "this is the organization's Copilot billing summary (seat counts), which names nobody; import "
                "the seat list (/orgs/{org}/copilot/billing/seats) or the usage reports instead"
            )
        if "seats" in record:
            yield from _seat_events(line, record, options, context, now)
            continue
        if "day_totals" in record:
            for day_record in record.get("day_totals") or []:
                yield from _aggregate_day(line, day_record, aggregate_days)
            continue
        if "user_login" in record or "user_id" in record:
            yield from _user_day_events(line, record, options, context, now, capped)
            continue
        if any(name in record for name in _AGGREGATE_FIELDS):
            yield from _aggregate_day(line, record, aggregate_days)
            continue
        yield RecordProblem(
            line,
            "is neither a user-level record (user_login, day), an enterprise/organization day "
            "(day, daily_active_users) nor a seat list",
        )
    if capped:
        yield ImportNote(
            f"{len(capped):,} count(s) above {MAX_EVENTS_PER_COUNT:,} were capped at that number"
        )
    if aggregate_days:
        yield ImportNote(_aggregate_note(aggregate_days))


def _links_message(record: Mapping[str, Any]) -> str:
    try:
        links = parse_report_links(record)
    except ValueError as error:
        return f"this looks like a report endpoint's answer, but {error}"
    period = (
        str(links.report_day) if links.report_day else f"{links.report_start_day} to {links.report_end_day}"
    )
    return (
        f"this is a report endpoint's answer for {period}: it names {len(links.download_links)} NDJSON "
        "file(s) in download_links; download them (the links expire) and import those files"
    )


def _user_day_events(
    line: int,
    record: Mapping[str, Any],
    options: ImportOptions,
    context: IngestContext,
    now: datetime,
    capped: list[int],
) -> Iterator[ImportItem]:
    """The events of one user's day; each count cut to `MAX_EVENTS_PER_COUNT` is appended to `capped`."""
    login = record.get("user_login")
    user_key = record.get("user_id") or login
    day = _optional_day_or_none(record.get("day"))
    if not isinstance(login, str) or not login.strip() or day is None:
        missing = [
            name
            for name, ok in (("user_login", isinstance(login, str) and login.strip()), ("day", day))
            if not ok
        ]
        yield RecordProblem(line, f"has no valid {' or '.join(missing)}")
        return
    person = options.person(login)
    moment = time_on_day(day, context.timezone, now)
    shared = {
        "day": day.isoformat(),
        "ides": _names(record.get("totals_by_ide"), "ide"),
        "languages": _names(record.get("totals_by_language_feature"), "language"),
    }
    for flag in ("used_agent", "used_chat"):
        if isinstance(record.get(flag), bool):
            shared[flag] = record[flag]

    counts = _feature_counts(record)
    made = 0
    for feature, kind, count in counts:
        if count > MAX_EVENTS_PER_COUNT:
            capped.append(count)
            count = MAX_EVENTS_PER_COUNT
        for n in range(count):
            made += 1
            yield ImportedEvent(
                line, _event(user_key, day, feature, kind, n, person, moment, options, shared)
            )
    if made == 0:
        yield ImportedEvent(
            line, _event(user_key, day, ALL_FEATURES, "invoked", 0, person, moment, options, shared)
        )


def _feature_counts(record: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """(feature, kind, how many events) for a user's day."""
    features = record.get("totals_by_feature")
    rows = features if isinstance(features, list) and features else [{**record, "feature": ALL_FEATURES}]
    counts: list[tuple[str, str, int]] = []
    for row in rows:
        if not isinstance(row, dict):
            continue
        feature = str(row.get("feature") or ALL_FEATURES)
        interactions = _count(row.get("user_initiated_interaction_count"))
        generated = _count(row.get("code_generation_activity_count"))
        accepted = _count(row.get("code_acceptance_activity_count"))
        counts += [
            (feature, "invoked", interactions),
            (feature, "accepted", accepted),
            (feature, "rejected", max(0, generated - accepted)),
        ]
    cli = record.get("totals_by_cli")
    if isinstance(cli, dict):
        counts.append((CLI_FEATURE, "invoked", _count(cli.get("prompt_count"))))
    return [(feature, kind, count) for feature, kind, count in counts if count > 0]


def _event(
    user_key: Any,
    day: date,
    feature: str,
    kind: str,
    n: int,
    person: str,
    moment: datetime,
    options: ImportOptions,
    shared: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "event_id": deterministic_event_id(
            GITHUB_EVENT_NAMESPACE, f"user:{user_key}:{day}:{feature}:{kind}:{n}"
        ),
        "time": moment,
        "person": person,
        "use_case": options.use_case,
        "tool": options.tool,
        "kind": kind,
        "attributes": {"feature": feature[:100], **shared},
    }


def _seat_events(
    line: int, document: Mapping[str, Any], options: ImportOptions, context: IngestContext, now: datetime
) -> Iterator[ImportItem]:
    try:
        seats = parse_seats(document)
    except (ValueError, TypeError, AttributeError) as error:
        yield RecordProblem(line, f"the seat list cannot be read: {error}")
        return
    unused = 0
    for seat in seats:
        if seat.last_activity_at is None:
            unused += 1
            continue
        attributes: dict[str, Any] = {"seat": True}
        if seat.last_activity_editor:
            attributes["editor"] = seat.last_activity_editor[:200]
        yield ImportedEvent(
            line,
            {
                "event_id": deterministic_event_id(
                    GITHUB_EVENT_NAMESPACE, f"seat:{seat.login.lower()}:{seat.last_activity_at.isoformat()}"
                ),
                "time": seat.last_activity_at,
                "person": options.person(seat.login),
                "use_case": options.use_case,
                "tool": options.tool,
                "kind": "invoked",
                "attributes": attributes,
            },
        )
    if unused:
        yield ImportNote(f"{unused} seat(s) show no activity yet and made no event")


def _aggregate_day(line: int, record: Any, days: list[DailyTotals]) -> Iterator[ImportItem]:
    if not isinstance(record, dict):
        yield RecordProblem(line, "a day of the report is not a JSON object")
        return
    try:
        days.append(parse_daily_totals(record))
    except (ValueError, TypeError) as error:
        yield RecordProblem(line, f"the day cannot be read: {error}")


def _aggregate_note(days: list[DailyTotals]) -> str:
    days.sort(key=lambda totals: totals.day)
    last = days[-1]
    return (
        f"{len(days)} day(s) of enterprise/organization totals ({days[0].day} to {last.day}) name nobody, so they "
        f"made no events; GitHub counted {last.daily_active_users} daily, {last.weekly_active_users} weekly and "
        f"{last.monthly_active_users} monthly active users on {last.day}. Import the users-1-day or users-28-day "
        "report for per-person usage."
    )


def _names(rows: Any, key: str) -> list[str]:
    if not isinstance(rows, list):
        return []
    names = {str(row[key])[:50] for row in rows if isinstance(row, dict) and row.get(key)}
    return sorted(names)[:MAX_LISTED_NAMES]


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    return max(0, int(value))


def _optional_count(value: Any) -> int | None:
    return None if value is None else _count(value)


def _optional_day(value: Any) -> date | None:
    if value in (None, ""):
        return None
    return date.fromisoformat(str(value)[:10])


def _optional_day_or_none(value: Any) -> date | None:
    try:
        return _optional_day(value)
    except ValueError:
        return None


def _optional_time(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment
