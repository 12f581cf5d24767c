"""Each discovered tool's figures, behind the privacy floor, and the named users behind them (admins only).

A tool used by fewer than k people shows its name and status only. Team rows under k are withheld, and so are
as many more as it takes for the withheld people to number 0 or at least k, so no team's figure follows from the
total by subtraction. Weeks of the trend under k are withheld. A sighting not linked to anyone at import is
linked now when the directory knows the email or external id its pseudonym came from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.discovery import repository, schemas
from uptake.discovery.ai_services import AIService, ServiceMap
from uptake.discovery.models import ToolDecision, ToolStatus
from uptake.discovery.service import service_map
from uptake.errors import NotFound
from uptake.telemetry import service as telemetry_service


class DiscoveredToolNotFound(NotFound):
    title = "No AI tool of that name was seen in this workspace's discovery logs."


def privacy_floor(session: Session, workspace_id: int) -> int:
    """The workspace's k: figures about fewer people are withheld."""
    return analytics_service.workspace_settings(session, workspace_id).privacy_floor


def week_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


@dataclass
class _ToolUse:
    people: set[str] = field(default_factory=set)
    linked: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    bytes: int = 0
    first_seen: date | None = None
    last_seen: date | None = None
    weeks: dict[date, tuple[set[str], list[int]]] = field(default_factory=dict)

    def add(
        self, day: date, week: date, person_key: str, person_id: int | None, requests: int, size: int
    ) -> None:
        self.people.add(person_key)
        if person_id is not None:
            self.linked[person_key] = person_id
        self.requests += requests
        self.bytes += size
        if self.first_seen is None or day < self.first_seen:
            self.first_seen = day
        if self.last_seen is None or day > self.last_seen:
            self.last_seen = day
        in_week = self.weeks.get(week)
        if in_week is None:
            in_week = self.weeks[week] = (set(), [0])
        in_week[0].add(person_key)
        in_week[1][0] += requests


def publishable_teams(counts: dict[str, int], total: int, k: int) -> tuple[list[tuple[str, int]], bool]:
    """The team rows that may be shown when `total` people are split into `counts` (people outside any team
    included in `total`, not in `counts`): rows under `k` are withheld, then the smallest shown rows too until
    the withheld people number 0 or at least `k`. Returns the rows shown and whether any people are withheld."""
    shown = sorted(
        ((name, people) for name, people in counts.items() if people >= k), key=lambda row: -row[1]
    )
    withheld = total - sum(people for _, people in shown)
    while shown and 0 < withheld < k:
        _, people = shown.pop()
        withheld += people
    return sorted(shown), withheld > 0


def _approved_tool_slugs(session: Session, workspace_id: int) -> set[str]:
    use_cases, _ = catalog_service.list_use_cases(
        session, workspace_id, statuses=sorted(catalog_schemas.LIVE_STATUSES), limit=10_000
    )
    return {slug for use_case in use_cases for slug in use_case.tool_slugs}


def _figures(
    slug: str,
    use: _ToolUse,
    services: ServiceMap,
    status: str,
    decision: ToolDecision | None,
    *,
    k: int,
    team_of: dict[int, str],
) -> schemas.DiscoveredTool:
    service = services.services.get(slug) or AIService(slug, slug, "", "chat", ())
    base: dict[str, Any] = {
        "slug": slug,
        "name": service.name,
        "vendor": service.vendor,
        "category": service.category,
        "status": status,
        "use_case_slug": decision.use_case_slug if decision else None,
        "review_id": decision.review_id if decision else None,
        "decision_note": decision.note if decision else "",
    }
    total = len(use.people)
    if total < k:
        return schemas.DiscoveredTool(
            **base,
            is_suppressed=True,
            people=None,
            linked_people=None,
            requests=None,
            bytes=None,
            first_seen=None,
            last_seen=None,
            teams=[],
            teams_withheld=total > 0,
            trend=[],
        )
    by_team: dict[str, int] = defaultdict(int)
    for person_id in use.linked.values():
        team = team_of.get(person_id)
        if team is not None:
            by_team[team] += 1
    teams, withheld = publishable_teams(dict(by_team), total, k)
    linked = len(use.linked)
    unlinked = total - linked
    return schemas.DiscoveredTool(
        **base,
        is_suppressed=False,
        people=total,
        linked_people=linked if linked >= k and not 0 < unlinked < k else None,
        requests=use.requests,
        bytes=use.bytes,
        first_seen=use.first_seen,
        last_seen=use.last_seen,
        teams=[schemas.TeamFigure(team=name, people=people) for name, people in teams],
        teams_withheld=withheld,
        trend=[
            schemas.WeekFigure(
                week=week,
                people=len(people) if len(people) >= k else None,
                requests=requests[0] if len(people) >= k else None,
            )
            for week, (people, requests) in sorted(use.weeks.items())
        ],
    )


@dataclass(frozen=True)
class _Directory:
    """What the figures need of the directory, read once: each person's team name, and each person by the
    pseudonyms a log may have named them under (their email, their external id), so a person added to the
    directory after the log was imported is linked to their sightings all the same."""

    team_of: dict[int, str]
    by_pseudonym: dict[str, int]


def _directory(session: Session, workspace_id: int) -> _Directory:
    teams = {team.id: team.name for team in teams_service.list_all_teams(session, workspace_id)}
    key = telemetry_service.pseudonym_key(session, workspace_id)
    team_of: dict[int, str] = {}
    by_pseudonym: dict[str, int] = {}
    for person in people_service.person_snapshots(session, workspace_id):
        if person.team_id is not None and person.team_id in teams:
            team_of[person.id] = teams[person.team_id]
        for identifier in (person.external_id, person.email):
            if identifier:
                by_pseudonym.setdefault(telemetry_service.pseudonymize_person(key, identifier), person.id)
    return _Directory(team_of, by_pseudonym)


