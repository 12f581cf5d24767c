"""Shadow-AI discovery: which AI tools people use without approval, and what the programme does about them.

- `import_log` reads a proxy / CASB / SaaS-discovery export (`intake.py`) against the workspace's map of AI
  services (`ai_services.py`: the shipped data file with the workspace's own domains over it).
- `overview` and `discovered_tool` give each tool's figures behind the privacy floor: distinct people, teams,
  first and last seen, requests and a weekly trend. A tool used by fewer than k people shows its name and status
  only. Team rows under k are withheld, and so are as many more as it takes for the withheld people to number 0
  or at least k, so no team's figure follows from the total by subtraction.
- `named_users` names the people behind a tool, for admins, and audits every call.
- `propose_candidate` puts a tool and a draft use case in the catalog and opens governance's intake review with
  the figures attached; `dismiss_tool` and `block_tool` record the other two answers (blocking tells the tool's
  users through the outbox). Each is audited.
"""

from __future__ import annotations

import secrets
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
from uptake.comms.service import notifications as notifications_service
from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.discovery import intake, repository, schemas
from uptake.discovery.ai_services import (
    CATEGORIES,
    DOMAIN_PATTERN,
    AIService,
    ServiceMap,
    build_service_map,
    shipped_services,
    split_host,
)
from uptake.discovery.models import LogFormat, ServiceDomain, ToolDecision, ToolStatus
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound
from uptake.governance import service as governance_service
from uptake.telemetry import service as telemetry_service

NOTICE_CATEGORY = "discovery"
SHADOW_AI_TAG = "shadow-ai"


class DiscoveredToolNotFound(NotFound):
    title = "No AI tool of that name was seen in this workspace's discovery logs."


class CandidateAlreadyProposed(Conflict):
    title = "This tool is a candidate already."


class ServiceDomainNotFound(NotFound):
    title = "This workspace maps no such domain."


# ---------------------------------------------------------------- the map and the import


def service_map(session: Session, workspace_id: int) -> ServiceMap:
    """The shipped AI services with the workspace's own domains laid over them."""
    extra = [
        AIService(row.tool_slug, row.tool_name, row.vendor or row.tool_name, row.category, (row.domain,))
        for row in repository.list_service_domains(session, workspace_id)
    ]
    return build_service_map(extra)


def import_log(
    session: Session,
    workspace_id: int,
    lines: Iterable[str],
    *,
    dry_run: bool,
    actor: str,
    file_name: str = "",
    log_format: LogFormat | None = None,
) -> intake.DiscoveryImportReport:
    """Import a discovery log (generic CSV or Cisco Umbrella web log); see `intake.import_log`."""
    return intake.import_log(
        session,
        workspace_id,
        lines,
        service_map(session, workspace_id),
        dry_run=dry_run,
        actor=actor,
        file_name=file_name,
        log_format=log_format,
    )


def list_imports(session: Session, workspace_id: int) -> list[schemas.ImportSummary]:
    return [
        schemas.ImportSummary.model_validate(row) for row in repository.list_imports(session, workspace_id)
    ]


# ---------------------------------------------------------------- figures behind the floor


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


# ---------------------------------------------------------------- decisions


def _decide(
    session: Session,
    workspace_id: int,
    slug: str,
    status: ToolStatus,
    *,
    actor: str,
    note: str,
    use_case_slug: str | None = None,
    review_id: int | None = None,
    people_told: int = 0,
) -> ToolDecision:
    decision = repository.get_decision(session, workspace_id, slug)
    before = None
    if decision is None:
        decision = ToolDecision(workspace_id=workspace_id, tool_slug=slug, status=status, decided_by=actor)
        session.add(decision)
    else:
        before = {"status": decision.status.value, "note": decision.note}
    decision.status = status
    decision.note = note
    decision.decided_by = actor
    decision.decided_at = utcnow()
    if use_case_slug is not None:
        decision.use_case_slug = use_case_slug
        decision.review_id = review_id
    decision.people_told = people_told
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action=f"discovery.tool.{status.value}",
        target=f"discovery_tool:{slug}",
        before=before,
        after={
            "status": status.value,
            "note": note,
            "use_case_slug": decision.use_case_slug,
            "review_id": decision.review_id,
            "people_told": people_told,
        },
    )
    return decision


