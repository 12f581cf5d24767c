"""The demo organization: deterministic, and its AI programme reached every state through the real rules."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from support import clock_at
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.db import make_engine, make_session_factory, session_scope
from uptake.demo import catalog as demo_catalog
from uptake.demo.organization import create_demo_organization
from uptake.governance import service as governance_service
from uptake.settings import Settings

TODAY = date(2026, 11, 30)


# One worker builds the demo once for the whole file (with two, each would build it).
pytestmark = pytest.mark.xdist_group("demo-organization")


@pytest.fixture(autouse=True)
def on_the_demo_day() -> Iterator[None]:
    """The demo is built for ``TODAY``; what it schedules is read as of that day."""
    with clock_at(TODAY):
        yield


@dataclass
class Demo:
    summary: Any
    session_factory: sessionmaker[Session]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Demo]:
    """The demo at 200 people, built once for this file in its own SQLite database; the tests only read it."""
    folder = tmp_path_factory.mktemp("demo-organization")
    shutil.copy(sqlite_template, folder / "uptake.db")
    engine = make_engine(f"sqlite:///{folder / 'uptake.db'}")
    settings = Settings(data_dir=folder, secret_key="demo-test-secret-key-" + "x" * 32)  # type: ignore[arg-type]
    session_factory = make_session_factory(engine, settings)
    with clock_at(TODAY), session_scope(session_factory) as session:
        summary = create_demo_organization(session, people=200, today=TODAY)
    yield Demo(summary, session_factory)
    engine.dispose()


@pytest.fixture
def demo(built: Demo) -> Any:
    return built.summary


@pytest.fixture
def session_factory(built: Demo) -> sessionmaker[Session]:
    return built.session_factory


def test_every_use_case_reaches_its_state_and_every_lifecycle_state_is_shown(demo, session_factory) -> None:
    with session_scope(session_factory, demo.workspace_id) as session:
        use_cases, _ = catalog_service.list_use_cases(session, demo.workspace_id)
        states = {use_case.slug: use_case.status.value for use_case in use_cases}
    assert states == {case.slug: case.status for case in demo_catalog.USE_CASES}
    assert set(Counter(states.values())) == {status.value for status in catalog_service.UseCaseStatus}


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


def test_the_organization_has_the_people_asked_for_each_with_one_email(session_factory, demo) -> None:
    from uptake.directory.models import Person

    with session_scope(session_factory, demo.workspace_id) as session:
        first = session.scalars(select(Person.email).order_by(Person.id)).all()
    assert demo.people == len(first)
    assert len(first) >= 200
    assert len(set(first)) == len(first)


def test_each_persona_finds_their_own_things_on_the_home_page(demo, session_factory) -> None:
    from uptake.access.principal import Principal
    from uptake.access.roles import Role
    from uptake.app.home import personal_home
    from uptake.directory.models import Person

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


def test_a_reviewed_demo_use_case_exports_its_compliance_pack_in_three_formats(demo, session_factory) -> None:
    """damage-photo-triage (high risk, piloting) went through review: its pack renders in each format, the OSCAL
    validates, the PDF's first page names it, and its audit extract verifies against the database."""
    import pypdfium2

    from uptake.governance import compliance_pack

    with session_scope(session_factory, demo.workspace_id) as session:
        pack = compliance_pack.build_pack(session, demo.workspace_id, "damage-photo-triage")
        markdown = compliance_pack.render(pack, "markdown").decode("utf-8")
        oscal = compliance_pack.render(pack, "oscal")
        pdf = compliance_pack.render(pack, "pdf")
        report = audit_service.verify_audit_extract(
            session, demo.workspace_id, compliance_pack.extract_from_pack(pdf)
        )
    assert pack.assessment.facts.tier == "high"
    assert "confidential" in pack.assessment.facts.data_classes
    assert "| Art. 26(9) Data protection impact assessment | use case | **missing** |" in markdown
    assert pack.reviews
    assert all(review["verdicts"] for review in pack.reviews if review["status"] == "approved")
    compliance_pack.validate_oscal(json.loads(oscal))
    words = " ".join(pypdfium2.PdfDocument(pdf)[0].get_textpage().get_text_range().split())
    assert f"Compliance pack: {pack.use_case.title}" in words
    assert report.is_intact, report.problems
