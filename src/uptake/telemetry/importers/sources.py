"""The vendor exports uptake imports, in one explicit list: the CLI's `uptake import <name>` commands and the
upload page both read it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Final

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.telemetry.importers import Importer, ImportFileUnreadable, ImportSummary
from uptake.telemetry.importers.github_copilot import SOURCE as GITHUB_SOURCE
from uptake.telemetry.importers.github_copilot import import_github_copilot
from uptake.telemetry.importers.m365_copilot import SOURCE as M365_SOURCE
from uptake.telemetry.importers.m365_copilot import import_m365_copilot


@dataclass(frozen=True, slots=True)
class ImportSource:
    name: str
    label: str
    importer: Importer
    event_source: str
    """The `source` the stored events carry."""
    default_use_case: str
    default_tool: str
    formats: str


IMPORT_SOURCES: Final = {
    source.name: source
    for source in (
        ImportSource(
            name="github-copilot",
            label="GitHub Copilot usage metrics",
            importer=import_github_copilot,
            event_source=GITHUB_SOURCE,
            default_use_case="github-copilot",
            default_tool="github-copilot",
            formats="the NDJSON usage reports (users-1-day, users-28-day, enterprise or organization days) or "
            "the seat list JSON",
        ),
        ImportSource(
            name="m365-copilot",
            label="Microsoft 365 Copilot usage (user detail)",
            importer=import_m365_copilot,
            event_source=M365_SOURCE,
            default_use_case="m365-copilot",
            default_tool="m365-copilot",
            formats="the admin centre's CSV export or Microsoft Graph's JSON",
        ),
    )
}


def read_people_map(data: bytes) -> dict[str, str]:
    """A CSV of two columns, the vendor account and the person (email or directory id), with or without a
    header row `account,person`: `{account lower-cased: person}`."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if rows and [cell.strip().lower() for cell in rows[0]] == ["account", "person"]:
        rows = rows[1:]
    people: dict[str, str] = {}
    for number, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            raise ImportFileUnreadable(f"people map line {number}: expected two columns, account and person")
        people[row[0].strip().lower()] = row[1].strip()
    return people


def record_usage_import(
    session: Session,
    workspace_id: int,
    *,
    actor: str,
    source: ImportSource,
    file_name: str,
    summary: ImportSummary,
) -> None:
    """Audit an import: which source and file, and what it stored (counts only, never who)."""
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="telemetry.import",
        target=f"{source.name}:{file_name[:200]}",
        after={
            "events": summary.events,
            "accepted": summary.accepted,
            "duplicates": summary.duplicates,
            "problems": summary.problem_count,
        },
    )
