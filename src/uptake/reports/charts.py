"""The charts of uptake: Vega-Lite specs (built with Altair), rendered to SVG on the server by vl-convert.

One chart is one function here, taking plain rows (already through the privacy floor) and returning a `Chart`:
its title, a text alternative, the Vega-Lite spec, and the rows themselves so a page can offer them as a table.
The same `Chart` is drawn in a page, in the executive report (HTML and PDF) and in email, so a figure never looks
different in two places. Nothing is loaded from a CDN: vl-convert carries Vega and Vega-Lite inside the wheel.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from html import escape
from typing import Any

import altair as alt
import vl_convert

# The style sheet's palette (web/static/uptake.css), so charts and pages agree.
INK, MUTED, LINE = "#1b2430", "#5b6675", "#dde3ea"
BRAND, BRAND_2, ACCENT, WARN, BAD = "#1f4e79", "#2f6fae", "#2e9d6f", "#b7791f", "#c0392b"
CATEGORY_COLOURS = [BRAND_2, ACCENT, WARN, "#7b4fa0", BAD, "#3b8ea5", "#8c6d46", "#5b6675", BRAND, "#a23b72"]
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
WIDTH = 640

THEME: dict[str, Any] = {
    "background": None,
    "font": FONT,
    "view": {"stroke": None},
    "title": {"color": INK, "fontSize": 15, "fontWeight": 600, "anchor": "start", "offset": 12},
    "axis": {
        "labelColor": MUTED,
        "titleColor": MUTED,
        "gridColor": LINE,
        "domainColor": LINE,
        "tickColor": LINE,
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": 500,
    },
    "legend": {"labelColor": INK, "titleColor": MUTED, "labelFontSize": 11, "titleFontSize": 12},
    "range": {"category": CATEGORY_COLOURS},
}


@dataclass(frozen=True)
class Chart:
    """A chart ready to draw: ``svg()`` gives accessible SVG markup (role img, title and description)."""

    title: str
    description: str
    spec: dict[str, Any]
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[Any, ...], ...] = field(default=())

    @property
    def key(self) -> str:
        canonical = json.dumps(self.spec, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def svg(self) -> str:
        return _accessible(_render_svg(json.dumps(self.spec, sort_keys=True, default=str)), self)

    def png(self, scale: float = 2.0) -> bytes:
        with _RENDER_LOCK:
            return bytes(vl_convert.vegalite_to_png(self.spec, scale=scale))


_RENDER_LOCK = threading.Lock()


@lru_cache(maxsize=256)
def _render_svg(spec_json: str) -> str:
    # vl-convert runs one JavaScript engine; one render at a time keeps it simple and safe under threads.
    with _RENDER_LOCK:
        return str(vl_convert.vegalite_to_svg(json.loads(spec_json)))


_SVG_OPEN = re.compile(r"<svg\b([^>]*)>")


def _accessible(svg: str, chart: Chart) -> str:
    """Name the picture for screen readers: ``role="img"``, a ``<title>`` and a ``<desc>`` linked by id."""
    ident = f"chart-{chart.key}"
    opening = (
        f'<svg\\1 role="img" aria-labelledby="{ident}-title {ident}-desc">'
        f'<title id="{ident}-title">{escape(chart.title)}</title>'
        f'<desc id="{ident}-desc">{escape(chart.description)}</desc>'
    )
    return _SVG_OPEN.sub(opening, svg, count=1)


def _finish(chart: alt.TopLevelMixin, title: str, description: str) -> dict[str, Any]:
    spec: dict[str, Any] = chart.to_dict()
    spec["title"] = title
    spec["description"] = description
    spec["config"] = THEME
    spec.pop("$schema", None)
    return spec


def _data(values: list[dict[str, Any]]) -> alt.InlineData:
    return alt.InlineData(values=values)


def _iso(day: date) -> str:
    return day.isoformat()


def _percent(value: float | None) -> str:
    return "no data" if value is None else f"{value:.0%}"


@dataclass(frozen=True)
class SeriesPoint:
    """One value of one series on one day (a week or month is dated by its first day)."""

    series: str
    day: date
    value: float


@dataclass(frozen=True)
class Mark:
    """A dated event drawn as a vertical rule: a wave's start, an incident."""

    day: date
    label: str


