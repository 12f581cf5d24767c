"""In a real browser: a program lead takes an unapproved assistant found in a discovery log to governance review
in two clicks from the Discovery page."""

from __future__ import annotations

import io

import pytest

from conftest import log_in
from discovery.discovery_builders import generic_csv, make_organization
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.discovery import service

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
PASSWORD = "browser test password"


def test_an_unapproved_assistant_reaches_review_in_two_clicks(live_server, browser) -> None:
    world = live_server.world
    org = make_organization(world, {"Finance": 6})
    rows = [("2026-12-01 10:00:00", f"finance{n}@example.com", "chatgpt.com", 3, 100) for n in range(1, 7)]
    with session_scope(world.factory, org.workspace_id) as session:
        service.import_log(
            session, org.workspace_id, io.StringIO(generic_csv(rows)), dry_run=False, actor="system"
        )
    world.person(org.workspace_id, roles=[Role.program_lead], email="lead@example.com", password=PASSWORD)
    page = browser.new_page()
    log_in(page, live_server.base_url, "lead@example.com", PASSWORD)
    page.goto(live_server.base_url + "/discovery")
    row = page.locator('tr[data-tool="chatgpt"]')
    expect(row).to_contain_text("6")

    row.get_by_role("link", name="Propose for review").click()
    page.get_by_role("button", name="Create the draft and send it to review").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Use ChatGPT at work")
    expect(page.locator("[data-evidence]")).to_contain_text("used by 6 people")
    assert "/governance/reviews/" in page.url
