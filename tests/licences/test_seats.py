"""The seat ledger's seats: given and released by hand, the sync one source makes, what analytics reads."""

from __future__ import annotations

from datetime import date

import pytest

from licences.licences_builders import Ledger, make_ledger
from uptake.audit import service as audit_service
from uptake.db import session_scope
from uptake.errors import InvalidInput
from uptake.licences import contracts, schemas, seats, service
from uptake.licences.models import SeatSource
from uptake.telemetry.pseudonyms import pseudonymize_person
from uptake.workspaces import service as workspaces_service

DAY = date(2025, 3, 3)


@pytest.fixture
def ledger(world) -> Ledger:
    return make_ledger(world)


def holder(person_id: int | None = None, account: str | None = None, assigned_on: date | None = None):
    return schemas.SeatHolder(person_id=person_id, account=account, assigned_on=assigned_on)


def sync(session, ledger: Ledger, holders, *, source: str = "github", as_of: date = DAY):
    return service.sync_seats(
        session,
        ledger.workspace_id,
        tool="copilot",
        source=source,
        as_of=as_of,
        holders=holders,
        actor="test",
    )


def open_seats(session, ledger: Ledger) -> list[tuple[int | None, str | None, str, date]]:
    page = seats.list_seats(session, ledger.workspace_id, tool="copilot")
    return sorted(
        (
            (seat.person_id, seat.account, seat.source.value, seat.assigned_on)
            for seat in page.items
            if seat.released_on is None
        ),
        key=lambda row: (row[0] or 0, row[1] or ""),
    )


def test_a_seat_is_given_to_a_person_by_email_or_external_id_and_released_on_a_day(world, ledger):
    with session_scope(world.factory, ledger.workspace_id) as session:
        given = seats.assign_seat(
            session,
            ledger.workspace_id,
            schemas.SeatCreate(tool="copilot", person="ADA@example.com", assigned_on=date(2025, 1, 6)),
            actor="person:1",
        )
        by_id = seats.assign_seat(
            session,
            ledger.workspace_id,
            schemas.SeatCreate(tool="copilot", person="E-bob", account="BobGH", assigned_on=date(2025, 1, 7)),
            actor="person:1",
        )
        assert (given.person_id, given.person_name, given.source) == (ledger.people["ada"], "Ada", "manual")
        assert (by_id.person_id, by_id.account) == (ledger.people["bob"], "bobgh")
        released = seats.release_seat(
            session,
            ledger.workspace_id,
            given.id,
            schemas.SeatRelease(released_on=date(2025, 2, 1)),
            actor="person:1",
        )
        assert released.released_on == date(2025, 2, 1)
        actions = [entry.action for entry in audit_service.list_audit_entries(session, ledger.workspace_id)]
        assert actions[:3] == ["licences.seat.released", "licences.seat.assigned", "licences.seat.assigned"]


def test_a_holder_keeps_one_seat_of_a_tool_and_a_seat_is_released_once(world, ledger):
    with session_scope(world.factory, ledger.workspace_id) as session:
        seat = seats.assign_seat(
            session,
            ledger.workspace_id,
            schemas.SeatCreate(tool="copilot", person="ada@example.com", assigned_on=date(2025, 1, 6)),
            actor="test",
        )
        with pytest.raises(seats.SeatAlreadyHeld):
            seats.assign_seat(
                session,
                ledger.workspace_id,
                schemas.SeatCreate(tool="copilot", person="E-ada"),
                actor="test",
            )
        with pytest.raises(InvalidInput) as early:
            seats.release_seat(
                session,
                ledger.workspace_id,
                seat.id,
                schemas.SeatRelease(released_on=date(2025, 1, 5)),
                actor="test",
            )
        assert early.value.errors[0].field == "released_on"
        seats.release_seat(
            session, ledger.workspace_id, seat.id, schemas.SeatRelease(released_on=DAY), actor="test"
        )
        with pytest.raises(seats.SeatAlreadyReleased):
            seats.release_seat(session, ledger.workspace_id, seat.id, schemas.SeatRelease(), actor="test")
        with pytest.raises(seats.HolderNotFound) as unknown:
            seats.assign_seat(
                session,
                ledger.workspace_id,
                schemas.SeatCreate(tool="copilot", person="nobody@example.com"),
                actor="test",
            )
        assert unknown.value.errors[0].field == "person"


def test_a_sync_replaces_its_sources_seats_and_a_second_run_changes_nothing(world, ledger):
    ada, bob, cy = ledger.people["ada"], ledger.people["bob"], ledger.people["cy"]
    with session_scope(world.factory, ledger.workspace_id) as session:
        seats.assign_seat(
            session,
            ledger.workspace_id,
            schemas.SeatCreate(tool="copilot", person="E-cy", assigned_on=date(2024, 12, 1)),
            actor="test",
        )
        first = sync(
            session,
            ledger,
            [
                holder(ada, "ada-gh", date(2025, 1, 2)),
                holder(account="octocat"),  # nobody linked this login to a person yet
                holder(cy, "cy-gh"),  # holds a seat given by hand: keeps that one
                holder(ada, "ada-gh"),  # listed twice: once
            ],
        )
        assert (first.assigned, first.released, first.updated, first.unchanged) == (2, 0, 0, 1)
        assert open_seats(session, ledger) == [
            (None, "octocat", "github", DAY),
            (ada, "ada-gh", "github", date(2025, 1, 2)),
            (cy, None, "manual", date(2024, 12, 1)),
        ]
    with session_scope(world.factory, ledger.workspace_id) as session:
        entries = audit_service.count_audit_entries(session, ledger.workspace_id)
        again = sync(session, ledger, [holder(ada, "ada-gh"), holder(account="octocat"), holder(cy, "cy-gh")])
        assert (again.assigned, again.released, again.updated, again.unchanged) == (0, 0, 0, 3)
        assert audit_service.count_audit_entries(session, ledger.workspace_id) == entries
    later = date(2025, 3, 10)
    with session_scope(world.factory, ledger.workspace_id) as session:
        # octocat turns out to be Bob; Ada's seat is gone from GitHub; Cy's hand-given seat is not GitHub's.
        third = sync(session, ledger, [holder(bob, "octocat")], as_of=later)
        assert (third.assigned, third.released, third.updated, third.unchanged) == (0, 1, 1, 0)
        assert open_seats(session, ledger) == [
            (bob, "octocat", "github", DAY),
            (cy, None, "manual", date(2024, 12, 1)),
        ]
        gone = [
            seat for seat in seats.list_seats(session, ledger.workspace_id).items if seat.person_id == ada
        ]
        assert [seat.released_on for seat in gone] == [later]
        entry = audit_service.list_audit_entries(
            session, ledger.workspace_id, action="licences.seats.synced"
        )[0]
        assert entry.after["released"] == 1
        assert entry.after["updated"] == 1


