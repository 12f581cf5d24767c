"""The seat ledger's pages: the overview with each tool's figures, a tool's page and its forms, the CSV upload,
and "my seats" where a holder keeps their seat."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from licences.licences_builders import make_ledger
from support import as_caller
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.licences import policies, schemas
from uptake.licences import service as licences_service

NAMES = ("ada", "bob", "cy", "dee", "eve", "fay")


def text_of(html: str, marker: str) -> str:
    """The text of the element carrying `marker` (an attribute), tags dropped and spaces squeezed."""
    start = html.index(marker)
    end = html.index("</tr>", start) if "<tr" in html[html.rfind("<", 0, start) : start + 1] else start + 2000
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end])).strip()


def test_the_overview_shows_each_tools_seats_idle_seats_and_their_cost(client: TestClient, world):
    ledger = make_ledger(world, NAMES)
    with session_scope(world.factory, ledger.workspace_id) as session:
        licences_service.sync_seats(
            session,
            ledger.workspace_id,
            tool="copilot",
            source="github",
            as_of=date(2024, 12, 1),
            holders=[schemas.SeatHolder(person_id=person_id) for person_id in ledger.people.values()],
            actor="test",
        )
        licences_service.sync_seats(
            session,
            ledger.workspace_id,
            tool="assistant",
            source="csv",
            as_of=date(2024, 12, 1),
            holders=[schemas.SeatHolder(person_id=ledger.people["ada"])],
            actor="test",
        )
    as_caller(client, world.caller(ledger.workspace_id, Role.program_lead))
    contract = {
        "tool": "copilot",
        "seats_purchased": "10",
        "price_per_seat": "19",
        "price_period": "month",
        "currency": "usd",
        "starts_on": "2024-06-01",
        "renews_on": "2099-06-01",
        "notice_days": "30",
    }
    assert client.post("/licences/contracts", data=contract, follow_redirects=False).status_code == 303
    page = client.get("/licences")
    assert page.status_code == 200
    copilot = text_of(page.text, 'data-tool="copilot"')
    # Six seats, none used: all idle and never activated; 6 × 19 USD idle a month; 10 bought.
    assert "GitHub Copilot 10 6 0 (0 %) 6 / 6 / 6 6 114.00 USD" in copilot
    assert "2099-06-01" in copilot
    assistant = text_of(page.text, 'data-tool="assistant"')
    assert "withheld: fewer than 5 people" in assistant
    assert "Ada" not in page.text


def test_a_tools_page_gives_and_releases_seats_and_keeps_its_policy(client: TestClient, world):
    ledger = make_ledger(world)
    as_caller(client, world.caller(ledger.workspace_id, Role.program_lead))
    given = client.post(
        "/licences/seats",
        data={
            "tool": "copilot",
            "person": "ada@example.com",
            "account": "ada-gh",
            "assigned_on": "2025-01-06",
        },
    )
    assert given.status_code == 200
    assert "Seat given." in given.text
    refused = client.post("/licences/seats", data={"tool": "copilot", "person": "ada@example.com"})
    assert "the holder has seat 1 of copilot since 2025-01-06" in refused.text
    seat_id = int(re.search(r'data-seat="(\d+)"', given.text).group(1))  # type: ignore[union-attr]
    assert "Ada" in text_of(given.text, f'data-seat="{seat_id}"')
    saved = client.post(
        "/licences/tools/copilot/policy",
        data={"idle_days": "45", "grace_days": "10", "is_automatic": "1", "is_enabled": "1"},
    )
    assert "Policy saved." in saved.text
    assert 'value="45"' in saved.text
    bad_policy = client.post("/licences/tools/copilot/policy", data={"idle_days": "2", "grace_days": "10"})
    assert "greater than or equal to 7" in bad_policy.text
    released = client.post(
        f"/licences/seats/{seat_id}/release", data={"tool": "copilot", "released_on": "2025-02-01"}
    )
    assert "Seat released." in released.text
    assert "2025-02-01" in text_of(released.text, f'data-seat="{seat_id}"')


def test_the_upload_page_reports_each_bad_row_and_a_dry_run_stores_nothing(client: TestClient, world):
    ledger = make_ledger(world)
    as_caller(client, world.caller(ledger.workspace_id, Role.program_lead))
    csv = "tool,person,assigned_on\ncopilot,ada@example.com,2025-01-06\ncopilot,zed@example.com,2025-01-06\n"
    files = {"file": ("seats.csv", csv.encode(), "text/csv")}
    dry = client.post("/licences/import", files=files, data={"dry_run": "1"})
    assert dry.status_code == 200
    assert "dry run, nothing stored" in dry.text
    assert "1 would be created" in re.sub(r"\s+", " ", dry.text)
    assert "no person with email or external id &#39;zed@example.com&#39;" in text_of(
        dry.text, 'data-line="3"'
    )
    assert client.get("/api/v1/licences/seats").json()["total"] == 0
    stored = client.post("/licences/import", files=files)
    assert "1 created" in re.sub(r"\s+", " ", stored.text)
    assert client.get("/api/v1/licences/seats").json()["total"] == 1
    unreadable = client.post("/licences/import", files={"file": ("x.csv", b"name\nx\n", "text/csv")})
    assert unreadable.status_code == 422
    assert "no column for it" in unreadable.text


def test_a_holder_keeps_their_seat_from_my_seats_and_anyone_asks_for_one(client: TestClient, world, app):
    ledger = make_ledger(world)
    holder = world.caller(ledger.workspace_id, Role.employee)
    with session_scope(world.factory, ledger.workspace_id) as session:
        licences_service.sync_seats(
            session,
            ledger.workspace_id,
            tool="copilot",
            source="github",
            as_of=date(2024, 1, 1),
            holders=[schemas.SeatHolder(person_id=holder.person_id, account="holder-gh")],
            actor="test",
        )
        policies.set_policy(
            session,
            ledger.workspace_id,
            "copilot",
            schemas.SeatPolicyUpdate(idle_days=30, is_automatic=True),
            actor="test",
        )
    as_caller(client, world.caller(ledger.workspace_id, Role.program_lead))
    assert "1 proposed, 1 notified" in client.post("/licences/queue-runs").text
    as_caller(client, holder)
    page = client.get("/licences/my-seats")
    notice = re.search(r'data-notice="(\d+)"', page.text)
    assert notice is not None
    assert "Your copilot seat: keep it?" in page.text
    kept = client.post(f"/licences/reassignments/{notice.group(1)}/keep")
    assert "You keep your seat." in kept.text
    assert "data-notice" not in kept.text
    asked = client.post("/licences/seat-requests", data={"tool": "assistant", "reason": "drafting"})
    assert "You are on the waiting list." in asked.text
    assert "assistant: waiting — number 1 in line" in text_of(asked.text, "data-my-requests")
