"""The program overview on the demo organization: its figures, charts and interventions, for the right people."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from fastapi.testclient import TestClient

from support import as_caller
from uptake.access.roles import Role
from uptake.analytics import service as analytics_service
from uptake.db import session_scope
from uptake.demo.organization import create_demo_organization, record_demo_usage


@pytest.fixture
def demo_workspace(app, session_factory) -> int:
    today = date.today()
    with session_scope(session_factory) as session:
        summary = create_demo_organization(session, people=250, today=today)
    analytics = analytics_service.app_analytics(app.state)
    with session_scope(session_factory, summary.workspace_id) as session:
        record_demo_usage(
            session,
            summary,
            today=today,
            append_events=lambda batch: app.state.event_store.append(summary.workspace_id, batch),
            push_snapshot=lambda name, rows: analytics.write_snapshot(
                name, rows, workspace_id=summary.workspace_id
            ),
            analytics=analytics,
            survey_token_key=app.state.settings.effective_secret_key.encode(),
        )
    return summary.workspace_id


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_program_lead_sees_adoption_over_time_and_what_to_do_next_and_employees_do_not(
    client: TestClient, world, demo_workspace: int
) -> None:
    as_caller(client, world.caller(demo_workspace, Role.program_lead))
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    assert "Adoption over time" in html
    assert "Where adoption stalls, and what to do next" in html
    assert html.count('role="img"') >= 4
    start = html.index("<svg")
    ET.fromstring(html[start : html.index("</svg>", start) + len("</svg>")])
    assert 'href="/dashboard/definitions#adoption_rate"' in html
    assert "{{" not in html
    assert "{%" not in html
    definitions = client.get("/dashboard/definitions")
    assert definitions.status_code == 200
    assert 'id="adoption_rate"' in definitions.text
    for role in (Role.employee, Role.team_lead):
        as_caller(client, world.caller(demo_workspace, role))
        assert client.get("/dashboard").status_code == 403

    as_caller(client, world.caller(demo_workspace, Role.program_lead))
    report = client.get("/reports/executive")
    assert report.status_code == 200
    assert "AI adoption report" in report.text
    assert "http://" not in report.text.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
    )
    pdf = client.get("/reports/executive.pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    _assert_first_page_is_not_blank(pdf.content)


def _assert_first_page_is_not_blank(pdf: bytes) -> None:
    """The PDF's first page as an image: mostly white paper, but with text and a chart's colours on it."""
    import pypdfium2

    image = pypdfium2.PdfDocument(pdf)[0].render(scale=1).to_pil().convert("RGB")
    pixels = list(image.getdata())
    inked = sum(1 for red, green, blue in pixels if red + green + blue < 600)
    coloured = {pixel for pixel in pixels if max(pixel) - min(pixel) > 60}
    assert inked > len(pixels) * 0.01
    assert len(coloured) > 20
