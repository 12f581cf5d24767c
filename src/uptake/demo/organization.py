"""The demo organization: a deterministic synthetic company behind ``uptake demo``. It stays whole: the
organization is data (departments, teams, people, personas), read as one.

Northwind Mutual, an insurer: five departments, about forty teams, people with managers and job roles, and one
login per persona (printed by ``uptake demo``). The same seed gives the same organization every time.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import pyarrow as pa
from sqlalchemy.orm import Session

from uptake.access.roles import Role
from uptake.analytics import service as analytics_service
from uptake.auth import service as auth_service
from uptake.db import bind_workspace
from uptake.demo import catalog as demo_catalog
from uptake.demo import programme, usage
from uptake.directory import schemas as directory_schemas
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.licences import schemas as licences_schemas
from uptake.licences import service as licences_service
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service

DEMO_PASSWORD = "uptake-demo-2026"  # noqa: S105 - the demo's published persona password, printed at start
DEMO_DOMAIN = "northwind.example"

DEPARTMENTS: dict[str, list[tuple[str, str]]] = {
    "Customer Service": [
        ("Claims Intake", "Claims handler"),
        ("Claims Resolution", "Claims handler"),
        ("Tier 1 Support", "Support agent"),
        ("Tier 2 Support", "Support agent"),
        ("Customer Care Chat", "Support agent"),
        ("Complaints", "Complaints specialist"),
        ("Service Quality", "Quality analyst"),
        ("Knowledge Base", "Content writer"),
    ],
    "Sales & Marketing": [
        ("Commercial Lines Sales", "Account executive"),
        ("Personal Lines Sales", "Account executive"),
        ("Broker Relations", "Account executive"),
        ("Marketing Content", "Content writer"),
        ("Campaigns", "Marketing specialist"),
        ("Sales Operations", "Operations analyst"),
        ("Partnerships", "Account executive"),
    ],
    "Finance": [
        ("Accounts Payable", "Accountant"),
        ("Accounts Receivable", "Accountant"),
        ("Financial Planning", "Financial analyst"),
        ("Treasury", "Financial analyst"),
        ("Controlling", "Accountant"),
        ("Procurement", "Procurement specialist"),
        ("Actuarial", "Actuary"),
    ],
    "Technology": [
        ("Platform Engineering", "Software engineer"),
        ("Claims Systems", "Software engineer"),
        ("Policy Systems", "Software engineer"),
        ("Data Engineering", "Data engineer"),
        ("Data Science", "Data scientist"),
        ("Security Operations", "Security analyst"),
        ("IT Service Desk", "Support agent"),
        ("Architecture", "Software engineer"),
        ("Quality Engineering", "Software engineer"),
    ],
    "People, Legal & Risk": [
        ("Recruiting", "Recruiter"),
        ("People Partners", "HR partner"),
        ("Learning & Development", "HR partner"),
        ("Legal Counsel", "Lawyer"),
        ("Compliance", "Compliance officer"),
        ("Enterprise Risk", "Risk analyst"),
        ("Internal Audit", "Risk analyst"),
        ("Works Council Office", "HR partner"),
    ],
}

FIRST_NAMES = [
    "Ada",
    "Alan",
    "Amara",
    "Ana",
    "Anders",
    "Anika",
    "Arjun",
    "Aya",
    "Ben",
    "Bianca",
    "Carla",
    "Chen",
    "Chiara",
    "Dara",
    "David",
    "Elena",
    "Emil",
    "Emma",
    "Farah",
    "Felix",
    "Grace",
    "Hana",
    "Hugo",
    "Ines",
    "Ivan",
    "Jana",
    "Jonas",
    "Julia",
    "Kai",
    "Kenji",
    "Lara",
    "Lea",
    "Leon",
    "Lina",
    "Luca",
    "Maya",
    "Mei",
    "Mila",
    "Mohamed",
    "Nadia",
    "Nils",
    "Noah",
    "Nora",
    "Olga",
    "Omar",
    "Paula",
    "Pedro",
    "Priya",
    "Rafael",
    "Rosa",
    "Sami",
    "Sara",
    "Sofia",
    "Tariq",
    "Theo",
    "Tomas",
    "Uma",
    "Vera",
    "Yara",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Adler",
    "Almeida",
    "Baker",
    "Becker",
    "Berg",
    "Costa",
    "Dahl",
    "Diaz",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Hahn",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Kaur",
    "Keller",
    "Khan",
    "Kowalski",
    "Lange",
    "Larsen",
    "Lopez",
    "Meyer",
    "Moreau",
    "Nakamura",
    "Novak",
    "Okafor",
    "Olsen",
    "Patel",
    "Peters",
    "Quinn",
    "Richter",
    "Rossi",
    "Sato",
    "Schmidt",
    "Silva",
    "Sorensen",
    "Tanaka",
    "Torres",
    "Vogel",
    "Wagner",
    "Weber",
    "Wolf",
    "Yilmaz",
    "Zimmermann",
]
LOCATIONS = ["Hamburg", "Lisbon", "Dublin", "Warsaw", "Remote"]


@dataclass(frozen=True)
class Persona:
    key: str
    label: str
    email: str
    roles: tuple[Role, ...]
    description: str


PERSONAS = [
    Persona(
        "admin", "Administrator", f"admin@{DEMO_DOMAIN}", (Role.admin,), "sets up the workspace, keys and SSO"
    ),
    Persona(
        "program_lead",
        "Program lead",
        f"lead@{DEMO_DOMAIN}",
        (Role.program_lead,),
        "runs the AI adoption programme",
    ),
    Persona(
        "reviewer",
        "Reviewer (legal)",
        f"legal@{DEMO_DOMAIN}",
        (Role.reviewer,),
        "reviews use cases for legal risk",
    ),
    Persona(
        "security_reviewer",
        "Reviewer (security)",
        f"security@{DEMO_DOMAIN}",
        (Role.reviewer,),
        "reviews use cases for security risk",
    ),
    Persona("team_lead", "Team lead", f"teamlead@{DEMO_DOMAIN}", (Role.team_lead,), "leads Tier 1 Support"),
    Persona(
        "employee",
        "Employee",
        f"employee@{DEMO_DOMAIN}",
        (Role.employee,),
        "a support agent in Tier 1 Support",
    ),
]


@dataclass(frozen=True)
class DemoSummary:
    workspace_id: int
    workspace_slug: str
    people: int
    teams: int
    personas: list[Persona]
    catalog: demo_catalog.DemoCatalog
    persona_ids: dict[str, int]  # persona key → person id (and the reviewer board's areas → person id)


Progress = Callable[[str, int, int], None]


def _no_progress(step: str, done: int, total: int) -> None:
    return None


def create_demo_organization(
    session: Session,
    *,
    people: int = 3000,
    seed: int = 7,
    today: date | None = None,
    progress: Progress = _no_progress,
) -> DemoSummary:
    """Create the demo workspace with its organization and its AI programme; the caller commits."""
    rng = random.Random(seed)
    workspace = workspaces_service.create_workspace(
        session,
        workspace_schemas.WorkspaceCreate(
            slug="northwind", name="Northwind Mutual", timezone="Europe/Berlin"
        ),
    )
    workspace_id = workspace.id
    bind_workspace(session, workspace_id)

    roles: dict[str, int] = {}
    for team_specs in DEPARTMENTS.values():
        for _, role_name in team_specs:
            if role_name not in roles:
                roles[role_name] = job_roles_service.create_job_role(session, workspace_id, name=role_name).id
    for extra in ("Department head", "Team lead"):
        roles[extra] = job_roles_service.create_job_role(session, workspace_id, name=extra).id

    total_teams = len(DEPARTMENTS) + sum(len(teams) for teams in DEPARTMENTS.values())
    team_roles: list[tuple[int, str, int]] = []  # (team id, role name, department team id)
    department_ids: list[int] = []
    made = 0
    for department, team_specs in DEPARTMENTS.items():
        department_team = teams_service.create_team(session, workspace_id, name=department)
        department_ids.append(department_team.id)
        made += 1
        for team_name, role_name in team_specs:
            team = teams_service.create_team(
                session, workspace_id, name=team_name, parent_id=department_team.id
            )
            team_roles.append((team.id, role_name, department_team.id))
            made += 1
        progress("teams", made, total_teams)

    # Heads of department, then a lead per team, then members; managers always precede their reports.
    used_emails: set[str] = set()

    def person_row(team_id: int, role_name: str, title: str, manager_id: int | None) -> dict[str, object]:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{first}.{last}".lower()
        email = f"{local}@{DEMO_DOMAIN}"
        suffix = 2
        while email in used_emails:
            email = f"{local}{suffix}@{DEMO_DOMAIN}"
            suffix += 1
        used_emails.add(email)
        return {
            "external_id": f"E{len(used_emails):06d}",
            "email": email,
            "display_name": f"{first} {last}",
            "job_title": title,
            "job_role_id": roles[role_name],
            "team_id": team_id,
            "manager_id": manager_id,
            "location": rng.choice(LOCATIONS),
            "start_date": date(2015, 1, 1) + timedelta(days=rng.randrange(0, 3900)),
        }

    heads = [
        person_row(department_id, "Department head", "Head of department", None)
        for department_id in department_ids
    ]
    head_ids = people_service.add_people_in_bulk(session, workspace_id, heads)
    head_of = dict(zip(department_ids, head_ids, strict=True))
    for department_id, head_id in head_of.items():
        teams_service.set_team_lead(session, workspace_id, department_id, head_id)

    leads = [
        person_row(team_id, "Team lead", "Team lead", head_of[department_id])
        for team_id, _, department_id in team_roles
    ]
    lead_ids = people_service.add_people_in_bulk(session, workspace_id, leads)
    lead_of = {team_id: lead_id for (team_id, _, _), lead_id in zip(team_roles, lead_ids, strict=True)}
    for team_id, lead_id in lead_of.items():
        teams_service.set_team_lead(session, workspace_id, team_id, lead_id)

    remaining = max(0, people - len(heads) - len(leads))
    weights = [rng.uniform(0.6, 1.6) for _ in team_roles]
    members: list[dict[str, object]] = []
    for index in range(remaining):
        team_id, role_name, _ = rng.choices(team_roles, weights=weights)[0]
        members.append(person_row(team_id, role_name, role_name, lead_of[team_id]))
        if (index + 1) % 500 == 0 or index + 1 == remaining:
            progress("people", index + 1 + len(heads) + len(leads), people)
    people_service.add_people_in_bulk(session, workspace_id, members)

    persona_ids = _create_personas(session, workspace_id, lead_of, team_roles, roles)
    progress("catalog", 0, len(demo_catalog.USE_CASES))
    board = demo_catalog.create_reviewer_board(
        session,
        workspace_id,
        legal_id=persona_ids["reviewer"],
        security_id=persona_ids["security_reviewer"],
        domain=DEMO_DOMAIN,
        password=DEMO_PASSWORD,
    )
    catalog = demo_catalog.create_demo_catalog(
        session,
        workspace_id,
        today=today or date.today(),
        lead_id=persona_ids["program_lead"],
        reviewer_ids=board,
        role_ids=roles,
        owners=[*head_ids, *lead_ids[:: max(1, len(lead_ids) // 8)]],
    )
    progress("catalog", len(demo_catalog.USE_CASES), len(demo_catalog.USE_CASES))
    return DemoSummary(
        workspace_id=workspace_id,
        workspace_slug=workspace.slug,
        people=people_service.count_people(session, workspace_id),
        teams=teams_service.count_teams(session, workspace_id),
        personas=PERSONAS,
        catalog=catalog,
        persona_ids={**persona_ids, **{f"reviewer:{area}": person for area, person in board.items()}},
    )


def _create_personas(
    session: Session,
    workspace_id: int,
    lead_of: dict[int, int],
    team_roles: list[tuple[int, str, int]],
    role_ids: dict[str, int],
) -> dict[str, int]:
    """Each persona's person, with an account; returns their ids by persona key."""
    tier1_team_id = next(team_id for team_id, role_name, _ in team_roles if role_name == "Support agent")
    names = {
        "admin": "Alex Morgan",
        "program_lead": "Priya Raman",
        "reviewer": "Lena Hoffmann",
        "security_reviewer": "Marco Silva",
        "team_lead": "Jonas Berg",
        "employee": "Sofia Costa",
    }
    ids: dict[str, int] = {}
    for persona in PERSONAS:
        if persona.key == "team_lead":
            person = people_service.update_person(
                session,
                workspace_id,
                lead_of[tier1_team_id],
                directory_schemas.PersonUpdate(email=persona.email, display_name=names[persona.key]),
                actor="system",
            )
        else:
            is_employee = persona.key == "employee"
            person = people_service.create_person(
                session,
                workspace_id,
                email=persona.email,
                display_name=names[persona.key],
                external_id=f"P-{persona.key}",
                job_title=persona.label,
                team_id=tier1_team_id if is_employee else None,
                manager_id=lead_of[tier1_team_id] if is_employee else None,
                job_role_id=role_ids["Support agent"] if is_employee else None,
            )
        auth_service.create_account(
            session, workspace_id, person_id=person.id, roles=list(persona.roles), password=DEMO_PASSWORD
        )
        ids[persona.key] = person.id
    return ids


