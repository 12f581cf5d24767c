"""Charts render to accessible SVG on the server, say what they show in words, and never draw a hidden figure."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta

from uptake.reports import charts

SVG = "{http://www.w3.org/2000/svg}"


def _parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _weekly(series: str, start: float, step: float, weeks: int = 8) -> list[charts.SeriesPoint]:
    first = date(2026, 6, 1)
    return [charts.SeriesPoint(series, first + timedelta(weeks=w), start + step * w) for w in range(weeks)]


def test_adoption_over_time_is_an_accessible_picture_with_its_waves() -> None:
    points = _weekly("Meeting notes", 0.05, 0.05) + _weekly("Code review", 0.10, 0.02)
    chart = charts.adoption_over_time(points, [charts.Mark(date(2026, 6, 15), "wave 2")])
    root = _parsed(chart.svg())
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert title is not None
    assert title.text == "Adoption over time"
    assert desc is not None
    assert "Meeting notes at 40%" in (desc.text or "")
    assert "Code review at 24%" in (desc.text or "")
    assert "1 rollout wave start(s) marked" in (desc.text or "")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    texts = {"".join(node.itertext()) for node in root.iter(f"{SVG}text")}
    assert "wave 2" in texts
    assert "Meeting notes" in texts


def test_a_hostile_team_name_is_text_in_the_picture_and_the_table() -> None:
    name = "<script>alert(1)</script>"
    chart = charts.adoption_by_team([charts.GroupValue(name, 0.5), charts.GroupValue("Claims", 0.7)])
    svg = chart.svg()
    assert "<script>" not in svg
    assert name in {"".join(node.itertext()) for node in _parsed(svg).iter(f"{SVG}text")}
    table = charts.chart_table(chart)
    assert "<script>" not in table
    assert "&lt;script&gt;" in table


def test_teams_below_the_floor_get_no_bar_and_are_named_as_hidden() -> None:
    chart = charts.adoption_by_team(
        [charts.GroupValue("Claims", 0.7), charts.GroupValue("Legal", None), charts.GroupValue("IT", 0.9)],
        target=0.6,
    )
    labels = {"".join(node.itertext()) for node in _parsed(chart.svg()).iter(f"{SVG}text")}
    assert {"Claims", "IT"} <= labels
    assert "Legal" not in labels
    assert "1 team(s) below the privacy floor are not shown" in chart.description
    assert chart.rows[0] == ("IT", 0.9)
    assert chart.rows[-1] == ("Legal", None)
    assert "hidden (fewer people than the privacy floor)" in charts.chart_table(chart)


def test_funnel_labels_each_step_with_its_share_of_the_eligible() -> None:
    steps = [
        charts.FunnelStep("eligible", 400),
        charts.FunnelStep("trained", 300),
        charts.FunnelStep("tried", 200),
        charts.FunnelStep("repeat", 100),
        charts.FunnelStep("habitual", 40),
    ]
    chart = charts.funnel(steps, subject="Meeting notes")
    labels = {"".join(node.itertext()) for node in _parsed(chart.svg()).iter(f"{SVG}text")}
    assert {"400 (100%)", "300 (75%)", "200 (50%)", "100 (25%)", "40 (10%)"} <= labels
    assert chart.description.startswith("Adoption funnel for Meeting notes: eligible 400, trained 300")


def test_retention_heat_map_marks_suppressed_cells() -> None:
    cells = [
        charts.RetentionCell(date(2026, 6, 1), 0, 1.0),
        charts.RetentionCell(date(2026, 6, 1), 1, 0.6),
        charts.RetentionCell(date(2026, 6, 8), 0, None),
    ]
    chart = charts.retention_heat_map(cells)
    labels = {"".join(node.itertext()) for node in _parsed(chart.svg()).iter(f"{SVG}text")}
    assert {"100%", "60%", "–"} <= labels
    assert "1 cell(s) hidden by the privacy floor" in chart.description


def test_trust_and_forecast_charts_render_with_their_marks_and_band() -> None:
    trust = charts.trust_over_time(
        _weekly("Meeting notes", 70, -2), [charts.Mark(date(2026, 6, 22), "sev 1")]
    )
    assert "1 incident(s) marked" in trust.description
    assert "sev 1" in {"".join(n.itertext()) for n in _parsed(trust.svg()).iter(f"{SVG}text")}
    predicted = [
        charts.ForecastPoint(
            date(2026, 8, 1) + timedelta(weeks=w), 0.4 + 0.03 * w, 0.35 + 0.02 * w, 0.45 + 0.04 * w
        )
        for w in range(6)
    ]
    chart = charts.forecast(_weekly("x", 0.05, 0.05), predicted, subject="Meeting notes", target=0.6)
    assert "expected 55% by 2026-09-05 (between 45% and 65%)" in chart.description
    paths = list(_parsed(chart.svg()).iter(f"{SVG}path"))
    assert len(paths) >= 3


def test_the_same_spec_renders_once_and_the_png_is_a_real_image() -> None:
    chart = charts.funnel([charts.FunnelStep("eligible", 10), charts.FunnelStep("tried", 5)])
    assert chart.svg() == chart.svg()
    png = chart.png(scale=1)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 2_000
