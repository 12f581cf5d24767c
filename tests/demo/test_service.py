"""The demo's one-click persona logins: offered only in a demo's data dir, and each one really logs in."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from uptake.access.roles import Role
from uptake.demo.organization import DEMO_PASSWORD
from uptake.demo.service import DEMO_MARKER


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_login_page_offers_the_personas_only_in_a_demo(client: TestClient, settings, world) -> None:
    workspace = world.workspace()
    lead = world.person(
        workspace, roles=[Role.program_lead], email="lead@northwind.example", password=DEMO_PASSWORD
    )
    assert "This is the demo" not in client.get("/login").text

    (settings.data_dir / DEMO_MARKER).write_text("demo\n")
    page = client.get("/login").text
    assert "This is the demo: log in as" in page
    forms = re.findall(r'<form method="post" action="/login">(.*?)</form>', page, flags=re.S)
    lead_form = next(form for form in forms if 'value="lead@northwind.example"' in form)
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', lead_form))
    response = client.post("/login", data=fields, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/api/v1/me").json()["person_id"] == lead