def demo_people(session: Session, workspace_id: int) -> list[usage.DemoPerson]:
    """Everyone in the demo directory with the pseudonym their events carry and their job role's name."""
    roles, _ = job_roles_service.list_job_roles(session, workspace_id, limit=10_000)
    role_names = {role.id: role.name for role in roles}
    snapshots = people_service.person_snapshots(session, workspace_id)
    pseudonyms = analytics_service.pseudonyms_of(session, workspace_id, [person.id for person in snapshots])
    return [
        usage.DemoPerson(
            person_id=person.id,
            pseudonym=pseudonyms[person.id],
            team_id=person.team_id,
            role=role_names.get(person.job_role_id) if person.job_role_id is not None else None,
        )
        for person in snapshots
    ]


def record_demo_usage(
    session: Session,
    summary: DemoSummary,
    *,
    today: date,
    append_events: Callable[[pa.Table], object],
    push_snapshot: Callable[[str, list[dict[str, object]]], object],
    analytics: analytics_service.Analytics,
    survey_token_key: bytes,
    progress: Progress = _no_progress,
    chunk: int = 250_000,
) -> int:
    """Generate the demo's six months of usage, store the events, record the programme around them (training,
    champions, rollouts, incidents, announcements, questions) and publish who may use what.

    ``append_events`` stores a batch in the events store; ``push_snapshot`` replaces one of the analytics
    snapshots other domains push (entitlements; the seat ledger's seats and contracts); rollout gates and the
    trust domain read and publish through ``analytics``. The seats go into the seat ledger; survey tokens are
    hashed with ``survey_token_key`` (the server's secret key). Returns how many events were stored."""
    workspace = workspaces_service.get_workspace(session, summary.workspace_id)
    people = demo_people(session, summary.workspace_id)
    generated = usage.generate_usage(
        people,
        summary.catalog,
        today=today,
        timezone=workspace.timezone,
        progress=progress,
    )
    total = int(generated.events.num_rows)
    for start in range(0, total, chunk):
        append_events(generated.events.slice(start, chunk))
        progress("events", min(total, start + chunk), total)
    programme.build_programme(
        session,
        summary,
        people,
        generated,
        today=today,
        analytics=analytics,
        progress=progress,
        survey_token_key=survey_token_key,
    )
    push_snapshot(
        "entitlements", [{"workspace_id": summary.workspace_id, **row} for row in generated.entitlements]
    )
    record_demo_seats(session, summary.workspace_id, people, generated.seats, today=today)
    for name, rows in licences_service.snapshot_rows(session, summary.workspace_id).items():
        push_snapshot(name, rows)
    return total


def record_demo_seats(
    session: Session,
    workspace_id: int,
    people: list[usage.DemoPerson],
    seats: list[dict[str, object]],
    *,
    today: date,
) -> None:
    """Put the demo's licence seats in the seat ledger, as a licence list imported per tool would."""
    person_of = {person.pseudonym: person.person_id for person in people}
    by_tool: dict[str, list[licences_schemas.SeatHolder]] = {}
    for seat in seats:
        start = seat["start_day"]
        assert isinstance(start, date)
        by_tool.setdefault(str(seat["tool"]), []).append(
            licences_schemas.SeatHolder(person_id=person_of[str(seat["person"])], assigned_on=start)
        )
    for tool, holders in sorted(by_tool.items()):
        licences_service.sync_seats(
            session, workspace_id, tool=tool, source="csv", as_of=today, holders=holders, actor="system"
        )
