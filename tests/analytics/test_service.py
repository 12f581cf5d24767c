"""The analytics service: snapshots pulled from the domains, freshness, the floor, cohorts, periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from analytics.analytics_workspace import create_events_table, insert_events
from analytics.organization import (
    FIRST_WEEK,
    PERIOD_END,
    START,
    Organization,
    build_organization,
    stored_event,
)
from enablement.enablement_builders import make_module, make_use_case, module_source
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.analytics import engines, service
from uptake.analytics.metrics import Grouping, Period
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.enablement.service import completions as completions_service
from uptake.errors import Forbidden, InvalidInput
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service

PERIOD = Period(FIRST_WEEK, PERIOD_END)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def organization(world) -> Organization:
    return build_organization(world)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def analytics(organization: Organization, clock: Clock) -> service.Analytics:
    backend = engines.connect("duckdb://")
    create_events_table(backend)
    insert_events(
        backend, [{"workspace_id": organization.workspace_id, **event} for event in organization.events]
    )
    analytics = service.Analytics(backend, max_age_seconds=60, clock=clock)
    analytics.write_snapshot(
        "entitlements", organization.entitlements(), workspace_id=organization.workspace_id
    )
    return analytics


def by_team(rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    return {row["team_id"]: row for row in rows}


def test_metrics_read_the_directory_and_catalog_through_pseudonyms(world, organization, analytics):
    with session_scope(world.factory, organization.workspace_id) as session:
        published = analytics.metric(
            session, organization.workspace_id, "adoption_rate", PERIOD, Grouping(by=("team",))
        )
    rows = by_team(published.rows)
    # Company (with its subteams): 6 of 12 active; Sales 5 of 6; Support 1 of 6.
    assert (rows[organization.company]["active"], rows[organization.company]["eligible"]) == (6, 12)
    assert rows[organization.sales]["value"] == pytest.approx(5 / 6)
    assert rows[organization.support]["value"] == pytest.approx(1 / 6)
    assert published.k == 5


def test_the_workspace_floor_suppresses_small_groups(world, organization, analytics):
    with session_scope(world.factory, organization.workspace_id) as session:
        workspaces_service.update_workspace(
            session,
            organization.workspace_id,
            workspace_schemas.WorkspaceUpdate(privacy_floor=7),
            actor="test",
        )
    with session_scope(world.factory, organization.workspace_id) as session:
        published = analytics.metric(
            session, organization.workspace_id, "adoption_rate", PERIOD, Grouping(by=("team",))
        )
    rows = by_team(published.rows)
    assert published.k == 7
    assert rows[organization.sales]["suppressed"]
    assert rows[organization.sales]["value"] is None
    assert rows[organization.support]["suppressed"]
    assert rows[organization.company]["eligible"] == 12


def test_figures_are_cached_until_the_data_is_stale_or_pushed(world, organization, analytics, clock):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        first = analytics.metric(session, workspace_id, "eligible", PERIOD)
        assert analytics.metric(session, workspace_id, "eligible", PERIOD) is first
        assert first.rows[0]["value"] == 12
        analytics.write_snapshot("entitlements", organization.entitlements()[:6], workspace_id=workspace_id)
        assert analytics.metric(session, workspace_id, "eligible", PERIOD).rows[0]["value"] == 6
        cached = analytics.metric(session, workspace_id, "eligible", PERIOD)
        clock.now = 61.0
        assert analytics.metric(session, workspace_id, "eligible", PERIOD) is not cached


def test_pulled_snapshots_cannot_be_pushed(analytics, organization):
    with pytest.raises(service.snapshots.SnapshotError, match="refreshed from its domain"):
        analytics.write_snapshot("people", [], workspace_id=organization.workspace_id)


def test_cohort_figures_for_a_rollout_gate(world, organization, analytics):
    with session_scope(world.factory, organization.workspace_id) as session:
        sales = analytics.cohort_figures(
            session, organization.workspace_id, "drafting", organization.people["sales"], PERIOD
        )
        few = analytics.cohort_figures(
            session, organization.workspace_id, "drafting", organization.people["sales"][:3], PERIOD
        )
    assert (sales.people, sales.eligible, sales.active) == (6, 6, 5)
    assert sales.adoption_rate == pytest.approx(5 / 6)
    assert sales.training_completion == 1.0  # drafting requires no training: every eligible person counts
    assert sales.decided_events == 20
    assert sales.acceptance_rate == 1.0
    assert few.people is None
    assert few.adoption_rate is None
    assert few.suppressed == "fewer than 5 people"


def test_the_pseudonym_of_a_person_is_the_one_telemetry_stores(world, organization):
    person_id = organization.people["sales"][0]
    with session_scope(world.factory, organization.workspace_id) as session:
        pseudonyms = service.pseudonyms_of(session, organization.workspace_id, [person_id])
    assert pseudonyms == {person_id: organization.pseudonyms[person_id]}


@pytest.mark.parametrize(
    ("preset", "expected"),
    [
        ("last_28_days", Period(date(2025, 2, 16), date(2025, 3, 15))),
        ("this_month", Period(date(2025, 3, 1), date(2025, 3, 15))),
        ("last_month", Period(date(2025, 2, 1), date(2025, 2, 28))),
        ("this_quarter", Period(date(2025, 1, 1), date(2025, 3, 15))),
        ("last_quarter", Period(date(2024, 10, 1), date(2024, 12, 31))),
        ("last_year", Period(date(2024, 1, 1), date(2024, 12, 31))),
    ],
)
def test_period_presets(preset: str, expected: Period):
    assert service.resolve_period(preset, None, None, date(2025, 3, 15)) == expected


def test_periods_from_dates_and_their_errors():
    today = date(2025, 3, 15)
    assert service.resolve_period(None, None, None, today) == Period(date(2025, 2, 16), today)
    assert service.resolve_period(None, None, date(2025, 1, 28), today) == Period(
        date(2025, 1, 1), date(2025, 1, 28)
    )
    assert service.resolve_period(None, date(2025, 3, 1), None, today) == Period(date(2025, 3, 1), today)
    cases = [
        (("last_month", date(2025, 1, 1), None), "period"),
        ((None, date(2025, 3, 2), date(2025, 3, 1)), "from"),
        ((None, date(2020, 1, 1), date(2025, 1, 1)), "from"),
        ((None, date(1900, 1, 1), None), "from"),
    ]
    for arguments, field in cases:
        with pytest.raises(InvalidInput) as raised:
            service.resolve_period(*arguments, today)
        assert [error.field for error in raised.value.errors] == [field]


def test_groupings_from_request_values():
    assert service.parse_grouping(["team,use_case"], "week") == Grouping(
        by=("team", "use_case"), grain="week"
    )
    assert service.parse_grouping(["role", "tool"], None) == Grouping(by=("role", "tool"))
    for by, grain, field in [(["colour"], None, "by"), (["team", "team"], None, "by"), ([], "hour", "grain")]:
        with pytest.raises(InvalidInput) as raised:
            service.parse_grouping(by, grain)
        assert raised.value.errors[0].field == field
    with pytest.raises(InvalidInput) as raised:
        service.check_grouping("trust_score", Grouping(by=("team",)))
    assert raised.value.errors[0].field == "by"
    with pytest.raises(InvalidInput) as raised:
        service.check_grouping("funnel", Grouping(grain="week"))
    assert raised.value.errors[0].field == "grain"
    with pytest.raises(service.MetricNotFound):
        service.check_grouping("happiness", Grouping())


def test_training_completions_are_pulled_on_the_workspace_calendar(world, organization, analytics):
    workspace_id = organization.workspace_id
    make_use_case(
        world,
        workspace_id,
        "coding",
        required_training=[make_module(world, workspace_id, module_source(quiz=False))],
    )
    with session_scope(world.factory, workspace_id) as session:
        # Released (its approval is governance's business): analytics counts released use cases only.
        catalog_service.get_use_case_by_slug(
            session, workspace_id, "coding"
        ).status = catalog_service.UseCaseStatus.piloting
        workspaces_service.update_workspace(
            session, workspace_id, workspace_schemas.WorkspaceUpdate(timezone="Europe/Berlin"), actor="test"
        )
        for person_id in organization.people["sales"]:
            completions_service.complete_reading(
                session,
                workspace_id,
                "prompt-basics",
                person_id,
                now=datetime(2025, 2, 10, 23, 30, tzinfo=UTC),
            )
    with session_scope(world.factory, workspace_id) as session:
        pulled = service.pulled_snapshots(session, workspace_id)
        coding = next(row for row in pulled["use_cases"] if row["use_case"] == "coding")
        assert coding["training_required"] is True
        # 23:30 UTC on 10 February is 00:30 on 11 February in Berlin.
        assert sorted((row["person"], row["completed_day"]) for row in pulled["completions"]) == sorted(
            (organization.pseudonyms[person_id], date(2025, 2, 11))
            for person_id in organization.people["sales"]
        )
        analytics.write_snapshot(
            "entitlements",
            [{**row, "use_case": "coding"} for row in organization.entitlements()],
            workspace_id=workspace_id,
        )
        funnel = analytics.metric(session, workspace_id, "funnel", PERIOD, Grouping(by=("team",)))
    rows = by_team(funnel.rows)
    assert (rows[organization.company]["eligible"], rows[organization.company]["trained"]) == (12, 6)
    assert rows[organization.sales]["trained"] == 6


def _use_case(session, workspace_id: int, slug: str, status, **fields: Any) -> None:
    catalog_service.create_use_case(
        session,
        workspace_id,
        catalog_schemas.UseCaseCreate(slug=slug, title=slug.title(), **fields),
        actor="test",
        author_id=None,
    )
    # Its approval is governance's business (tested there); here the status is what analytics reads.
    catalog_service.get_use_case_by_slug(session, workspace_id, slug).status = status


def test_an_approved_use_case_with_a_started_rollout_shows_its_funnel(world, organization, analytics):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        _use_case(session, workspace_id, "reconciling", catalog_service.UseCaseStatus.approved)
    events = [
        {
            **stored_event(organization.pseudonyms[person_id], FIRST_WEEK + timedelta(days=2)),
            "use_case": "reconciling",
        }
        for person_id in organization.people["sales"]
    ]
    insert_events(analytics.backend, [{"workspace_id": workspace_id, **event} for event in events])
    analytics.write_snapshot(
        "entitlements",
        [{**row, "use_case": "reconciling"} for row in organization.entitlements()],
        workspace_id=workspace_id,
    )
    with session_scope(world.factory, workspace_id) as session:
        funnel = analytics.metric(session, workspace_id, "funnel", PERIOD, Grouping(by=("use_case",)))
    rows = {row["use_case"]: row for row in funnel.rows}
    # Everyone entitled, no training required, the six Sales people tried it (one week: no repeat yet). Left
    # out of analytics' catalog, an approved use case had eligible people and trained 0, tried 0.
    assert [rows["reconciling"][step] for step in ("eligible", "trained", "tried", "repeat")] == [
        12,
        12,
        6,
        0,
    ]


def test_seats_grant_released_use_cases_of_their_tool_to_the_teams_and_roles_they_target(
    world, organization, analytics
):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        catalog_service.create_tool(
            session,
            workspace_id,
            catalog_schemas.ToolCreate(slug="assistant", name="Assistant", vendor="Acme"),
            actor="test",
        )
        status = catalog_service.UseCaseStatus
        _use_case(session, workspace_id, "quotes", status.generally_available, tool_slugs=["assistant"])
        _use_case(
            session,
            workspace_id,
            "forecasts",
            status.rolling_out,
            tool_slugs=["assistant"],
            target_team_ids=[organization.sales],
        )
        _use_case(session, workspace_id, "contracts", status.approved, tool_slugs=["assistant"])
        grants = sorted(
            (row["use_case"], row["team_id"], row["role"])
            for row in service.pulled_snapshots(session, workspace_id)["seat_grants"]
        )
        assert grants == [("forecasts", organization.sales, None), ("quotes", None, None)]
    analytics.write_snapshot("entitlements", [], workspace_id=workspace_id)
    analytics.write_snapshot(
        "seats",
        [
            {
                "workspace_id": workspace_id,
                "tool": "assistant",
                "person": pseudonym,
                "start_day": START,
                "end_day": None,
                "monthly_cost": 20.0,
            }
            for pseudonym in organization.pseudonyms.values()
        ],
        workspace_id=workspace_id,
    )
    with session_scope(world.factory, workspace_id) as session:
        eligible = analytics.metric(session, workspace_id, "eligible", PERIOD, Grouping(by=("use_case",)))
    # Every holder for quotes, Sales for forecasts, nobody for the approved (not released) contracts.
    assert {row["use_case"]: row["value"] for row in eligible.rows} == {"forecasts": 6, "quotes": 12}


def test_whose_figures_a_reader_sees_is_decided_once_here() -> None:
    lead = Principal(
        workspace_id=1, roles=frozenset({Role.team_lead}), person_id=2, team_ids=frozenset({3, 4})
    )
    program_lead = Principal(
        workspace_id=1, roles=frozenset({Role.program_lead, Role.team_lead}), person_id=5
    )
    assert service.team_scope(lead) == {3, 4}
    assert service.team_scope(program_lead) is None
    assert service.scoped_grouping("adoption_rate", Grouping(by=("use_case",)), frozenset({3})).by == (
        "team",
        "use_case",
    )
    assert service.scoped_grouping("adoption_rate", Grouping(by=("use_case",)), None).by == ("use_case",)
    with pytest.raises(Forbidden):
        service.scoped_grouping("trust_score", Grouping(), frozenset({3}))
    rows = [{"team_id": 3, "value": 1}, {"team_id": 9, "value": 2}]
    assert service.scoped_rows(rows, frozenset({3, 4})) == [{"team_id": 3, "value": 1}]
    assert service.scoped_rows(rows, None) == rows
