"""Forecasts: when will a use case reach its target adoption, from the Bass diffusion model.

The Bass model says how a new practice spreads: people try it on their own (innovation, `p`) and because
others around them did (imitation, `q`), out of a potential of `m` people. The cumulative number of people
who have tried it `t` weeks after the first one did is

    N(t) = m · (1 − e^(−(p+q)t)) / (1 + (q/p) · e^(−(p+q)t))

We fit (p, q, m) to the cumulative triers of a use case, week by week (ISO weeks from the first trier's,
filled with zeros), by SciPy's bounded least squares from a few starting points, with `m` between the
people who already tried and the people eligible (when entitlements are known). The fit quality is R²
(share of the curve's variance the model explains) and the RMSE in people.

The target is a share of the people eligible at the forecast day. It is *reached* when the triers already
make it; *forecast* for the day N(t) crosses it; *not at the current pace* when the fitted potential `m`
stays below it or the day is more than five years away. A forecast is refused, with the reason, on fewer
than `MINIMUM_WEEKS` weeks since the first trier, fewer than k triers or eligible people (the privacy
floor: `m` and the counts are figures about people), or a curve the model does not fit (R² below
`MINIMUM_R_SQUARED`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from scipy.optimize import least_squares

from uptake.analytics.schemas import BassFit, Forecast, ForecastStatus

DEFAULT_TARGET_SHARE = 0.5
MINIMUM_WEEKS = 8
MINIMUM_R_SQUARED = 0.6
HORIZON_WEEKS = 5 * 52
SATURATION = 0.995
"""A target above this share of `m` counts as never reached: N(t) only approaches m."""


def bass_cumulative(t: np.ndarray, p: float, q: float, m: float) -> np.ndarray:
    """N(t), the cumulative adopters of the Bass model `t` periods after the start."""
    decay = np.exp(-(p + q) * t)
    result: np.ndarray = m * (1.0 - decay) / (1.0 + (q / p) * decay)
    return result


def weeks_to_reach(target: float, p: float, q: float, m: float) -> float | None:
    """The t at which N(t) = target (solved in closed form), or None when the model never gets there."""
    if target <= 0:
        return 0.0
    share = target / m
    if share >= SATURATION:
        return None
    remaining = (1.0 - share) / (1.0 + share * q / p)
    return -math.log(remaining) / (p + q)


def fit_bass(cumulative: Sequence[float], *, ceiling: float | None = None) -> BassFit:
    """Fit (p, q, m) to cumulative adopters observed at the end of periods 1, 2, …, n.

    `m` is bounded below by the adopters already seen and above by `ceiling` (the eligible people) when it
    is known and not smaller, else by ten times the adopters seen.
    """
    observed = np.asarray(cumulative, dtype=float)
    if observed.size < 3:
        raise ValueError("A Bass fit needs at least three observations")
    t = np.arange(1, observed.size + 1, dtype=float)
    seen = float(observed[-1])
    low_m = max(seen, 1.0)
    high_m = ceiling if ceiling is not None and ceiling > low_m else 10.0 * low_m
    high_m = max(high_m, low_m * (1 + 1e-6) + 1e-6)
    best = None
    for p0 in (0.005, 0.03):
        for q0 in (0.2, 0.8):
            for m_share in (0.3, 1.0):
                m0 = low_m + (high_m - low_m) * m_share * 0.999
                result = least_squares(
                    lambda x: bass_cumulative(t, x[0], x[1], x[2]) - observed,
                    x0=[p0, q0, m0],
                    bounds=([1e-6, 0.0, low_m], [1.0, 3.0, high_m]),
                    x_scale=[0.01, 0.1, max(low_m, 1.0)],
                )
                if best is None or result.cost < best.cost:
                    best = result
    assert best is not None
    p, q, m = (float(value) for value in best.x)
    residuals = bass_cumulative(t, p, q, m) - observed
    total = float(np.sum((observed - observed.mean()) ** 2))
    squared = float(np.sum(residuals**2))
    r_squared = 1.0 - squared / total if total > 0 else 0.0
    return BassFit(
        p=p, q=q, m=m, r_squared=r_squared, rmse=math.sqrt(squared / observed.size), weeks=observed.size
    )


def forecast_use_case(
    use_case: str,
    new_triers_by_week: Mapping[date, int],
    *,
    eligible: int | None,
    target_share: float,
    as_of: date,
    k: int,
) -> Forecast:
    """The forecast for one use case from its new triers per ISO week (keyed by the week's Monday)."""
    this_week = as_of - timedelta(days=as_of.weekday())
    weeks = {week: count for week, count in new_triers_by_week.items() if week <= this_week and count > 0}
    base = Forecast(use_case=use_case, status="refused", reason="", as_of=as_of, target_share=target_share)
    if not weeks:
        return _refused(base, "nobody has tried it yet")
    first_week = min(weeks)
    span = (this_week - first_week).days // 7 + 1
    series = np.cumsum([weeks.get(first_week + timedelta(weeks=offset), 0) for offset in range(span)])
    triers = int(series[-1])
    if triers < k:
        return _refused(base, f"fewer than {k} people have tried it (the privacy floor)")
    if eligible is None or eligible < k:
        return _refused(base, f"fewer than {k} people are eligible for it, so there is no target to forecast")
    target_people = math.ceil(target_share * eligible)
    known = replace(
        base, eligible=eligible, target_people=target_people, triers=triers, first_week=first_week
    )
    if triers >= target_people:
        index = int(np.argmax(series >= target_people))
        reached = first_week + timedelta(weeks=index, days=6)
        return _with(known, "reached", f"{triers} of {eligible} eligible people have tried it", reached)
    if span < MINIMUM_WEEKS:
        return _refused(
            known, f"only {span} weeks since the first trier; a forecast needs at least {MINIMUM_WEEKS}"
        )
    fit = fit_bass(series.tolist(), ceiling=float(max(eligible, triers)))
    known = replace(known, fit=fit)
    if fit.r_squared < MINIMUM_R_SQUARED:
        return _refused(
            known,
            f"the weekly triers do not follow a diffusion curve yet (R² {fit.r_squared:.2f} "
            f"below {MINIMUM_R_SQUARED})",
        )
    needed = weeks_to_reach(target_people, fit.p, fit.q, fit.m)
    if needed is None:
        return _with(
            known,
            "not_at_current_pace",
            f"at the current pace about {round(fit.m)} people will ever try it, "
            f"short of the target of {target_people}",
        )
    if needed > HORIZON_WEEKS:
        return _with(
            known,
            "not_at_current_pace",
            f"at the current pace the target of {target_people} is more than five years away",
        )
    day = first_week + timedelta(days=math.ceil(needed * 7) - 1)
    return _with(
        known,
        "forecast",
        f"{triers} of {eligible} have tried it; at the fitted pace {target_people} will have by {day}",
        max(day, as_of),
    )


def _refused(forecast: Forecast, reason: str) -> Forecast:
    return replace(forecast, status="refused", reason=reason)


def _with(
    forecast: Forecast, status: ForecastStatus, reason: str, reached_on: date | None = None
) -> Forecast:
    return replace(forecast, status=status, reason=reason, reached_on=reached_on)
