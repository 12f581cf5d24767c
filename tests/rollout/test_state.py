"""The rollout state document: what the server publishes is what the SDK evaluates, and every way of asking
(the whole document, one person's part of it, REST, OFREP) gives the same decision."""

from __future__ import annotations

from rollout.rollout_builders import USE_CASE, create_plan, live_use_case
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.rollout import service
from uptake.rollout.models import WaveState
from uptake.rollout.state import build_rollout_state
from uptake_sdk.bucketing import bucket, canonical_person_key, is_in_percentage
from uptake_sdk.local_evaluation import Evaluator


def _start(world, workspace_id: int) -> None:
    with session_scope(world.factory, workspace_id) as session:
        service.start_rollout(session, workspace_id, USE_CASE, actor="test")


def test_a_started_wave_grants_its_team_with_subteams_and_a_planned_wave_grants_nobody(world, organization):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    create_plan(
        world,
        workspace,
        [
            {"name": "pilot", "team_ids": [organization.support]},
            {"name": "sales", "team_ids": [organization.sales]},
        ],
    )
    with session_scope(world.factory, workspace) as session:
        before = Evaluator(build_rollout_state(session, workspace))
    agent_email = organization.emails[organization.agents[0]]
    assert before.check(agent_email, USE_CASE).reason == "DEFAULT"
    _start(world, workspace)
    with session_scope(world.factory, workspace) as session:
        document = build_rollout_state(session, workspace)
    evaluator = Evaluator(document)
    # Agents are in Tier 1, a subteam of Support: the pilot wave covers them.
    decision = evaluator.check(agent_email.upper(), USE_CASE)
    assert (decision.entitled, decision.reason, decision.wave) == (True, "TARGETING_MATCH", "pilot")
    assert evaluator.check(organization.emails[organization.analysts[0]], USE_CASE).reason == "DEFAULT"
    key = canonical_person_key(organization.external_ids[organization.agents[0]])
    assert document["aliases"][agent_email] == key
    assert document["people"][key]["teams"] == [
        str(organization.company),
        str(organization.support),
        str(organization.tier1),
    ]
    assert document["use_cases"][USE_CASE]["rules"] == [
        {"wave": "pilot", "teams": [str(organization.support)]}
    ]


def test_a_percentage_wave_takes_exactly_the_sdk_buckets_and_keeps_them_when_raised(world, organization):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    create_plan(world, workspace, [{"name": "everyone", "percentage": 30}])
    _start(world, workspace)
    keys = [
        canonical_person_key(organization.external_ids[person])
        for person in organization.agents + organization.analysts
    ]
    with session_scope(world.factory, workspace) as session:
        at_30 = Evaluator(build_rollout_state(session, workspace))
    granted_30 = {key for key in keys if at_30.is_entitled(key, USE_CASE)}
    assert granted_30 == {key for key in keys if is_in_percentage(USE_CASE, key, 30)}
    assert granted_30 == {key for key in keys if bucket(USE_CASE, key) <= 30}
    with session_scope(world.factory, workspace) as session:
        plan = service.get_plan(session, workspace, USE_CASE)
        plan.waves[0].percentage = 80
    with session_scope(world.factory, workspace) as session:
        at_80 = Evaluator(build_rollout_state(session, workspace))
    granted_80 = {key for key in keys if at_80.is_entitled(key, USE_CASE)}
    assert granted_30 <= granted_80
    assert granted_80 == {key for key in keys if is_in_percentage(USE_CASE, key, 80)}


def test_one_persons_part_of_the_state_decides_like_the_whole_document(world, organization):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    live_use_case(world, workspace, "summarize-calls")
    create_plan(
        world,
        workspace,
        [
            {"name": "named", "person_ids": [organization.analysts[1]]},
            {"name": "agents", "job_role_ids": [organization.agent], "requires_acknowledgement": True},
            {"name": "some", "team_ids": [organization.sales], "percentage": 50},
        ],
    )
    with session_scope(world.factory, workspace) as session:
        plan = service.get_plan(session, workspace, USE_CASE)
        for wave in plan.waves:
            wave.state = WaveState.active if wave.name == "some" else WaveState.completed
    with session_scope(world.factory, workspace) as session:
        whole = Evaluator(build_rollout_state(session, workspace))
        everyone = [organization.emails[person] for person in organization.agents + organization.analysts]
        for identifier in [
            *everyone,
            "stranger@example.com",
            organization.external_ids[organization.agents[2]],
        ]:
            for slug in (USE_CASE, "summarize-calls", "no-such-use-case"):
                assert service.check_entitlement(session, workspace, identifier, slug) == whole.check(
                    identifier, slug
                )
    agent = whole.check(organization.emails[organization.agents[0]], USE_CASE)
    assert (agent.entitled, agent.reason, agent.wave, agent.missing) == (
        False,
        "REQUIREMENT_NOT_MET",
        "agents",
        ("acknowledgement",),
    )
    assert whole.check(organization.emails[organization.analysts[1]], USE_CASE).wave == "named"


def test_pausing_the_use_case_disables_it_for_everyone_at_once(world, organization):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    create_plan(world, workspace, [{"name": "pilot", "team_ids": [organization.company]}])
    _start(world, workspace)
    email = organization.emails[organization.agents[0]]
    with session_scope(world.factory, workspace) as session:
        assert service.check_entitlement(session, workspace, email, USE_CASE).entitled
        service.pause_rollout(session, workspace, USE_CASE, "an incident", actor="test")
    with session_scope(world.factory, workspace) as session:
        decision = service.check_entitlement(session, workspace, email, USE_CASE)
        assert (decision.entitled, decision.reason) == (False, "DISABLED")
        assert catalog_service.get_use_case_by_slug(session, workspace, USE_CASE).status == "paused"
        service.resume_rollout(session, workspace, USE_CASE, actor="test")
    with session_scope(world.factory, workspace) as session:
        assert service.check_entitlement(session, workspace, email, USE_CASE).entitled


def test_training_and_the_current_use_card_are_required_when_the_wave_says_so(world, organization):
    workspace = organization.workspace_id
    live_use_case(world, workspace)
    create_plan(
        world,
        workspace,
        [{"name": "pilot", "team_ids": [organization.tier1], "requires_acknowledgement": True}],
    )
    _start(world, workspace)
    person = organization.agents[0]
    email = organization.emails[person]
    with session_scope(world.factory, workspace) as session:
        use_case = catalog_service.get_use_case_by_slug(session, workspace, USE_CASE)
        use_case.use_card_version = 1
    with session_scope(world.factory, workspace) as session:
        assert service.check_entitlement(session, workspace, email, USE_CASE).missing == ("acknowledgement",)
        service.acknowledge_use_card(session, workspace, USE_CASE, person)
    with session_scope(world.factory, workspace) as session:
        assert service.check_entitlement(session, workspace, email, USE_CASE).entitled
        # A new version of the card needs a new acknowledgement.
        catalog_service.get_use_case_by_slug(session, workspace, USE_CASE).use_card_version = 2
    with session_scope(world.factory, workspace) as session:
        assert service.check_entitlement(session, workspace, email, USE_CASE).reason == "REQUIREMENT_NOT_MET"