def evidence_of(tool: schemas.DiscoveredTool, *, k: int, map_version: str) -> dict[str, Any]:
    """What an intake review is opened with: the tool's figures as a program lead sees them (behind the floor)."""
    if tool.is_suppressed:
        summary = f"Found in the discovery logs: {tool.name} ({tool.vendor}), used by fewer than {k} people."
    else:
        summary = (
            f"Found in the discovery logs: {tool.name} ({tool.vendor}), used by {tool.people} people "
            f"from {tool.first_seen} to {tool.last_seen}, {tool.requests:,} requests."
        )
    return {
        "source": "discovery",
        "tool": tool.slug,
        "summary": summary,
        "people": tool.people,
        "teams": [team.model_dump() for team in tool.teams],
        "first_seen": tool.first_seen.isoformat() if tool.first_seen else None,
        "last_seen": tool.last_seen.isoformat() if tool.last_seen else None,
        "requests": tool.requests,
        "privacy_floor": k,
        "map_version": map_version,
        "link": f"/discovery/tools/{tool.slug}",
    }


def propose_candidate(
    session: Session,
    workspace_id: int,
    slug: str,
    body: schemas.CandidateCreate,
    *,
    actor: str,
    person_id: int | None,
) -> schemas.ToolDecision:
    """The tool (added to the catalog unless its slug is there) and a draft use case of it, tagged `shadow-ai`,
    entering governance's intake review with the discovery figures attached."""
    tool = discovered_tool(session, workspace_id, slug)
    decision = repository.get_decision(session, workspace_id, slug)
    if decision is not None and decision.status == ToolStatus.candidate:
        raise CandidateAlreadyProposed(
            f"{tool.name} is a candidate already (use case {decision.use_case_slug!r})", tool=slug
        )
    try:
        catalog_service.get_tool_by_slug(session, workspace_id, slug)
    except NotFound:
        catalog_service.create_tool(
            session,
            workspace_id,
            catalog_schemas.ToolCreate(slug=slug, name=body.tool_name, vendor=body.vendor),
            actor=actor,
        )
    k = analytics_service.workspace_settings(session, workspace_id).privacy_floor
    evidence = evidence_of(tool, k=k, map_version=service_map(session, workspace_id).version)
    summary = body.summary or evidence["summary"]
    catalog_service.create_use_case(
        session,
        workspace_id,
        catalog_schemas.UseCaseCreate(
            slug=body.use_case_slug,
            title=body.use_case_title,
            summary=summary,
            tool_slugs=[slug],
            tags=[SHADOW_AI_TAG],
        ),
        actor=actor,
        author_id=person_id,
    )
    review = governance_service.open_intake_review(
        session, workspace_id, body.use_case_slug, actor=actor, person_id=person_id, evidence=evidence
    )
    return schemas.ToolDecision.model_validate(
        _decide(
            session,
            workspace_id,
            slug,
            ToolStatus.candidate,
            actor=actor,
            note="",
            use_case_slug=body.use_case_slug,
            review_id=review.id,
        )
    )


def dismiss_tool(
    session: Session, workspace_id: int, slug: str, body: schemas.ToolDecisionCreate, *, actor: str
) -> schemas.ToolDecision:
    """Nothing to do about this tool (a false match, or use the programme accepts): it leaves the list of new
    tools, and the decision is audited."""
    _tool_use(session, workspace_id, slug, _directory(session, workspace_id))
    return schemas.ToolDecision.model_validate(
        _decide(session, workspace_id, slug, ToolStatus.dismissed, actor=actor, note=body.note)
    )


def block_tool(
    session: Session, workspace_id: int, slug: str, body: schemas.ToolDecisionCreate, *, actor: str
) -> schemas.ToolDecision:
    """The tool is not to be used: recorded, and every person the logs link to it is told through the outbox
    (in the app, and by email for those who want it), with the reason given."""
    use = _tool_use(session, workspace_id, slug, _directory(session, workspace_id))
    name = service_map(session, workspace_id).services.get(slug, AIService(slug, slug, "", "", ())).name
    people = sorted(set(use.linked.values()))
    reason = f"\n\n{body.note}" if body.note else ""
    notifications_service.enqueue_notification(
        session,
        workspace_id,
        person_ids=people,
        subject=f"{name} is not approved for work",
        body_markdown=(
            f"Our records show {name} was used from the company network. It is not approved for work use: "
            f"please stop using it for work.{reason}\n\nThe catalog lists the AI tools and use cases that are "
            "approved, with how to use them well."
        ),
        category=NOTICE_CATEGORY,
        link="/catalog",
        dedupe_key=f"discovery.blocked:{slug}",
    )
    return schemas.ToolDecision.model_validate(
        _decide(
            session,
            workspace_id,
            slug,
            ToolStatus.blocked,
            actor=actor,
            note=body.note,
            people_told=len(people),
        )
    )


