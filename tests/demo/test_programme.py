"""The whole demo at a small size: every domain is populated through its service, the stories are there, and the
same seed gives the same programme."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from support import clock_at
from uptake.analytics.service import Analytics, connect_events_engine
from uptake.catalog import service as catalog_service
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import office_hours as office_hours_service
from uptake.comms.service import questions as questions_service
from uptake.db import make_engine, make_session_factory, session_scope
from uptake.demo import training, usage
from uptake.demo.organization import create_demo_organization, demo_people, record_demo_usage
from uptake.directory.service import people as people_service
from uptake.enablement.service import champions as champions_service
from uptake.enablement.service import completions as completions_service
from uptake.enablement.service import learning_paths as learning_paths_service
from uptake.enablement.service import modules as modules_service
from uptake.licences import seats as licences_seats
from uptake.rollout import service as rollout_service
from uptake.settings import Settings
from uptake.surveys import service as surveys_service
from uptake.telemetry.event_store import EventStore
from uptake.trust import incidents as trust_incidents

TODAY = date(2026, 11, 30)


@dataclass
class Built:
    summary: Any
    snapshots: dict[str, list[dict[str, object]]]
    session_factory: Any


# One whole demo build, shared by the tests of this file: one worker builds it once (with two, each would).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("demo-programme")]


@pytest.fixture(autouse=True)
def on_the_demo_day() -> Iterator[None]:
    """The demo is built for ``TODAY``; its office hours, surveys and waves are read as of that day."""
    with clock_at(TODAY):
        yield


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Built]:
    """The demo at 150 people, built once for this file in its own SQLite database and events store."""
    folder = tmp_path_factory.mktemp("demo")
    shutil.copy(sqlite_template, folder / "uptake.db")
    engine = make_engine(f"sqlite:///{folder / 'uptake.db'}")
    settings = Settings(data_dir=folder, secret_key="demo-test-secret-key-" + "x" * 32)  # type: ignore[arg-type]
    session_factory = make_session_factory(engine, settings)
    events_url = f"duckdb:///{folder / 'events.duckdb'}"
    with clock_at(TODAY), session_scope(session_factory) as session:
        summary = create_demo_organization(session, people=150, today=TODAY)
    store = EventStore(events_url)
    analytics = Analytics(connect_events_engine(events_url))
    snapshots: dict[str, list[dict[str, object]]] = {}
    try:
        with clock_at(TODAY), session_scope(session_factory, summary.workspace_id) as session:
            record_demo_usage(
                session,
                summary,
                today=TODAY,
                append_events=lambda batch: store.append(summary.workspace_id, batch),
                push_snapshot=lambda name, rows: snapshots.__setitem__(name, rows),
                analytics=analytics,
                survey_token_key=b"demo survey key",
            )
    finally:
        analytics.backend.connection.disconnect()
        store.close()
    yield Built(summary, snapshots, session_factory)
    engine.dispose()


def test_training_champions_and_entitlements_agree_with_the_usage_the_same_seed_draws(built: Built) -> None:
    summary = built.summary
    session_factory = built.session_factory
    workspace = summary.workspace_id
    with session_scope(session_factory, workspace) as session:
        modules = {module.slug for module in modules_service.list_modules(session, workspace)}
        assert modules == {
            "ai-literacy",
            "prompting-basics",
            "checking-ai-output",
            "data-classes",
            "support-reply-drafts-in-practice",
        }
        paths = {path.slug for path in learning_paths_service.list_learning_paths(session, workspace)}
        assert paths == {path.slug for path in training.LEARNING_PATHS}
        support = catalog_service.get_use_case_by_slug(session, workspace, "support-reply-drafts")
        assert support.required_training == ["support-reply-drafts-in-practice"]
        people = demo_people(session, workspace)
        catalog = summary.catalog
        generated = usage.generate_usage(people, catalog, today=TODAY, timezone="Europe/Berlin")
        expected = dict(generated.completions["support-reply-drafts-in-practice"])
        assert expected
        trained = completions_service.completions_for_use_case(session, workspace, "support-reply-drafts")
        assert {person: moment.date() for person, moment in trained.items()} == expected
        champions = champions_service.list_champions(session, workspace)
        champion_teams = {champion.team_id for champion in champions}
        assert champion_teams == {
            team for team, factors in generated.team_factors.items() if factors.champion
        } & {person.team_id for person in people if person.role not in (None, "Team lead", "Department head")}
        assert len(office_hours_service.list_office_hours(session, workspace)) == 3
    entitlements = [
        {k: v for k, v in row.items() if k != "workspace_id"} for row in built.snapshots["entitlements"]
    ]
    assert entitlements == generated.entitlements


def test_the_incident_the_paused_use_case_the_rollouts_and_the_questions_are_there(built: Built) -> None:
    summary = built.summary
    session_factory = built.session_factory
    workspace = summary.workspace_id
    with session_scope(session_factory, workspace) as session:
        stale = trust_incidents.open_incidents(session, workspace, use_case="knowledge-search")
        assert [(incident.severity, incident.status.value) for incident in stale] == [(1, "triaged")]
        paused = catalog_service.get_use_case_by_slug(session, workspace, "knowledge-search")
        assert paused.status.value == "paused"
        assert trust_incidents.open_incidents(session, workspace, use_case="support-reply-drafts") == []
        card = catalog_service.get_use_card(
            session,
            workspace,
            catalog_service.get_use_case_by_slug(session, workspace, "support-reply-drafts"),
        )
        assert card is not None
        assert "never promises a refund" in (card.when_wrong or "")
        plans = {plan.use_case: plan for plan in rollout_service.list_plans(session, workspace)}
        cases = summary.catalog.use_cases
        rolled = ("piloting", "rolling_out", "generally_available")
        assert set(plans) == {slug for slug, case in cases.items() if case.status in rolled}
        for slug, plan in plans.items():
            states = [wave.state.value for wave in plan.waves]
            done = {"piloting": 0, "rolling_out": 1, "generally_available": 3}[cases[slug].status]
            assert states == (["completed"] * done + ["active"] + ["planned"] * 3)[:3]
        announcements = announcements_service.list_announcements(session, workspace)
        acknowledged = [a for a in announcements if a.requires_acknowledgement]
        assert len(acknowledged) == 1
        report = announcements_service.announcement_report(
            session, workspace, acknowledged[0].id, privacy_floor=1
        )
        assert 0 < report.total.acknowledged <= report.total.read <= report.total.recipients
        asked = questions_service.list_questions(session, workspace, use_case_slug="support-reply-drafts")
        questions = [question for question, _ in asked]
        assert any(question.is_anonymous for question in questions)
        readiness, pulse = sorted(
            surveys_service.list_surveys(session, workspace), key=lambda survey: survey.id
        )
        assert (readiness.status.value, pulse.status.value) == ("closed", "open")
        results = surveys_service.survey_results(session, workspace, readiness.id)
        assert (results.overall.respondents or 0) >= results.privacy_floor
        quiet = [team for team in results.teams if team.team == "Complaints"]
        assert any(team.suppressed for team in results.teams)
        assert all(team.suppressed for team in quiet)
        open_questions = [question for question in questions if question.status.value == "open"]
        assert open_questions
        assert all(
            questions_service.is_flagged(question, flag_days=5, now=question.created_at + timedelta(days=30))
            for question in open_questions
        )


def test_rollout_entitles_whom_the_demo_published_as_entitled_today(built: Built) -> None:
    summary = built.summary
    workspace = summary.workspace_id
    published = {
        (row["person"], row["use_case"]) for row in built.snapshots["entitlements"] if row["end_day"] is None
    }
    with session_scope(built.session_factory, workspace) as session:
        decided = set()
        for person in demo_people(session, workspace):
            email = people_service.get_person(session, workspace, person.person_id).email
            for entitlement in rollout_service.compute_entitlements(session, workspace, email).entitlements:
                if entitlement.entitled:
                    decided.add((person.pseudonym, entitlement.use_case))
    assert published
    mid_flight = {
        slug for slug, case in summary.catalog.use_cases.items() if case.status in ("piloting", "rolling_out")
    }
    assert {pair for pair in decided if pair[1] in mid_flight} == {
        pair for pair in published if pair[1] in mid_flight
    }
    # Generally available: rollout's last rule opens the use case to everyone trained for it, beyond its audience.
    assert published <= decided


def test_the_demos_seats_are_in_the_seat_ledger_and_what_analytics_reads(built: Built) -> None:
    workspace = built.summary.workspace_id
    with session_scope(built.session_factory, workspace) as session:
        people = demo_people(session, workspace)
        generated = usage.generate_usage(people, built.summary.catalog, today=TODAY, timezone="Europe/Berlin")
        listed = licences_seats.list_seats(session, workspace, limit=500)
    assert listed.total == len(generated.seats) > 0
    assert {seat.source.value for seat in listed.items} == {"csv"}
    pushed = sorted((row["tool"], row["person"], row["start_day"]) for row in built.snapshots["seats"])
    assert pushed == sorted((seat["tool"], seat["person"], seat["start_day"]) for seat in generated.seats)
    assert {row["tool"] for row in built.snapshots["contracts"]} == {seat["tool"] for seat in generated.seats}
