"""``uptake compliance export`` writes a reviewed use case's pack in each format; ``uptake audit verify --export``
checks the pack's audit extract against the database, and fails once an entry in it was tampered with."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from catalog.catalog_builders import board_member, create_tool, make_directory, ready_use_case, verdict
from support import as_caller, raw_engine
from uptake.access.roles import Role
from uptake.governance import compliance_pack

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def reviewed(world, client) -> str:
    """A high-risk use case that went through review, approved by every required area."""
    workspace = world.workspace(slug="acme")
    reviewers = {
        area: board_member(world, workspace, area)
        for area in ("ai_governance", "security", "data_protection", "legal", "works_council")
    }
    lead = world.caller(workspace, Role.program_lead)
    as_caller(client, lead)
    create_tool(client)
    ready_use_case(client, "replies", make_directory(world, workspace), annex_iii_areas=["employment"])
    review = client.post("/api/v1/use-cases/replies/submission").json()
    for area in review["required_areas"]:
        assert verdict(client, reviewers[area], review["id"]).status_code == 201
    return "replies"


def test_export_in_every_format_and_verify_the_audit_extract(run, tmp_path, database_url, reviewed) -> None:
    files = {}
    for fmt, suffix in (("markdown", "md"), ("oscal", "json"), ("pdf", "pdf")):
        target = tmp_path / f"pack.{suffix}"
        written = run("compliance", "export", reviewed, "--format", fmt, "--out", str(target))
        assert written.exit_code == 0, written.output
        assert "controls required" in written.output
        files[fmt] = target
    compliance_pack.validate_oscal(json.loads(files["oscal"].read_text("utf-8")))
    assert "# Compliance pack:" in files["markdown"].read_text("utf-8")
    for target in files.values():
        intact = run("audit", "verify", "--export", str(target))
        assert intact.exit_code == 0, intact.output
        assert "match their seals, the database and the checkpoint" in intact.output

    extract = compliance_pack.extract_from_pack(files["markdown"].read_bytes())
    seq = extract["entries"][0]["seq"]
    engine = raw_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("DROP TRIGGER audit_entry_no_update"))
        connection.execute(text("UPDATE audit_entry SET actor = 'person:999' WHERE seq = :seq"), {"seq": seq})
    engine.dispose()
    for target in files.values():
        broken = run("audit", "verify", "--export", str(target))
        assert broken.exit_code == 1, broken.output
        assert f"entry #{seq}: the database's entry differs from the pack's" in broken.output
        assert f"the database's chain breaks at entry #{seq}" in broken.output


def test_an_edited_pack_fails_and_every_use_case_can_be_exported(run, tmp_path, reviewed) -> None:
    pack = tmp_path / "pack.md"
    assert run("compliance", "export", reviewed, "--out", str(pack)).exit_code == 0
    content = pack.read_text("utf-8")
    marker = '"action": "catalog.use_case.created"'
    assert marker in content
    pack.write_text(content.replace(marker, '"action": "catalog.use_case.deleted"', 1), "utf-8")
    edited = run("audit", "verify", "--export", str(pack))
    assert edited.exit_code == 1
    assert "does not match its seal: the pack was edited" in edited.output

    folder = tmp_path / "packs"
    every = run("compliance", "export", "--all", "--format", "oscal", "--out", str(folder))
    assert every.exit_code == 0, every.output
    assert [path.name for path in folder.iterdir()] == ["replies-compliance.json"]
    both = run("compliance", "export", reviewed, "--all")
    assert both.exit_code != 0
    assert "not both" in both.output
    not_a_pack = tmp_path / "notes.txt"
    not_a_pack.write_text("hello", "utf-8")
    assert run("audit", "verify", "--export", str(not_a_pack)).exit_code != 0
