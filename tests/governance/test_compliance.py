"""Required controls follow from a use case's facts (tier, data classes, deployment), and evidence is gathered from
uptake's own records: the risk assessment, the review and its verdicts, the use card, incidents, the audit log."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from catalog.catalog_builders import (
    Directory,
    answer,
    board_member,
    create_tool,
    make_directory,
    ready_use_case,
    verdict,
)
from support import Caller, World, as_caller
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.governance import compliance
from uptake.governance.frameworks import shipped_frameworks

AREAS = ("ai_governance", "security", "data_protection", "legal", "works_council")


@dataclass
class Board:
    world: World
    workspace: int
    lead: Caller
    directory: Directory
    reviewers: dict[str, Caller]


@pytest.fixture
def board(world: World, client: TestClient) -> Board:
    workspace = world.workspace()
    reviewers = {area: board_member(world, workspace, area) for area in AREAS}
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    create_tool(client)
    return Board(world, workspace, lead, make_directory(world, workspace), reviewers)


def approve(client: TestClient, board: Board, slug: str) -> None:
    """Submit the use case and give every required area's approving verdict."""
    as_caller(client, board.lead)
    response = client.post(f"/api/v1/use-cases/{slug}/submission")
    assert response.status_code == 201, response.text
    review = response.json()
    for area in review["required_areas"]:
        given = verdict(client, board.reviewers[area], review["id"], comment=f"{area} checked")
        assert given.status_code == 201, given.text
    as_caller(client, board.lead)


def assess(board: Board, slug: str) -> compliance.UseCaseCompliance:
    with session_scope(board.world.factory, board.workspace) as session:
        result, _ = compliance.assess_use_case(session, board.workspace, slug)
        return result


def required(result: compliance.UseCaseCompliance) -> set[str]:
    return {control.rule.control for control in result.controls}


def by_control(result: compliance.UseCaseCompliance) -> dict[str, compliance.ControlResult]:
    return {control.rule.control: control for control in result.controls}


def test_every_rule_names_a_leaf_of_a_shipped_framework_and_known_evidence() -> None:
    rules = compliance.shipped_rules()
    slugs = {framework.slug for framework in shipped_frameworks()}
    assert {rule.framework for rule in rules.controls} == slugs
    assert {kind for rule in rules.controls for kind in rule.evidence} <= set(compliance.EVIDENCE_KINDS)
    for kind in compliance.EVIDENCE_KINDS:
        assert kind == "external" or hasattr(compliance._Gatherer, f"_{kind}")


def test_facts_decide_the_required_controls(client: TestClient, board: Board) -> None:
    ready_use_case(client, "replies", board.directory)
    minimal = assess(board, "replies")
    assert minimal.facts.tier == "minimal"
    assert {"Art. 4", "Art. 5", "Annex III", "MAP 1.1", "GOVERN 1.6"} <= required(minimal)
    assert not {"Art. 26(2)", "MEASURE 2.10", "Art. 50(1)", "MANAGE 4.3"} & required(minimal)

    # Confidential data makes the privacy control required.
    changed = client.patch(
        "/api/v1/use-cases/replies", json={"allowed_data_classes": ["internal", "confidential"]}
    )
    assert changed.status_code == 200, changed.text
    confidential = assess(board, "replies")
    assert "MEASURE 2.10" in required(confidential)
    assert "data classes confidential" in by_control(confidential)["MEASURE 2.10"].why

    # Customers dealing with it directly: transparency; an Annex III area (employment): the Art. 26 duties.
    answer(
        client, "replies", customer_facing=True, annex_iii_areas=["employment"], decisions_about_people=True
    )
    high = assess(board, "replies")
    assert high.facts.tier == "high"
    assert high.facts.deployment == ("customer_facing", "decisions_about_people")
    assert {"Art. 26(2)", "Art. 26(5)", "Art. 26(9)", "Art. 27(1)", "Art. 50(1)", "MANAGE 4.3"} <= required(
        high
    )
    assert "risk tier high" in by_control(high)["Art. 26(2)"].why


