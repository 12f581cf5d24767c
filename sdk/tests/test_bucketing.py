"""uptake's rollout bucketing against the Unleash client specification, plus its own properties.

The specification's cases are evaluated by a deliberately small Unleash evaluator written here, which
supports only what uptake's waves need (the `default` strategy and percentage rollouts with stickiness);
every percentage decision in it goes through `uptake_sdk.bucketing`.
"""

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reference_fixtures import require_shared_fixtures
from uptake_sdk.bucketing import (
    bucket,
    canonical_person_key,
    is_in_percentage,
    murmurhash3_32,
    normalized_hash,
    variant_bucket,
)

SPECIFICATIONS = require_shared_fixtures() / "unleash-client-spec" / "specifications"
ROLLOUT_STRATEGIES = {"flexibleRollout", "gradualRolloutUserId", "gradualRolloutSessionId"}


def _specifications() -> list[tuple[str, dict[str, Any]]]:
    names = json.loads((SPECIFICATIONS / "index.json").read_text(encoding="utf-8"))
    return [
        (name.removesuffix(".json"), json.loads((SPECIFICATIONS / name).read_text(encoding="utf-8")))
        for name in names
    ]


def _is_supported_strategy(strategy: dict[str, Any]) -> bool:
    if strategy.get("constraints") or strategy.get("segments"):
        return False
    parameters = strategy.get("parameters") or {}
    if strategy["name"] == "default":
        return True
    if strategy["name"] == "flexibleRollout":
        return "rollout" in parameters
    if strategy["name"] in ROLLOUT_STRATEGIES:
        return "percentage" in parameters
    return False


def _is_supported_toggle(feature: dict[str, Any], *, with_variants: bool) -> bool:
    if feature.get("dependencies"):
        return False
    strategies = feature.get("strategies") or []
    if not all(_is_supported_strategy(strategy) for strategy in strategies):
        return False
    if with_variants:
        variants = list(feature.get("variants") or [])
        for strategy in strategies:
            variants += strategy.get("variants") or []
        return not any(variant.get("overrides") for variant in variants)
    return not feature.get("variants") and not any(strategy.get("variants") for strategy in strategies)


def _cases(kind: str) -> list[Any]:
    cases = []
    for file_name, specification in _specifications():
        features = {feature["name"]: feature for feature in specification["state"].get("features", [])}
        for case in specification.get(kind, []):
            feature = features.get(case["toggleName"])
            if feature is not None and _is_supported_toggle(feature, with_variants=kind == "variantTests"):
                cases.append(pytest.param(feature, case, id=f"{file_name}::{case['description']}"))
    return cases


ENABLED_CASES = _cases("tests")
VARIANT_CASES = _cases("variantTests")


def _context_value(context: dict[str, Any], field: str) -> str | None:
    value = context.get(field)
    if value is None:
        value = (context.get("properties") or {}).get(field)
    return None if value is None else str(value)


def _stickiness_value(
    context: dict[str, Any], stickiness: str, default_fields: tuple[str, ...]
) -> str | None:
    if stickiness == "default":
        for field in default_fields:
            if context.get(field):
                return str(context[field])
        return None
    return _context_value(context, stickiness)


def _in_rollout(group_id: str, value: str | None, percentage: float, *, random_allowed: bool) -> bool:
    if value is None:
        if not random_allowed:
            return False
        # Unleash hashes a random value here; only 0 % and 100 % give an answer a test can expect.
        assert percentage in (0, 100), "a random-stickiness case between 0 % and 100 % cannot be checked"
        return percentage == 100
    return is_in_percentage(group_id, value, percentage)


def _strategy_matches(toggle_name: str, strategy: dict[str, Any], context: dict[str, Any]) -> bool:
    parameters = strategy.get("parameters") or {}
    group_id = parameters.get("groupId") or toggle_name
    if strategy["name"] == "default":
        return True
    if strategy["name"] == "gradualRolloutUserId":
        return _in_rollout(
            group_id, _context_value(context, "userId"), float(parameters["percentage"]), random_allowed=False
        )
    if strategy["name"] == "gradualRolloutSessionId":
        return _in_rollout(
            group_id,
            _context_value(context, "sessionId"),
            float(parameters["percentage"]),
            random_allowed=False,
        )
    stickiness = parameters.get("stickiness", "default")
    value = _stickiness_value(context, stickiness, ("userId", "sessionId"))
    return _in_rollout(
        group_id, value, float(parameters["rollout"]), random_allowed=stickiness in ("default", "random")
    )


