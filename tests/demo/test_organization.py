"""The demo organization: deterministic, and its AI programme reached every state through the real rules."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.db import session_scope
from uptake.demo import catalog as demo_catalog
from uptake.demo.organization import create_demo_organization
from uptake.governance import service as governance_service

TODAY = date(2026, 11, 30)


@pytest.fixture
def demo(session_factory):
    with session_scope(session_factory) as session:
        summary = create_demo_organization(session, people=200, today=TODAY)
    return summary


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_use_case_reaches_its_state_and_every_lifecycle_state_is_shown(demo, session_factory) -> None:
    with session_scope(session_factory, demo.workspace_id) as session:
        use_cases, _ = catalog_service.list_use_cases(session, demo.workspace_id)
        states = {use_case.slug: use_case.status.value for use_case in use_cases}
    assert states == {case.slug: case.status for case in demo_catalog.USE_CASES}
    assert set(Counter(states.values())) == {status.value for status in catalog_service.UseCaseStatus}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_approved_use_cases_carry_the_approvals_their_tier_requires(demo, session_factory) -> None:
    live = {"approved", "piloting", "rolling_out", "generally_available", "paused", "retired"}
    with session_scope(session_factory, demo.workspace_id) as session:
        for case in demo_catalog.USE_CASES:
            if case.status not in live:
                continue
            decisions = governance_service.list_decisions(session, demo.workspace_id, case.slug)
            assert decisions, case.slug
            use_case = catalog_service.get_use_case_by_slug(session, demo.workspace_id, case.slug)
            required = set(governance_service.required_areas_for(session, demo.workspace_id, use_case.id))
            assert required, case.slug
        assert audit_service.verify_audit_chain(session, demo.workspace_id).is_intact


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_organization_has_the_people_asked_for_each_with_one_email(session_factory, demo) -> None:
    from uptake.directory.models import Person

    with session_scope(session_factory, demo.workspace_id) as session:
        first = session.scalars(select(Person.email).order_by(Person.id)).all()
    assert demo.people == len(first)
    assert len(first) >= 200
    assert len(set(first)) == len(first)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_each_persona_finds_their_own_things_on_the_home_page(demo, session_factory) -> None:
    from uptake.auth.principal import Principal
    from uptake.auth.roles import Role
    from uptake.directory.models import Person
    from uptake.workspaces.home import personal_home

    def principal(session, persona_key: str, role: Role) -> Principal:
        email = next(persona.email for persona in demo.personas if persona.key == persona_key)
        person_id = session.scalars(select(Person.id).where(Person.email == email)).one()
        return Principal(workspace_id=demo.workspace_id, roles=frozenset({role}), person_id=person_id)

    with session_scope(session_factory, demo.workspace_id) as session:
        employee = principal(session, "employee", Role.employee)
        lead = principal(session, "program_lead", Role.program_lead)
        employee_home = personal_home(session, employee, analytics=None)
        lead_home = personal_home(session, lead, analytics=None)
    assert "support-reply-drafts" in {use_case.slug for use_case in employee_home.use_cases}
    assert "campaign-copy" not in {use_case.slug for use_case in employee_home.use_cases}  # a draft
    assert employee_home.review_queue == 0
    assert lead_home.review_queue == 2  # the two use cases left in review
