"""A property: whatever API calls people make, in whatever order and role, a use case is never live without an
approval in which every area its tier requires was approved by a different person, none of them the submitter,
each through their own successful API call.

Hypothesis drives a state machine through the ASGI app: random actors (the submitting lead, who also sits on the
reviewer board; another lead; reviewers on one, two or every area; a reviewer off the board; an employee) submit,
give verdicts for any area with or without conditions, move the use case to any status, answer the questionnaire,
override the tier and start re-reviews. After every step the stored decisions are checked. (It found that a
program lead could resume a use case a rejected re-review had paused; a rejected re-review now rejects it.)
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from catalog.catalog_builders import (
    board_member,
    create_tool,
    lead_on_board,
    make_directory,
    no_risk_answers,
    ready_use_case,
)
from support import Caller, as_caller
from uptake.access.roles import Role
from uptake.catalog import service as catalog_service
from uptake.catalog.service import LIVE_STATUSES, UseCaseStatus
from uptake.governance import service as governance_service
from uptake.governance.models import ReviewStatus
from uptake.governance.review_policy import shipped_review_policy

# Hundreds of API calls: one engine is enough (the rules under test are in Python, not SQL), and it is slow.
# Generated call sequences, not dates: left out of `make clock`.
pytestmark = [
    pytest.mark.slow,
    pytest.mark.clockless,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

AREAS = ["ai_governance", "security", "data_protection", "legal", "works_council"]
RISK_PROFILES = [
    {},
    {"customer_facing": True},
    {"personal_data": True},
    {"annex_iii_areas": ["employment"]},
    {"manipulation": True},
]


def test_no_sequence_of_api_calls_makes_a_use_case_live_without_the_required_approvals(
    world, client: TestClient
) -> None:
    workspace = world.workspace()
    submitter = lead_on_board(world, workspace, "ai_governance", "security")
    other_lead = world.caller(workspace, Role.program_lead)
    reviewers = [
        board_member(world, workspace, "ai_governance"),
        board_member(world, workspace, "security"),
        board_member(world, workspace, "ai_governance", "security"),
        board_member(world, workspace, *AREAS),
        board_member(world, workspace, "data_protection", "legal", "works_council"),
    ]
    outsiders = [world.caller(workspace, Role.reviewer), world.caller(workspace, Role.employee)]
    actors = [submitter, other_lead, *reviewers, *outsiders]
    directory = make_directory(world, workspace)
    as_caller(client, submitter)
    create_tool(client)
    numbers = itertools.count()
    policy = shipped_review_policy()
    # Each kind of call comes mostly from the people whose role allows it, so that sequences get somewhere, and
    # sometimes from anyone at all.
    pick_actor = st.sampled_from(actors)
    pick_lead = st.one_of(st.sampled_from([submitter, other_lead]), pick_actor)
    pick_judge = st.one_of(st.sampled_from(reviewers), pick_actor)
    pick_area = st.one_of(st.none(), st.sampled_from(AREAS))
    reached_live: set[str] = set()

    class ReviewMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.slug = f"case-{next(numbers)}"
            as_caller(client, submitter)
            ready_use_case(client, self.slug, directory)
            self.review_ids: list[int] = []
            # (review id, person id, area) of every approval an API call recorded.
            self.approvals_given: set[tuple[int, int, str]] = set()
            self.submit(submitter)

        def call(self, actor: Caller, method: str, path: str, body: Any = None) -> Any:
            as_caller(client, actor)
            response = client.request(method, path, json=body)
            assert response.status_code < 500, response.text
            return response

        @rule(actor=pick_lead)
        def submit(self, actor: Caller) -> None:
            response = self.call(actor, "POST", f"/api/v1/use-cases/{self.slug}/submission")
            if response.status_code == 201:
                self.review_ids.append(response.json()["id"])

        @rule(actor=pick_judge)
        def start_re_review(self, actor: Caller) -> None:
            response = self.call(actor, "POST", f"/api/v1/use-cases/{self.slug}/re-reviews")
            if response.status_code == 201:
                self.review_ids.append(response.json()["id"])

        @rule(actor=pick_judge, condition=st.booleans())
        def approve(self, actor: Caller, condition: bool) -> None:
            self.give_verdict(actor, "approve", None, condition, which=0)

        @rule(actor=pick_judge, area=pick_area)
        def approve_for_area(self, actor: Caller, area: str | None) -> None:
            self.give_verdict(actor, "approve", area, False, which=0)

        @rule(
            actor=pick_judge,
            kind=st.sampled_from(["approve", "reject", "request_changes"]),
            area=pick_area,
            which=st.integers(min_value=0, max_value=2),
        )
        def decide(self, actor: Caller, kind: str, area: str | None, which: int) -> None:
            self.give_verdict(actor, kind, area, False, which=which)

        def give_verdict(
            self, actor: Caller, kind: str, area: str | None, condition: bool, *, which: int
        ) -> None:
            """A verdict on the latest review (``which`` 0) or an earlier, closed one."""
            if not self.review_ids:
                return
            review_id = self.review_ids[-1 - which % len(self.review_ids)]
            body: dict[str, Any] = {"verdict": kind, "comment": "" if kind == "approve" else "Because."}
            if area is not None:
                body["area"] = area
            if condition:
                body["conditions"] = [{"text": "Only for tier-1 tickets"}]
            response = self.call(actor, "POST", f"/api/v1/reviews/{review_id}/verdicts", body)
            if response.status_code == 201 and kind == "approve":
                mine = [v for v in response.json()["verdicts"] if v["reviewer_id"] == actor.person_id]
                assert len(mine) == 1
                self.approvals_given.add((review_id, actor.person_id, mine[0]["area"]))

        @rule(actor=pick_lead, status=st.sampled_from(list(UseCaseStatus)))
        def move(self, actor: Caller, status: UseCaseStatus) -> None:
            self.call(actor, "POST", f"/api/v1/use-cases/{self.slug}/transitions", {"to": status.value})

        @rule(actor=pick_lead, profile=st.sampled_from(RISK_PROFILES))
        def answer(self, actor: Caller, profile: dict[str, Any]) -> None:
            answers = {**no_risk_answers(), **profile}
            self.call(actor, "PUT", f"/api/v1/use-cases/{self.slug}/risk-assessment", {"answers": answers})

        @rule(actor=pick_judge, tier=st.sampled_from(["minimal", "minimal", "limited", "high", "prohibited"]))
        def override(self, actor: Caller, tier: str) -> None:
            body = {"tier": tier, "justification": "The proposal misreads how the output is used."}
            self.call(actor, "POST", f"/api/v1/use-cases/{self.slug}/risk-assessment/override", body)

        @invariant()
        def live_only_with_four_eyes_approval(self) -> None:
            with world.session(workspace) as session:
                use_case = catalog_service.get_use_case_by_slug(session, workspace, self.slug)
                decisions = governance_service.list_decisions(session, workspace, self.slug)
                for view in decisions:
                    decision = view.decision
                    if decision.outcome != ReviewStatus.approved:
                        continue
                    review = governance_service.get_review(session, workspace, decision.review_id)
                    tier_policy = policy.for_tier(decision.risk_tier)
                    assert tier_policy.approvable, decision.risk_tier
                    approvers = [
                        (approval["reviewer_id"], approval["area"]) for approval in decision.approvals
                    ]
                    assert sorted(area for _, area in approvers) == sorted(tier_policy.required_areas)
                    people = [person for person, _ in approvers]
                    assert len(set(people)) == len(people), "one person approved for two areas"
                    assert review.submitted_by_id not in people, "the submitter approved"
                    for person, area in approvers:
                        assert (review.id, person, area) in self.approvals_given
                if use_case.status in LIVE_STATUSES:
                    # A re-review that asked for changes leaves it live on its approval; a rejection never does.
                    final = [
                        view.decision.outcome
                        for view in decisions
                        if view.decision.outcome in (ReviewStatus.approved, ReviewStatus.rejected)
                    ]
                    assert final, f"{use_case.status} without an approval"
                    assert final[0] == ReviewStatus.approved, f"{use_case.status} after a rejection"
                    reached_live.add(self.slug)

    run_state_machine_as_test(
        ReviewMachine,
        settings=hypothesis_settings(
            max_examples=15,
            stateful_step_count=20,
            derandomize=True,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    # Derandomized, so the same sequences run every time; this guards against a machine that checks nothing.
    assert reached_live, "no sequence reached an approval"
