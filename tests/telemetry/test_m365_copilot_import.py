"""The Microsoft 365 Copilot importer on the admin centre's CSV and Microsoft Graph's JSON."""

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from uptake.telemetry.importers import ImportFileUnreadable, ImportOptions, run_import
from uptake.telemetry.importers.m365_copilot import app_of, import_m365_copilot, normalized_key
from uptake.telemetry.pseudonyms import pseudonymize_person
from uptake.telemetry.service import IngestContext

SAMPLES = Path(__file__).parent / "samples"
CSV_REPORT = SAMPLES / "m365-copilot-usage-user-detail.csv"
JSON_REPORT = SAMPLES / "m365-copilot-usage-user-detail.json"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
OPTIONS = ImportOptions(use_case="m365-copilot", tool="m365-copilot")
CONTEXT = IngestContext(
    workspace_id=1,
    pseudonym_key=b"workspace-key",
    directory_map={"alice@contoso.com": "E1", "e1": "E1"},
    timezone="America/Los_Angeles",
    known_use_cases=frozenset(),
    known_tools=frozenset(),
    known_kinds=frozenset(),
)
ALICE_APPS = {
    ("teams", date(2025, 10, 4)),
    ("word", date(2025, 10, 2)),
    ("outlook", date(2025, 10, 3)),
    ("copilot_chat", date(2025, 10, 4)),
}


def import_bytes(store, data: bytes):
    return run_import(
        import_m365_copilot, io.BytesIO(data), store, CONTEXT, OPTIONS, source="m365_copilot", now=NOW
    )


def app_days(store, person: str) -> set[tuple[str, date]]:
    pseudonym = pseudonymize_person(CONTEXT.pseudonym_key, person, CONTEXT.directory_map)
    return {
        (json.loads(event["attributes"])["app"], event["day"])
        for event in store.events_for_person(CONTEXT.workspace_id, pseudonym)
    }


@pytest.mark.parametrize("report", [CSV_REPORT, JSON_REPORT], ids=["admin-centre-csv", "graph-json"])
def test_each_apps_last_activity_date_becomes_one_event_on_that_day(store, report) -> None:
    summary = import_bytes(store, report.read_bytes())

    assert (summary.events, summary.accepted, summary.problem_count) == (5, 5, 0)
    assert app_days(store, "E1") == ALICE_APPS  # the directory knows alice@contoso.com as E1
    assert app_days(store, "bob@contoso.com") == {("powerpoint", date(2025, 9, 20))}


def test_the_csv_and_the_json_of_one_report_are_the_same_events(store) -> None:
    import_bytes(store, CSV_REPORT.read_bytes())
    again = import_bytes(store, JSON_REPORT.read_bytes())
    assert (again.accepted, again.duplicates) == (0, 5)


def test_a_licensed_person_without_activity_is_reported_not_counted(store) -> None:
    summary = import_bytes(store, CSV_REPORT.read_bytes())
    assert summary.notes == ["1 licensed person(s) show no Copilot activity in the report and made no event"]
    assert app_days(store, "carol@contoso.com") == set()


def test_a_later_report_adds_only_the_days_that_moved(store) -> None:
    import_bytes(store, CSV_REPORT.read_bytes())
    later = CSV_REPORT.read_text().replace(
        "2025-10-04,2025-10-04,2025-10-02", "2025-10-09,2025-10-09,2025-10-02"
    )
    summary = import_bytes(store, later.encode())
    assert (summary.accepted, summary.duplicates) == (1, 4)
    assert ("teams", date(2025, 10, 9)) in app_days(store, "E1")


def test_only_last_activity_date_makes_one_event_of_any_app(store) -> None:
    row = {
        "userPrincipalName": "dan@contoso.com",
        "reportRefreshDate": "2025-10-05",
        "lastActivityDate": "2025-10-01",
    }
    summary = import_bytes(store, json.dumps({"value": [row]}).encode())
    assert summary.accepted == 1
    assert app_days(store, "dan@contoso.com") == {("any", date(2025, 10, 1))}


def test_bad_dates_and_rows_without_a_person_are_named(store) -> None:
    data = CSV_REPORT.read_text().splitlines()
    data.append("2025-10-05,,Nobody,2025-10-01,2025-10-01,,,,,,,,30")
    data.append("2025-10-05,erin@contoso.com,Erin,2025-10-01,01/10/2025,2025-10-01,,,,,,,30")
    summary = import_bytes(store, "\n".join(data).encode())
    assert [(problem.line, problem.reason) for problem in summary.problems] == [
        (5, "has no userPrincipalName"),
        (6, "microsoftteamscopilotlastactivitydate: '01/10/2025' is not a date (YYYY-MM-DD)"),
    ]
    assert app_days(store, "erin@contoso.com") == {("word", date(2025, 10, 1))}


def test_a_csv_without_the_user_column_is_refused() -> None:
    with pytest.raises(ImportFileUnreadable, match="User Principal Name"):
        list(import_m365_copilot(io.BytesIO(b"Name,Date\nx,2025-01-01\n"), OPTIONS, CONTEXT, NOW))


def test_a_byte_order_mark_is_ignored(store) -> None:
    summary = import_bytes(store, b"\xef\xbb\xbf" + CSV_REPORT.read_bytes())
    assert summary.accepted == 5


@pytest.mark.parametrize(
    ("header", "app"),
    [
        ("Microsoft Teams Copilot Last Activity Date", "teams"),
        ("powerPointCopilotLastActivityDate", "powerpoint"),
        ("powerpointCopilotLastActivityDate", "powerpoint"),
        ("copilotChatLastActivityDate", "copilot_chat"),
        ("Whiteboard Copilot Last Activity Date", "whiteboard"),
        ("Last Activity Date", None),
        ("Report Refresh Date", None),
    ],
)
def test_headers_and_keys_name_their_app(header, app) -> None:
    assert app_of(normalized_key(header)) == app
