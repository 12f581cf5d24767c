"""Reviews through the API: the four-eyes rule (every required area, each by a different person, never the
submitter), verdicts that end a review, conditions on the use card, and the whole lifecycle on the record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from fastapi.testclient import TestClient

from catalog.catalog_builders import (
    Directory,
    board_member,
    create_tool,
    lead_on_board,
    make_directory,
    ready_use_case,
    verdict,
)
from support import Caller, as_caller
from uptake.access.roles import Role
from uptake.audit import service as audit_service

AREAS = ("ai_governance", "security", "data_protection", "legal", "works_council")


@dataclass
class Board:
    workspace: int
    lead: Caller
    directory: Directory
    reviewers: dict[str, Caller]


@pytest.fixture
def board(world, client: TestClient) -> Board:
    """A workspace with a program lead, a tool, and one reviewer on the board for each review area."""
    workspace = world.workspace()
    reviewers = {area: board_member(world, workspace, area) for area in AREAS}
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    create_tool(client)
    return Board(workspace, lead, make_directory(world, workspace), reviewers)


def submit(client: TestClient, caller: Caller, slug: str) -> dict:
    as_caller(client, caller)
    response = client.post(f"/api/v1/use-cases/{slug}/submission")
    assert response.status_code == 201, response.text
    return dict(response.json())


def status_of(client: TestClient, caller: Caller, slug: str) -> str:
    as_caller(client, caller)
    return str(client.get(f"/api/v1/use-cases/{slug}").json()["status"])


def test_a_minimal_use_case_needs_each_required_area_from_a_different_person(client, board: Board) -> None:
    ready_use_case(client, "replies", board.directory)
    review = submit(client, board.lead, "replies")
    assert review["required_areas"] == ["ai_governance", "security"]
    assert review["missing_areas"] == ["ai_governance", "security"]

    first = verdict(client, board.reviewers["ai_governance"], review["id"])
    assert first.status_code == 201, first.text
    assert (first.json()["status"], first.json()["missing_areas"]) == ("open", ["security"])
    assert status_of(client, board.lead, "replies") == "in_review"

    condition = {"text": "Check every order number before sending", "due_on": "2027-01-31"}
    second = verdict(client, board.reviewers["security"], review["id"], conditions=[condition])
    assert second.status_code == 201, second.text
    assert (second.json()["status"], second.json()["missing_areas"]) == ("approved", [])
    assert status_of(client, board.lead, "replies") == "approved"

    [decision] = client.get("/api/v1/use-cases/replies/decisions").json()
    assert decision["outcome"] == "approved"
    assert {(a["area"], a["reviewer_id"]) for a in decision["approvals"]} == {
        ("ai_governance", board.reviewers["ai_governance"].person_id),
        ("security", board.reviewers["security"].person_id),
    }
    assert [(c["text"], c["due_on"]) for c in decision["conditions"]] == [(condition["text"], "2027-01-31")]
    assert decision["next_review_on"] == date.today().replace(year=date.today().year + 2).isoformat()


def test_the_submitter_alone_can_never_approve(client, board: Board, world) -> None:
    submitter = lead_on_board(world, board.workspace, "ai_governance", "security")
    as_caller(client, submitter)
    ready_use_case(client, "replies", board.directory)
    review = submit(client, submitter, "replies")

    own = verdict(client, submitter, review["id"])
    assert own.status_code == 409
    assert own.json()["type"] == "/problems/four-eyes-violation"
    as_caller(client, submitter)
    assert client.post("/api/v1/use-cases/replies/transitions", json={"to": "approved"}).status_code == 409
    lowered = client.post(
        "/api/v1/use-cases/replies/risk-assessment/override",
        json={"tier": "minimal", "justification": "I submitted it and think it is harmless"},
    )
    assert lowered.status_code == 409
    assert status_of(client, submitter, "replies") == "in_review"

    # One person on both areas approves once, for one area: the other still needs someone else.
    both = board_member(world, board.workspace, "ai_governance", "security")
    assert verdict(client, both, review["id"]).json()["missing_areas"] == ["security"]
    again = verdict(client, both, review["id"], area="security")
    assert again.status_code == 409
    assert status_of(client, submitter, "replies") == "in_review"
    assert verdict(client, board.reviewers["security"], review["id"]).json()["status"] == "approved"


def test_a_high_risk_use_case_needs_every_required_role(client, board: Board) -> None:
    assessment = ready_use_case(client, "screening", board.directory, annex_iii_areas=["employment"])
    assert assessment["tier"] == "high"
    review = submit(client, board.lead, "screening")
    assert review["required_areas"] == [
        "ai_governance",
        "legal",
        "security",
        "data_protection",
        "works_council",
    ]
    for area in ("ai_governance", "legal", "security", "data_protection"):
        response = verdict(client, board.reviewers[area], review["id"])
        assert response.json()["status"] == "open"
        assert status_of(client, board.lead, "screening") == "in_review"
    assert verdict(client, board.reviewers["works_council"], review["id"]).json()["status"] == "approved"
    assert status_of(client, board.lead, "screening") == "approved"


def test_only_people_on_the_board_give_verdicts(client, board: Board, world) -> None:
    ready_use_case(client, "replies", board.directory)
    review = submit(client, board.lead, "replies")
    off_board = world.caller(board.workspace, Role.reviewer)
    assert verdict(client, off_board, review["id"]).status_code == 403
    assert verdict(client, world.caller(board.workspace, Role.employee), review["id"]).status_code == 403
    assert verdict(client, board.lead, review["id"]).status_code == 409  # the submitter
    other_lead = world.caller(board.workspace, Role.program_lead)
    assert verdict(client, other_lead, review["id"]).status_code == 403
    not_mine = verdict(client, board.reviewers["security"], review["id"], area="legal")
    assert not_mine.status_code == 403
    assert status_of(client, board.lead, "replies") == "in_review"


def test_a_prohibited_use_case_cannot_be_approved(client, board: Board) -> None:
    assert ready_use_case(client, "nudge", board.directory, manipulation=True)["tier"] == "prohibited"
    review = submit(client, board.lead, "nudge")
    refused = verdict(client, board.reviewers["legal"], review["id"])
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/tier-not-approvable"
    rejected = verdict(client, board.reviewers["legal"], review["id"], "reject", comment="Art. 5 practice.")
    assert rejected.json()["status"] == "rejected"
    assert status_of(client, board.lead, "nudge") == "rejected"


def test_changes_requested_and_rejection_need_a_reason_and_send_it_back(client, board: Board) -> None:
    ready_use_case(client, "replies", board.directory)
    review = submit(client, board.lead, "replies")
    silent = verdict(client, board.reviewers["security"], review["id"], "request_changes")
    assert silent.status_code == 422
    assert silent.json()["errors"][0]["field"] == "comment"
    with_conditions = verdict(
        client, board.reviewers["security"], review["id"], "reject", comment="No.", conditions=[{"text": "x"}]
    )
    assert with_conditions.status_code == 422
    verdict(client, board.reviewers["ai_governance"], review["id"])
    changes = verdict(
        client, board.reviewers["security"], review["id"], "request_changes", comment="Name the DPA."
    )
    assert changes.json()["status"] == "changes_requested"
    assert status_of(client, board.lead, "replies") == "draft"

    # The approval given to the first review does not carry over to the next one.
    second = submit(client, board.lead, "replies")
    assert second["id"] != review["id"]
    assert second["missing_areas"] == ["ai_governance", "security"]
    assert verdict(client, board.reviewers["security"], second["id"]).json()["status"] == "open"
    rejected = verdict(
        client, board.reviewers["ai_governance"], second["id"], "reject", comment="Out of scope."
    )
    assert rejected.json()["status"] == "rejected"
    assert status_of(client, board.lead, "replies") == "rejected"


def test_the_whole_lifecycle_is_on_the_record(client, board: Board, world) -> None:
    ready_use_case(client, "replies", board.directory)
    review = submit(client, board.lead, "replies")
    verdict(client, board.reviewers["ai_governance"], review["id"])
    verdict(client, board.reviewers["security"], review["id"])
    as_caller(client, board.lead)
    for target in (
        "piloting",
        "rolling_out",
        "generally_available",
        "paused",
        "generally_available",
        "retired",
    ):
        response = client.post("/api/v1/use-cases/replies/transitions", json={"to": target})
        assert response.status_code == 200, response.text
    assert client.post("/api/v1/use-cases/replies/transitions", json={"to": "draft"}).json()["allowed"] == []
    with world.session(board.workspace) as session:
        entries = audit_service.list_audit_entries(
            session, board.workspace, action="catalog.use_case.transitioned"
        )
    moves = [
        (entry.before["status"], entry.after["status"], entry.after["by"]) for entry in reversed(entries)
    ]
    assert moves == [
        ("draft", "in_review", "submission"),
        ("in_review", "approved", "review"),
        ("approved", "piloting", "program_lead"),
        ("piloting", "rolling_out", "program_lead"),
        ("rolling_out", "generally_available", "program_lead"),
        ("generally_available", "paused", "program_lead"),
        ("paused", "generally_available", "program_lead"),
        ("generally_available", "retired", "program_lead"),
    ]
    actors = [entry.actor for entry in reversed(entries)]
    assert actors[:2] == [f"person:{board.lead.person_id}", f"person:{board.reviewers['security'].person_id}"]


def test_a_rejected_re_review_ends_the_approval_and_no_lead_can_undo_it(client, board: Board) -> None:
    ready_use_case(client, "replies", board.directory)
    review = submit(client, board.lead, "replies")
    verdict(client, board.reviewers["ai_governance"], review["id"])
    verdict(client, board.reviewers["security"], review["id"])
    as_caller(client, board.lead)
    client.post("/api/v1/use-cases/replies/transitions", json={"to": "piloting"})
    re_review = client.post("/api/v1/use-cases/replies/re-reviews")
    assert re_review.status_code == 201, re_review.text
    assert status_of(client, board.lead, "replies") == "piloting"  # live while it is reviewed again
    rejected = verdict(
        client, board.reviewers["security"], re_review.json()["id"], "reject", comment="Leaks data."
    )
    assert rejected.json()["status"] == "rejected"
    assert status_of(client, board.lead, "replies") == "rejected"
    for target in ("piloting", "approved", "paused"):
        refused = client.post("/api/v1/use-cases/replies/transitions", json={"to": target})
        assert refused.status_code == 409
        assert refused.json()["allowed"] == ["draft", "retired"]

    # Back to draft, and a full review from the start.
    assert client.post("/api/v1/use-cases/replies/transitions", json={"to": "draft"}).status_code == 200
    again = submit(client, board.lead, "replies")
    assert again["missing_areas"] == ["ai_governance", "security"]
    verdict(client, board.reviewers["ai_governance"], again["id"])
    assert status_of(client, board.lead, "replies") == "in_review"
    verdict(client, board.reviewers["security"], again["id"])
    assert status_of(client, board.lead, "replies") == "approved"
