"""The web shell in a real browser: log in, see the workspace home, keyboard reachability, a phone-sized screen."""

from __future__ import annotations

import pytest

from conftest import log_in
from uptake.access.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
PASSWORD = "browser test password"


def test_log_in_and_see_the_workspace_home(live_server, browser) -> None:
    workspace = live_server.world.workspace(name="Acme Insurance")
    live_server.world.person(
        workspace, roles=[Role.admin], email="admin@acme.example", password=PASSWORD, name="Alex Admin"
    )
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server.base_url, "admin@acme.example", PASSWORD)
    assert page.locator("h1").inner_text() == "Acme Insurance"
    assert page.get_by_text("What exists so far").is_visible()
    page.get_by_role("link", name="API keys").click()
    page.fill("#key-name", "Support assistant")
    page.check("input[value='events:write']")
    page.click("text=Create key")
    assert page.locator("#new-key").inner_text().startswith("upk_")
    assert errors == []


def test_keyboard_reaches_the_login_form_and_navigation(live_server, browser) -> None:
    workspace = live_server.world.workspace()
    live_server.world.person(workspace, roles=[Role.admin], email="k@acme.example", password=PASSWORD)
    page = browser.new_page()
    page.goto(live_server.url("/login"))
    assert page.evaluate("document.activeElement.id") == "email"  # autofocus
    page.keyboard.type("k@acme.example")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(live_server.url("/"))
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    focused = []
    for _ in range(40):  # past every section of the navigation, which grows with each domain
        page.keyboard.press("Tab")
        focused.append(page.evaluate("document.activeElement.getAttribute('href')"))
    assert "/jobs" in focused
    assert "/settings/api-keys" in focused


def test_a_phone_sized_screen_folds_the_navigation(live_server, chromium) -> None:
    workspace = live_server.world.workspace()
    live_server.world.person(workspace, roles=[Role.admin], email="p@acme.example", password=PASSWORD)
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server.base_url, "p@acme.example", PASSWORD)
    assert not page.get_by_role("link", name="Jobs").is_visible()
    page.click("label.nav-toggle-label")
    assert page.get_by_role("link", name="Jobs").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    context.close()