def _time_series(
    points: Sequence[SeriesPoint],
    marks: Sequence[Mark],
    *,
    title: str,
    description: str,
    value_title: str,
    value_format: str,
    series_title: str,
    mark_colour: str,
    domain: tuple[float, float] | None = None,
) -> Chart:
    data = [{"series": p.series, "day": _iso(p.day), "value": p.value} for p in points]
    scale = alt.Scale(domain=list(domain)) if domain else alt.Undefined
    lines = (
        alt.Chart(_data(data))
        .mark_line(point=alt.OverlayMarkDef(size=18), strokeWidth=2)
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=6)),
            y=alt.Y("value:Q", title=value_title, axis=alt.Axis(format=value_format), scale=scale),
            color=alt.Color("series:N", title=series_title, legend=alt.Legend(orient="bottom", columns=3)),
        )
    )
    layers: list[Any] = [lines]
    if marks:
        mark_data = _data([{"day": _iso(m.day), "label": m.label} for m in marks])
        rules = alt.Chart(mark_data).mark_rule(color=mark_colour, strokeDash=[4, 3]).encode(x="day:T")
        labels = (
            alt.Chart(mark_data)
            .mark_text(align="left", dx=3, dy=-4, color=mark_colour, fontSize=10, baseline="top")
            .encode(x="day:T", y=alt.value(0), text="label:N")
        )
        layers += [rules, labels]
    chart = alt.layer(*layers).properties(width=WIDTH, height=260)
    rows = tuple((p.series, p.day, p.value) for p in points)
    return Chart(title, description, _finish(chart, title, description), ("series", "day", value_title), rows)


def adoption_over_time(points: Sequence[SeriesPoint], waves: Sequence[Mark] = ()) -> Chart:
    """Adoption rate per use case over time, each rollout wave's start drawn as a dashed rule."""
    latest = _latest_by_series(points)
    summary = "; ".join(f"{series} at {_percent(value)}" for series, value in latest.items()) or "no data yet"
    description = (
        f"Line chart of the adoption rate over time for {len(latest)} use case(s). Latest: {summary}."
        + (f" {len(waves)} rollout wave start(s) marked." if waves else "")
    )
    return _time_series(
        points,
        waves,
        title="Adoption over time",
        description=description,
        value_title="adoption rate",
        value_format="%",
        series_title="use case",
        mark_colour=MUTED,
        domain=(0.0, 1.0),
    )


def trust_over_time(points: Sequence[SeriesPoint], incidents: Sequence[Mark] = ()) -> Chart:
    """The trust score (0–100) per use case over time, incidents drawn as red rules."""
    latest = _latest_by_series(points)
    summary = "; ".join(f"{series} at {value:.0f}" for series, value in latest.items()) or "no data yet"
    description = f"Line chart of the trust score (0 to 100) over time. Latest: {summary}." + (
        f" {len(incidents)} incident(s) marked." if incidents else ""
    )
    return _time_series(
        points,
        incidents,
        title="Trust score over time",
        description=description,
        value_title="trust score",
        value_format="d",
        series_title="use case",
        mark_colour=BAD,
        domain=(0.0, 100.0),
    )


def _latest_by_series(points: Sequence[SeriesPoint]) -> dict[str, float]:
    latest: dict[str, tuple[date, float]] = {}
    for point in points:
        if point.series not in latest or point.day >= latest[point.series][0]:
            latest[point.series] = (point.day, point.value)
    return {series: value for series, (_, value) in sorted(latest.items())}


@dataclass(frozen=True)
class FunnelStep:
    step: str
    people: int


