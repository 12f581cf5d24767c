"""A program lead imports a Microsoft 365 Copilot report through the upload page in a real browser."""

from pathlib import Path

import pytest

from conftest import log_in
from uptake.access.roles import Role

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
REPORT = Path(__file__).parent / "samples" / "m365-copilot-usage-user-detail.csv"
PASSWORD = "browser test password"


def test_a_program_lead_uploads_a_report_and_reads_what_became_of_it(live_server, browser) -> None:
    world = live_server.world
    workspace = world.workspace(name="Contoso")
    world.person(workspace, roles=[Role.program_lead], email="lead@contoso.com", password=PASSWORD)
    page = browser.new_page()
    log_in(page, live_server.base_url, "lead@contoso.com", PASSWORD)

    page.get_by_role("link", name="Import usage").click()
    page.select_option("#source", "m365-copilot")
    page.set_input_files("#file", str(REPORT))
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("status")).to_contain_text(
        "5 events made, 5 stored, 0 already stored, 0 problem(s)"
    )
    expect(page.locator("main")).to_contain_text("1 licensed person(s) show no Copilot activity")
    assert live_server.app.state.event_store.count(workspace) == 5