def _uses(sightings: Iterable[repository.SightingRow], directory: dict[str, int]) -> dict[str, _ToolUse]:
    uses: dict[str, _ToolUse] = {}
    weeks: dict[date, date] = {}
    for day, tool_slug, person_key, linked_id, requests, size in sightings:
        person_id = linked_id if linked_id is not None else directory.get(person_key)
        use = uses.get(tool_slug)
        if use is None:
            use = uses[tool_slug] = _ToolUse()
        week = weeks.get(day)
        if week is None:
            week = weeks[day] = week_of(day)
        use.add(day, week, person_key, person_id, requests, size)
    return uses


def _status(slug: str, decision: ToolDecision | None, approved: set[str]) -> str:
    if slug in approved:
        return "approved"
    return decision.status.value if decision is not None else ToolStatus.new.value


def overview(session: Session, workspace_id: int) -> schemas.DiscoveryOverview:
    """Every AI tool seen in the logs, the unapproved ones first (most people first), behind the floor."""
    k = privacy_floor(session, workspace_id)
    services = service_map(session, workspace_id)
    decisions = repository.list_decisions(session, workspace_id)
    approved = _approved_tool_slugs(session, workspace_id)
    directory = _directory(session, workspace_id)
    tools = [
        _figures(
            slug,
            use,
            services,
            _status(slug, decisions.get(slug), approved),
            decisions.get(slug),
            k=k,
            team_of=directory.team_of,
        )
        for slug, use in _uses(
            repository.list_sightings(session, workspace_id), directory.by_pseudonym
        ).items()
    ]
    order = {"new": 0, "candidate": 1, "blocked": 2, "dismissed": 3, "approved": 4}
    tools.sort(key=lambda tool: (order.get(tool.status, 5), -(tool.people or 0), tool.name.lower()))
    return schemas.DiscoveryOverview(privacy_floor=k, map_version=services.version, tools=tools)


def _tool_use(session: Session, workspace_id: int, slug: str, directory: _Directory) -> _ToolUse:
    use = _uses(
        repository.list_sightings(session, workspace_id, tool_slugs=[slug]), directory.by_pseudonym
    ).get(slug)
    if use is None:
        raise DiscoveredToolNotFound(f"no use of {slug!r} is in the discovery logs", tool=slug)
    return use


def discovered_tool(session: Session, workspace_id: int, slug: str) -> schemas.DiscoveredTool:
    """One tool's figures behind the floor."""
    directory = _directory(session, workspace_id)
    use = _tool_use(session, workspace_id, slug, directory)
    decision = repository.get_decision(session, workspace_id, slug)
    return _figures(
        slug,
        use,
        service_map(session, workspace_id),
        _status(slug, decision, _approved_tool_slugs(session, workspace_id)),
        decision,
        k=privacy_floor(session, workspace_id),
        team_of=directory.team_of,
    )


def named_users(session: Session, workspace_id: int, slug: str, *, actor: str) -> list[schemas.NamedUser]:
    """Who used the tool, person by person (people the directory does not know by their pseudonym only), for
    admins. Every call writes an audit entry naming the tool and how many people were shown."""
    sightings = repository.list_sightings(session, workspace_id, tool_slugs=[slug])
    if not sightings:
        raise DiscoveredToolNotFound(f"no use of {slug!r} is in the discovery logs", tool=slug)
    directory = _directory(session, workspace_id)
    rows: dict[str, dict[str, Any]] = {}
    for day, _, person_key, linked_id, requests, size in sightings:
        person_id = linked_id if linked_id is not None else directory.by_pseudonym.get(person_key)
        row = rows.setdefault(
            person_key, {"person_id": None, "requests": 0, "bytes": 0, "first_seen": day, "last_seen": day}
        )
        row["person_id"] = row["person_id"] or person_id
        row["requests"] += requests
        row["bytes"] += size
        row["first_seen"] = min(row["first_seen"], day)
        row["last_seen"] = max(row["last_seen"], day)
    ids = sorted({row["person_id"] for row in rows.values() if row["person_id"] is not None})
    people = {person.id: person for person in people_service.list_people_by_ids(session, workspace_id, ids)}
    users = []
    for pseudonym, row in rows.items():
        person = people.get(row["person_id"]) if row["person_id"] is not None else None
        users.append(
            schemas.NamedUser(
                person_id=person.id if person else None,
                name=person.display_name if person else None,
                email=person.email if person else None,
                team=directory.team_of.get(person.id) if person else None,
                pseudonym=pseudonym,
                requests=row["requests"],
                bytes=row["bytes"],
                first_seen=row["first_seen"],
                last_seen=row["last_seen"],
            )
        )
    users.sort(key=lambda user: ((user.name or "~").lower(), user.pseudonym))
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="discovery.users.viewed",
        target=f"discovery_tool:{slug}",
        after={"people_shown": len(users), "named": sum(1 for user in users if user.person_id is not None)},
    )
    return users


def people_linked_to(session: Session, workspace_id: int, slug: str) -> list[int]:
    """The directory people the logs saw using the tool (a tool nobody was seen using is not found)."""
    use = _tool_use(session, workspace_id, slug, _directory(session, workspace_id))
    return sorted(set(use.linked.values()))
