"""Forecasts: the Bass fit recovers the parameters of synthetic curves; targets, dates and refusals."""

from __future__ import annotations

import math
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from uptake.analytics import forecast

FIRST_WEEK = date(2025, 1, 6)  # a Monday


def bass(t: float, p: float, q: float, m: float) -> float:
    """N(t) written out from the model's formula (Bass 1969), independently of the code under test."""
    e = math.exp(-(p + q) * t)
    return m * (1 - e) / (1 + q / p * e)


def weekly_new(p: float, q: float, m: float, weeks: int) -> dict[date, int]:
    """New triers per ISO week of a Bass curve, rounded to whole people."""
    cumulative = [round(bass(t, p, q, m)) for t in range(weeks + 1)]
    return {
        FIRST_WEEK + timedelta(weeks=week): cumulative[week + 1] - cumulative[week]
        for week in range(weeks)
        if cumulative[week + 1] > cumulative[week]
    }


@settings(max_examples=15, deadline=None)
@given(
    p=st.floats(0.005, 0.05),
    q=st.floats(0.1, 0.8),
    m=st.integers(300, 5000),
)
def test_the_fit_recovers_the_parameters_of_a_bass_curve(p: float, q: float, m: int):
    weeks = 40
    observed = [bass(t, p, q, m) for t in range(1, weeks + 1)]
    fit = forecast.fit_bass(observed, ceiling=m * 2)
    assert fit.p == pytest.approx(p, rel=0.02)
    assert fit.q == pytest.approx(q, rel=0.02)
    assert fit.m == pytest.approx(m, rel=0.02)
    assert fit.r_squared > 0.999
    assert fit.rmse < 1.0


def test_a_noisy_curve_still_fits_well_and_reports_its_error():
    rng = np.random.default_rng(7)
    observed = [bass(t, 0.01, 0.4, 1000) + rng.normal(0, 8) for t in range(1, 31)]
    fit = forecast.fit_bass(observed, ceiling=1500)
    assert fit.m == pytest.approx(1000, rel=0.05)
    assert fit.r_squared > 0.99
    assert 4 < fit.rmse < 12  # about the noise's standard deviation of 8 people


def test_the_day_a_target_is_reached_follows_the_fitted_curve():
    # p = 0.01, q = 0.4, m = 1000, 1200 eligible; after 10 weeks about 221 people have tried it. The target is
    # half of the eligible (600 people). Solving N(t) = 600: e^{-0.41 t} = (1 - 0.6) / (1 + 0.6 · 40) = 0.016,
    # t = ln(62.5) / 0.41 = 10.0845 weeks after the first week's Monday: 70.59 days, the 71st day, 2025-03-17.
    result = forecast.forecast_use_case(
        "drafting",
        weekly_new(0.01, 0.4, 1000, 10),
        eligible=1200,
        target_share=0.5,
        as_of=FIRST_WEEK + timedelta(weeks=9, days=6),
        k=5,
    )
    assert result.status == "forecast"
    assert result.target_people == 600
    assert result.triers == round(bass(10, 0.01, 0.4, 1000))
    assert result.fit is not None
    assert result.fit.m == pytest.approx(1000, rel=0.02)
    assert abs((result.reached_on - date(2025, 3, 17)).days) <= 1


def test_a_target_beyond_the_fitted_potential_is_not_reached_at_the_current_pace():
    # The curve levels off at 300 people; the target is 80 % of 1,000 eligible.
    result = forecast.forecast_use_case(
        "drafting",
        weekly_new(0.02, 0.5, 300, 30),
        eligible=1000,
        target_share=0.8,
        as_of=FIRST_WEEK + timedelta(weeks=29, days=6),
        k=5,
    )
    assert result.status == "not_at_current_pace"
    assert "about 300 people will ever try it" in result.reason
    assert result.reached_on is None


def test_a_target_already_met_is_reported_with_the_week_it_was_met():
    new = {FIRST_WEEK: 4, FIRST_WEEK + timedelta(weeks=1): 3, FIRST_WEEK + timedelta(weeks=2): 5}
    result = forecast.forecast_use_case(
        "drafting", new, eligible=20, target_share=0.3, as_of=date(2025, 2, 1), k=5
    )
    # 30 % of 20 is 6 people; 4 + 3 = 7 by the end of the second week (Sunday 2025-01-19).
    assert result.status == "reached"
    assert result.reached_on == date(2025, 1, 19)


@pytest.mark.parametrize(
    ("new", "eligible", "reason"),
    [
        ({}, 100, "nobody has tried it yet"),
        ({FIRST_WEEK: 4}, 100, "fewer than 5 people have tried it"),
        ({FIRST_WEEK: 10}, 4, "fewer than 5 people are eligible"),
        ({FIRST_WEEK: 10}, None, "fewer than 5 people are eligible"),
        (
            {FIRST_WEEK + timedelta(weeks=week): 10 for week in range(5)},
            500,
            "only 5 weeks since the first trier",
        ),
        (
            # a hundred in the first week, nobody for nine weeks, then a hundred a week again
            {FIRST_WEEK + timedelta(weeks=week): 100 for week in (0, 10, 11)},
            2000,
            "do not follow a diffusion curve",
        ),
    ],
)
def test_too_little_data_is_refused_with_the_reason(new, eligible, reason):
    result = forecast.forecast_use_case(
        "drafting",
        new,
        eligible=eligible,
        target_share=0.5,
        as_of=FIRST_WEEK + timedelta(weeks=11 if len(new) == 3 else 4, days=6),
        k=5,
    )
    assert result.status == "refused"
    assert reason in result.reason


def test_weeks_after_the_forecast_day_are_not_read():
    new = weekly_new(0.01, 0.4, 1000, 20)
    early = forecast.forecast_use_case(
        "drafting", new, eligible=1200, target_share=0.5, as_of=FIRST_WEEK + timedelta(weeks=9, days=6), k=5
    )
    assert early.triers == round(bass(10, 0.01, 0.4, 1000))
