"""Every persona of the demo walks every page of its navigation, and the pages those link to, in a real browser:
no 4xx or 5xx, no unrendered template text, no raw exception, no script error."""

from __future__ import annotations

import re
from datetime import date
from urllib.parse import urlsplit

import pytest

from conftest import log_in
from uptake.analytics import service as analytics_service
from uptake.db import session_scope
from uptake.demo.organization import DEMO_PASSWORD, PERSONAS, create_demo_organization, record_demo_usage

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
]

UNRENDERED = re.compile(r"\{\{|\{%|%\}|Traceback \(most recent call last\)|jinja2\.exceptions")
# Links the crawl does not follow: leaving the session, downloads, machine endpoints.
SKIPPED = re.compile(r"^/(logout|api/|scim/|ofrep/|v1/|widget/|static/)|\.(pdf|csv|json)(\?|$)|/export")
MAX_LINKED_PAGES = 80


@pytest.fixture
def demo_server(live_server):
    today = date.today()
    with session_scope(live_server.world.factory) as session:
        summary = create_demo_organization(session, people=150, today=today)
    analytics = analytics_service.app_analytics(live_server.app.state)
    with session_scope(live_server.world.factory, summary.workspace_id) as session:
        record_demo_usage(
            session,
            summary,
            today=today,
            append_events=lambda batch: live_server.app.state.event_store.append(summary.workspace_id, batch),
            push_snapshot=lambda name, rows: analytics.write_snapshot(
                name, rows, workspace_id=summary.workspace_id
            ),
            analytics=analytics,
            survey_token_key=live_server.app.state.settings.effective_secret_key.encode(),
        )
    return live_server


def _problems_of(page, response, path: str) -> list[str]:
    problems = []
    if response is None or response.status >= 400:
        problems.append(f"{path}: HTTP {response.status if response else 'no response'}")
    elif UNRENDERED.search(page.content()):
        problems.append(f"{path}: unrendered template text or a raw exception")
    return problems


def _local_links(page, base_url: str) -> set[str]:
    found = set()
    for href in page.eval_on_selector_all("main a[href]", "links => links.map(link => link.href)"):
        parts = urlsplit(href)
        if href.startswith(base_url) and not SKIPPED.search(parts.path):
            found.add(parts.path + (f"?{parts.query}" if parts.query else ""))
    return found


def test_every_persona_reaches_every_page_of_its_navigation_without_an_error(demo_server, chromium) -> None:
    problems: list[str] = []
    script_errors: list[str] = []
    linked: dict[str, str] = {}  # path → the persona who saw the link first
    contexts = {
        persona.key: chromium.new_context(viewport={"width": 1280, "height": 900}) for persona in PERSONAS
    }
    for persona in PERSONAS:
        contexts[persona.key].set_default_timeout(30_000)
        page = contexts[persona.key].new_page()
        page.on("pageerror", lambda error, who=persona.key: script_errors.append(f"{who}: {error}"))
        log_in(page, demo_server.base_url, persona.email, DEMO_PASSWORD)
        navigation = page.eval_on_selector_all(
            "nav[aria-label=Main] a", "links => links.map(l => l.pathname)"
        )
        assert navigation, f"{persona.key} has no navigation"
        for path in navigation:
            response = page.goto(demo_server.url(path))
            problems += [f"{persona.key} {problem}" for problem in _problems_of(page, response, path)]
            for link in sorted(_local_links(page, demo_server.base_url)):
                linked.setdefault(link, persona.key)
    for path, who in sorted(linked.items())[:MAX_LINKED_PAGES]:
        page = contexts[who].pages[0]
        response = page.goto(demo_server.url(path))
        problems += [f"{who} {problem}" for problem in _problems_of(page, response, path)]
    for context in contexts.values():
        context.close()
    assert problems == []
    assert script_errors == []
