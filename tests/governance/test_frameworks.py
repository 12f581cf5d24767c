"""Control frameworks: NIST AI RMF 1.0 loads from its shipped data file with its four functions and every one of
its 72 subcategories, the coverage view shows them, use cases map to them with evidence, and the format
documented in docs/frameworks.md is the one uptake reads."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from catalog.catalog_builders import create_tool, create_use_case, make_directory
from support import as_caller
from uptake.access.roles import Role
from uptake.governance.frameworks import (
    FrameworkDocument,
    parse_framework,
    shipped_frameworks,
    validate_framework,
    walk_controls,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "frameworks.md"

# The AI RMF Core as NIST AI 100-1 (January 2023), Tables 1-4, lists it: each function's categories and how many
# subcategories each category has.
NIST_CATEGORIES = {
    "GOVERN": [7, 3, 2, 3, 2, 2],
    "MAP": [6, 3, 5, 2, 2],
    "MEASURE": [3, 13, 3, 3],
    "MANAGE": [4, 4, 2, 3],
}
NIST_SUBCATEGORIES = [
    f"{function} {category}.{number}"
    for function, counts in NIST_CATEGORIES.items()
    for category, count in enumerate(counts, start=1)
    for number in range(1, count + 1)
]


def nist() -> FrameworkDocument:
    return next(framework for framework in shipped_frameworks() if framework.slug == "nist-ai-rmf-1.0")


def test_the_official_list_has_72_subcategories() -> None:
    assert len(NIST_SUBCATEGORIES) == 72
    assert NIST_SUBCATEGORIES[:2] == ["GOVERN 1.1", "GOVERN 1.2"]
    assert NIST_SUBCATEGORIES[-1] == "MANAGE 4.3"
    assert "MEASURE 2.13" in NIST_SUBCATEGORIES
    assert "GOVERN 6.2" in NIST_SUBCATEGORIES


def test_nist_ai_rmf_loads_from_its_data_file_with_four_functions_and_every_subcategory() -> None:
    text = (
        resources.files("uptake.governance")
        .joinpath("data/frameworks/nist-ai-rmf-1.0.json")
        .read_text("utf-8")
    )
    from_file = validate_framework(json.loads(text))
    assert from_file == nist()
    assert from_file.levels == ("function", "category", "subcategory")
    assert [(f.id, f.title) for f in from_file.controls] == [
        ("GOVERN", "Govern"),
        ("MAP", "Map"),
        ("MEASURE", "Measure"),
        ("MANAGE", "Manage"),
    ]
    categories = [control for function in from_file.controls for control in function.controls]
    assert [c.id for c in categories] == [
        f"{function} {number}"
        for function, counts in NIST_CATEGORIES.items()
        for number in range(1, len(counts) + 1)
    ]
    leaves = from_file.leaves()
    assert [leaf.id for leaf in leaves] == NIST_SUBCATEGORIES
    assert all(depth == 3 for control, depth in walk_controls(from_file.controls) if control.is_leaf)
    for leaf in leaves:
        assert len(leaf.text.split()) >= 6, leaf.id  # NIST's statement (the shortest, MAP 1.5, has 7 words)
    assert nist().find("GOVERN 1.1").text.startswith("Legal and regulatory requirements involving AI")
    assert nist().find("MANAGE 4.3").text.startswith("Incidents and errors are communicated")


class Rows(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[str] = []
        self.figures: dict[str, str] = {}
        self._figure: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and found.get("data-control"):
            self.controls.append(found["data-control"] or "")
        self._figure = found.get("data-figure")

    def handle_data(self, data: str) -> None:
        if self._figure and data.strip():
            self.figures[self._figure] = data.strip()
            self._figure = None


@pytest.fixture
def lead(world, client: TestClient):
    workspace = world.workspace()
    caller = world.caller(workspace, Role.program_lead)
    as_caller(client, caller)
    create_tool(client)
    create_use_case(client, "replies", make_directory(world, workspace))
    return workspace, caller


def test_the_coverage_view_shows_every_function_category_and_subcategory(
    client: TestClient, lead, world
) -> None:
    workspace, _ = lead
    as_caller(client, world.caller(workspace, Role.reviewer))
    listed = {f["slug"]: f for f in client.get("/api/v1/frameworks").json()}
    assert (listed["nist-ai-rmf-1.0"]["leaves"], listed["nist-ai-rmf-1.0"]["controls"]) == (72, 95)
    assert listed["eu-ai-act-deployers"]["is_shipped"] is True

    mapped = client.post(
        "/api/v1/use-cases/replies/control-mappings",
        json={
            "framework": "nist-ai-rmf-1.0",
            "control": "MAP 3.5",
            "status": "implemented",
            "evidence": [{"label": "Oversight procedure", "url": "https://wiki.example/oversight"}],
        },
    )
    assert mapped.status_code == 200, mapped.text
    category = client.post(
        "/api/v1/use-cases/replies/control-mappings",
        json={"framework": "nist-ai-rmf-1.0", "control": "MAP 3"},
    )
    assert category.status_code == 422
    assert "MAP 3.1" in category.json()["errors"][0]["reason"]

    coverage = client.get("/api/v1/frameworks/nist-ai-rmf-1.0/coverage").json()
    assert (coverage["leaves"], coverage["leaves_mapped"], coverage["leaves_implemented"]) == (72, 1, 1)
    assert [c["id"] for c in coverage["controls"] if c["is_leaf"]] == NIST_SUBCATEGORIES

    page = client.get("/governance/frameworks/nist-ai-rmf-1.0")
    assert page.status_code == 200
    rows = Rows()
    rows.feed(page.text)
    assert [c for c in rows.controls if c in NIST_SUBCATEGORIES] == NIST_SUBCATEGORIES
    assert {"GOVERN", "MAP", "MEASURE", "MANAGE", "GOVERN 6", "MEASURE 4"} <= set(rows.controls)
    assert len(rows.controls) == 4 + 19 + 72
    assert (rows.figures["leaves"], rows.figures["mapped"], rows.figures["implemented"]) == ("72", "1", "1")
    map_row = page.text.split('data-control="MAP 3.5"')[1].split("</tr>")[0]
    assert "replies: implemented" in map_row


def documented_examples() -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", DOCS.read_text("utf-8"), flags=re.S)


def test_the_documented_examples_are_valid_frameworks() -> None:
    examples = documented_examples()
    assert len(examples) == 2
    policy, iso = (parse_framework(example) for example in examples)
    assert policy.slug == "acme-ai-policy"
    assert [leaf.id for leaf in policy.leaves()] == ["AP-1.1", "AP-1.2", "AP-2.1"]
    assert iso.slug == "iso-iec-42001-2023"


def test_an_organization_adds_its_own_framework_from_the_page(client: TestClient, lead) -> None:
    policy = documented_examples()[0]
    response = client.post("/governance/frameworks", data={"source": policy}, follow_redirects=False)
    assert response.status_code == 303
    assert {f["slug"] for f in client.get("/api/v1/frameworks").json()} >= {
        "acme-ai-policy",
        "nist-ai-rmf-1.0",
    }
    page = client.get("/governance/frameworks/acme-ai-policy")
    assert page.status_code == 200
    assert 'data-control="AP-2.1"' in page.text
    again = client.post("/governance/frameworks", data={"source": policy}, follow_redirects=True)
    assert "taken" in again.text
    broken = client.post(
        "/api/v1/frameworks",
        json={"slug": "x", "name": "X", "controls": [{"id": "A"}, {"id": "A"}], "extra": 1},
    )
    assert broken.status_code == 422
    shipped = client.post(
        "/api/v1/frameworks", json={"slug": "nist-ai-rmf-1.0", "name": "Mine", "controls": [{"id": "A"}]}
    )
    assert shipped.status_code == 409
