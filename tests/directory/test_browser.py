"""The CSV upload in a real browser: a program lead opens the directory, uploads a file, reads the preview (what
would change and the bad rows), confirms, and finds the imported people in the directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import log_in
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.service import people as people_service

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
PASSWORD = "browser test password"
FILE = (
    "Employee ID,Email,First Name,Last Name,Department,Manager,Start date\n"
    "E1,ana@acme.example,Ana,Costa,Customer Service/Tier 1,,2023-04-01\n"
    "E2,ben@acme.example,Ben,Okafor,Customer Service/Tier 1,E1,2024-02-30\n"
    "E3,cara@acme.example,Cara,Ito,Customer Service/Tier 1,E1,2024-05-06\n"
)


def test_a_program_lead_uploads_previews_and_confirms_an_import(live_server, browser, tmp_path: Path) -> None:
    world = live_server.world
    workspace = world.workspace(name="Acme Insurance")
    world.person(workspace, roles=[Role.program_lead], email="paula@acme.example", password=PASSWORD)
    csv_file = tmp_path / "hr-export.csv"
    csv_file.write_text(FILE, encoding="utf-8")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    log_in(page, live_server.base_url, "paula@acme.example", PASSWORD)
    page.get_by_role("link", name="Directory", exact=True).click()
    page.get_by_role("link", name="Import from CSV").click()
    page.set_input_files("#file", str(csv_file))
    page.get_by_role("button", name="Preview the import").click()

    expect(page.get_by_role("heading", name="Preview: importing hr-export.csv")).to_be_visible()
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    bad_row = page.locator("table.rejections tr[data-line='3']")
    expect(bad_row).to_contain_text("E2")
    expect(bad_row).to_contain_text("Start date")
    expect(bad_row).to_contain_text("'2024-02-30' must be a date like 2024-03-01")
    expect(page.locator("table.changes tr[data-line='4']")).to_contain_text("new")
    with session_scope(world.factory, workspace) as session:
        assert people_service.get_person_by_external_id(session, workspace, "E1") is None

    page.get_by_role("button", name="Confirm and import").click()

    expect(page.get_by_role("heading", name="Import done")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("2 people imported; 1 bad row was left out")
    page.get_by_role("link", name="See the directory").click()
    page.fill("#q", "cara")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="Cara Ito").click()
    expect(page.get_by_role("heading", name="Cara Ito")).to_be_visible()
    expect(page.locator("dl.fields")).to_contain_text("Ana Costa")  # her manager, linked by external id
    expect(page.locator("dl.fields")).to_contain_text("Customer Service › Tier 1")
    assert errors == []
