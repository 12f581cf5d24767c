"""The reassignment queue: an idle seat through notice, grace period and release, to the first person waiting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from analytics.analytics_workspace import create_events_table, event, insert_events
from licences.fake_github import FakeGitHub, running_fake_github
from licences.licences_builders import Ledger, make_ledger
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.analytics import engines
from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.comms.service import notifications as notifications_service
from uptake.db import session_scope
from uptake.errors import Forbidden
from uptake.licences import policies, reassignment, schemas, seats, service, waiting_list
from uptake.licences.github_seats import VendorRefused
from uptake.licences.models import ReassignmentStatus
from uptake.rollout import schemas as rollout_schemas
from uptake.rollout import service as rollout_service
from uptake.telemetry.pseudonyms import pseudonymize_person
from uptake.workspaces import service as workspaces_service

TODAY = date(2025, 3, 3)


@pytest.fixture
def ledger(world) -> Ledger:
    ledger = make_ledger(world)
    with session_scope(world.factory, ledger.workspace_id) as session:
        for tool in ("copilot", "assistant"):
            catalog_service.update_tool(
                session,
                ledger.workspace_id,
                tool,
                catalog_schemas.ToolUpdate(owner_id=ledger.people["dee"]),
                actor="test",
            )
    return ledger


def person(ledger: Ledger, name: str, *roles: Role) -> Principal:
    return Principal(
        workspace_id=ledger.workspace_id,
        roles=frozenset(roles or {Role.employee}),
        person_id=ledger.people[name],
    )


@pytest.fixture
def analytics(world, ledger: Ledger) -> Iterator[analytics_service.Analytics]:
    """Ada last used Copilot on 2024-12-10 (idle); Eve on 2025-02-20 (not idle)."""
    backend = engines.connect("duckdb://")
    create_events_table(backend)
    with session_scope(world.factory, ledger.workspace_id) as session:
        key = workspaces_service.get_workspace(session, ledger.workspace_id).pseudonym_key.encode()
    insert_events(
        backend,
        [
            event(
                pseudonymize_person(key, f"E-{name}"),
                day,
                use_case="coding",
                tool=tool,
                workspace_id=ledger.workspace_id,
            )
            for name, day, tool in (
                ("ada", date(2024, 12, 10), "copilot"),
                ("eve", date(2025, 2, 20), "copilot"),
                ("cy", date(2024, 12, 2), "assistant"),
            )
        ],
    )
    yield analytics_service.Analytics(backend, max_age_seconds=0)
    backend.connection.disconnect()


def give_seats(session, ledger: Ledger, tool: str, source: str, names: tuple[str, ...]) -> None:
    service.sync_seats(
        session,
        ledger.workspace_id,
        tool=tool,
        source=source,
        as_of=date(2024, 12, 1),
        holders=[schemas.SeatHolder(person_id=ledger.people[name], account=f"{name}-gh") for name in names],
        actor="test",
    )


def audit_trail(session, ledger: Ledger, reassignment_id: int) -> list[str]:
    entries = audit_service.list_audit_entries(
        session, ledger.workspace_id, target=f"reassignment:{reassignment_id}", limit=100
    )
    return [
        entry.action.removeprefix("licences.reassignment.") for entry in sorted(entries, key=lambda e: e.seq)
    ]


def subjects(session, ledger: Ledger, name: str) -> list[str]:
    return [
        notification.subject
        for notification in notifications_service.list_inbox(
            session, ledger.workspace_id, ledger.people[name]
        )
    ]


def test_an_idle_github_seat_goes_through_notice_grace_and_release_to_the_first_person_waiting(
    world, ledger, analytics
):
    with running_fake_github() as github:

        def administrators(session, workspace_id: int, tool: str) -> Any:
            connection = schemas.GitHubConnection(
                organization="acme", token="ghp_test", base_url=github.base_url
            )
            return service.github_seat_administrator(connection) if tool == "copilot" else None

        def run(day: date) -> schemas.QueueRun:
            with session_scope(world.factory, ledger.workspace_id) as session:
                return reassignment.run_queue(
                    session,
                    ledger.workspace_id,
                    analytics=analytics,
                    administrators=administrators,
                    today=day,
                )

        with session_scope(world.factory, ledger.workspace_id) as session:
            give_seats(session, ledger, "copilot", "github", ("ada", "eve"))
            policies.set_policy(
                session,
                ledger.workspace_id,
                "copilot",
                schemas.SeatPolicyUpdate(idle_days=30, grace_days=7, is_automatic=True),
                actor="test",
            )
            for name in ("bob", "cy"):  # Bob asks first, then Cy
                waiting_list.request_seat(
                    session,
                    ledger.workspace_id,
                    schemas.SeatRequestCreate(tool="copilot", account=f"{name}-gh", reason="code reviews"),
                    caller=person(ledger, name),
                )

        first = run(TODAY)
        assert (first.proposed, first.notified, first.released) == (1, 1, 0)  # Ada's; Eve used hers
        [item_id] = first.ids
        with session_scope(world.factory, ledger.workspace_id) as session:
            item = reassignment.describe(
                session,
                ledger.workspace_id,
                reassignment.get_reassignment(session, ledger.workspace_id, item_id),
            )
            assert (item.holder_name, item.status, item.last_used_on) == (
                "Ada",
                ReassignmentStatus.notice_sent,
                date(2024, 12, 10),
            )
            assert item.grace_ends_on == TODAY + timedelta(days=7)
            assert subjects(session, ledger, "ada") == ["Your GitHub Copilot seat: keep it?"]
        assert github.calls == []

        assert run(TODAY + timedelta(days=3)).ids == []  # within the grace period: nothing happens

        github.queued.append((429, {"Retry-After": "0"}, {"message": "API rate limit exceeded"}))
        last = run(TODAY + timedelta(days=7))
        assert (last.assigned, last.ids) == (1, [item_id])

    released_on = TODAY + timedelta(days=7)
    assert [(call.method, call.body) for call in github.calls] == [
        ("DELETE", {"selected_usernames": ["ada-gh"]}),  # 429: tried again after Retry-After
        ("DELETE", {"selected_usernames": ["ada-gh"]}),
        ("POST", {"selected_usernames": ["bob-gh"]}),
    ]
    assert {call.headers["authorization"] for call in github.calls} == {"Bearer ghp_test"}
    assert {call.headers["x-github-api-version"] for call in github.calls} == {"2022-11-28"}
    with session_scope(world.factory, ledger.workspace_id) as session:
        assert audit_trail(session, ledger, item_id) == [
            "proposed",
            "notice_sent",
            "release_proposed",
            "released",
            "assignment_proposed",
            "assigned",
        ]
        held = {
            (seat.person_id, seat.account, seat.source.value, seat.assigned_on, seat.released_on)
            for seat in seats.list_seats(session, ledger.workspace_id, tool="copilot").items
        }
        assert held == {
            (ledger.people["ada"], "ada-gh", "github", date(2024, 12, 1), released_on),
            (ledger.people["eve"], "eve-gh", "github", date(2024, 12, 1), None),
            (ledger.people["bob"], "bob-gh", "github", released_on, None),
        }
        assert subjects(session, ledger, "ada")[0] == "Your GitHub Copilot seat went back to the pool"
        assert subjects(session, ledger, "bob") == ["You have a GitHub Copilot seat"]
        # Cy is first in line now; Bob's request is fulfilled.
        assert [
            entry.person_name for entry in waiting_list.waiting_list(session, ledger.workspace_id, "copilot")
        ] == ["Cy"]
        item = reassignment.describe(
            session, ledger.workspace_id, reassignment.get_reassignment(session, ledger.workspace_id, item_id)
        )
        assert "GitHub cancelled 1 seat(s) for ada-gh" in item.vendor_note
        assert "GitHub created 1 seat(s) for bob-gh" in item.vendor_note
        # The ledger reached analytics: Eve's and Bob's seats are the ones held now.
        held_now = analytics.raw_rows(
            session,
            ledger.workspace_id,
            "seat_utilization",
            analytics_service.Period(released_on, released_on),
            analytics_service.Grouping(by=("tool",)),
        )
    assert [(row["tool"], row["assigned"], row["never_activated"]) for row in held_now] == [("copilot", 2, 1)]


def test_each_step_waits_for_the_licence_owner_and_a_tool_without_vendor_api_gets_instructions(
    world, ledger, analytics
):
    owner, stranger = person(ledger, "dee"), person(ledger, "eve", Role.program_lead)

    def run(day: date) -> schemas.QueueRun:
        with session_scope(world.factory, ledger.workspace_id) as session:
            return reassignment.run_queue(
                session,
                ledger.workspace_id,
                analytics=analytics,
                administrators=service.no_seat_administrators,
                today=day,
            )

    def approve(item_id: int, caller: Principal, day: date) -> schemas.Reassignment:
        with session_scope(world.factory, ledger.workspace_id) as session:
            return reassignment.approve_step(
                session,
                ledger.workspace_id,
                item_id,
                caller=caller,
                analytics=analytics,
                administrators=service.no_seat_administrators,
                today=day,
            )

    with session_scope(world.factory, ledger.workspace_id) as session:
        give_seats(session, ledger, "assistant", "csv", ("cy",))
        policies.set_policy(
            session,
            ledger.workspace_id,
            "assistant",
            schemas.SeatPolicyUpdate(idle_days=60, grace_days=10),
            actor="test",
        )
        waiting_list.request_seat(
            session,
            ledger.workspace_id,
            schemas.SeatRequestCreate(tool="assistant", person="bob@example.com"),
            caller=person(ledger, "eve", Role.program_lead),
        )
    # Cy last used the assistant on 2024-12-02: 60 days idle on 2025-01-31, not on 2025-01-30.
    assert run(date(2025, 1, 30)).proposed == 0
    proposed = run(date(2025, 1, 31))
    assert (proposed.proposed, proposed.notified) == (1, 0)
    [item_id] = proposed.ids
    with session_scope(world.factory, ledger.workspace_id) as session:
        assert subjects(session, ledger, "dee") == ["Assistant: an idle seat waits for your decision"]
        assert subjects(session, ledger, "cy") == []
    with pytest.raises(reassignment.NotALicenceOwner):
        approve(item_id, stranger, date(2025, 2, 1))  # a program lead, but the assistant has an owner
    assert approve(item_id, owner, date(2025, 2, 1)).status == ReassignmentStatus.notice_sent
    assert run(date(2025, 2, 11)).release_proposed == 1  # grace over: waits for the owner again
    released = approve(item_id, owner, date(2025, 2, 12))
    assert released.status == ReassignmentStatus.assignment_proposed
    assert released.next_person_name == "Bob"
    assert "Remove Cy's seat of Assistant in the vendor's admin console" in released.vendor_note
    assigned = approve(item_id, owner, date(2025, 2, 13))
    assert assigned.status == ReassignmentStatus.assigned
    assert "Give Bob a seat of Assistant in the vendor's admin console" in assigned.vendor_note
    with pytest.raises(reassignment.NothingToApprove):
        approve(item_id, owner, date(2025, 2, 13))
    with session_scope(world.factory, ledger.workspace_id) as session:
        assert audit_trail(session, ledger, item_id) == [
            "proposed",
            "approved",
            "notice_sent",
            "release_proposed",
            "approved",
            "released",
            "assignment_proposed",
            "approved",
            "assigned",
        ]
        entries = audit_service.list_audit_entries(
            session, ledger.workspace_id, target=f"reassignment:{item_id}"
        )
        assert {entry.actor for entry in entries if entry.action.endswith(".approved")} == {
            f"person:{ledger.people['dee']}"
        }


def test_the_holder_keeps_the_seat_by_using_it_or_by_saying_so(world, ledger, analytics):
    def run(day: date) -> schemas.QueueRun:
        with session_scope(world.factory, ledger.workspace_id) as session:
            return reassignment.run_queue(
                session,
                ledger.workspace_id,
                analytics=analytics,
                administrators=service.no_seat_administrators,
                today=day,
            )

    with session_scope(world.factory, ledger.workspace_id) as session:
        give_seats(session, ledger, "copilot", "github", ("ada",))
        policies.set_policy(
            session,
            ledger.workspace_id,
            "copilot",
            schemas.SeatPolicyUpdate(idle_days=30, grace_days=7, is_automatic=True),
            actor="test",
        )
    [item_id] = run(TODAY).ids
    with session_scope(world.factory, ledger.workspace_id) as session:
        with pytest.raises(reassignment.NotTheHolder):
            reassignment.keep_seat(session, ledger.workspace_id, item_id, caller=person(ledger, "bob"))
        kept = reassignment.keep_seat(
            session,
            ledger.workspace_id,
            item_id,
            caller=person(ledger, "ada"),
            today=TODAY + timedelta(days=2),
        )
        assert kept.status == ReassignmentStatus.kept
    # Kept on 03-05: idle again only 30 days after that.
    assert run(TODAY + timedelta(days=31)).proposed == 0
    again = run(TODAY + timedelta(days=32))
    assert again.proposed == 1
    # Ada uses Copilot during the grace period: the next run closes the reassignment as kept.
    with session_scope(world.factory, ledger.workspace_id) as session:
        key = workspaces_service.get_workspace(session, ledger.workspace_id).pseudonym_key.encode()
    insert_events(
        analytics.backend,
        [
            event(
                pseudonymize_person(key, "E-ada"),
                TODAY + timedelta(days=33),
                use_case="coding",
                tool="copilot",
                workspace_id=ledger.workspace_id,
            )
        ],
    )
    used = run(TODAY + timedelta(days=35))
    assert (used.kept, used.released) == (1, 0)
    with session_scope(world.factory, ledger.workspace_id) as session:
        assert audit_trail(session, ledger, again.ids[0]) == ["proposed", "notice_sent", "kept"]
        assert [seat.released_on for seat in seats.list_seats(session, ledger.workspace_id).items] == [None]


def test_a_refusing_github_leaves_the_step_to_try_again_and_tells_the_owner(world, ledger, analytics):
    with running_fake_github(FakeGitHub(token="ghp_other")) as github:

        def administrators(session, workspace_id: int, tool: str) -> Any:
            connection = schemas.GitHubConnection(
                organization="acme", token="ghp_test", base_url=github.base_url
            )
            return service.github_seat_administrator(connection)

        with session_scope(world.factory, ledger.workspace_id) as session:
            give_seats(session, ledger, "copilot", "github", ("ada",))
            policies.set_policy(
                session,
                ledger.workspace_id,
                "copilot",
                schemas.SeatPolicyUpdate(idle_days=30, grace_days=0, is_automatic=True),
                actor="test",
            )
            run = reassignment.run_queue(
                session, ledger.workspace_id, analytics=analytics, administrators=administrators, today=TODAY
            )
        assert (run.notified, run.failed, run.released) == (1, 1, 0)
        with session_scope(world.factory, ledger.workspace_id) as session:
            [item] = reassignment.list_reassignments(session, ledger.workspace_id)
            assert item.status == ReassignmentStatus.release_proposed
            assert "GitHub answered 401: Bad credentials. The token is wrong, revoked or expired" in (
                item.last_error or ""
            )
            assert subjects(session, ledger, "dee") == ["GitHub Copilot: a seat change failed"]
            assert audit_trail(session, ledger, item.id)[-1] == "vendor_failed"
            assert [seat.released_on for seat in seats.list_seats(session, ledger.workspace_id).items] == [
                None
            ]


@pytest.mark.parametrize(
    ("status", "message", "expected"),
    [
        (403, "Resource not accessible by integration", "organization permission 'GitHub Copilot Business'"),
        (404, "Not Found", "Check the organization name (acme)"),
        (422, "User is not a member", "must be a member of the organization"),
    ],
)
def test_github_refusals_say_what_to_check(status: int, message: str, expected: str):
    with running_fake_github() as github:
        github.queued.append((status, {}, {"message": message}))
        connection = schemas.GitHubConnection(organization="acme", token="ghp_test", base_url=github.base_url)
        with pytest.raises(VendorRefused) as refused:
            service.github_seat_administrator(connection).assign("octocat")
    assert f"GitHub answered {status}: {message}" in refused.value.detail
    assert expected in refused.value.detail


def test_the_waiting_list_puts_requests_first_then_the_people_a_started_rollout_wave_entitles(world, ledger):
    people = ledger.people
    with session_scope(world.factory, ledger.workspace_id) as session:
        catalog_service.create_use_case(
            session,
            ledger.workspace_id,
            catalog_schemas.UseCaseCreate(slug="code-review", title="Code review", tool_slugs=["copilot"]),
            actor="test",
            author_id=None,
        )
        # Its approval is governance's business: here the use case is in pilot.
        catalog_service.get_use_case_by_slug(
            session, ledger.workspace_id, "code-review"
        ).status = catalog_service.UseCaseStatus.piloting
        rollout_service.create_plan(
            session,
            ledger.workspace_id,
            rollout_schemas.RolloutPlanCreate(
                use_case="code-review",
                waves=[
                    rollout_schemas.WaveCreate(
                        name="pilot", person_ids=[people["eve"], people["cy"], people["ada"]]
                    ),
                    rollout_schemas.WaveCreate(name="everyone", person_ids=[people["dee"]]),
                ],
            ),
            actor="test",
        )
        rollout_service.start_rollout(session, ledger.workspace_id, "code-review", actor="test")
        give_seats(session, ledger, "copilot", "github", ("ada",))  # holds one: never waits
        waiting_list.request_seat(
            session,
            ledger.workspace_id,
            schemas.SeatRequestCreate(tool="copilot"),
            caller=person(ledger, "bob"),
        )
        with pytest.raises(waiting_list.AlreadyWaiting):
            waiting_list.request_seat(
                session,
                ledger.workspace_id,
                schemas.SeatRequestCreate(tool="copilot"),
                caller=person(ledger, "bob"),
            )
        with pytest.raises(waiting_list.SeatHeldAlready):
            waiting_list.request_seat(
                session,
                ledger.workspace_id,
                schemas.SeatRequestCreate(tool="copilot"),
                caller=person(ledger, "ada"),
            )
        with pytest.raises(Forbidden):
            waiting_list.request_seat(
                session,
                ledger.workspace_id,
                schemas.SeatRequestCreate(tool="copilot", person="cy@example.com"),
                caller=person(ledger, "bob"),
            )
        order = waiting_list.waiting_list(session, ledger.workspace_id, "copilot")
    # Bob asked; Cy and Eve are in the started pilot wave (by name); Dee's wave has not started.
    assert [(entry.position, entry.person_name, entry.why) for entry in order] == [
        (1, "Bob", "asked for a seat"),
        (2, "Cy", "in a started rollout wave of the tool"),
        (3, "Eve", "in a started rollout wave of the tool"),
    ]


def test_the_scheduled_queue_runs_each_workspace_with_a_policy(world, ledger, app, settings):
    """The job reads the events store the server writes (the app made it)."""
    from uptake.jobs.service import JobContext

    with session_scope(world.factory, ledger.workspace_id) as session:
        give_seats(session, ledger, "copilot", "github", ("ada",))
        policies.set_policy(
            session, ledger.workspace_id, "copilot", schemas.SeatPolicyUpdate(idle_days=30), actor="test"
        )
    other = make_ledger(world)  # no policy: not run
    with world.session() as session:
        context = JobContext(
            job_id=1,
            name="licences.run_reassignment_queue",
            workspace_id=None,
            payload={},
            session=session,
            settings=settings,
            report_progress=lambda done, total, note: None,
        )
        result = service.run_reassignment_queues(context)
    assert result["workspaces"] == 1
    assert result["runs"][str(ledger.workspace_id)]["proposed"] == 1
    assert str(other.workspace_id) not in result["runs"]


def test_a_person_proposed_who_got_a_seat_meanwhile_makes_way_for_the_next_one_waiting(
    world, ledger, analytics
):
    owner = person(ledger, "dee")

    def approve(item_id: int, day: date) -> schemas.Reassignment:
        with session_scope(world.factory, ledger.workspace_id) as session:
            return reassignment.approve_step(
                session,
                ledger.workspace_id,
                item_id,
                caller=owner,
                analytics=analytics,
                administrators=service.no_seat_administrators,
                today=day,
            )

    with session_scope(world.factory, ledger.workspace_id) as session:
        give_seats(session, ledger, "assistant", "csv", ("cy",))
        policies.set_policy(
            session,
            ledger.workspace_id,
            "assistant",
            schemas.SeatPolicyUpdate(idle_days=60, grace_days=0),
            actor="test",
        )
        for name in ("bob", "eve"):
            waiting_list.request_seat(
                session,
                ledger.workspace_id,
                schemas.SeatRequestCreate(tool="assistant"),
                caller=person(ledger, name),
            )
        [item_id] = reassignment.run_queue(
            session,
            ledger.workspace_id,
            analytics=analytics,
            administrators=service.no_seat_administrators,
            today=TODAY,
        ).ids
    approve(item_id, TODAY)  # the notice; the grace period is over at once
    with session_scope(world.factory, ledger.workspace_id) as session:
        reassignment.run_queue(
            session,
            ledger.workspace_id,
            analytics=analytics,
            administrators=service.no_seat_administrators,
            today=TODAY,
        )
    assert approve(item_id, TODAY).next_person_name == "Bob"  # released; Bob is first in line
    with session_scope(world.factory, ledger.workspace_id) as session:
        seats.assign_seat(
            session,
            ledger.workspace_id,
            schemas.SeatCreate(tool="assistant", person="bob@example.com"),
            actor="test",
            today=TODAY,
        )
    withdrawn = approve(item_id, TODAY)
    assert (withdrawn.status, withdrawn.next_person_name) == (ReassignmentStatus.assignment_proposed, "Eve")
    assert approve(item_id, TODAY).status == ReassignmentStatus.assigned
    with session_scope(world.factory, ledger.workspace_id) as session:
        assert audit_trail(session, ledger, item_id)[-5:] == [
            "approved",
            "assignment_withdrawn",
            "assignment_proposed",
            "approved",
            "assigned",
        ]