def test_evidence_comes_from_the_records(client: TestClient, board: Board) -> None:
    ready_use_case(client, "replies", board.directory, annex_iii_areas=["employment"])
    before = by_control(assess(board, "replies"))
    assert before["Art. 26(2)"].status == "missing"
    assert any("no approved review" in gap for gap in before["Art. 26(2)"].gaps)
    assert before["MAP 1.1"].status == "met"
    assert before["Annex III"].status == "met"

    approve(client, board, "replies")
    after = by_control(assess(board, "replies"))
    oversight = after["Art. 26(2)"]
    assert oversight.status == "met", oversight.gaps
    verdicts = next(item for item in oversight.evidence if item.kind == "review_verdicts")
    assert verdicts.source.startswith("/api/v1/reviews/")
    assert verdicts.dated is not None
    assert any("checked" in line for line in verdicts.details)
    human = next(item for item in oversight.evidence if item.kind == "human_check")
    assert human.version == "use card v1"
    assert "human approves every output" in human.summary
    # Nothing in the records shows the workers were informed: a person records it, with links.
    assert after["Art. 26(7)"].status == "missing"
    as_caller(client, board.reviewers["works_council"])
    mapped = client.post(
        "/api/v1/use-cases/replies/control-mappings",
        json={
            "framework": "eu-ai-act-deployers",
            "control": "Art. 26(7)",
            "status": "implemented",
            "evidence": [
                {"label": "Works council minutes", "url": "https://intranet.example.com/wc/2026-11"}
            ],
        },
    )
    assert mapped.status_code == 200, mapped.text
    informed = by_control(assess(board, "replies"))["Art. 26(7)"]
    assert informed.status == "met"
    assert "Works council minutes: https://intranet.example.com/wc/2026-11" in informed.evidence[0].details
    # The audit log holds the use case's trail and its chain is intact.
    logs = after["Art. 26(6)"]
    assert logs.status == "met", logs.gaps


def test_coverage_counts_a_per_use_case_duty_only_when_every_use_case_meets_it(
    client: TestClient, board: Board
) -> None:
    ready_use_case(client, "replies", board.directory)
    ready_use_case(client, "summaries", board.directory)
    reviewer = board.reviewers["ai_governance"]
    as_caller(client, reviewer)

    def mark(slug: str, control: str) -> None:
        body = {"framework": "nist-ai-rmf-1.0", "control": control, "status": "implemented"}
        response = client.post(f"/api/v1/use-cases/{slug}/control-mappings", json=body)
        assert response.status_code == 200, response.text

    def coverage() -> dict[str, dict]:
        found = client.get("/api/v1/frameworks/nist-ai-rmf-1.0/coverage").json()
        return {control["id"]: control for control in found["controls"]} | {"": found}

    mark("replies", "MAP 1.1")
    one = coverage()
    assert one["MAP 1.1"]["required_of"] == ["replies", "summaries"]
    assert one["MAP 1.1"]["is_implemented"] is False
    assert one[""]["leaves_implemented"] == 0
    page = client.get("/governance/frameworks/nist-ai-rmf-1.0")
    assert "summaries: required, not mapped" in page.text.split('data-control="MAP 1.1"')[1].split("</tr>")[0]

    mark("summaries", "MAP 1.1")
    assert coverage()["MAP 1.1"]["is_implemented"] is True

    # An organization-wide duty (the inventory) is met once for the workspace.
    mark("replies", "GOVERN 1.6")
    both = coverage()
    assert (both["GOVERN 1.6"]["scope"], both["GOVERN 1.6"]["is_implemented"]) == ("organization", True)
    assert both[""]["leaves_implemented"] == 2


