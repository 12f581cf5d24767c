"""In a real browser: an employee takes the module a use case requires, fails the quiz once (and is shown why),
passes it on the second try; the use case's requirement then shows their completion, and the rollout wave that
requires the training makes the use case available to them."""

from __future__ import annotations

import pytest

from conftest import log_in
from enablement.enablement_builders import make_module, make_use_case
from uptake.access.roles import Role
from uptake.catalog import service as catalog_service
from uptake.catalog.service import UseCaseStatus
from uptake.db import session_scope
from uptake.rollout import schemas as rollout_schemas
from uptake.rollout import service as rollout_service

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
    emma = world.person(
        workspace, roles=[Role.employee], email="emma@acme.example", password=PASSWORD, name="Emma"
    )
    with session_scope(world.factory, workspace) as session:
        # Approved by its reviewers (their path is the catalog's tests'); here it is simply live.
        catalog_service.get_use_case_by_slug(
            session, workspace, "claims-letters"
        ).status = UseCaseStatus.approved
        wave = rollout_schemas.WaveCreate(name="pilot", person_ids=[emma], requires_training=True)
        plan = rollout_schemas.RolloutPlanCreate(use_case="claims-letters", waves=[wave])
        rollout_service.create_plan(session, workspace, plan, actor="test")
        rollout_service.start_rollout(session, workspace, "claims-letters", actor="test")
    before = _entitlement(world, workspace)
    assert (before.entitled, before.reason.value, list(before.missing)) == (
        False,
        "REQUIREMENT_NOT_MET",
        ["training"],
    )
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    log_in(page, live_server.base_url, "emma@acme.example", PASSWORD)

    page.goto(live_server.url("/training/use-cases/claims-letters"))
    expect(page.locator("[data-requirement-satisfied]")).to_have_attribute("data-requirement-satisfied", "no")
    expect(page.locator("[data-entitled]")).to_have_attribute("data-entitled", "no")
    expect(page.locator("[data-entitled]")).to_contain_text("once you have completed the training")
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
    expect(page.locator("[data-entitled]")).to_have_attribute("data-entitled", "yes")
    assert errors == []
    after = _entitlement(world, workspace)
    assert (after.entitled, after.reason.value, after.wave) == (True, "TARGETING_MATCH", "pilot")


def _entitlement(world, workspace: int):
    with session_scope(world.factory, workspace) as session:
        return rollout_service.check_entitlement(session, workspace, "emma@acme.example", "claims-letters")
