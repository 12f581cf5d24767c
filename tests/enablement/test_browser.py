"""In a real browser: an employee takes the module a use case requires, fails the quiz once (and is shown why),
passes it on the second try, and the use case's requirement then shows their completion."""

from __future__ import annotations

import pytest

from conftest import log_in
from enablement.enablement_builders import make_module, make_use_case
from uptake.auth.roles import Role

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)]
PASSWORD = "browser test password"


def test_an_employee_fails_then_passes_a_required_module_and_meets_the_requirement(
    live_server, browser
) -> None:
    world = live_server.world
    workspace = world.workspace(name="Acme Insurance")
    slug = make_module(world, workspace)
    make_use_case(world, workspace, "claims-letters", title="Draft claims letters", required_training=[slug])
    world.person(workspace, roles=[Role.employee], email="emma@acme.example", password=PASSWORD, name="Emma")
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server.base_url, "emma@acme.example", PASSWORD)

    page.goto(live_server.url("/training/use-cases/claims-letters"))
    expect(page.locator("[data-requirement-satisfied]")).to_have_attribute("data-requirement-satisfied", "no")
    page.click(f"a[href='/training/modules/{slug}']")
    expect(page.locator("h1")).to_have_text("Writing good prompts")

    # First try: both answers wrong.
    page.check("fieldset[data-question='1'] input[value='1']")
    page.check("fieldset[data-question='2'] input[value='1']")
    page.click("[data-quiz] button[type=submit]")
    result = page.locator("[data-quiz-result]")
    expect(result).to_have_attribute("data-quiz-result", "failed")
    expect(result).to_contain_text("2 tries left")
    expect(result).to_contain_text("The assistant knows only what you tell it.")
    expect(page.locator("[data-question-feedback='wrong']")).to_have_count(2)

    # Second try, on the form shown again under the result.
    page.check("fieldset[data-question='1'] input[value='0']")
    page.check("fieldset[data-question='2'] input[value='0']")
    page.click("[data-quiz] button[type=submit]")
    expect(page.locator("[data-quiz-result]")).to_have_attribute("data-quiz-result", "passed")
    expect(page.locator("[data-quiz]")).to_have_count(0)

    page.goto(live_server.url("/training/use-cases/claims-letters"))
    expect(page.locator("[data-requirement-satisfied]")).to_have_attribute(
        "data-requirement-satisfied", "yes"
    )
    row = page.locator(f"tr[data-module='{slug}']")
    expect(row.locator("[data-state]")).to_have_attribute("data-state", "completed")
    expect(row).to_contain_text("100 %")
    assert errors == []