def test_a_reviewed_use_case_exports_its_pack_in_three_formats(client: TestClient, board: Board) -> None:
    import pypdfium2

    from uptake.governance import compliance_pack
    from uptake.web.markdown import render_markdown

    ready_use_case(client, "replies", board.directory, annex_iii_areas=["employment"])
    approve(client, board, "replies")
    title = client.get("/api/v1/use-cases/replies").json()["title"]

    markdown = client.get("/api/v1/use-cases/replies/compliance-pack?format=markdown")
    assert markdown.status_code == 200, markdown.text
    assert markdown.headers["content-type"].startswith("text/markdown")
    assert 'filename="replies-compliance.md"' in markdown.headers["content-disposition"]
    text = markdown.text
    assert f"# Compliance pack: {title}" in text
    assert "| Art. 26(7) Informing workers and their representatives | use case | **missing** |" in text
    assert "ai_governance checked" in text  # the review trail, with the reviewers' comments
    html = str(render_markdown(text))
    assert "<h2>Required controls</h2>" in html
    assert html.count("<table>") >= 5

    oscal = client.get("/api/v1/use-cases/replies/compliance-pack?format=oscal")
    assert oscal.status_code == 200, oscal.text
    document = oscal.json()
    compliance_pack.validate_oscal(document)
    [result] = document["assessment-results"]["results"]
    findings = {
        finding["target"]["target-id"]: finding["target"]["status"]["state"] for finding in result["findings"]
    }
    assert findings["art-26-7"] == "not-satisfied"
    assert findings["art-26-2"] == "satisfied"
    assert {"name": "risk-tier", "ns": compliance_pack.UPTAKE_NS, "value": "high"} in result["props"]
    broken = {**document["assessment-results"], "results": [{**result, "start": "yesterday"}]}
    with pytest.raises(compliance_pack.OscalInvalid):
        compliance_pack.validate_oscal({"assessment-results": broken})

    pdf = client.get("/api/v1/use-cases/replies/compliance-pack?format=pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    first = pypdfium2.PdfDocument(pdf.content)[0]
    words = " ".join(first.get_textpage().get_text_range().split())
    assert f"Compliance pack: {title}" in words
    assert "Required controls" in words
    image = first.render(scale=1).to_pil().convert("RGB")
    inked = sum(1 for red, green, blue in image.getdata() if red + green + blue < 600)
    assert inked > image.width * image.height * 0.01
    assert compliance_pack.extract_from_pack(pdf.content)["entries"]

    # New facts, new gaps: confidential data needs a DPIA under Art. 26(9) for a high-risk use case.
    client.patch("/api/v1/use-cases/replies", json={"allowed_data_classes": ["confidential"]})
    again = client.get("/api/v1/use-cases/replies/compliance-pack?format=markdown").text
    assert "| Art. 26(9) Data protection impact assessment | use case | **missing** |" in again
    assert "Art. 26(9)" not in text

    unknown = client.get("/api/v1/use-cases/replies/compliance-pack?format=docx")
    assert unknown.status_code == 422
    as_caller(client, board.world.caller(board.workspace, Role.employee))
    assert client.get("/api/v1/use-cases/replies/compliance-pack").status_code == 403
    as_caller(client, board.reviewers["legal"])
    assert client.get("/api/v1/use-cases/replies/compliance").json()["missing"] >= 1


def test_the_pages_show_required_met_missing_and_link_the_pack(client: TestClient, board: Board) -> None:
    ready_use_case(client, "replies", board.directory, annex_iii_areas=["employment"])
    approve(client, board, "replies")
    page = client.get("/governance/use-cases/replies/controls")
    assert page.status_code == 200
    row = page.text.split('data-required="eu-ai-act-deployers:Art. 26(7)"')[1].split("</tr>")[0]
    assert "missing" in row
    assert "risk tier high" in row
    oversight = page.text.split('data-required="eu-ai-act-deployers:Art. 26(2)"')[1].split("</tr>")[0]
    assert ">met<" in oversight
    assert "compliance-pack?format=oscal" in page.text
    use_case = client.get("/use-cases/replies")
    assert 'href="/api/v1/use-cases/replies/compliance-pack?format=pdf" data-compliance-pack' in use_case.text
