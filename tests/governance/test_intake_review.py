"""An intake review: a candidate found in use (shadow-AI discovery) is reviewed while still a draft. One reviewer
on the board, never the one who opened it, approves it for a full review (it stays a draft) or rejects it (it is
retired); there is nothing to ask changes of yet. Submitting the draft later closes an intake still open."""

from __future__ import annotations

from fastapi.testclient import TestClient

from catalog.catalog_builders import board_member, lead_on_board
from discovery.discovery_builders import generic_csv, make_organization
from support import as_caller
from uptake.access.roles import Role

CSV = {"content-type": "text/csv"}


def candidate(client: TestClient, world, slug: str) -> tuple[int, int]:
    """A workspace where Finance's 5 use `slug`'s service, sent to an intake review; (workspace, review id)."""
    org = make_organization(world, {"Finance": 5})
    as_caller(client, world.caller(org.workspace_id, Role.program_lead))
    domain = {"claude": "claude.ai", "poe": "poe.com"}[slug]
    rows = [("2026-12-01 10:00:00", f"finance{n}@example.com", domain, 1, 1) for n in range(1, 6)]
    client.post("/api/v1/discovery/imports", content=generic_csv(rows), headers=CSV)
    response = client.post(
        f"/api/v1/discovery/tools/{slug}/candidate",
        json={
            "tool_name": slug.title(),
            "vendor": "Vendor",
            "use_case_slug": f"{slug}-use",
            "use_case_title": slug,
        },
    )
    assert response.status_code == 201, response.text
    return org.workspace_id, response.json()["review_id"]


def test_an_approved_intake_leaves_a_draft_to_complete(client: TestClient, world):
    workspace_id, review_id = candidate(client, world, "claude")
    as_caller(client, board_member(world, workspace_id, "ai_governance"))
    decided = client.post(f"/api/v1/reviews/{review_id}/verdicts", json={"verdict": "approve"})
    assert decided.status_code == 201, decided.text
    assert decided.json()["status"] == "approved"
    assert client.get("/api/v1/use-cases/claude-use").json()["status"] == "draft"
    assert review_id not in [item["id"] for item in client.get("/api/v1/reviews").json()]


def test_a_rejected_intake_retires_the_candidate_and_changes_cannot_be_asked(client: TestClient, world):
    workspace_id, review_id = candidate(client, world, "poe")
    as_caller(client, board_member(world, workspace_id, "security"))
    asked = client.post(
        f"/api/v1/reviews/{review_id}/verdicts", json={"verdict": "request_changes", "comment": "x"}
    )
    assert asked.status_code == 422
    assert asked.json()["errors"][0]["field"] == "verdict"
    unexplained = client.post(f"/api/v1/reviews/{review_id}/verdicts", json={"verdict": "reject"})
    assert unexplained.status_code == 422
    rejected = client.post(
        f"/api/v1/reviews/{review_id}/verdicts", json={"verdict": "reject", "comment": "no DPA"}
    )
    assert rejected.json()["status"] == "rejected"
    assert client.get("/api/v1/use-cases/poe-use").json()["status"] == "retired"


def test_the_one_who_opened_an_intake_cannot_decide_it(client: TestClient, world):
    org = make_organization(world, {"Finance": 5})
    lead = lead_on_board(world, org.workspace_id, "ai_governance")
    as_caller(client, lead)
    rows = [("2026-12-01 10:00:00", f"finance{n}@example.com", "claude.ai", 1, 1) for n in range(1, 6)]
    client.post("/api/v1/discovery/imports", content=generic_csv(rows), headers=CSV)
    review_id = client.post(
        "/api/v1/discovery/tools/claude/candidate",
        json={
            "tool_name": "Claude",
            "vendor": "Anthropic",
            "use_case_slug": "claude-use",
            "use_case_title": "c",
        },
    ).json()["review_id"]
    refused = client.post(f"/api/v1/reviews/{review_id}/verdicts", json={"verdict": "approve"})
    assert refused.status_code == 409
    assert "another person on the reviewer board" in refused.json()["detail"]


def test_the_review_page_offers_an_intake_its_two_verdicts_only(client: TestClient, world):
    workspace_id, review_id = candidate(client, world, "claude")
    as_caller(client, board_member(world, workspace_id, "ai_governance"))
    page = client.get(f"/governance/reviews/{review_id}")
    assert "Intake decision" in page.text
    assert "Evidence: found in use" in page.text
    assert 'value="request_changes"' not in page.text
    assert 'name="condition_text"' not in page.text
    decided = client.post(f"/governance/reviews/{review_id}/verdicts", data={"verdict": "approve"})
    assert "Worth a full review: the candidate stays a draft for its owner to complete." in decided.text