# ---------------------------------------------------------------- the workspace's own domains


def list_service_domains(session: Session, workspace_id: int) -> list[schemas.ServiceDomain]:
    """The workspace's own domains, then the shipped map's (source `shipped`)."""
    own = [
        schemas.ServiceDomain.model_validate(row)
        for row in repository.list_service_domains(session, workspace_id)
    ]
    _, shipped = shipped_services()
    return own + [
        schemas.ServiceDomain(
            domain=domain,
            tool_slug=service.slug,
            tool_name=service.name,
            vendor=service.vendor,
            category=service.category,
            source="shipped",
        )
        for service in shipped
        for domain in service.domains
    ]


def add_service_domain(
    session: Session, workspace_id: int, body: schemas.ServiceDomainCreate, *, actor: str
) -> schemas.ServiceDomain:
    """Map a domain (and its subdomains; `host/path` for one path) to a tool; the same domain again replaces
    its mapping. Sightings already stored keep the tool they were imported as; the next import uses this."""
    host, path = split_host(body.domain)
    domain = f"{host}{path.rstrip('/')}"
    errors = []
    if not DOMAIN_PATTERN.match(domain):
        errors.append(
            FieldError("domain", "must be a host name like chat.example.ai, optionally with a /path")
        )
    if body.category not in CATEGORIES:
        errors.append(FieldError("category", f"must be one of {', '.join(CATEGORIES)}"))
    if errors:
        raise InvalidInput(errors=errors)
    row = repository.get_service_domain(session, workspace_id, domain)
    before = None
    if row is None:
        row = ServiceDomain(workspace_id=workspace_id, domain=domain, created_by=actor)
        session.add(row)
    else:
        before = {"tool_slug": row.tool_slug, "tool_name": row.tool_name}
    row.tool_slug = body.tool_slug
    row.tool_name = body.tool_name
    row.vendor = body.vendor
    row.category = body.category
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="discovery.service_domain.saved",
        target=f"discovery_domain:{domain}",
        before=before,
        after={"tool_slug": row.tool_slug, "tool_name": row.tool_name, "category": row.category},
    )
    return schemas.ServiceDomain.model_validate(row)


def remove_service_domain(session: Session, workspace_id: int, domain: str, *, actor: str) -> None:
    host, path = split_host(domain)
    key = f"{host}{path.rstrip('/')}"
    if not repository.delete_service_domain(session, workspace_id, key):
        raise ServiceDomainNotFound(f"this workspace maps no domain {key!r}", domain=key)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="discovery.service_domain.removed",
        target=f"discovery_domain:{key}",
    )


# ---------------------------------------------------------------- a person's sightings (access and erasure)


def sightings_of_person(
    session: Session, workspace_id: int, *, person_id: int, pseudonyms: Iterable[str]
) -> list[dict[str, Any]]:
    """The AI services the discovery logs saw the person use, day by day (their access request)."""
    return [
        {
            "day": row.day,
            "tool": row.tool_slug,
            "domain": row.domain,
            "requests": row.requests,
            "bytes": row.bytes,
        }
        for row in repository.list_sightings_of_person(session, workspace_id, person_id, set(pseudonyms))
    ]


def erase_person_sightings(
    session: Session, workspace_id: int, *, person_id: int, pseudonyms: Iterable[str], keep_aggregates: bool
) -> int:
    """Delete the person's sightings, or with `keep_aggregates` re-key them to one random pseudonym stored nowhere
    and unlink them (the tools' past figures stay; nobody can find the person in them). Returns the rows."""
    if keep_aggregates:
        return repository.rekey_sightings_of_person(
            session, workspace_id, person_id, set(pseudonyms), secrets.token_hex(16)
        )
    return repository.delete_sightings_of_person(session, workspace_id, person_id, set(pseudonyms))
