from typing import Any

import pytest

from uptake_sdk.bucketing import bucket
from uptake_sdk.local_evaluation import Decision, Evaluator, InvalidRolloutState, Reason

USE_CASE = "draft-ticket-replies"


def _person_with_bucket(use_case: str, *, at_most: int | None = None, above: int | None = None) -> str:
    for number in range(100_000):
        key = f"e-{number}"
        value = bucket(use_case, key)
        if (at_most is None or value <= at_most) and (above is None or value > above):
            return key
    raise AssertionError("no such person")


def _state(rules: list[dict[str, Any]], *, status: str = "active", **extra: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "use_cases": {USE_CASE: {"status": status, "rules": rules}},
        "people": {
            "e-ana": {"teams": [7, 3], "role": "agent", "trained": [USE_CASE], "acknowledged": [USE_CASE]},
            "e-ben": {"teams": ["12", "3"], "role": "analyst", "trained": [], "acknowledged": []},
            "e-cai": {"teams": [12, 3], "role": "agent", "trained": [USE_CASE], "acknowledged": []},
        },
        **extra,
    }


def test_unknown_use_case() -> None:
    evaluator = Evaluator(_state([{"wave": "everyone"}]))
    assert evaluator.check("e-ana", "summarize-calls") == Decision(False, Reason.UNKNOWN_USE_CASE)


@pytest.mark.parametrize("status", ["paused", "retired", "draft"])
def test_a_use_case_that_is_not_active_grants_nobody(status: str) -> None:
    evaluator = Evaluator(_state([{"wave": "everyone"}], status=status))
    assert evaluator.check("e-ana", USE_CASE) == Decision(False, Reason.DISABLED)


def test_named_people_match_and_are_not_thinned_by_the_percentage() -> None:
    person = _person_with_bucket(USE_CASE, above=10)
    evaluator = Evaluator(_state([{"wave": "pilot", "people": ["e-ben", person], "percentage": 10}]))
    assert evaluator.check("e-ben", USE_CASE) == Decision(True, Reason.TARGETING_MATCH, "pilot")
    assert evaluator.check(person, USE_CASE) == Decision(True, Reason.TARGETING_MATCH, "pilot")


def test_a_rule_naming_people_only_does_not_reach_everyone() -> None:
    evaluator = Evaluator(_state([{"wave": "pilot", "people": ["e-ben"]}]))
    assert evaluator.check("e-ana", USE_CASE) == Decision(False, Reason.DEFAULT)


def test_teams_match_through_the_persons_ancestor_teams_whatever_the_id_type() -> None:
    # Team 3 is the department above 7 and 12; the people facts list it for all three people.
    evaluator = Evaluator(_state([{"wave": "support", "teams": ["3"]}]))
    assert evaluator.check("e-ana", USE_CASE).wave == "support"
    assert evaluator.check("e-cai", USE_CASE).entitled
    only_team_12 = Evaluator(_state([{"wave": "tier-2", "teams": [12]}]))
    assert only_team_12.check("e-ana", USE_CASE) == Decision(False, Reason.DEFAULT)
    assert only_team_12.check("e-cai", USE_CASE) == Decision(True, Reason.TARGETING_MATCH, "tier-2")


def test_teams_and_roles_must_both_hold_when_both_are_given() -> None:
    evaluator = Evaluator(_state([{"wave": "tier-2 agents", "teams": [12], "roles": ["agent"]}]))
    assert evaluator.check("e-cai", USE_CASE).entitled  # team 12, agent
    assert evaluator.check("e-ben", USE_CASE) == Decision(False, Reason.DEFAULT)  # team 12, analyst
    assert evaluator.check("e-ana", USE_CASE) == Decision(False, Reason.DEFAULT)  # agent, team 7


def test_a_percentage_takes_people_whose_bucket_is_within_it() -> None:
    inside = _person_with_bucket(USE_CASE, at_most=30)
    outside = _person_with_bucket(USE_CASE, above=30)
    evaluator = Evaluator(_state([{"wave": "30 percent", "percentage": 30}]))
    assert evaluator.check(inside, USE_CASE) == Decision(True, Reason.TARGETING_MATCH, "30 percent")
    assert evaluator.check(outside, USE_CASE) == Decision(False, Reason.DEFAULT)
    assert not Evaluator(_state([{"wave": "none yet", "percentage": 0}])).check(inside, USE_CASE).entitled


def test_a_percentage_of_a_team_needs_both() -> None:
    evaluator = Evaluator(_state([{"wave": "half of support", "teams": [3], "percentage": 50}]))
    for key in ("e-ana", "e-ben", "e-cai"):
        assert evaluator.check(key, USE_CASE).entitled is (bucket(USE_CASE, key) <= 50)
    outsider = _person_with_bucket(USE_CASE, at_most=50)
    assert evaluator.check(outsider, USE_CASE) == Decision(False, Reason.DEFAULT)


