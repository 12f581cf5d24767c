"""The demo's usage generator: the Bass curve it samples from, and events that follow the event contract."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow.compute as pc
from hypothesis import given
from hypothesis import strategies as st

from uptake.demo import catalog as demo_catalog
from uptake.demo import usage

TODAY = date(2026, 11, 30)


@given(
    share=st.floats(min_value=0.0, max_value=0.999),
    p=st.floats(min_value=0.001, max_value=0.05),
    q=st.floats(min_value=0.01, max_value=0.5),
)
def test_the_inverse_of_the_bass_curve_gives_back_the_share(share: float, p: float, q: float) -> None:
    day = usage.bass_inverse(np.array([share]), p, q)
    assert day[0] >= 0
    assert abs(float(usage.bass_share(day, p, q)[0]) - share) < 1e-9


def test_the_bass_curve_starts_at_zero_and_rises_to_one() -> None:
    days = np.array([0.0, 10.0, 100.0, 10_000.0])
    shares = usage.bass_share(days, 0.01, 0.2)
    assert shares[0] == 0
    assert np.all(np.diff(shares) > 0)
    assert abs(shares[-1] - 1) < 1e-9


def _catalog() -> demo_catalog.DemoCatalog:
    live = {"email-drafting": date(2026, 6, 1), "knowledge-search": date(2026, 7, 1)}
    return demo_catalog.DemoCatalog(
        use_cases={case.slug: case for case in demo_catalog.USE_CASES},
        live_since=live,
        paused_on={"knowledge-search": date(2026, 11, 18)},
        retired_on={},
        owner_ids={},
    )


def _people(count: int = 120) -> list[usage.DemoPerson]:
    roles = ["Support agent", "Account executive", "Accountant"]
    return [usage.DemoPerson(i, f"{i:032x}", i % 6, roles[i % 3]) for i in range(1, count + 1)]


def test_the_same_seed_gives_the_same_events_and_they_follow_the_contract() -> None:
    first = usage.generate_usage(_people(), _catalog(), today=TODAY, timezone="Europe/Berlin", seed=3)
    again = usage.generate_usage(_people(), _catalog(), today=TODAY, timezone="Europe/Berlin", seed=3)
    assert first.events.equals(again.events)
    events = first.events
    assert events.num_rows > 1_000
    assert len(set(events["event_id"].to_pylist())) == events.num_rows
    kinds = set(events["kind"].to_pylist())
    assert kinds <= {"invoked", "accepted", "edited", "rejected", "feedback"}
    assert pc.max(events["day"]).as_py() < TODAY
    ratings = [r for r in events["rating"].to_pylist() if r is not None]
    assert ratings
    assert set(ratings) <= {1, 2, 3, 4, 5}


def test_nothing_is_used_after_a_use_case_is_paused() -> None:
    events = usage.generate_usage(_people(), _catalog(), today=TODAY, timezone="Europe/Berlin").events
    paused = events.filter(pc.equal(events["use_case"], "knowledge-search"))
    assert paused.num_rows > 0
    assert pc.max(paused["day"]).as_py() < date(2026, 11, 18)


def test_only_the_audience_of_a_use_case_may_use_it_and_seats_never_exceed_the_purchase() -> None:
    generated = usage.generate_usage(_people(), _catalog(), today=TODAY, timezone="Europe/Berlin")
    audience = {p.pseudonym for p in _people() if p.role in demo_catalog.USE_CASES[1].roles}
    email = generated.events.filter(pc.equal(generated.events["use_case"], "email-drafting"))
    assert set(email["person"].to_pylist()) <= audience
    for tool in demo_catalog.TOOLS:
        held = [seat for seat in generated.seats if seat["tool"] == tool.slug]
        assert len(held) <= (tool.seats or 0)
