"""GrowthBook's bucketing functions, kept to prove that uptake's hashing matches a second vendor.

uptake's own rollouts use `uptake_sdk.bucketing` (the Unleash scheme). This module reimplements the
deterministic part of the GrowthBook SDK specification (spec 0.8.0) so the tests can run GrowthBook's
cross-SDK cases against it: FNV-1a 32-bit hashing in its two versions, bucket ranges, variation choice,
namespaces and equal weights. The GrowthBook names map as follows: `hash` → `hash_value`,
`getBucketRange` → `get_bucket_ranges`, `chooseVariation` → `choose_variation`, `inNamespace` →
`in_namespace`, `getEqualWeights` → `get_equal_weights`.
"""

from collections.abc import Sequence

_FNV_OFFSET_BASIS = 0x811C9DC5
_FNV_PRIME = 0x01000193
_MASK_32 = 0xFFFFFFFF


def fnv1a_32(value: str) -> int:
    """FNV-1a 32-bit over the string's UTF-16 code units, as the JavaScript reference SDK computes it."""
    hashed = _FNV_OFFSET_BASIS
    for code_unit in _utf16_code_units(value):
        hashed ^= code_unit
        hashed = (hashed * _FNV_PRIME) & _MASK_32
    return hashed


def _utf16_code_units(value: str) -> list[int]:
    encoded = value.encode("utf-16-le", "surrogatepass")
    return [int.from_bytes(encoded[index : index + 2], "little") for index in range(0, len(encoded), 2)]


def hash_value(seed: str, value: str, version: int) -> float | None:
    """GrowthBook's `hash`: a number in [0, 1) for version 1 or 2, None for any other version."""
    if version == 2:
        return (fnv1a_32(str(fnv1a_32(seed + value))) % 10_000) / 10_000
    if version == 1:
        return (fnv1a_32(value + seed) % 1_000) / 1_000
    return None


def get_equal_weights(variation_count: int) -> list[float]:
    """GrowthBook's `getEqualWeights`: `variation_count` equal weights summing to 1 (none below 1)."""
    if variation_count < 1:
        return []
    return [1 / variation_count] * variation_count


def get_bucket_ranges(
    variation_count: int, coverage: float, weights: Sequence[float] | None
) -> list[tuple[float, float]]:
    """GrowthBook's `getBucketRange`: the [start, end) slice of [0, 1) each variation owns.

    Coverage is clamped to [0, 1]. Weights are replaced by equal weights when missing, of the wrong
    length, or when they do not sum to 1 within ±0.01.
    """
    coverage = min(max(coverage, 0.0), 1.0)
    chosen_weights: Sequence[float]
    if weights is None or len(weights) != variation_count or not 0.99 <= sum(weights) <= 1.01:
        chosen_weights = get_equal_weights(variation_count)
    else:
        chosen_weights = weights
    ranges: list[tuple[float, float]] = []
    cumulative = 0.0
    for weight in chosen_weights:
        start = cumulative
        cumulative += weight
        ranges.append((start, start + coverage * weight))
    return ranges


def choose_variation(number: float, ranges: Sequence[Sequence[float]]) -> int:
    """GrowthBook's `chooseVariation`: the index of the range holding `number`, or -1."""
    for index, (start, end) in enumerate(ranges):
        if start <= number < end:
            return index
    return -1


def in_namespace(user_id: str, namespace: tuple[str, float, float]) -> bool:
    """GrowthBook's `inNamespace`: whether the user's namespace hash falls in [start, end)."""
    name, start, end = namespace
    number = hash_value("__" + name, user_id, 1)
    if number is None:
        return False
    return start <= number < end
