"""Importing people from CSV: every bad row reported with line, column and reason; good rows never lost."""

from __future__ import annotations

import csv
import io
import os
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from uptake.audit import service as audit_service
from uptake.db import session_scope
from uptake.directory import people_import
from uptake.directory.models import EmploymentStatus
from uptake.directory.people_import import ImportFileInvalid, RowRejection, read_people_csv
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import people_uploads as people_uploads_service
from uptake.directory.service import teams as teams_service

HEADER = "employee_id,mail,name,title,job_role,team,manager,location,status,start_date"


def _lines(*rows: str) -> list[str]:
    return [line + "\n" for line in (HEADER, *rows)]


def _import(world, workspace_id: int, lines: list[str], *, dry_run: bool = False):
    with session_scope(world.factory, workspace_id) as session:
        return people_import.import_people(session, workspace_id, lines, dry_run=dry_run, actor="person:1")


def test_a_thousand_rows_with_ten_bad_ones_import_the_990_good_ones(world) -> None:
    workspace = world.workspace()
    rows = ["E0000,boss@example.com,The Boss,CEO,Executive,Leadership,,Hamburg,active,2015-01-01"]
    bad_lines: dict[int, tuple[str, str]] = {}
    for number in range(1, 1000):
        external_id = f"E{number:04d}"
        email = f"person{number}@example.com"
        start = "2020-02-01"
        status = "active"
        if number % 100 == 50:  # ten bad rows: lines 52, 152, …, 952 (line 1 is the header)
            kind = (number // 100) % 3
            if kind == 0:
                email, bad_lines[number + 2] = (
                    "not-an-email",
                    ("mail", "'not-an-email' is not an email address"),
                )
            elif kind == 1:
                start, bad_lines[number + 2] = (
                    "31/02/2020",
                    ("start_date", "'31/02/2020' must be a date like 2024-03-01"),
                )
            else:
                status, bad_lines[number + 2] = (
                    "retired",
                    ("status", "'retired' is not one of active, leave, left"),
                )
        rows.append(
            f"{external_id},{email},Person {number},Support agent,Support agent,"
            f"Customer Service/Tier {1 + number % 2} Support,E0000,Lisbon,{status},{start}"
        )

    report = _import(world, workspace, _lines(*rows))

    assert report.rows_read == 1000
    assert (report.created, report.updated, report.unchanged, report.rejected) == (990, 0, 0, 10)
    assert [(r.line, r.column, r.reason) for r in report.rejections] == [
        (line, column, reason) for line, (column, reason) in sorted(bad_lines.items())
    ]
    with session_scope(world.factory, workspace) as session:
        assert people_service.count_people(session, workspace) == 990
        assert (
            teams_service.count_teams(session, workspace) == 4
        )  # Leadership, Customer Service, Tier 1, Tier 2
        tier1 = teams_service.get_team_by_name(session, workspace, "Tier 1 Support")
        service_team = teams_service.get_team_by_name(session, workspace, "Customer Service")
        assert tier1 is not None
        assert service_team is not None
        assert tier1.parent_id == service_team.id
        assert len(teams_service.subtree_team_ids(session, workspace, service_team.id)) == 3
        boss = people_service.get_person_by_external_id(session, workspace, "E0000")
        person = people_service.get_person_by_external_id(session, workspace, "E0001")
        assert boss is not None
        assert person is not None
        assert person.manager_id == boss.id
        assert person.email == "person1@example.com"
        assert person.location == "Lisbon"
        assert str(person.start_date) == "2020-02-01"
        entries = audit_service.list_audit_entries(session, workspace, action="directory.people.imported")
        assert [entry.after for entry in entries] == [
            {
                "rows_read": 1000,
                "created": 990,
                "updated": 0,
                "unchanged": 0,
                "rejected": 10,
                "teams_created": 4,
                "job_roles_created": 2,
                "accounts_linked": 0,
            }
        ]


def test_a_second_import_updates_by_external_id_and_counts_unchanged_rows(world) -> None:
    workspace = world.workspace()
    first = _import(
        world,
        workspace,
        _lines(
            "E1,ana@example.com,Ana Costa,Agent,Support agent,Support,,Lisbon,active,2021-03-01",
            "E2,ben@example.com,Ben Okafor,Agent,Support agent,Support,E1,Dublin,active,",
        ),
    )
    assert (first.created, first.teams_created, first.job_roles_created) == (2, 1, 1)

    second = _import(
        world,
        workspace,
        _lines(
            "E1,ana@example.com,Ana Costa,Agent,Support agent,Support,,Lisbon,active,2021-03-01",
            "E2,ben@example.com,Ben Okafor,Senior agent,Support agent,Support,E1,Dublin,leave,",
            "E3,cara@example.com,Cara Ito,Agent,Support agent,Support,ben@example.com,Dublin,,",
        ),
    )

    assert (second.created, second.updated, second.unchanged, second.rejected) == (1, 1, 1, 0)
    with session_scope(world.factory, workspace) as session:
        ben = people_service.get_person_by_external_id(session, workspace, "E2")
        cara = people_service.get_person_by_external_id(session, workspace, "E3")
        assert ben is not None
        assert cara is not None
        assert (ben.job_title, ben.employment_status) == ("Senior agent", EmploymentStatus.leave)
        assert cara.manager_id == ben.id


def test_a_dry_run_reports_what_would_change_and_writes_nothing(world) -> None:
    workspace = world.workspace()
    report = _import(
        world,
        workspace,
        _lines("E1,ana@example.com,Ana Costa,,,Finance/Treasury,,,,", "E2,bad,Ben,,,,,,,"),
        dry_run=True,
    )
    assert report.dry_run
    assert (report.created, report.rejected, report.teams_created) == (1, 1, 2)
    with session_scope(world.factory, workspace) as session:
        assert people_service.count_people(session, workspace) == 0
        assert teams_service.count_teams(session, workspace) == 0


def test_a_manager_cycle_rejects_only_the_rows_on_it_and_names_it(world) -> None:
    workspace = world.workspace()
    report = _import(
        world,
        workspace,
        _lines(
            "E1,e1@example.com,One,,,,E7,,,",
            "E2,e2@example.com,Two,,,,E1,,,",  # reports into the cycle: rejected because E1 is
            "E3,e3@example.com,Three,,,,E1,,,",
            "E7,e7@example.com,Seven,,,,E3,,,",
            "E8,e8@example.com,Eight,,,,,,,",
            "E9,e9@example.com,Nine,,,,E9,,,",
        ),
    )
    assert [(r.line, r.external_id, r.column, r.reason) for r in report.rejections] == [
        (2, "E1", "manager", "manager cycle: E1 → E7 → E3 → E1"),
        (3, "E2", "manager", "manager E1 is on line 2, which was rejected"),
        (4, "E3", "manager", "manager cycle: E3 → E1 → E7 → E3"),
        (5, "E7", "manager", "manager cycle: E7 → E3 → E1 → E7"),
        (7, "E9", "manager", "manager cycle: E9 → E9"),
    ]
    assert report.created == 1


def test_a_cycle_through_people_already_in_the_directory_is_found(world) -> None:
    workspace = world.workspace()
    _import(world, workspace, _lines("A,a@example.com,A,,,,,,,", "B,b@example.com,B,,,,A,,,"))
    report = _import(world, workspace, _lines("A,a@example.com,A,,,,B,,,"))
    assert [(r.external_id, r.reason) for r in report.rejections] == [("A", "manager cycle: A → B → A")]


def test_row_problems_are_reported_with_line_column_and_reason(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        people_service.create_person(
            session, workspace, email="taken@example.com", display_name="T", external_id="X1"
        )
        teams_service.create_team(session, workspace, name="Support")
    report = _import(
        world,
        workspace,
        [
            "Employee ID,E-Mail,First Name,Last Name,Department,Manager\n",
            "E1,one@example.com,Ana,Costa,Support,\n",
            ",two@example.com,No,Id,,\n",
            "E3,taken@example.com,Ben,Okafor,,\n",
            "E4,four@example.com,Cara,Ito,Finance/Support,\n",
            "E1,five@example.com,Dup,Licate,,\n",
            "E6,one@example.com,Same,Mail,,\n",
            "E7,seven@example.com,Eve,Nobody,,E404\n",
            "E8,eight@example.com,Too,Many,,,extra\n",
            "E9,nine@example.com,Nia,Nine,Support/,\n",
            "\n",
            "E10,ten@example.com,,,,\n",
        ],
    )
    assert [(r.line, r.column, r.reason) for r in report.rejections] == [
        (3, "Employee ID", "is empty; every person needs an external id"),
        (4, "E-Mail", "taken@example.com belongs to another person (external id X1)"),
        (5, "Department", "a team named 'Support' exists at the top; team names are unique in a workspace"),
        (6, "Employee ID", "E1 is already on line 2"),
        (7, "E-Mail", "one@example.com is already used by E1 on line 2"),
        (8, "Manager", "no person with external id E404 in this file or the directory"),
        (9, "(row)", "has 7 cells; the header has 6"),
        (10, "Department", "'Support/' has an empty level; write it like Customer Service/Tier 1"),
        (12, "display_name", "is empty; every person needs a name"),
    ]
    assert report.created == 1


def test_a_header_without_the_needed_columns_is_refused_whole() -> None:
    with pytest.raises(ImportFileInvalid) as raised:
        read_people_csv(["name,title\n", "Ana,Agent\n"])
    assert [(error.field, error.reason) for error in raised.value.errors] == [
        (
            "external_id",
            "no column for it; name one of: external_id, employee_id, employee_number, employee_no",
        ),
        ("email", "no column for it; name one of: email, mail, email_address, work_email"),
    ]


def test_quoted_cells_with_commas_and_line_breaks_keep_line_numbers_right(world) -> None:
    parsed = read_people_csv(
        [
            "external_id,email,display_name,job_title\n",
            'E1,a@example.com,"Costa, Ana","Agent,\n',
            'night shift"\n',
            "E2,bad-email,Ben,\n",
        ]
    )
    assert [row.job_title for row in parsed.rows] == ["Agent,\nnight shift"]
    assert [(r.line, r.column) for r in parsed.rejections] == [(4, "email")]


# -- property: any mix of good and bad rows --------------------------------------------------------------------

GOOD = st.builds(
    lambda name, start: {"name": name, "start": start, "bad": None},
    st.text(
        alphabet=st.characters(codec="utf-8", exclude_characters="\r\n\x00"), min_size=1, max_size=20
    ).filter(lambda text: text.strip() != ""),
    st.dates().map(lambda day: day.isoformat()) | st.just(""),
)
BAD = st.sampled_from(["email", "start_date", "status", "external_id", "name"]).map(
    lambda kind: {"name": "Someone", "start": "", "bad": kind}
)


@given(st.lists(GOOD | BAD, max_size=40))
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_mix_of_rows_keeps_every_good_row_and_reports_every_bad_row_once(specs) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["external_id", "email", "display_name", "employment_status", "start_date"])
    expected_bad: list[int] = []
    expected_good: list[str] = []
    for index, spec in enumerate(specs):
        external_id, email, status, start, name = (
            f"E{index}",
            f"p{index}@example.com",
            "active",
            spec["start"],
            spec["name"],
        )
        if spec["bad"] == "email":
            email = f"p{index}-at-example.com"
        elif spec["bad"] == "start_date":
            start = "2024-13-45"
        elif spec["bad"] == "status":
            status = "gone fishing"
        elif spec["bad"] == "external_id":
            external_id = " "
        elif spec["bad"] == "name":
            name = ""
        writer.writerow([external_id, email, name, status, start])
        (expected_bad if spec["bad"] else expected_good).append(external_id)
    parsed = read_people_csv(io.StringIO(buffer.getvalue(), newline=""))  # as a file opened with newline=""

    assert [row.external_id for row in parsed.rows] == expected_good
    assert len(parsed.rejections) == len(expected_bad)
    assert len({rejection.line for rejection in parsed.rejections}) == len(parsed.rejections)
    assert all(isinstance(rejection, RowRejection) and rejection.reason for rejection in parsed.rejections)
    good_lines = {row.line for row in parsed.rows}
    assert good_lines.isdisjoint({rejection.line for rejection in parsed.rejections})


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@given(st.lists(st.booleans(), max_size=25))
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_importing_any_mix_stores_exactly_the_good_rows(world, flags) -> None:
    workspace = world.workspace()
    lines = ["external_id,email,display_name\n"]
    for index, good in enumerate(flags):
        lines.append(f"E{index},{'p' if good else 'bad'}{index}{'@' if good else ''}example.com,P {index}\n")
    report = _import(world, workspace, lines)
    assert report.created == sum(flags)
    assert report.rejected == len(flags) - sum(flags)
    assert sorted(r.line for r in report.rejections) == [i + 2 for i, good in enumerate(flags) if not good]
    with session_scope(world.factory, workspace) as session:
        assert people_service.count_people(session, workspace) == sum(flags)


def test_teams_and_job_roles_only_rejected_rows_asked_for_are_not_created(world) -> None:
    workspace = world.workspace()
    report = _import(
        world,
        workspace,
        _lines(
            "E1,e1@example.com,One,,Agent,Support/Tier 1,,,,",
            "E2,e2@example.com,Two,,Auditor,Finance/Audit,E404,,,",  # rejected after its team was planned
        ),
    )
    assert (report.created, report.rejected, report.teams_created, report.job_roles_created) == (1, 1, 2, 1)
    with session_scope(world.factory, workspace) as session:
        assert [team.name for team in teams_service.list_all_teams(session, workspace)] == [
            "Support",
            "Tier 1",
        ]
        assert [role.name for role in job_roles_service.list_all_job_roles(session, workspace)] == ["Agent"]


# -- the documentation stays true -------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_documented_column_names_are_exactly_the_ones_read() -> None:
    documented = {}
    for line in (DOCS / "people-import.md").read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\| `(\w+)` \| (.+) \|", line)
        if match:
            documented[match.group(1)] = tuple(re.findall(r"`(\w+)`", match.group(2)))
    assert documented == people_import.COLUMN_NAMES


def test_the_sample_file_imports_without_a_bad_row(world) -> None:
    workspace = world.workspace()
    with (DOCS / "people-sample.csv").open(encoding="utf-8", newline="") as sample:
        report = _import(world, workspace, list(sample))
    assert (report.created, report.rejected, report.ignored_headers) == (10, 0, [])
    with session_scope(world.factory, workspace) as session:
        cara = people_service.get_person_by_external_id(session, workspace, "E1005")
        aoife = people_service.get_person_by_external_id(session, workspace, "E1003")
        assert cara is not None
        assert aoife is not None
        assert cara.manager_id == aoife.id  # the manager given by email
        assert cara.employment_status == EmploymentStatus.leave
        tier1 = teams_service.get_team_by_name(session, workspace, "Tier 1 Support")
        assert tier1 is not None
        assert [team.name for team in teams_service.team_ancestors(session, workspace, tier1.id)] == [
            "Operations",
            "Customer Service",
        ]


@pytest.mark.clock  # retention by age
def test_uploads_never_confirmed_are_deleted_after_a_day(tmp_path) -> None:
    from uptake.app.jobs import job_definitions

    old = people_import.store_upload(tmp_path, 1, b"external_id,email,name\n")
    fresh = people_import.store_upload(tmp_path, 2, b"external_id,email,name\n")
    # Both times set from the clock the purge reads: the file system stamps files with the real one.
    now = time.time()
    os.utime(people_import.upload_path(tmp_path, 1, old), (now - 48 * 3600, now - 48 * 3600))
    os.utime(people_import.upload_path(tmp_path, 2, fresh), (now, now))

    assert (
        people_import.delete_uploads_older_than(tmp_path, hours=people_uploads_service.UPLOAD_KEEP_HOURS) == 1
    )

    with pytest.raises(people_import.ImportUploadNotFound):
        people_import.upload_path(tmp_path, 1, old)
    assert people_import.upload_path(tmp_path, 2, fresh).is_file()
    scheduled = {definition.name: definition for definition in job_definitions()}
    assert scheduled["directory.purge_stale_uploads"].function is people_uploads_service.purge_stale_uploads
    assert scheduled["directory.purge_stale_uploads"].schedule is not None
