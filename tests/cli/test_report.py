"""``uptake report``: the executive report written as HTML or PDF for the period asked (or the last four weeks),
to the file named (or one named after the period)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from analytics.organization import build_organization
from uptake.analytics import service as analytics_service
from uptake.telemetry.event_store import EventStore

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)

THE_MORNING_AFTER = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
"""The day after the four weeks of the organization's usage (2025-02-03 to 2025-03-02)."""


@pytest.fixture
def organization(world, settings):
    organization = build_organization(world)
    with EventStore(settings.effective_events_url) as store:
        store.append(organization.workspace_id, organization.events)
    analytics = analytics_service.Analytics(
        analytics_service.connect_events_engine(settings.effective_events_url)
    )
    analytics.write_snapshot(
        "entitlements", organization.entitlements(), workspace_id=organization.workspace_id
    )
    analytics.backend.connection.disconnect()
    return organization


def test_the_last_four_weeks_as_html_in_a_file_named_after_them(
    run, organization, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default file name is relative to where the command runs
    with time_machine.travel(THE_MORNING_AFTER, tick=False):
        result = run("report", "--format", "html")
    assert result.exit_code == 0, result.output
    written = tmp_path / "ai-adoption-2025-02-03-2025-03-02.html"
    assert f"Wrote {written.name} (" in result.output
    html = written.read_text(encoding="utf-8")
    assert html.lower().startswith("<!doctype html>")
    assert "<h1>AI adoption report</h1>" in html
    assert "2025-02-03 to 2025-03-02" in html


def test_a_period_preset_as_pdf_to_the_file_given(run, organization, tmp_path) -> None:
    target = tmp_path / "february.pdf"
    with time_machine.travel(THE_MORNING_AFTER, tick=False):
        result = run("report", "--period", "last_month", "--out", str(target))
    assert result.exit_code == 0, result.output
    assert f"({target.stat().st_size:,} bytes)" in result.output
    assert target.read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--format", "docx"), "error: --format: 'docx' is not one of pdf, html"),
        (("--period", "last_fortnight"), "error: period: must be one of "),
    ],
)
def test_a_bad_format_or_period_is_named(run, world, tmp_path, args, message) -> None:
    world.workspace("acme")
    result = run("report", *args, "--out", str(tmp_path / "report"))
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "report").exists()
