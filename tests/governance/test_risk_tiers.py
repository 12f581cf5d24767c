"""The risk questionnaire's tier proposal (prohibited, high, limited, minimal, with the reasons) and a reviewer's
override, which needs a justification and stays on the record."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from catalog.catalog_builders import answer, create_tool, make_directory, no_risk_answers, ready_use_case
from support import as_caller
from uptake.access.roles import Role
from uptake.audit import service as audit_service
from uptake.governance.questionnaire import (
    PolicyDocumentInvalid,
    check_answers,
    parse_questionnaire,
    propose_tier,
    shipped_questionnaire,
)
from uptake.governance.review_policy import parse_review_policy


def proposal(**answers: Any) -> tuple[str, list[tuple[str, str]]]:
    questionnaire = shipped_questionnaire()
    result = propose_tier(questionnaire, check_answers(questionnaire, {**no_risk_answers(), **answers}))
    return result.tier, [(reason.tier, reason.reference) for reason in result.reasons]


@pytest.mark.parametrize(
    ("answers", "tier", "reference"),
    [
        ({"manipulation": True}, "prohibited", "AI Act Art. 5(1)(a) and (b)"),
        ({"social_scoring": True}, "prohibited", "AI Act Art. 5(1)(c)"),
        ({"emotion_recognition_at_work": True}, "prohibited", "AI Act Art. 5(1)(f)"),
        ({"annex_iii_areas": ["employment"]}, "high", "AI Act Art. 6(2), Annex III point 4"),
        ({"annex_iii_areas": ["essential_services"]}, "high", "AI Act Art. 6(2), Annex III point 5"),
        ({"annex_iii_areas": ["education"]}, "high", "AI Act Art. 6(2), Annex III point 3"),
        ({"special_category_data": True}, "high", "Organization policy; GDPR Art. 9"),
        ({"customer_facing": True}, "limited", "AI Act Art. 50(1)"),
        ({"public_content": True}, "limited", "AI Act Art. 50(4)"),
        ({"personal_data": True}, "limited", "Organization policy; GDPR Art. 35 screening"),
    ],
)
def test_each_kind_of_answer_proposes_its_tier_with_the_reason(
    answers: dict[str, Any], tier: str, reference: str
) -> None:
    assert proposal(**answers) == (tier, [(tier, reference)])


def test_no_risky_answer_proposes_minimal_and_says_so() -> None:
    questionnaire = shipped_questionnaire()
    result = propose_tier(questionnaire, check_answers(questionnaire, no_risk_answers()))
    assert result.tier == "minimal"
    assert [reason.reason for reason in result.reasons] == ["No answer raises the risk above minimal risk."]


def test_the_most_severe_tier_wins_and_every_matching_rule_is_a_reason() -> None:
    tier, reasons = proposal(
        customer_facing=True, annex_iii_areas=["employment", "education"], social_scoring=True
    )
    assert tier == "prohibited"
    assert [reason_tier for reason_tier, _ in reasons] == ["prohibited", "high", "high", "limited"]


def test_decisions_about_people_without_review_are_high_with_review_limited() -> None:
    assert proposal(decisions_about_people=True, no_human_review=True)[0] == "high"
    assert proposal(decisions_about_people=True, no_human_review=False)[0] == "limited"
    assert proposal(no_human_review=True)[0] == "minimal"


def test_answers_are_checked_naming_each_question() -> None:
    answers = {**no_risk_answers(), "annex_iii_areas": ["astrology"], "manipulation": "maybe", "extra": True}
    del answers["personal_data"]
    with pytest.raises(PolicyDocumentInvalid) as invalid:
        check_answers(shipped_questionnaire(), answers)
    assert {error.field for error in invalid.value.errors} == {
        "answers.annex_iii_areas",
        "answers.manipulation",
        "answers.extra",
        "answers.personal_data",
    }


def test_an_organization_questionnaire_uses_its_own_tiers_and_rules() -> None:
    questionnaire = parse_questionnaire(
        """
        default_tier: low
        tiers: [{id: red, name: Red}, {id: low, name: Low}]
        questions:
          - {id: region, text: Where is data stored, type: one_of, options: [{id: eu, label: EU}, {id: us, label: US}]}
        rules:
          - {when: [{question: region, is: us}], tier: red, reason: Data leaves the EU.}
        """
    )
    assert propose_tier(questionnaire, {"region": "us"}).tier == "red"
    assert propose_tier(questionnaire, {"region": "eu"}).tier == "low"
    with pytest.raises(PolicyDocumentInvalid, match="not one of the tiers"):
        parse_questionnaire("default_tier: x\ntiers: [{id: a, name: A}]\nquestions: [{id: q, text: Q}]")


@pytest.fixture
def assessed(world, client: TestClient):
    workspace = world.workspace()
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    create_tool(client)
    ready_use_case(client, "screening", make_directory(world, workspace), annex_iii_areas=["employment"])
    return workspace, lead


def test_the_api_proposes_the_tier_with_reasons_and_the_catalog_filters_by_it(client, assessed) -> None:
    assessment = client.get("/api/v1/use-cases/screening/risk-assessment").json()
    assert (assessment["proposed_tier"], assessment["tier"], assessment["override_tier"]) == (
        "high",
        "high",
        None,
    )
    assert [reason["reference"] for reason in assessment["reasons"]] == [
        "AI Act Art. 6(2), Annex III point 4"
    ]
    assert client.get("/api/v1/use-cases/screening").json()["risk_tier"] == "high"


def test_a_reviewer_overrides_only_with_a_justification(client, assessed, world) -> None:
    workspace, _ = assessed
    reviewer = world.caller(workspace, Role.reviewer)
    as_caller(client, reviewer)
    url = "/api/v1/use-cases/screening/risk-assessment/override"
    for justification in ("", "   "):
        silent = client.post(url, json={"tier": "limited", "justification": justification})
        assert silent.status_code == 422
        assert silent.json()["errors"][0]["field"] == "justification"
    unknown = client.post(url, json={"tier": "medium", "justification": "Somewhere in between."})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "tier"
    assert client.get("/api/v1/use-cases/screening/risk-assessment").json()["tier"] == "high"

    reason = "Art. 6(3): it only sorts CVs by language for a recruiter who reads every one."
    overridden = client.post(url, json={"tier": "limited", "justification": reason})
    assert overridden.status_code == 200, overridden.text
    body = overridden.json()
    assert (body["proposed_tier"], body["tier"], body["override_justification"]) == (
        "high",
        "limited",
        reason,
    )
    assert body["overridden_by_id"] == reviewer.person_id
    assert client.get("/api/v1/use-cases/screening").json()["risk_tier"] == "limited"
    with world.session(workspace) as session:
        [entry] = audit_service.list_audit_entries(
            session, workspace, action="governance.risk_tier.overridden"
        )
    assert (entry.after["tier"], entry.after["proposed_tier"], entry.after["justification"]) == (
        "limited",
        "high",
        reason,
    )
    employee = world.caller(workspace, Role.employee)
    as_caller(client, employee)
    assert client.post(url, json={"tier": "minimal", "justification": reason}).status_code == 403


def test_answering_again_clears_the_override_but_not_while_in_review(client, assessed, world) -> None:
    workspace, lead = assessed
    reviewer = world.caller(workspace, Role.reviewer)
    as_caller(client, reviewer)
    client.post(
        "/api/v1/use-cases/screening/risk-assessment/override",
        json={"tier": "limited", "justification": "Only a narrow preparatory task."},
    )
    as_caller(client, lead)
    again = answer(client, "screening", annex_iii_areas=["employment"])
    assert (again["tier"], again["override_tier"]) == ("high", None)
    assert client.post("/api/v1/use-cases/screening/submission").status_code == 201
    locked = client.put("/api/v1/use-cases/screening/risk-assessment", json={"answers": no_risk_answers()})
    assert locked.status_code == 409
    assert client.get("/api/v1/use-cases/screening/risk-assessment").json()["tier"] == "high"


def test_the_documented_examples_parse_and_propose_as_described() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "risk-questionnaire.md"
    questionnaire_source, policy_source = re.findall(
        r"```yaml\n(.*?)```", docs.read_text("utf-8"), flags=re.S
    )
    questionnaire = parse_questionnaire(questionnaire_source)
    answers = {"customer_facing": True, "annex_iii_areas": [], "region": "eu"}
    assert propose_tier(questionnaire, check_answers(questionnaire, answers)).tier == "limited"
    answers = {**answers, "region": "elsewhere"}
    assert propose_tier(questionnaire, check_answers(questionnaire, answers)).tier == "high"
    policy = parse_review_policy(policy_source)
    assert policy.for_tier("high").required_areas == ("ai_governance", "legal", "security")
    assert not policy.for_tier("prohibited").approvable


def test_the_risk_pages_keep_the_answers_when_refused_and_say_why(client, assessed, world) -> None:
    workspace, _ = assessed
    page_url = "/governance/use-cases/screening/risk-assessment"
    form: dict[str, Any] = {
        key: (value if isinstance(value, list) else "no") for key, value in no_risk_answers().items()
    }
    unanswered = next(key for key, value in no_risk_answers().items() if not isinstance(value, list))
    refused = client.post(page_url, data={key: value for key, value in form.items() if key != unanswered})
    assert refused.status_code == 422
    assert "Answer every question; the ones missing are marked." in refused.text
    assert "not answered" in refused.text
    assert client.get("/api/v1/use-cases/screening/risk-assessment").json()["tier"] == "high"

    saved = client.post(page_url, data=form, follow_redirects=False)
    assert (saved.status_code, saved.headers["location"]) == (303, page_url)
    assert "Answers saved. Proposed tier:" in client.get(page_url).text
    assert client.get("/api/v1/use-cases/screening/risk-assessment").json()["tier"] == "minimal"

    as_caller(client, world.caller(workspace, Role.reviewer))
    short = client.post(f"{page_url}/override", data={"tier": "limited", "justification": "no"})
    assert "justification: say in a sentence why the proposal is wrong" in short.text
    assert client.get("/api/v1/use-cases/screening/risk-assessment").json()["override_tier"] is None


def test_a_framework_page_refusal_names_the_problem(client, assessed) -> None:
    broken = client.post("/governance/frameworks", data={"source": "slug: x\n"})
    assert broken.status_code == 200
    assert "The framework was not added — " in broken.text