def funnel(steps: Sequence[FunnelStep], *, subject: str = "all use cases") -> Chart:
    """Eligible → trained → tried → repeat → habitual, as bars with each step's share of the first."""
    first = steps[0].people if steps else 0
    data = [
        {
            "step": s.step,
            "order": index,
            "people": s.people,
            "share": (s.people / first) if first else 0.0,
            "label": f"{s.people:,}" + (f" ({s.people / first:.0%})" if first else ""),
        }
        for index, s in enumerate(steps)
    ]
    base = alt.Chart(_data(data)).encode(
        y=alt.Y("step:N", sort=alt.EncodingSortField("order"), title=None),
        x=alt.X("people:Q", title="people", axis=alt.Axis(format=",d")),
    )
    bars = base.mark_bar(color=BRAND_2, cornerRadiusEnd=3)
    labels = base.mark_text(align="left", dx=4, color=INK, fontSize=11).encode(text="label:N")
    description = f"Adoption funnel for {subject}: " + (
        ", ".join(f"{s.step} {s.people:,}" for s in steps) if steps else "no data yet"
    )
    title = "Adoption funnel"
    chart = alt.layer(bars, labels).properties(width=WIDTH - 140, height=max(40, 34 * len(steps)))
    rows = tuple((s.step, s.people) for s in steps)
    return Chart(title, description, _finish(chart, title, description), ("step", "people"), rows)


@dataclass(frozen=True)
class RetentionCell:
    cohort: date
    week: int
    retained: float | None  # None: suppressed by the privacy floor


