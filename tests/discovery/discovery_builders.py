"""A small organization seen in discovery logs: people in teams, and log files in both formats."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service

GENERIC_HEADER = ["time", "user", "domain", "requests", "bytes"]


@dataclass
class Organization:
    workspace_id: int
    people: dict[str, int]
    """Person id by email."""


def make_organization(world, teams: dict[str, int], *, slug: str | None = None) -> Organization:
    """People `<team><n>@example.com` (external id `<team>-<n>`) in each team, `count` people each."""
    workspace_id = world.workspace(slug=slug)
    people: dict[str, int] = {}
    with session_scope(world.factory, workspace_id) as session:
        for team, count in teams.items():
            team_id = teams_service.create_team(session, workspace_id, name=team).id
            for number in range(1, count + 1):
                email = f"{team.lower()}{number}@example.com"
                people[email] = people_service.create_person(
                    session,
                    workspace_id,
                    email=email,
                    display_name=f"{team} {number}",
                    external_id=f"{team.lower()}-{number}",
                    team_id=team_id,
                ).id
    return Organization(workspace_id, people)


def generic_csv(rows: list[tuple[str, str, str, int, int]], header: list[str] = GENERIC_HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def umbrella_row(
    time: datetime, identity: str, url: str, request_size: int = 500, response_size: int = 1500
) -> list[str]:
    """One Cisco Umbrella web log row in the documented field order (docs.umbrella.com, "Web Log Formats")."""
    fields = [""] * 36
    fields[0] = time.strftime("%Y-%m-%d %H:%M:%S")
    fields[1] = identity
    fields[2], fields[3], fields[4] = "10.0.0.12", "203.0.113.7", "104.18.32.47"
    fields[5], fields[6], fields[7] = "text/html", "ALLOWED", url
    fields[9], fields[10] = "Mozilla/5.0 (X11; Linux x86_64)", "200"
    fields[11], fields[12], fields[13] = str(request_size), str(response_size), str(response_size)
    fields[15], fields[21] = "Generative AI", "AD Users"
    fields[23], fields[24], fields[25] = f"{identity},HQ", "AD Users,Sites", "POST"
    return fields


def umbrella_log(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    return out.getvalue()


def hand_worked_log() -> str:
    """k = 5. ChatGPT: Finance's 6 and Sales' 5 in the week of 30 November, Legal's 2 and one contractor the
    directory does not know in the week of 7 December (14 people, 2 requests and 1,000 bytes each). Claude: 4
    people of Finance. Midjourney: Sales' 5. One row to a site that is no AI service."""
    rows = []
    rows += [("2026-12-01 10:00:00", f"finance{n}@example.com", "chatgpt.com", 2, 1000) for n in range(1, 7)]
    rows += [
        ("2026-12-02 10:00:00", f"SALES{n}@Example.com", "chat.openai.com", 2, 1000) for n in range(1, 6)
    ]
    rows += [("2026-12-08 10:00:00", f"legal{n}@example.com", "chatgpt.com", 2, 1000) for n in range(1, 3)]
    rows += [("2026-12-08 11:00:00", "contractor@partner.test", "https://chatgpt.com/c/1", 2, 1000)]
    rows += [("2026-12-03 10:00:00", f"finance{n}@example.com", "claude.ai", 1, 10) for n in range(1, 5)]
    rows += [
        ("2026-12-04 10:00:00", f"sales{n}@example.com", "www.midjourney.com", 1, 10) for n in range(1, 6)
    ]
    rows += [("2026-12-04 10:00:00", "finance1@example.com", "intranet.example.com", 1, 10)]
    return generic_csv(rows)
