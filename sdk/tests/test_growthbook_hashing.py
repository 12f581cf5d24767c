"""GrowthBook's cross-SDK cases (spec 0.8.0) for the hashing family, run through uptake's reimplementation."""

import json
from typing import Any

import pytest

from reference_fixtures import require_shared_fixtures
from uptake_sdk.growthbook_hashing import (
    choose_variation,
    fnv1a_32,
    get_bucket_ranges,
    get_equal_weights,
    hash_value,
    in_namespace,
)

CASES_FILE = require_shared_fixtures() / "growthbook-cases" / "cases.json"
TOLERANCE = 1e-9


def _section(name: str) -> list[Any]:
    cases = json.loads(CASES_FILE.read_text(encoding="utf-8"))[name]
    return [pytest.param(*case, id=f"{name}[{index}]") for index, case in enumerate(cases)]


HASH_CASES = _section("hash")
BUCKET_RANGE_CASES = _section("getBucketRange")
CHOOSE_VARIATION_CASES = _section("chooseVariation")
NAMESPACE_CASES = _section("inNamespace")
EQUAL_WEIGHTS_CASES = _section("getEqualWeights")


def test_every_section_has_cases() -> None:
    assert [len(HASH_CASES), len(BUCKET_RANGE_CASES), len(CHOOSE_VARIATION_CASES)] == [15, 13, 13]
    assert [len(NAMESPACE_CASES), len(EQUAL_WEIGHTS_CASES)] == [16, 6]


@pytest.mark.parametrize(("seed", "value", "version", "expected"), HASH_CASES)
def test_hash(seed: str, value: str, version: int, expected: float | None) -> None:
    answer = hash_value(seed, value, version)
    if expected is None:
        assert answer is None
    else:
        assert answer == pytest.approx(expected, abs=TOLERANCE)


@pytest.mark.parametrize(("description", "arguments", "expected"), BUCKET_RANGE_CASES)
def test_get_bucket_range(description: str, arguments: list[Any], expected: list[list[float]]) -> None:
    ranges = get_bucket_ranges(*arguments)
    assert len(ranges) == len(expected), description
    for (start, end), (expected_start, expected_end) in zip(ranges, expected, strict=True):
        assert start == pytest.approx(expected_start, abs=TOLERANCE)
        assert end == pytest.approx(expected_end, abs=TOLERANCE)


@pytest.mark.parametrize(("description", "number", "ranges", "expected"), CHOOSE_VARIATION_CASES)
def test_choose_variation(description: str, number: float, ranges: list[list[float]], expected: int) -> None:
    assert choose_variation(number, ranges) == expected, description


@pytest.mark.parametrize(("description", "user_id", "namespace", "expected"), NAMESPACE_CASES)
def test_in_namespace(description: str, user_id: str, namespace: list[Any], expected: bool) -> None:
    name, start, end = namespace
    assert in_namespace(user_id, (name, start, end)) is expected, description


@pytest.mark.parametrize(("variation_count", "expected"), EQUAL_WEIGHTS_CASES)
def test_get_equal_weights(variation_count: int, expected: list[float]) -> None:
    # The specification writes thirds truncated to 8 decimals (0.33333333), so compare at that precision.
    weights = get_equal_weights(variation_count)
    assert weights == pytest.approx(expected, abs=1e-8)
    if weights:
        assert sum(weights) == pytest.approx(1.0, abs=TOLERANCE)


def test_fnv1a_32_reference_values() -> None:
    # FNV-1a 32 of "" is the offset basis; of "a" it is 0xe40c292c (the published FNV test vector).
    assert fnv1a_32("") == 0x811C9DC5
    assert fnv1a_32("a") == 0xE40C292C
    assert fnv1a_32("foobar") == 0xBF9CF968