def retention_heat_map(cells: Sequence[RetentionCell]) -> Chart:
    """Weekly cohorts (rows) by weeks since first use (columns), shaded by the share still active."""
    data = [
        {
            "cohort": _iso(c.cohort),
            "week": c.week,
            "retained": c.retained,
            "label": "–" if c.retained is None else f"{c.retained:.0%}",
        }
        for c in cells
    ]
    base = alt.Chart(_data(data)).encode(
        x=alt.X("week:O", title="weeks since first use", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("cohort:O", title="cohort (week of first use)"),
    )
    heat = base.mark_rect().encode(
        color=alt.Color(
            "retained:Q",
            title="still active",
            scale=alt.Scale(domain=[0, 1], range=["#eef3f8", BRAND]),
            legend=alt.Legend(format="%", orient="bottom"),
        )
    )
    text = base.mark_text(fontSize=9).encode(
        text="label:N",
        color=alt.condition("datum.retained > 0.55", alt.value("#ffffff"), alt.value(INK)),
    )
    cohorts = sorted({c.cohort for c in cells})
    suppressed = sum(1 for c in cells if c.retained is None)
    description = f"Retention heat map of {len(cohorts)} weekly cohort(s) over up to 12 weeks." + (
        f" {suppressed} cell(s) hidden by the privacy floor." if suppressed else ""
    )
    title = "Retention by weekly cohort"
    chart = alt.layer(heat, text).properties(width=WIDTH - 120, height=max(60, 20 * len(cohorts)))
    rows = tuple((c.cohort, c.week, c.retained) for c in cells)
    return Chart(title, description, _finish(chart, title, description), ("cohort", "week", "retained"), rows)


@dataclass(frozen=True)
class GroupValue:
    group: str
    value: float | None  # None: suppressed by the privacy floor


def adoption_by_team(values: Sequence[GroupValue], *, target: float | None = None, limit: int = 25) -> Chart:
    """Teams sorted by adoption rate (suppressed teams listed last, without a bar), with the target as a rule."""
    shown = sorted((v for v in values if v.value is not None), key=lambda v: (-(v.value or 0.0), v.group))
    hidden = [v for v in values if v.value is None]
    picked = shown[:limit]
    data = [{"team": v.group, "rate": v.value, "label": _percent(v.value)} for v in picked]
    base = alt.Chart(_data(data)).encode(
        y=alt.Y("team:N", sort="-x", title=None),
        x=alt.X("rate:Q", title="adoption rate", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
    )
    layers: list[Any] = [
        base.mark_bar(color=ACCENT, cornerRadiusEnd=3),
        base.mark_text(align="left", dx=4, color=INK, fontSize=11).encode(text="label:N"),
    ]
    if target is not None:
        layers.append(
            alt.Chart(_data([{"target": target}]))
            .mark_rule(color=WARN, strokeDash=[4, 3], strokeWidth=2)
            .encode(x="target:Q")
        )
    description = (
        f"Bar chart of the adoption rate of {len(picked)} team(s), highest first"
        + (f" (top {limit} of {len(shown)})" if len(shown) > limit else "")
        + (f"; target {target:.0%}" if target is not None else "")
        + (f"; {len(hidden)} team(s) below the privacy floor are not shown" if hidden else "")
        + "."
    )
    title = "Adoption by team"
    chart = alt.layer(*layers).properties(width=WIDTH - 180, height=max(40, 22 * len(picked)))
    rows = tuple((v.group, v.value) for v in [*shown, *hidden])
    return Chart(title, description, _finish(chart, title, description), ("team", "adoption rate"), rows)


@dataclass(frozen=True)
class ForecastPoint:
    day: date
    expected: float
    low: float
    high: float


def forecast(
    actual: Sequence[SeriesPoint], predicted: Sequence[ForecastPoint], *, subject: str, target: float | None
) -> Chart:
    """Cumulative adoption so far (solid) and the fitted forecast (dashed) with its uncertainty band."""
    actual_data = [{"day": _iso(p.day), "value": p.value} for p in actual]
    band_data = [
        {"day": _iso(p.day), "expected": p.expected, "low": p.low, "high": p.high} for p in predicted
    ]
    x = alt.X("day:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=6))
    percent_axis = alt.Axis(format="%")
    band = (
        alt.Chart(_data(band_data))
        .mark_area(color=BRAND_2, opacity=0.18)
        .encode(x=x, y=alt.Y("low:Q", title="adoption", axis=percent_axis), y2="high:Q")
    )
    expected = (
        alt.Chart(_data(band_data))
        .mark_line(color=BRAND_2, strokeDash=[5, 4], strokeWidth=2)
        .encode(x=x, y="expected:Q")
    )
    observed = (
        alt.Chart(_data(actual_data))
        .mark_line(color=BRAND, strokeWidth=2.5)
        .encode(x=x, y=alt.Y("value:Q", axis=percent_axis))
    )
    layers: list[Any] = [band, expected, observed]
    if target is not None:
        layers.append(
            alt.Chart(_data([{"target": target}]))
            .mark_rule(color=WARN, strokeDash=[4, 3])
            .encode(y="target:Q")
        )
    last_actual = actual[-1].value if actual else None
    last_predicted = predicted[-1] if predicted else None
    description = (
        f"Adoption forecast for {subject}: now {_percent(last_actual)}"
        + (
            f", expected {last_predicted.expected:.0%} by {last_predicted.day.isoformat()}"
            f" (between {last_predicted.low:.0%} and {last_predicted.high:.0%})"
            if last_predicted
            else ""
        )
        + (f"; target {target:.0%}." if target is not None else ".")
    )
    title = f"Forecast: {subject}"
    chart = alt.layer(*layers).properties(width=WIDTH, height=240)
    rows = tuple(("actual", p.day, p.value) for p in actual) + tuple(
        ("forecast", p.day, p.expected) for p in predicted
    )
    return Chart(title, description, _finish(chart, title, description), ("kind", "day", "adoption"), rows)


def chart_table(chart: Chart) -> str:
    """The chart's rows as an HTML table (escaped), for the page's "show the data" and for screen readers."""
    head = "".join(f"<th scope='col'>{escape(column)}</th>" for column in chart.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(value))}</td>" for value in row) + "</tr>" for row in chart.rows
    )
    return f"<table class='chart-data'><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Any) -> str:
    if value is None:
        return "hidden (fewer people than the privacy floor)"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def series_from_rows(
    rows: Sequence[Mapping[str, Any]], *, series: str, day: str, value: str
) -> list[SeriesPoint]:
    """Rows of a metric (dicts) → series points, skipping suppressed (None) values."""
    return [
        SeriesPoint(str(row[series]), row[day], float(row[value]))
        for row in rows
        if row.get(value) is not None
    ]
