"""The GitHub Copilot importer on the REST API's documented bodies and on usage report files."""

import io
import json
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from fixtures_path import require_shared_fixtures
from uptake.telemetry.importers import ImportFileUnreadable, ImportOptions, run_import
from uptake.telemetry.importers.github_copilot import (
    MAX_EVENTS_PER_COUNT,
    import_github_copilot,
    parse_report_links,
    parse_seat_breakdown,
    parse_seats,
)
from uptake.telemetry.pseudonyms import pseudonymize_person
from uptake.telemetry.service import IngestContext

SHARED_FIXTURES_DIR = require_shared_fixtures()

GITHUB = SHARED_FIXTURES_DIR / "github-copilot-metrics"
SAMPLES = Path(__file__).parent / "samples"
USERS_REPORT = SAMPLES / "github-copilot-users-1-day.ndjson"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
OPTIONS = ImportOptions(use_case="github-copilot", tool="github-copilot")
REPORT_FILES = [
    "copilot-enterprise-one-day-usage-metrics.json",
    "copilot-enterprise-usage-metrics.json",
    "copilot-enterprise-repos-one-day-report.json",
    "copilot-enterprise-user-teams-one-day-report.json",
    "copilot-users-one-day-usage-metrics.json",
    "copilot-users-usage-metrics.json",
]


def context(**fields) -> IngestContext:
    values = {
        "workspace_id": 1,
        "pseudonym_key": b"workspace-key",
        "directory_map": {},
        "timezone": "Pacific/Auckland",
        "known_use_cases": frozenset({"github-copilot"}),
        "known_tools": frozenset({"github-copilot"}),
        "known_kinds": frozenset(),
    }
    values.update(fields)
    return IngestContext(**values)


def import_bytes(store, data: bytes, options=OPTIONS, ingest_context=None):
    return run_import(
        import_github_copilot,
        io.BytesIO(data),
        store,
        ingest_context or context(),
        options,
        source="github_copilot",
        now=NOW,
    )


def events_of(store, person: str, ingest_context=None) -> list[dict]:
    ingest_context = ingest_context or context()
    pseudonym = pseudonymize_person(ingest_context.pseudonym_key, person, ingest_context.directory_map)
    return store.events_for_person(ingest_context.workspace_id, pseudonym)


@pytest.mark.parametrize("name", REPORT_FILES)
def test_report_answers_parse_to_the_day_or_range_and_links_in_the_file(name) -> None:
    body = json.loads((GITHUB / name).read_text())
    links = parse_report_links(body)
    assert links.download_links == body["download_links"]
    assert links.report_day == (date.fromisoformat(body["report_day"]) if "report_day" in body else None)
    assert links.report_start_day == (
        date.fromisoformat(body["report_start_day"]) if "report_start_day" in body else None
    )
    assert links.report_end_day == (
        date.fromisoformat(body["report_end_day"]) if "report_end_day" in body else None
    )


@pytest.mark.parametrize("name", REPORT_FILES)
def test_importing_a_report_answer_says_to_download_its_files(store, name) -> None:
    with pytest.raises(ImportFileUnreadable, match="download them"):
        import_bytes(store, (GITHUB / name).read_bytes())
    assert store.count(1) == 0


def test_the_seat_list_parses_to_the_logins_and_last_activity_in_the_file() -> None:
    body = json.loads((GITHUB / "example-copilot-seats-list.json").read_text())
    seats = parse_seats(body)
    assert [seat.login for seat in seats] == [seat["assignee"]["login"] for seat in body["seats"]]
    assert [seat.last_activity_at for seat in seats] == [
        datetime.fromisoformat(seat["last_activity_at"]) for seat in body["seats"]
    ]
    assert [seat.last_activity_editor for seat in seats] == [
        seat["last_activity_editor"] for seat in body["seats"]
    ]
    assert [seat.pending_cancellation_date for seat in seats] == [
        date.fromisoformat(seat["pending_cancellation_date"]) if seat["pending_cancellation_date"] else None
        for seat in body["seats"]
    ]


def test_each_seats_last_activity_becomes_one_event(store) -> None:
    body = json.loads((GITHUB / "example-copilot-seats-list.json").read_text())
    summary = import_bytes(store, (GITHUB / "example-copilot-seats-list.json").read_bytes())
    assert (summary.events, summary.accepted, summary.problem_count) == (2, 2, 0)
    for seat in body["seats"]:
        [event] = events_of(store, seat["assignee"]["login"])
        sent = datetime.fromisoformat(seat["last_activity_at"]).astimezone(UTC).replace(tzinfo=None)
        assert event["time"] == sent
        assert json.loads(event["attributes"])["editor"] == seat["last_activity_editor"]


def test_the_billing_summary_parses_to_its_seat_counts_and_is_not_imported(store) -> None:
    body = json.loads((GITHUB / "example-copilot-organization-details.json").read_text())
    breakdown = parse_seat_breakdown(body)
    assert breakdown.total == body["seat_breakdown"]["total"]
    assert breakdown.active_this_cycle == body["seat_breakdown"]["active_this_cycle"]
    assert breakdown.inactive_this_cycle == body["seat_breakdown"]["inactive_this_cycle"]
    assert breakdown.added_this_cycle == body["seat_breakdown"]["added_this_cycle"]
    assert breakdown.plan_type == body["plan_type"]
    with pytest.raises(ImportFileUnreadable, match="names nobody"):
        import_bytes(store, (GITHUB / "example-copilot-organization-details.json").read_bytes())