def test_missing_training_is_named() -> None:
    evaluator = Evaluator(_state([{"wave": "support", "teams": [3], "requires_training": True}]))
    assert evaluator.check("e-ana", USE_CASE) == Decision(True, Reason.TARGETING_MATCH, "support")
    assert evaluator.check("e-ben", USE_CASE) == Decision(
        False, Reason.REQUIREMENT_NOT_MET, "support", ("training",)
    )


def test_every_missing_requirement_is_named() -> None:
    rule = {"wave": "support", "teams": [3], "requires_training": True, "requires_acknowledgement": True}
    evaluator = Evaluator(_state([rule]))
    assert evaluator.check("e-ben", USE_CASE).missing == ("training", "acknowledgement")
    assert evaluator.check("e-cai", USE_CASE) == Decision(
        False, Reason.REQUIREMENT_NOT_MET, "support", ("acknowledgement",)
    )
    assert evaluator.check("e-ana", USE_CASE).entitled


def test_a_later_wave_without_the_requirement_still_grants() -> None:
    evaluator = Evaluator(
        _state(
            [
                {"wave": "pilot", "people": ["e-ben"], "requires_training": True},
                {"wave": "analysts", "roles": ["analyst"]},
            ]
        )
    )
    assert evaluator.check("e-ben", USE_CASE) == Decision(True, Reason.TARGETING_MATCH, "analysts")


def test_the_first_granting_wave_is_reported() -> None:
    evaluator = Evaluator(_state([{"wave": "pilot", "people": ["e-ana"]}, {"wave": "support", "teams": [3]}]))
    assert evaluator.check("e-ana", USE_CASE).wave == "pilot"
    assert evaluator.check("e-ben", USE_CASE).wave == "support"


def test_identifiers_are_canonicalized_and_aliases_followed() -> None:
    evaluator = Evaluator(
        _state([{"wave": "pilot", "people": ["e-ana"]}], aliases={"ana.alves@example.org": "e-ana"})
    )
    assert evaluator.check("  E-Ana ", USE_CASE).entitled
    assert evaluator.check("Ana.Alves@Example.org", USE_CASE) == Decision(
        True, Reason.TARGETING_MATCH, "pilot"
    )


def test_someone_unknown_to_the_directory_can_only_match_open_waves() -> None:
    stranger = _person_with_bucket(USE_CASE, at_most=20)
    evaluator = Evaluator(
        _state(
            [
                {"wave": "support", "teams": [3]},
                {"wave": "everyone", "percentage": 20, "requires_training": True},
            ]
        )
    )
    assert evaluator.check(stranger, USE_CASE) == Decision(
        False, Reason.REQUIREMENT_NOT_MET, "everyone", ("training",)
    )


def test_a_later_percentage_draws_from_the_remaining_population_and_only_grows() -> None:
    people = {f"p-{number}": {"teams": [1 if number < 1_000 else 2]} for number in range(5_000)}
    pilot = {"wave": "pilot", "teams": [1]}
    state = {"version": 1, "use_cases": {USE_CASE: {"status": "active", "rules": []}}, "people": people}

    def granted(percentage: float) -> set[str]:
        state["use_cases"][USE_CASE]["rules"] = [pilot, {"wave": "everyone", "percentage": percentage}]
        evaluator = Evaluator(state)
        return {key for key in people if evaluator.check(key, USE_CASE).wave == "everyone"}

    quarter, half = granted(25), granted(50)
    assert quarter < half
    assert 0.23 <= len(quarter) / 4_000 <= 0.27  # 25 % of the 4,000 people outside the pilot team
    assert all(people[key]["teams"] == [2] for key in half)


def test_use_case_slugs_in_document_order() -> None:
    state = _state([])
    state["use_cases"]["summarize-calls"] = {"status": "retired", "rules": []}
    assert Evaluator(state).use_case_slugs() == [USE_CASE, "summarize-calls"]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "must be a JSON object"),
        ({"version": 2}, "unsupported rollout state version 2"),
        ({"version": 1, "use_cases": []}, "use_cases must be an object"),
        ({"version": 1, "use_cases": {USE_CASE: {"status": "active", "rules": {}}}}, "rules must be a list"),
        ({"version": 1, "use_cases": {USE_CASE: {"rules": [{"teams": [1]}]}}}, r"rules\[0\]\.wave"),
        (
            {"version": 1, "use_cases": {USE_CASE: {"rules": [{"wave": "w", "percentage": "50"}]}}},
            "percentage must be a number or null",
        ),
        ({"version": 1, "people": {"e-ana": {"teams": "3"}}}, r"people\.e-ana\.teams must be a list"),
    ],
)
def test_malformed_documents_are_refused(document: Any, message: str) -> None:
    with pytest.raises(InvalidRolloutState, match=message):
        Evaluator(document)
