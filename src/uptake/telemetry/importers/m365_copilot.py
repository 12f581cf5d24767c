"""Microsoft 365 Copilot usage, user detail: the CSV the Microsoft 365 admin centre exports (Reports → Usage →
Microsoft 365 Copilot → Export) and the JSON of Microsoft Graph's `getMicrosoft365CopilotUsageUserDetail`
(`{"value": [...]}`, as a file; NDJSON of the same rows is read too).

A row is one licensed person: `userPrincipalName`, `reportRefreshDate`, `lastActivityDate` and one
`<app>CopilotLastActivityDate` per app (Teams, Word, Excel, PowerPoint, Outlook, OneNote, Loop, Copilot
Chat, and any app Microsoft adds under the same naming). The report holds **dates of last activity, not
counts**: each app date becomes one `invoked` event on that date, attributed to the app; a row without any
app date but with `lastActivityDate` makes one event of the app `any`; a row without dates made none (the
person holds a licence and has not used it). The event id is a UUIDv5 of (person, app, date), so a daily
import adds an event exactly when a person's last activity in an app moved to a new day.

CSV headers and JSON keys are matched alike, ignoring case, spaces and punctuation ("Word Copilot Last
Activity Date" is `wordCopilotLastActivityDate`), and `powerPoint`/`powerpoint` are one app.
"""

from __future__ import annotations

import codecs
import csv
import re
import uuid
from collections.abc import Iterator, Mapping
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

SOURCE: Final = "m365_copilot"
M365_EVENT_NAMESPACE: Final = uuid.UUID("8e3b5d21-7c4a-4f6e-b1d9-2a6c0e4f9b37")
"""The UUIDv5 namespace of imported Microsoft 365 Copilot events (fixed, like the other sources')."""
PERSON_KEY: Final = "userprincipalname"
REFRESH_KEY: Final = "reportrefreshdate"
ANY_APP_KEY: Final = "lastactivitydate"
ANY_APP: Final = "any"
APP_NAMES: Final = {
    "microsoftteams": "teams",
    "word": "word",
    "excel": "excel",
    "powerpoint": "powerpoint",
    "outlook": "outlook",
    "onenote": "onenote",
    "loop": "loop",
    "copilotchat": "copilot_chat",
}
"""The report's app prefixes and the name each gets in the events' `app` attribute; an unknown prefix is
kept as it is."""
_NOT_ALPHANUMERIC: Final = re.compile(r"[^0-9a-z]")
_BYTE_ORDER_MARK: Final = b"\xef\xbb\xbf"


def normalized_key(name: str) -> str:
    """A CSV header or JSON key without case, spaces or punctuation: both spellings of a column meet."""
    return _NOT_ALPHANUMERIC.sub("", name.lower())


def app_of(key: str) -> str | None:
    """The app a normalized `<app>copilotlastactivitydate` (or `copilotchatlastactivitydate`) key is about;
    None for other keys."""
    prefix = key.removesuffix(ANY_APP_KEY)
    if prefix == key or "copilot" not in prefix:
        return None
    prefix = prefix.removesuffix("copilot") or prefix
    return APP_NAMES.get(prefix, prefix)


def import_m365_copilot(
    file: BinaryIO, options: ImportOptions, context: IngestContext, now: datetime
) -> Iterator[ImportItem]:
    """The events of a Microsoft 365 Copilot usage user-detail report, CSV or Graph JSON."""
    start = file.read(64).removeprefix(_BYTE_ORDER_MARK).lstrip()
    file.seek(0)
    rows = _json_rows(file) if start[:1] in (b"{", b"[") else _csv_rows(file)
    unused = 0
    for line, row in rows:
        if isinstance(row, RecordProblem):
            yield row
            continue
        made = list(_row_events(line, row, options, context, now))
        if not made:
            unused += 1
        yield from made
    if unused:
        yield ImportNote(
            f"{unused} licensed person(s) show no Copilot activity in the report and made no event"
        )


def _csv_rows(file: BinaryIO) -> Iterator[tuple[int, dict[str, str] | RecordProblem]]:
    text = codecs.getreader("utf-8-sig")(file, "replace")
    reader = csv.DictReader(text)
    if reader.fieldnames is None:
        return
    keys = [normalized_key(name) for name in reader.fieldnames]
    if PERSON_KEY not in keys:
        raise ImportFileUnreadable(
            "the CSV has no 'User Principal Name' column; export the Microsoft 365 Copilot usage report's user "
            "detail from the admin centre"
        )
    for row in reader:
        line = reader.line_num
        yield line, {normalized_key(name): value for name, value in row.items() if isinstance(name, str)}


def _json_rows(file: BinaryIO) -> Iterator[tuple[int, Mapping[str, Any] | RecordProblem]]:
    for item in json_records(file):
        if isinstance(item, RecordProblem):
            yield item.line, item
            continue
        line, value = item
        if isinstance(value, dict) and isinstance(value.get("value"), list):
            for row in value["value"]:
                yield line, _normalized_row(line, row)
        else:
            yield line, _normalized_row(line, value)


def _normalized_row(line: int, row: Any) -> Mapping[str, Any] | RecordProblem:
    if not isinstance(row, dict):
        return RecordProblem(line, "a row is not a JSON object")
    return {normalized_key(name): value for name, value in row.items() if not name.startswith("@odata")}


def _row_events(
    line: int, row: Mapping[str, Any], options: ImportOptions, context: IngestContext, now: datetime
) -> Iterator[ImportItem]:
    person = row.get(PERSON_KEY)
    if not isinstance(person, str) or not person.strip():
        yield RecordProblem(line, "has no userPrincipalName")
        return
    dates: dict[str, date] = {}
    for key, value in row.items():
        app = app_of(key)
        if app is None or value in (None, ""):
            continue
        try:
            dates[app] = _date(value)
        except ValueError:
            yield RecordProblem(line, f"{key}: {value!r} is not a date (YYYY-MM-DD)")
    if not dates and row.get(ANY_APP_KEY) not in (None, ""):
        try:
            dates[ANY_APP] = _date(row[ANY_APP_KEY])
        except ValueError:
            yield RecordProblem(line, f"lastActivityDate: {row[ANY_APP_KEY]!r} is not a date (YYYY-MM-DD)")
    refreshed = row.get(REFRESH_KEY)
    canonical_person = person.strip().lower()
    for app, day in sorted(dates.items()):
        attributes: dict[str, Any] = {"app": app, "last_activity": True}
        if isinstance(refreshed, str) and refreshed:
            attributes["report_refresh_date"] = refreshed[:10]
        yield ImportedEvent(
            line,
            {
                "event_id": deterministic_event_id(
                    M365_EVENT_NAMESPACE, f"{canonical_person}:{app}:{day.isoformat()}"
                ),
                "time": time_on_day(day, context.timezone, now),
                "person": options.person(person),
                "use_case": options.use_case,
                "tool": options.tool,
                "kind": "invoked",
                "attributes": attributes,
            },
        )


def _date(value: Any) -> date:
    return date.fromisoformat(str(value).strip()[:10])
