"""Discovery's door: the import pseudonymizes people as telemetry does and links them by email, the same file
twice and a dry run store nothing, and a workspace's own domains extend the shipped map."""

from __future__ import annotations

import io

from sqlalchemy import select

from discovery.discovery_builders import generic_csv, hand_worked_log, make_organization
from uptake.db import session_scope
from uptake.discovery import figures, schemas, service
from uptake.discovery.models import Sighting
from uptake.telemetry import service as telemetry_service


def test_people_are_pseudonymized_as_telemetry_does_and_linked_by_email(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        sightings = list(session.scalars(select(Sighting).where(Sighting.tool_slug == "chatgpt")))
        pseudonyms = telemetry_service.person_pseudonyms(session, workspace_id, ["sales-1"])
        contractor = telemetry_service.person_pseudonyms(session, workspace_id, ["contractor@partner.test"])
    by_key = {sighting.person_key: sighting for sighting in sightings}
    # SALES1@Example.com is the directory's sales-1: the same pseudonym as their events.
    assert by_key[pseudonyms[0]].person_id == organization.people["sales1@example.com"]
    assert by_key[contractor[0]].person_id is None
    assert all(len(sighting.person_key) == 32 and "@" not in sighting.person_key for sighting in sightings)


def test_the_same_file_twice_and_a_dry_run_store_nothing(world, organization):
    workspace_id = organization.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        again = service.import_log(
            session, workspace_id, io.StringIO(hand_worked_log()), dry_run=False, actor="system"
        )
        dry = service.import_log(
            session,
            workspace_id,
            io.StringIO(generic_csv([("2026-12-09 10:00:00", "ada@example.com", "perplexity.ai", 1, 1)])),
            dry_run=True,
            actor="system",
        )
        stored = len(list(session.scalars(select(Sighting))))
    assert again.already_imported_at is not None
    assert again.sightings == 0
    assert (dry.dry_run, dry.sightings, dry.tools) == (True, 1, ["perplexity"])
    assert stored == 14 + 4 + 5


def test_a_workspace_domain_extends_the_shipped_map(world):
    org = make_organization(world, {"Finance": 5})
    workspace_id = org.workspace_id
    with session_scope(world.factory, workspace_id) as session:
        service.add_service_domain(
            session,
            workspace_id,
            schemas.ServiceDomainCreate(
                domain="https://Assistant.Acme.ai/", tool_slug="acme-assistant", tool_name="Acme Assistant"
            ),
            actor="person:1",
        )
        report = service.import_log(
            session,
            workspace_id,
            io.StringIO(
                generic_csv(
                    [
                        ("2026-12-01 10:00:00", f"finance{n}@example.com", "eu.assistant.acme.ai", 1, 1)
                        for n in range(1, 6)
                    ]
                )
            ),
            dry_run=False,
            actor="system",
        )
        tool = figures.discovered_tool(session, workspace_id, "acme-assistant")
        domains = service.list_service_domains(session, workspace_id)
    assert report.tools == ["acme-assistant"]
    assert (tool.name, tool.people) == ("Acme Assistant", 5)
    assert domains[0].domain == "assistant.acme.ai"
    assert domains[0].source == "workspace"
    assert any(domain.source == "shipped" and domain.domain == "claude.ai" for domain in domains)