def test_a_user_days_counts_become_invoked_accepted_and_rejected_events(store) -> None:
    summary = import_bytes(store, USERS_REPORT.read_bytes())

    assert (summary.events, summary.accepted, summary.duplicates, summary.problem_count) == (11, 11, 0, 0)
    octocat = events_of(store, "octocat")
    by_feature_kind = Counter((json.loads(e["attributes"])["feature"], e["kind"]) for e in octocat)
    assert by_feature_kind == {
        ("code_completion", "accepted"): 2,
        ("code_completion", "rejected"): 2,
        ("chat_panel_ask_mode", "invoked"): 3,
        ("chat_panel_ask_mode", "rejected"): 1,
    }
    attributes = json.loads(octocat[0]["attributes"])
    assert (attributes["ides"], attributes["languages"], attributes["used_chat"]) == (
        ["vscode"],
        ["python"],
        True,
    )
    assert {event["day"] for event in octocat} == {date(2025, 10, 1)}  # noon in Auckland is still that day
    assert {(event["use_case"], event["tool"], event["source"]) for event in octocat} == {
        ("github-copilot", "github-copilot", "github_copilot")
    }
    assert Counter(e["kind"] for e in events_of(store, "hubot")) == {"invoked": 2}
    [monalisa] = events_of(store, "monalisa")
    assert (monalisa["kind"], json.loads(monalisa["attributes"])["feature"]) == ("invoked", "all")


def test_importing_the_same_report_again_changes_nothing(store) -> None:
    import_bytes(store, USERS_REPORT.read_bytes())
    again = import_bytes(store, USERS_REPORT.read_bytes())
    assert (again.events, again.accepted, again.duplicates) == (11, 0, 11)
    assert store.count(1) == 11


def test_a_json_array_of_user_records_imports_like_ndjson(store) -> None:
    records = [json.loads(line) for line in USERS_REPORT.read_text().splitlines()]
    summary = import_bytes(store, json.dumps(records, indent=2).encode())
    assert (summary.events, summary.accepted) == (11, 11)


def test_enterprise_days_make_no_events_and_report_githubs_figures(store) -> None:
    summary = import_bytes(store, (SAMPLES / "github-copilot-enterprise-28-day.ndjson").read_bytes())
    assert summary.events == 0
    [note] = summary.notes
    assert "2 day(s) of enterprise/organization totals (2025-10-01 to 2025-10-02)" in note
    assert "16 daily, 21 weekly and 25 monthly active users on 2025-10-02" in note


def test_a_28_day_report_with_day_totals_is_read_day_by_day(store) -> None:
    days = [
        json.loads(line)
        for line in (SAMPLES / "github-copilot-enterprise-28-day.ndjson").read_text().splitlines()
    ]
    document = {"report_start_day": "2025-10-01", "report_end_day": "2025-10-28", "day_totals": days}
    summary = import_bytes(store, json.dumps(document).encode())
    assert "2 day(s) of enterprise/organization totals" in summary.notes[0]


def test_bad_lines_are_named_and_the_good_ones_imported(store) -> None:
    lines = USERS_REPORT.read_text().splitlines()
    data = "\n".join(
        [
            lines[0],
            "{not json",
            json.dumps({"day": "2025-10-01", "user_initiated_interaction_count": 1}),
            json.dumps({"user_login": "x", "day": "yesterday"}),
            "",
            lines[2],
        ]
    ).encode()
    summary = import_bytes(store, data)
    assert summary.accepted == 9
    assert [(problem.line, problem.reason[:30]) for problem in summary.problems] == [
        (2, "is not JSON (JSON is malformed"),
        (3, "is neither a user-level record"),
        (4, "has no valid day"),
    ]


def test_a_people_map_links_logins_to_directory_people(store) -> None:
    directory = {"e100": "E100", "alice@example.com": "E100"}
    mapped = ImportOptions(use_case="github-copilot", tool=None, people_map={"octocat": "alice@example.com"})
    ingest_context = context(directory_map=directory)
    import_bytes(store, USERS_REPORT.read_bytes(), options=mapped, ingest_context=ingest_context)
    assert len(events_of(store, "E100", ingest_context)) == 8
    assert events_of(store, "octocat", ingest_context) == []


def test_absurd_counts_are_capped_and_reported(store) -> None:
    record = {
        "user_login": "octocat",
        "user_id": 1,
        "day": "2025-10-01",
        "code_acceptance_activity_count": 10**9,
        "code_generation_activity_count": 10**9,
    }
    summary = import_bytes(store, json.dumps(record).encode())
    assert summary.events == MAX_EVENTS_PER_COUNT
    assert summary.notes == [f"1 count(s) above {MAX_EVENTS_PER_COUNT:,} were capped at that number"]
