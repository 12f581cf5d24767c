"""The whole path of a use case in a real browser, through the web UI alone: a program lead new to uptake registers
a tool, drafts a use case, writes its use card, answers the risk questionnaire and submits it; two other people on
the reviewer board approve it, one with a condition; an employee finds it in the catalog with the condition on it."""

from __future__ import annotations

from typing import Any

import pytest

from catalog.catalog_builders import CARD
from conftest import log_in
from support import World
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.schemas import PersonUpdate
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]
PASSWORD = "browser test password"
CONDITION = "Agents check every order number against the ticket before sending"


def people(world: World) -> dict[str, str]:
    """The workspace's people before anyone clicks: the newcomer, two reviewers and an employee in support."""
    workspace = world.workspace(name="Acme Insurance")
    with session_scope(world.factory, workspace) as session:
        role_id = job_roles_service.create_job_role(session, workspace, name="Support agent").id
        team_id = teams_service.create_team(session, workspace, name="Customer support").id
    emails = {
        "lead": "paula.lead@acme.example",
        "governance": "remy.governance@acme.example",
        "security": "rita.security@acme.example",
        "employee": "emma.agent@acme.example",
    }
    world.person(
        workspace, roles=[Role.program_lead], email=emails["lead"], password=PASSWORD, name="Paula Lead"
    )
    world.person(
        workspace, roles=[Role.reviewer], email=emails["governance"], password=PASSWORD, name="Remy G"
    )
    world.person(workspace, roles=[Role.reviewer], email=emails["security"], password=PASSWORD, name="Rita S")
    employee_id = world.person(
        workspace, roles=[Role.employee], email=emails["employee"], password=PASSWORD, name="Emma Agent"
    )
    with session_scope(world.factory, workspace) as session:
        placed = PersonUpdate(job_role_id=role_id, team_id=team_id)
        people_service.update_person(session, workspace, employee_id, placed, actor="test")
    return emails


def new_page(chromium: Any, errors: list[str]) -> Any:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda error: errors.append(str(error)))
    return page


