"""Gates read live data over the current wave's people: synthetic events push the metrics over their
thresholds and the wave is promoted by itself; an open severity-1 incident holds it; approvers, high risk and
overrides; the scheduled job."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analytics.analytics_workspace import create_events_table, event, insert_events
from rollout.rollout_builders import USE_CASE, create_plan, live_use_case
from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.analytics import engines
from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.jobs.service import JobContext
from uptake.rollout import schemas, service
from uptake.rollout.analytics_gates import AnalyticsGateSource
from uptake.rollout.models import WaveState

NOW = datetime.now(UTC)
GATES = [
    {"metric": "adoption_rate", "comparison": ">=", "threshold": 50},
    {"metric": "acceptance_rate", "comparison": ">=", "threshold": 60},
]


@pytest.fixture
def backend():
    backend = engines.connect("duckdb://")
    create_events_table(backend)
    return backend


def source(backend) -> AnalyticsGateSource:
    return AnalyticsGateSource(analytics_service.Analytics(backend))


def rolling_out(world, organization, *, gates=GATES, **plan_fields) -> int:
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    create_plan(
        world,
        workspace,
        [
            {"name": "pilot", "team_ids": [organization.support], "gates": gates},
            {"name": "sales", "team_ids": [organization.sales]},
        ],
        **plan_fields,
    )
    with session_scope(world.factory, workspace) as session:
        service.start_rollout(session, workspace, USE_CASE, actor="test", now=NOW - timedelta(days=10))
    return workspace


def use_by(world, organization, backend, people: list[int], kinds: tuple[str, ...]) -> None:
    """Events from these people: each did `kinds` yesterday, as an AI tool would report them."""
    with session_scope(world.factory, organization.workspace_id) as session:
        pseudonyms = analytics_service.pseudonyms_of(session, organization.workspace_id, people)
    day = (NOW - timedelta(days=1)).date()
    insert_events(
        backend,
        [
            event(pseudonyms[person], day, kind, USE_CASE, workspace_id=organization.workspace_id)
            for person in people
            for kind in kinds
        ],
    )


def evaluate(world, workspace: int, backend) -> service.GateOutcome:
    with session_scope(world.factory, workspace) as session:
        return service.evaluate_gates(session, workspace, USE_CASE, source=source(backend), now=NOW)


def wave_states(world, workspace: int) -> dict[str, WaveState]:
    with session_scope(world.factory, workspace) as session:
        return {wave.name: wave.state for wave in service.get_plan(session, workspace, USE_CASE).waves}


def test_synthetic_events_over_the_thresholds_promote_the_wave_by_itself(world, organization, backend):
    workspace = rolling_out(world, organization)
    sales_person = organization.emails[organization.analysts[0]]

    nothing_yet = evaluate(world, workspace, backend)
    assert (nothing_yet.all_passed, nothing_yet.promoted_to) == (False, None)
    # Two of six pilot agents active (33 %) accepting everything: adoption is below its 50 % gate.
    use_by(world, organization, backend, organization.agents[:2], ("invoked", "accepted"))
    assert evaluate(world, workspace, backend).promoted_to is None
    with session_scope(world.factory, workspace) as session:
        adoption = service.get_plan(session, workspace, USE_CASE).waves[0].gates[0]
        assert (adoption.last_value, adoption.last_passed) == (pytest.approx(33.33), False)
        assert (adoption.last_detail["active"], adoption.last_detail["eligible"]) == (2, 6)
        assert not service.check_entitlement(session, workspace, sales_person, USE_CASE).entitled
    # Three more agents: five of six (83 %), four accepted or edited of five decided outputs (80 %), from
    # five people: as many as the privacy floor asks for.
    use_by(world, organization, backend, organization.agents[2:4], ("invoked", "edited"))
    use_by(world, organization, backend, organization.agents[4:5], ("invoked", "rejected"))
    outcome = evaluate(world, workspace, backend)
    assert (outcome.all_passed, outcome.promoted_to, outcome.waiting_for_approval) == (True, "sales", False)
    assert wave_states(world, workspace) == {"pilot": WaveState.completed, "sales": WaveState.active}
    with session_scope(world.factory, workspace) as session:
        gates = service.get_plan(session, workspace, USE_CASE).waves[0].gates
        assert [(gate.last_value, gate.last_passed) for gate in gates] == [
            (pytest.approx(83.33), True),
            (pytest.approx(80.0), True),
        ]
        assert service.check_entitlement(session, workspace, sales_person, USE_CASE).wave == "sales"
        promoted = [
            entry
            for entry in audit_service.list_audit_entries(session, workspace)
            if entry.action == "rollout.wave.promoted"
        ]
    assert len(promoted) == 1
    assert promoted[0].actor == "system"
    assert promoted[0].after["next_wave"] == "sales"


def test_an_open_severity_1_incident_holds_the_wave_although_the_metrics_pass(world, organization, backend):
    gates = [*GATES, {"metric": "open_severity_1_incidents", "comparison": "<=", "threshold": 0}]
    workspace = rolling_out(world, organization, gates=gates)
    use_by(world, organization, backend, organization.agents, ("invoked", "accepted"))
    analytics = analytics_service.Analytics(backend)
    analytics.write_snapshot(
        "incidents",
        [
            {
                "workspace_id": workspace,
                "use_case": USE_CASE,
                "severity": 1,
                "opened_day": (NOW - timedelta(days=2)).date(),
                "resolved_day": None,
            }
        ],
        workspace_id=workspace,
    )
    with session_scope(world.factory, workspace) as session:
        outcome = service.evaluate_gates(
            session, workspace, USE_CASE, source=AnalyticsGateSource(analytics), now=NOW
        )
    assert (outcome.all_passed, outcome.promoted_to) == (False, None)
    assert wave_states(world, workspace) == {"pilot": WaveState.held, "sales": WaveState.planned}
    with session_scope(world.factory, workspace) as session:
        plan = service.get_plan(session, workspace, USE_CASE)
        assert plan.waves[0].held_reason == "an open severity-1 incident"
        incident_gate = plan.waves[0].gates[2]
        assert (incident_gate.last_value, incident_gate.last_passed) == (1.0, False)
        # A held wave is not promoted, not even by hand, until it is resumed.
        with pytest.raises(service.WaveHeld):
            service.promote_wave(
                session,
                workspace,
                USE_CASE,
                schemas.Promotion(override=True, justification="the pilot went well enough"),
                promoter=Principal(workspace_id=workspace, roles=frozenset({Role.program_lead}), person_id=1),
                source=AnalyticsGateSource(analytics),
            )


def test_an_approver_promotes_when_the_plan_asks_for_one(world, organization, backend):
    workspace = rolling_out(world, organization, promotion_mode="approval")
    use_by(world, organization, backend, organization.agents, ("invoked", "accepted"))
    outcome = evaluate(world, workspace, backend)
    assert (outcome.all_passed, outcome.promoted_to, outcome.waiting_for_approval) == (True, None, True)
    assert wave_states(world, workspace)["pilot"] == WaveState.active
    approver = Principal(
        workspace_id=workspace, roles=frozenset({Role.program_lead}), person_id=organization.agents[0]
    )
    with session_scope(world.factory, workspace) as session:
        service.promote_wave(
            session, workspace, USE_CASE, schemas.Promotion(), promoter=approver, source=source(backend)
        )
    assert wave_states(world, workspace) == {"pilot": WaveState.completed, "sales": WaveState.active}


def test_a_high_risk_use_case_waits_for_a_reviewer_even_under_automatic_promotion(
    world, organization, backend
):
    workspace = rolling_out(world, organization)
    with session_scope(world.factory, workspace) as session:
        catalog_service.get_use_case_by_slug(session, workspace, USE_CASE).risk_tier = "high"
    use_by(world, organization, backend, organization.agents, ("invoked", "accepted"))
    assert evaluate(world, workspace, backend).waiting_for_approval
    lead = Principal(
        workspace_id=workspace, roles=frozenset({Role.program_lead}), person_id=organization.agents[0]
    )
    reviewer = Principal(
        workspace_id=workspace, roles=frozenset({Role.reviewer}), person_id=organization.agents[1]
    )
    with session_scope(world.factory, workspace) as session, pytest.raises(service.ApproverRequired):
        service.promote_wave(
            session, workspace, USE_CASE, schemas.Promotion(), promoter=lead, source=source(backend)
        )
    with session_scope(world.factory, workspace) as session:
        service.promote_wave(
            session, workspace, USE_CASE, schemas.Promotion(), promoter=reviewer, source=source(backend)
        )
    assert wave_states(world, workspace)["sales"] == WaveState.active


def test_failing_gates_need_an_override_with_a_justification_and_the_override_is_audited(
    world, organization, backend
):
    workspace = rolling_out(world, organization)
    lead = Principal(
        workspace_id=workspace, roles=frozenset({Role.program_lead}), person_id=organization.agents[0]
    )
    with session_scope(world.factory, workspace) as session, pytest.raises(service.GatesNotPassed):
        service.promote_wave(
            session, workspace, USE_CASE, schemas.Promotion(), promoter=lead, source=source(backend)
        )
    with session_scope(world.factory, workspace) as session, pytest.raises(service.InvalidInput) as refused:
        service.promote_wave(
            session,
            workspace,
            USE_CASE,
            schemas.Promotion(override=True),
            promoter=lead,
            source=source(backend),
        )
    assert refused.value.errors[0].field == "justification"
    with session_scope(world.factory, workspace) as session:
        service.promote_wave(
            session,
            workspace,
            USE_CASE,
            schemas.Promotion(override=True, justification="leadership asked for Sales before quarter end"),
            promoter=lead,
            source=source(backend),
        )
        entry = next(
            e
            for e in audit_service.list_audit_entries(session, workspace)
            if e.action == "rollout.wave.promoted"
        )
    assert entry.actor == f"person:{organization.agents[0]}"
    assert entry.after["override"] is True
    assert entry.after["justification"] == "leadership asked for Sales before quarter end"
    assert [gate["passed"] for gate in entry.after["gates"]] == [False, False]


def test_the_scheduled_job_evaluates_every_workspace_with_an_active_wave(world, organization, settings):
    workspace = rolling_out(world, organization)
    backend = analytics_service.connect_events_engine(settings.effective_events_url)
    create_events_table(backend)
    use_by(world, organization, backend, organization.agents, ("invoked", "accepted"))
    with world.session() as session:
        context = JobContext(
            job_id=1,
            name="rollout.evaluate_gates",
            workspace_id=None,
            payload={},
            session=session,
            settings=settings,
            report_progress=lambda done, total, note: None,
        )
        result = service.evaluate_gates_job(context)
    assert result == {"workspaces": 1, "promoted": [f"{workspace}:{USE_CASE}→sales"]}
    assert wave_states(world, workspace) == {"pilot": WaveState.completed, "sales": WaveState.active}
    # The entitlements analytics counts as eligible follow the promotion: six agents and six analysts.
    today = NOW.date()
    with session_scope(world.factory, workspace) as session:
        eligible = analytics_service.Analytics(backend).metric(
            session,
            workspace,
            "eligible",
            analytics_service.resolve_period(None, today, today, today),
            analytics_service.parse_grouping(["use_case"], None),
        )
    assert [(row["use_case"], row["value"]) for row in eligible.rows] == [(USE_CASE, 12)]
