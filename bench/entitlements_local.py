"""Micro-benchmark of the SDK's local entitlement checks and of the rollout bucketing.

    .venv/bin/python bench/entitlements_local.py [--people 10000] [--use-cases 50]

Builds a rollout state like a mid-sized workspace's (a named pilot, a department wave with training
required, and a 30 % wave for everyone, per use case), then reports the median time per call, measured
over batches of 1,000 calls:

- `bucket` with a cold cache (every pair new: the pure-Python MurmurHash3) and a warm one;
- `Evaluator.check` over random people and use cases: every pair new (each check that reaches the
  percentage wave hashes), and a working set of 10,000 pairs asked again and again (buckets cached).
"""

import argparse
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from uptake.sdk.bucketing import bucket, murmurhash3_32
from uptake.sdk.local_evaluation import Evaluator

BATCH = 1_000


def build_state(people_count: int, use_case_count: int, generator: random.Random) -> dict[str, Any]:
    use_case_slugs = [f"use-case-{number:03d}-drafting-replies" for number in range(use_case_count)]
    people = {}
    for number in range(people_count):
        team = generator.randrange(40)
        people[f"{number:08x}-{generator.getrandbits(64):016x}"] = {
            "teams": [team, 100 + team // 8, 1000],
            "role": generator.choice(["agent", "analyst", "engineer", "manager"]),
            "trained": generator.sample(use_case_slugs, k=generator.randrange(use_case_count // 2 + 1)),
            "acknowledged": [],
        }
    keys = list(people)
    use_cases = {
        slug: {
            "status": "active",
            "rules": [
                {"wave": "pilot", "people": generator.sample(keys, k=20)},
                {"wave": "support", "teams": [100, 101], "requires_training": True},
                {"wave": "everyone", "percentage": 30.0},
            ],
        }
        for slug in use_case_slugs
    }
    return {"version": 1, "use_cases": use_cases, "people": people}


def median_nanoseconds_per_call(calls: list[Callable[[], object]]) -> float:
    timings = []
    for start in range(0, len(calls) - BATCH + 1, BATCH):
        batch = calls[start : start + BATCH]
        began = time.perf_counter_ns()
        for call in batch:
            call()
        timings.append((time.perf_counter_ns() - began) / BATCH)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--use-cases", type=int, default=50)
    parser.add_argument("--calls", type=int, default=100_000)
    arguments = parser.parse_args()
    generator = random.Random(20_250_501)

    began = time.perf_counter()
    state = build_state(arguments.people, arguments.use_cases, generator)
    evaluator = Evaluator(state)
    print(
        f"state: {arguments.people} people, {arguments.use_cases} use cases; "
        f"Evaluator built in {(time.perf_counter() - began) * 1000:.0f} ms (including generating it)"
    )

    keys = list(state["people"])
    slugs = list(state["use_cases"])
    pairs = [(generator.choice(keys), generator.choice(slugs)) for _ in range(arguments.calls)]

    sample_key = f"{slugs[0]}:{keys[0]}".encode()
    raw = median_nanoseconds_per_call([lambda: murmurhash3_32(sample_key)] * arguments.calls)
    print(f"murmurhash3_32 of a {len(sample_key)}-byte key:     {raw / 1000:.2f} µs")

    bucket.cache_clear()
    cold = median_nanoseconds_per_call(
        [lambda person=person, slug=slug: bucket(slug, f"cold-{person}") for person, slug in pairs]
    )
    warm = median_nanoseconds_per_call(
        [lambda person=person, slug=slug: bucket(slug, person) for person, slug in pairs[:BATCH]] * 50
    )
    print(f"bucket, cold cache:                     {cold / 1000:.2f} µs")
    print(f"bucket, warm cache:                     {warm / 1000:.2f} µs")

    bucket.cache_clear()
    checks = [lambda person=person, slug=slug: evaluator.check(person, slug) for person, slug in pairs]
    cold_check = median_nanoseconds_per_call(checks)
    repeated = checks[:10_000]
    median_nanoseconds_per_call(repeated)
    warm_check = median_nanoseconds_per_call(repeated * 10)
    print(f"Evaluator.check, every pair new:        {cold_check / 1000:.2f} µs (median)")
    print(f"Evaluator.check, 10,000 pairs repeated: {warm_check / 1000:.2f} µs (median)")


if __name__ == "__main__":
    main()
