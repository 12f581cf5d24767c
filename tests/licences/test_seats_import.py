"""The seats CSV import: each bad row named with its line, column and reason, the good ones kept, a dry run,
and a second import of the same file that changes nothing."""

from __future__ import annotations

from datetime import date

import pytest

from licences.licences_builders import Ledger, make_ledger
from uptake.audit import service as audit_service
from uptake.db import session_scope
from uptake.licences import seats, seats_import

TODAY = date(2025, 3, 3)

FILE = """Tool,Email,GitHub login,Start date,End date,Cost centre
copilot,ada@example.com,Ada-GH,2025-01-06,,4711
copilot,,octocat,2025-01-07,,4711
assistant,E-bob,,2024-11-01,2025-02-01,4711
copilot,bob@example.com,,,,4711
canva,cy@example.com,,2025-01-01,,4711
copilot,nobody@example.com,,2025-01-01,,4711
copilot,dee@example.com,,01/02/2025,,4711
copilot,eve@example.com,,2025-02-01,2025-01-01,4711
,eve@example.com,,2025-02-01,,4711
copilot,ada@example.com,,2025-01-06,,4711
copilot,cy@example.com,,2025-01-01,,4711,extra
copilot,cy@example.com,,2025-02-01,,4711
"""


@pytest.fixture
def ledger(world) -> Ledger:
    return make_ledger(world)


def run(world, ledger: Ledger, text: str, *, dry_run: bool = False) -> seats_import.SeatsImportReport:
    with session_scope(world.factory, ledger.workspace_id) as session:
        return seats_import.import_seats(
            session,
            ledger.workspace_id,
            text.splitlines(keepends=True),
            dry_run=dry_run,
            actor="test",
            today=TODAY,
        )


def test_each_bad_row_is_named_and_the_good_ones_are_imported(world, ledger):
    dry = run(world, ledger, FILE, dry_run=True)
    assert (dry.dry_run, dry.rows_read, dry.created, dry.rejected) == (True, 12, 5, 7)
    with session_scope(world.factory, ledger.workspace_id) as session:
        assert seats.list_seats(session, ledger.workspace_id).total == 0
    report = run(world, ledger, FILE)
    assert report.ignored_headers == ["Cost centre"]
    assert [(rejection.line, rejection.column, rejection.reason) for rejection in report.rejections] == [
        (6, "Tool", "no tool 'canva' in the catalog; add it there first"),
        (7, "Email", "no person with email or external id 'nobody@example.com'"),
        (8, "Start date", "'01/02/2025' must be a date like 2025-03-01"),
        (9, "End date", "is before assigned_on (2025-02-01)"),
        (10, "Tool", "is empty; name the tool by its slug in the catalog"),
        (11, "Start date", "the same seat is already on line 2"),
        (12, "(row)", "has 7 cells; the header has 6"),
    ]
    assert (report.created, report.updated, report.unchanged) == (5, 0, 0)
    with session_scope(world.factory, ledger.workspace_id) as session:
        stored = {
            (seat.tool, seat.person_name, seat.account, seat.source.value, seat.assigned_on, seat.released_on)
            for seat in seats.list_seats(session, ledger.workspace_id).items
        }
        entry = audit_service.list_audit_entries(
            session, ledger.workspace_id, action="licences.seats.imported"
        )[0]
    assert stored == {
        ("copilot", "Ada", "ada-gh", "csv", date(2025, 1, 6), None),
        ("copilot", None, "octocat", "csv", date(2025, 1, 7), None),
        ("assistant", "Bob", None, "csv", date(2024, 11, 1), date(2025, 2, 1)),
        ("copilot", "Bob", None, "csv", TODAY, None),  # no start date: the day of the import
        ("copilot", "Cy", None, "csv", date(2025, 2, 1), None),
    }
    assert entry.after["created"] == 5


def test_importing_the_same_file_again_changes_nothing_and_a_new_end_date_releases(world, ledger):
    run(world, ledger, FILE)
    again = run(world, ledger, FILE)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 5, 7)
    later = (
        "tool,person,account,assigned_on,released_on\ncopilot,ada@example.com,ada-gh,2025-01-06,2025-03-01\n"
    )
    released = run(world, ledger, later)
    assert (released.created, released.updated) == (0, 1)
    # Ada holds a seat already: an open row from another day is refused, one ending before it is history.
    clash = (
        "tool,person,assigned_on,released_on\n"
        "copilot,cy@example.com,2025-02-15,\n"
        "copilot,cy@example.com,2024-06-01,2024-09-01\n"
    )
    report = run(world, ledger, clash)
    assert [(rejection.line, rejection.reason) for rejection in report.rejections] == [
        (
            2,
            "cy@example.com holds seat 5 of copilot since 2025-02-01; give that day, or a released_on before it",
        )
    ]
    assert report.created == 1
    with session_scope(world.factory, ledger.workspace_id) as session:
        ada = [
            seat for seat in seats.list_seats(session, ledger.workspace_id).items if seat.person_name == "Ada"
        ]
    assert [seat.released_on for seat in ada] == [date(2025, 3, 1)]


@pytest.mark.parametrize(
    ("header", "field", "reason"),
    [
        ("person,assigned_on", "tool", "no column for it; name one of: tool, tool_slug, product"),
        ("tool,assigned_on", "person", "no column names the holder; add person (email) or account"),
        ("tool,email,work_email", "person", "several columns could fill it: email, work_email"),
    ],
)
def test_a_header_without_the_columns_uptake_needs_is_refused_whole(world, ledger, header, field, reason):
    with pytest.raises(seats_import.SeatsFileInvalid) as refused:
        run(world, ledger, header + "\n")
    assert [(error.field, error.reason) for error in refused.value.errors] == [(field, reason)]
    with pytest.raises(seats_import.SeatsFileInvalid, match="the file is empty"):
        run(world, ledger, "")