def _matching_strategy(feature: dict[str, Any], context: dict[str, Any]) -> dict[str, Any] | None:
    """The first strategy that enables the toggle, {} for an enabled toggle without strategies, else None."""
    if not feature["enabled"]:
        return None
    strategies = feature.get("strategies") or []
    if not strategies:
        return {}
    for strategy in strategies:
        if _strategy_matches(feature["name"], strategy, context):
            return strategy
    return None


def _variant(feature: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    strategy = _matching_strategy(feature, context)
    if strategy is None:
        return {"name": "disabled", "enabled": False, "feature_enabled": False}
    parameters = strategy.get("parameters") or {}
    if strategy.get("variants"):
        variants = strategy["variants"]
        group_id = parameters.get("groupId") or feature["name"]
        stickiness = parameters.get("stickiness", "default")
    else:
        variants = feature.get("variants") or []
        group_id = feature["name"]
        stickiness = variants[0].get("stickiness", "default") if variants else "default"
    total_weight = sum(variant["weight"] for variant in variants)
    if total_weight <= 0:
        return {"name": "disabled", "enabled": False, "feature_enabled": True}
    value = _stickiness_value(context, stickiness, ("userId", "sessionId", "remoteAddress"))
    if value is None:
        weighted = [variant for variant in variants if variant["weight"] > 0]
        assert len(weighted) == 1, "a random-stickiness case with several variants cannot be checked"
        chosen = weighted[0]
    else:
        target = variant_bucket(group_id, value, total_weight)
        counter = 0
        chosen = variants[-1]
        for variant in variants:
            if variant["weight"] == 0:
                continue
            counter += variant["weight"]
            if counter >= target:
                chosen = variant
                break
    answer = {"name": chosen["name"], "enabled": True, "feature_enabled": True}
    if "payload" in chosen:
        answer["payload"] = chosen["payload"]
    return answer


def test_the_unleash_specification_provides_rollout_cases() -> None:
    """The filter keeps the cases uptake's waves depend on; it must never silently drop them all."""
    assert len(ENABLED_CASES) == 34
    assert len(VARIANT_CASES) == 25


@pytest.mark.parametrize(("feature", "case"), ENABLED_CASES)
def test_unleash_specification_enabled(feature: dict[str, Any], case: dict[str, Any]) -> None:
    assert (_matching_strategy(feature, case["context"]) is not None) is case["expectedResult"]


@pytest.mark.parametrize(("feature", "case"), VARIANT_CASES)
def test_unleash_specification_variant(feature: dict[str, Any], case: dict[str, Any]) -> None:
    expected = case["expectedResult"]
    answer = _variant(feature, case["context"])
    assert answer["name"] == expected["name"]
    assert answer["enabled"] is expected["enabled"]
    assert answer["feature_enabled"] is expected.get("feature_enabled", expected["enabled"])
    if "payload" in expected:
        assert answer["payload"] == expected["payload"]


@pytest.mark.parametrize(
    ("data", "seed", "expected"),
    [
        # The reference vectors of MurmurHash3 x86 32-bit (SMHasher's implementation).
        (b"", 0, 0),
        (b"", 1, 0x514E28B7),
        (b"", 0xFFFFFFFF, 0x81F16F39),
        (b"\0\0\0\0", 0, 0x2362F9DE),
        (b"aaaa", 0x9747B28C, 0x5A97808A),
        (b"Hello, world!", 0x9747B28C, 0x24884CBA),
        (b"The quick brown fox jumps over the lazy dog", 0x9747B28C, 0x2FA826CD),
        (b"hello", 0, 0x248BFA47),
    ],
)
def test_murmurhash3_reference_vectors(data: bytes, seed: int, expected: int) -> None:
    assert murmurhash3_32(data, seed) == expected


def _reference_murmurhash3_32(data: bytes, seed: int) -> int:
    """MurmurHash3 x86 32-bit written byte by byte from the algorithm's published description."""

    def rotate_left(value: int, count: int) -> int:
        return ((value << count) | (value >> (32 - count))) & 0xFFFFFFFF

    hashed = seed
    whole_length = len(data) - len(data) % 4
    for offset in range(0, whole_length, 4):
        block = data[offset] | data[offset + 1] << 8 | data[offset + 2] << 16 | data[offset + 3] << 24
        block = rotate_left(block * 0xCC9E2D51 & 0xFFFFFFFF, 15) * 0x1B873593 & 0xFFFFFFFF
        hashed = rotate_left(hashed ^ block, 13)
        hashed = (hashed * 5 + 0xE6546B64) & 0xFFFFFFFF
    remainder = 0
    for position, byte in enumerate(data[whole_length:]):
        remainder |= byte << (8 * position)
    if len(data) % 4:
        hashed ^= rotate_left(remainder * 0xCC9E2D51 & 0xFFFFFFFF, 15) * 0x1B873593 & 0xFFFFFFFF
    hashed ^= len(data)
    hashed ^= hashed >> 16
    hashed = hashed * 0x85EBCA6B & 0xFFFFFFFF
    hashed ^= hashed >> 13
    hashed = hashed * 0xC2B2AE35 & 0xFFFFFFFF
    return hashed ^ (hashed >> 16)


@given(data=st.binary(max_size=400), seed=st.integers(min_value=0, max_value=0xFFFFFFFF))
def test_murmurhash3_matches_a_byte_by_byte_reference(data: bytes, seed: int) -> None:
    """Covers every tail length and keys beyond the precompiled block readers (over 252 bytes)."""
    assert murmurhash3_32(data, seed) == _reference_murmurhash3_32(data, seed)


@given(group=st.text(max_size=60), identifier=st.text(max_size=80), normalizer=st.integers(1, 10_000))
def test_the_cached_group_state_gives_the_hash_of_the_joined_string(
    group: str, identifier: str, normalizer: int
) -> None:
    joined = f"{group}:{identifier}".encode()
    assert bucket(group, identifier) == murmurhash3_32(joined) % 100 + 1
    assert normalized_hash(identifier, group, normalizer) == murmurhash3_32(joined) % normalizer + 1
    assert variant_bucket(group, identifier, normalizer) == murmurhash3_32(joined, 86028157) % normalizer + 1


def test_bucket_is_unleash_normalized_hash_of_use_case_and_person() -> None:
    # Feature.B3 of the specification: groupId AB12A, 50 %; userId 122 is in, 155 is out.
    assert bucket("AB12A", "122") == normalized_hash("122", "AB12A") <= 50
    assert bucket("AB12A", "155") == normalized_hash("155", "AB12A") > 50
    assert bucket("AB12A", "122") == murmurhash3_32(b"AB12A:122") % 100 + 1


def test_percentage_edges() -> None:
    assert not is_in_percentage("draft-ticket-replies", "e-1001", 0)
    assert is_in_percentage("draft-ticket-replies", "e-1001", 100)
    assert not is_in_percentage("draft-ticket-replies", "e-1001", -5)


def test_fractional_percentage_acts_per_whole_bucket() -> None:
    person = next(f"e-{number}" for number in range(10_000) if bucket("summarize-calls", f"e-{number}") == 13)
    assert not is_in_percentage("summarize-calls", person, 12.9)
    assert is_in_percentage("summarize-calls", person, 13.0)


def test_canonical_person_key_strips_and_lower_cases() -> None:
    assert canonical_person_key("  Jane.Doe@Example.ORG \n") == "jane.doe@example.org"


@given(
    use_case=st.text(min_size=1, max_size=60),
    person=st.text(max_size=80),
    first=st.floats(min_value=0, max_value=100),
    second=st.floats(min_value=0, max_value=100),
)
def test_raising_the_percentage_keeps_everyone_already_in(
    use_case: str, person: str, first: float, second: float
) -> None:
    lower, higher = sorted((first, second))
    if is_in_percentage(use_case, person, lower):
        assert is_in_percentage(use_case, person, higher)


@given(use_case=st.text(min_size=1, max_size=60), person=st.text(max_size=80))
def test_bucket_is_between_1_and_100(use_case: str, person: str) -> None:
    assert 1 <= bucket(use_case, person) <= 100


def test_a_ten_percent_rollout_takes_ten_percent_of_people() -> None:
    people = [f"person-{number}" for number in range(20_000)]
    share = sum(is_in_percentage("draft-ticket-replies", person, 10) for person in people) / len(people)
    assert 0.09 <= share <= 0.11