def test_a_sync_refuses_unknown_people_and_unknown_sources(world, ledger):
    with session_scope(world.factory, ledger.workspace_id) as session:
        with pytest.raises(seats.HolderNotFound) as unknown:
            sync(session, ledger, [holder(ledger.people["ada"]), holder(999_999)])
        assert [error.field for error in unknown.value.errors] == ["holders[1].person_id"]
        with pytest.raises(InvalidInput) as source:
            sync(session, ledger, [holder(ledger.people["ada"])], source="fax")
        assert source.value.errors[0].field == "source"
    with pytest.raises(ValueError, match="person_id, an account"):
        schemas.SeatHolder()


def test_analytics_reads_each_seat_as_its_holders_pseudonym_at_the_contracts_monthly_price(world, ledger):
    with session_scope(world.factory, ledger.workspace_id) as session:
        key = workspaces_service.get_workspace(session, ledger.workspace_id).pseudonym_key.encode()
        sync(session, ledger, [holder(ledger.people["ada"], "ada-gh"), holder(account="octocat")])
        seats.assign_seat(
            session,
            ledger.workspace_id,
            schemas.SeatCreate(tool="assistant", account="dee@example.com", assigned_on=date(2025, 1, 1)),
            actor="test",
        )
        contracts.create_contract(
            session,
            ledger.workspace_id,
            schemas.ContractCreate(
                tool="copilot",
                seats_purchased=50,
                price_per_seat=228,
                price_period="year",
                currency="USD",
                starts_on=date(2024, 6, 1),
                renews_on=date(2025, 6, 1),
            ),
            actor="test",
        )
        rows = service.snapshot_rows(session, ledger.workspace_id)
    seat_rows = sorted((row["tool"], row["person"], row["monthly_cost"]) for row in rows["seats"])
    assert seat_rows == sorted(
        [
            ("copilot", pseudonymize_person(key, "E-ada"), 19.0),  # 228 a year
            ("copilot", pseudonymize_person(key, "octocat"), 19.0),  # as the login's events are keyed
            ("assistant", pseudonymize_person(key, "E-dee"), 30.0),  # the email is Dee's: her pseudonym
        ]
    )
    contract_rows = sorted(rows["contracts"], key=lambda row: row["tool"])
    assert [(row["tool"], row["seats_purchased"], row["currency"]) for row in contract_rows] == [
        ("assistant", None, "EUR"),  # no contract: the catalog's price, in force since 1970
        ("copilot", 50, "USD"),
    ]
    assert contract_rows[0]["start_day"] == date(1970, 1, 1)
    assert contract_rows[1]["monthly_price_per_seat"] == 19.0


def test_a_tool_has_one_contract_per_start_day(world, ledger):
    body = schemas.ContractCreate(
        tool="copilot", seats_purchased=10, price_per_seat=19, currency="USD", starts_on=date(2025, 1, 1)
    )
    with session_scope(world.factory, ledger.workspace_id) as session:
        first = contracts.create_contract(session, ledger.workspace_id, body, actor="test")
        with pytest.raises(contracts.ContractDayTaken):
            contracts.create_contract(session, ledger.workspace_id, body, actor="test")
        renewed = contracts.create_contract(
            session,
            ledger.workspace_id,
            body.model_copy(update={"starts_on": date(2026, 1, 1), "seats_purchased": 12}),
            actor="test",
        )
        with pytest.raises(contracts.ContractDayTaken):
            contracts.update_contract(
                session,
                ledger.workspace_id,
                renewed.id,
                schemas.ContractUpdate(starts_on=date(2025, 1, 1)),
                actor="test",
            )
        changed = contracts.update_contract(
            session,
            ledger.workspace_id,
            first.id,
            schemas.ContractUpdate(renews_on=date(2026, 1, 1), notice_days=30),
            actor="test",
        )
    assert changed.notice_deadline == date(2025, 12, 2)
    with pytest.raises(ValueError, match="renews_on must be after starts_on"):
        schemas.ContractCreate(
            tool="copilot",
            seats_purchased=1,
            price_per_seat=1,
            currency="USD",
            starts_on=date(2025, 1, 1),
            renews_on=date(2025, 1, 1),
        )


def test_seat_sources_are_the_documented_ones():
    assert tuple(source.value for source in SeatSource) == service.SEAT_SOURCES
    assert set(service.SEAT_SOURCES) == {"manual", "csv", "scim_group", "github", "microsoft_365"}
