"""The catalog's pages: Markdown in a use card cannot inject script into the page; the employee catalog searches and
filters (use cases for my role, tool, tier, status); the use-case page shows the card, the conditions and the
trust label's slot."""

from __future__ import annotations

from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog.catalog_builders import (
    CARD,
    Directory,
    answer,
    board_member,
    create_tool,
    create_use_case,
    make_directory,
    no_risk_answers,
    ready_use_case,
    verdict,
    write_card,
)
from support import Caller, World, as_caller
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.schemas import PersonUpdate
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service


class Tags(HTMLParser):
    """Every start tag of a page with its attributes, and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(html: str) -> Tags:
    parser = Tags()
    parser.feed(html)
    return parser


@dataclass
class Workspace:
    id: int
    lead: Caller
    directory: Directory
    governance: Caller
    security: Caller
    data_protection: Caller


@pytest.fixture
def workspace(world: World, client: TestClient) -> Workspace:
    workspace_id = world.workspace()
    governance = board_member(world, workspace_id, "ai_governance")
    security = board_member(world, workspace_id, "security")
    data_protection = board_member(world, workspace_id, "data_protection")
    lead = world.caller(workspace_id, Role.program_lead)
    as_caller(client, lead)
    create_tool(client)
    directory = make_directory(world, workspace_id)
    return Workspace(workspace_id, lead, directory, governance, security, data_protection)


def approve(client: TestClient, space: Workspace, slug: str, **fields: Any) -> None:
    """Submit ``slug`` (complete and assessed, minimal or limited risk) and have the required areas approve it."""
    as_caller(client, space.lead)
    review = client.post(f"/api/v1/use-cases/{slug}/submission").json()
    for reviewer in (space.governance, space.data_protection):
        verdict(client, reviewer, review["id"])
    assert verdict(client, space.security, review["id"], **fields).json()["status"] == "approved"
    as_caller(client, space.lead)


SCRIPTED_CARD = {
    "trust_output": "It drafts replies well. <script>alert('card')</script> Check every order number before "
    "you send the reply to the customer.",
    "when_wrong": '<img src=x onerror="alert(1)"> Discard the draft and write the reply yourself; '
    '[report it](javascript:alert(2)) or <a href="javascript:alert(3)" onclick="steal()">here</a>, '
    "and tell the owner.",
    "good_examples": '<iframe src="https://evil.example/"></iframe> See [the guide](https://example.com/guide) '
    "for two real prompts.",
    "bad_examples": "<svg onload=alert(4)></svg> Never paste a customer's card number into the prompt.",
}


def test_script_in_use_card_markdown_is_neutralized_on_the_page(
    client: TestClient, workspace: Workspace, world: World
) -> None:
    create_use_case(client, "replies", workspace.directory)
    sections = {**CARD, **SCRIPTED_CARD, "changelog": "First version"}
    response = client.post("/use-cases/replies/use-card/edit", data=sections, follow_redirects=False)
    assert response.status_code == 303, response.text
    answer(client, "replies")
    approve(client, workspace, "replies")

    for caller in (workspace.lead, world.caller(workspace.id, Role.employee)):
        as_caller(client, caller)
        page = client.get("/use-cases/replies")
        assert page.status_code == 200
        tags = parse(page.text)
        for tag, attributes in tags.tags:
            assert tag not in {"iframe", "svg", "object", "embed"}, tag
            if tag == "img":  # the layout's logo only: a card's images are dropped
                assert attributes["src"] == "/static/favicon.svg"
            assert not [name for name in attributes if name.startswith("on")], (tag, attributes)
            for name in ("href", "src", "action"):
                assert not (attributes.get(name) or "").strip().lower().startswith("javascript:"), attributes
            if tag == "script":
                assert attributes == {"src": "/static/uptake.js", "defer": None}
        # What people wrote stays readable, as text, and safe links keep working.
        text = "".join(tags.text)
        assert "<script>alert('card')</script> Check every order number" in text
        links = [
            attrs
            for tag, attrs in tags.tags
            if tag == "a" and attrs.get("href") == "https://example.com/guide"
        ]
        assert [link["rel"] for link in links] == ["noopener noreferrer nofollow"]


def put_in_support(world: World, workspace_id: int, directory: Directory) -> Caller:
    """An employee whose job role and team the support use cases are aimed at."""
    employee = world.caller(workspace_id, Role.employee)
    with session_scope(world.factory, workspace_id) as session:
        placed = PersonUpdate(job_role_id=directory.job_role_id, team_id=directory.team_id)
        people_service.update_person(session, workspace_id, employee.person_id, placed, actor="test")
    return employee


def shown(client: TestClient, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, response.text
    return [
        attrs["data-use-case"] or "" for tag, attrs in parse(response.text).tags if "data-use-case" in attrs
    ]


def test_the_employee_catalog_searches_and_filters(
    client: TestClient, workspace: Workspace, world: World
) -> None:
    create_tool(client, "writer", name="Writer")
    ready_use_case(client, "replies", workspace.directory)
    ready_use_case(client, "complaints", workspace.directory, customer_facing=True)
    client.patch(
        "/api/v1/use-cases/complaints", json={"title": "Summarize complaints", "tool_slugs": ["writer"]}
    )
    create_use_case(client, "other-team", workspace.directory, target_job_role_ids=[], target_team_ids=[])
    write_card(client, "other-team")
    ready_use_case(client, "still-draft", workspace.directory)
    for slug in ("replies", "complaints"):
        approve(client, workspace, slug)
    client.post("/api/v1/use-cases/replies/transitions", json={"to": "piloting"})
    with session_scope(world.factory, workspace.id) as session:
        team = teams_service.create_team(session, workspace.id, name="Finance")
        team_id = team.id
    client.patch("/api/v1/use-cases/other-team", json={"target_team_ids": [team_id]})
    client.put("/api/v1/use-cases/other-team/risk-assessment", json={"answers": no_risk_answers()})
    approve(client, workspace, "other-team")

    as_caller(client, put_in_support(world, workspace.id, workspace.directory))
    assert sorted(shown(client, "/catalog")) == ["complaints", "other-team", "replies"]
    assert sorted(shown(client, "/catalog?for_me=1")) == ["complaints", "replies"]
    assert shown(client, "/catalog?q=complaints") == ["complaints"]
    assert shown(client, "/catalog?tool=writer") == ["complaints"]
    assert shown(client, "/catalog?tier=limited") == ["complaints"]
    assert sorted(shown(client, "/catalog?tier=minimal")) == ["other-team", "replies"]
    assert shown(client, "/catalog?status=piloting") == ["replies"]
    assert shown(client, "/catalog?status=piloting&tool=writer") == []
    page = client.get("/catalog?for_me=1&tool=writer").text
    assert 'name="for_me" value="1" checked' in page
    assert '<option value="writer" selected>' in page
    assert client.get("/use-cases/still-draft").status_code == 404


def test_the_use_case_page_shows_the_card_conditions_and_trust_label(
    client: TestClient, workspace: Workspace, world: World
) -> None:
    ready_use_case(client, "replies", workspace.directory)
    condition = {"text": "Only for tier-1 tickets in English", "due_on": "2027-06-30"}
    approve(client, workspace, "replies", conditions=[condition])
    as_caller(client, put_in_support(world, workspace.id, workspace.directory))
    page = client.get("/use-cases/replies")
    tags = parse(page.text)
    text = " ".join(" ".join(tags.text).split())
    sections = [attrs["data-section"] for tag, attrs in tags.tags if "data-section" in attrs]
    assert sections == list(CARD)
    assert "invents order numbers sometimes" in text
    assert "Conditions of the approval" in text
    assert "Only for tier-1 tickets in English (due 2027-06-30) open" in text
    assert any("data-trust-label" in attrs for _, attrs in tags.tags)
    assert "Accountable owner Olivia Owner" in text
    assert "Risk tier Minimal risk" in text
    assert "Edit use card" not in text  # the editor's buttons are for program leads
    as_caller(client, workspace.lead)
    assert "Edit use card" in client.get("/use-cases/replies").text


def test_a_reviewer_starts_a_re_review_from_the_use_case_page(
    client: TestClient, workspace: Workspace, world: World
) -> None:
    ready_use_case(client, "replies", workspace.directory)
    assert "Start re-review" not in client.get("/use-cases/replies").text  # a draft is not re-reviewed
    approve(client, workspace, "replies")
    reviewer = world.caller(workspace.id, Role.reviewer)
    as_caller(client, reviewer)
    assert "Start re-review" in client.get("/use-cases/replies").text
    started = client.post("/governance/use-cases/replies/re-reviews", follow_redirects=False)
    assert started.status_code == 303
    assert started.headers["location"].startswith("/governance/reviews/")
    page = client.get("/use-cases/replies").text
    assert "Start re-review" not in page  # one open review at a time
    assert "Open the review" in page
    as_caller(client, world.caller(workspace.id, Role.employee))
    assert "Start re-review" not in client.get("/use-cases/replies").text


def test_the_use_case_and_tool_editors_keep_what_was_typed_when_they_refuse_it(
    client: TestClient, workspace: Workspace, world: World
) -> None:
    team = str(workspace.directory.team_id)
    typed = {
        "slug": "triage",
        "title": "Triage tickets",
        "owner_email": "nobody@example.com",
        "raci": "responsible: the support desk",
        "tool_slugs": ["support-assistant"],
        "target_team_ids": [team],
        "tags": "support, triage",
    }
    refused = client.post("/use-cases/new", data=typed, follow_redirects=False)
    assert refused.status_code == 422
    assert "nobody in the directory has this email" in refused.text
    assert 'value="support, triage"' in refused.text
    assert 'value="support-assistant" checked' in refused.text
    assert client.get("/use-cases/triage/edit").status_code == 404  # nothing was stored

    too_long = client.post("/use-cases/new", data={**typed, "owner_email": "", "summary": "x" * 5001})
    assert too_long.status_code == 422
    assert "Summary may be at most 5,000 characters." in too_long.text

    drafted = client.post("/use-cases/new", data={**typed, "owner_email": ""}, follow_redirects=False)
    assert drafted.status_code == 303, drafted.text
    assert drafted.headers["location"] == "/use-cases/triage"

    bad_raci = client.post("/use-cases/triage/edit", data={**typed, "owner_email": "", "raci": "owner - me"})
    assert bad_raci.status_code == 422
    assert "line 1: write &#39;responsible: who&#39;" in bad_raci.text
    assert 'value="Triage tickets"' in bad_raci.text
    # The same tools and teams again, as the edit page sends them back unchanged.
    kept = {**typed, "owner_email": "", "title": "Triage"}
    saved = client.post("/use-cases/triage/edit", data=kept, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    edit_page = client.get("/use-cases/triage/edit").text
    assert 'value="Triage"' in edit_page
    assert 'value="support-assistant" checked' in edit_page

    duplicate = client.post(
        "/tools/new", data={"slug": "support-assistant", "name": "Again", "vendor": "Acme"}
    )
    assert duplicate.status_code == 422
    assert 'value="Again"' in duplicate.text
    renamed = client.post(
        "/tools/support-assistant/edit", data={"name": "Helpdesk", "vendor": "Acme"}, follow_redirects=False
    )
    assert (renamed.status_code, renamed.headers["location"]) == (303, "/tools")
    assert "Helpdesk" in client.get("/tools").text