def test_a_newcomer_takes_a_use_case_from_tool_to_the_employee_catalog(live_server, chromium) -> None:
    emails = people(live_server.world)
    errors: list[str] = []

    # The program lead registers the tool.
    lead = new_page(chromium, errors)
    log_in(lead, live_server.base_url, emails["lead"], PASSWORD)
    lead.get_by_role("link", name="Tools", exact=True).click()
    lead.get_by_role("link", name="Register a tool").click()
    lead.get_by_label("Name", exact=True).fill("Support assistant")
    lead.get_by_label("Slug", exact=True).fill("support-assistant")
    lead.get_by_label("Vendor", exact=True).fill("Acme AI")
    lead.get_by_label("Models used").fill("acme-large")
    lead.get_by_label("Data residency").fill("EU")
    lead.get_by_label("Cost per seat per month").fill("30")
    lead.get_by_label("Seats purchased").fill("120")
    lead.get_by_role("button", name="Register tool").click()
    expect(lead.locator(".flash").first).to_contain_text("registered")
    expect(lead.locator("tr[data-tool='support-assistant']")).to_be_visible()

    # … drafts the use case …
    lead.get_by_role("link", name="Use cases", exact=True).click()
    lead.get_by_role("link", name="New use case").click()
    lead.get_by_label("Title", exact=True).fill("Draft first replies to support tickets")
    lead.get_by_label("Slug", exact=True).fill("support-first-replies")
    lead.get_by_label("Summary", exact=True).fill(
        "Draft first replies to tier-1 support tickets so agents answer faster and more consistently."
    )
    lead.get_by_label("Workflow", exact=True).fill("Tier-1 customer support")
    lead.get_by_label("Step where AI is used").fill("First reply to a new ticket")
    lead.get_by_label("Accountable owner (email)").fill(emails["lead"])
    lead.get_by_label("Owning team").select_option(label="Customer support")
    lead.get_by_label("Support assistant").check()
    lead.get_by_label("Support agent").check()
    lead.get_by_label("Internal").check()
    lead.get_by_label("Human oversight").select_option("human_approves_every_output")
    lead.get_by_label("Estimated minutes saved per accepted output").fill("4")
    lead.get_by_role("button", name="Draft use case").click()
    expect(lead.locator(".flash").first).to_contain_text("drafted")
    expect(lead.locator("h1")).to_have_text("Draft first replies to support tickets")
    expect(lead.locator("[data-completeness]")).to_be_visible()

    # … writes its use card …
    lead.get_by_role("link", name="Edit use card").click()
    for key, text in CARD.items():
        lead.fill(f"#{key}", text)
    lead.get_by_label("What changed").fill("First version")
    lead.get_by_role("button", name="Publish version 1").click()
    expect(lead.locator(".flash").first).to_contain_text("version 1 published")
    expect(lead.locator("[data-use-card-version='1']")).to_be_visible()

    # … answers the risk questionnaire (nothing applies: minimal risk) …
    lead.get_by_role("link", name="Risk questionnaire").first.click()
    for fieldset in lead.locator("fieldset[data-question]").all():
        no = fieldset.locator("input[type=radio][value=no]")
        if no.count():
            no.check()
    lead.get_by_role("button", name="Save answers").click()
    expect(lead.locator(".flash").first).to_contain_text("Proposed tier: Minimal risk")
    expect(lead.locator("[data-proposal='minimal']")).to_be_visible()

    # … submits it for review …
    lead.get_by_role("link", name="← Draft first replies to support tickets").click()
    lead.get_by_role("button", name="Submit for review").click()
    expect(lead.locator(".flash").first).to_contain_text("is now in review")
    expect(lead.locator("h1 + p [data-status='in_review']")).to_be_visible()

    # … and puts two colleagues on the reviewer board for the areas the tier needs.
    lead.get_by_role("link", name="Reviews", exact=True).click()
    lead.get_by_role("link", name="Reviewer board").click()
    for email, area in (
        (emails["governance"], "AI governance office"),
        (emails["security"], "Information security"),
    ):
        lead.get_by_label("Reviewer's email").fill(email)
        lead.get_by_label("Area", exact=True).select_option(label=area)
        lead.get_by_role("button", name="Add to the board").click()
        expect(lead.locator(".flash").first).to_contain_text("now reviews for")
    expect(lead.locator("[data-board-area='ai_governance'] li", has_text="Remy G")).to_be_visible()
    expect(lead.locator("[data-board-area='security'] li", has_text="Rita S")).to_be_visible()

    # The submitter cannot decide the review herself (four-eyes).
    lead.get_by_role("link", name="Reviews", exact=True).click()
    lead.get_by_role("link", name="Draft first replies to support tickets").click()
    expect(lead.get_by_text("another person decides it")).to_be_visible()
    expect(lead.get_by_role("button", name="Record verdict")).to_have_count(0)

    # Two other people approve it; the first adds a condition.
    governance = new_page(chromium, errors)
    log_in(governance, live_server.base_url, emails["governance"], PASSWORD)
    governance.get_by_role("link", name="Reviews", exact=True).click()
    governance.get_by_role("link", name="Draft first replies to support tickets").click()
    governance.get_by_label("Approve").check()
    governance.get_by_label("Comment", exact=True).fill(
        "Clear card; the order-number check must be explicit."
    )
    governance.get_by_label("Condition 1").fill(CONDITION)
    governance.get_by_label("Due").first.fill("2027-01-31")
    governance.get_by_role("button", name="Record verdict").click()
    expect(governance.locator(".flash").first).to_contain_text("waits for the other areas")
    expect(governance.locator("[data-review-status='open']")).to_be_visible()

    security = new_page(chromium, errors)
    log_in(security, live_server.base_url, emails["security"], PASSWORD)
    security.get_by_role("link", name="Reviews", exact=True).click()
    security.get_by_role("link", name="Draft first replies to support tickets").click()
    security.get_by_label("Approve").check()
    security.get_by_role("button", name="Record verdict").click()
    expect(security.locator(".flash").first).to_contain_text("the use case is approved")
    expect(security.locator("[data-review-status='approved']")).to_be_visible()

    # An employee finds it among the use cases for her role, with the condition on its use card.
    employee = new_page(chromium, errors)
    log_in(employee, live_server.base_url, emails["employee"], PASSWORD)
    employee.get_by_role("link", name="Catalog", exact=True).click()
    employee.get_by_label("Use cases for my role").check()
    employee.get_by_role("button", name="Filter").click()
    card = employee.locator("[data-use-case='support-first-replies']")
    expect(card).to_be_visible()
    card.get_by_role("link", name="Draft first replies to support tickets").click()
    expect(employee.locator("h1 + p [data-status='approved']")).to_be_visible()
    expect(employee.locator("[data-conditions]").get_by_text(CONDITION)).to_be_visible()
    expect(employee.locator("[data-conditions]").get_by_text("due 2027-01-31")).to_be_visible()
    expect(employee.locator("[data-trust-label]")).to_be_visible()
    expect(
        employee.locator("[data-section='trust_output']").get_by_text("invents order numbers")
    ).to_be_visible()
    expect(employee.get_by_role("link", name="Edit use card")).to_have_count(0)
    assert errors == []
