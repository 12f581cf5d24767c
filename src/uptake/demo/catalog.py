"""The demo's AI tools and use cases, taken through governance the way a real organization would. It stays whole:
its tools and use cases are data, read as one story.

Ten tools and sixteen use cases spread over every lifecycle state. Nothing is written around the rules: each
use case is drafted, gets its use card, answers the risk questionnaire, is submitted by the program lead and
decided by the reviewer board (four-eyes, by area), then piloted, rolled out, paused or retired through the
same services the pages call. The audit log of the demo therefore reads like a real programme's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from uptake.access.roles import Role
from uptake.auth import service as auth_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.demo.training import REQUIRED_TRAINING
from uptake.directory.service import people as people_service
from uptake.governance import schemas as governance_schemas
from uptake.governance import service as governance_service
from uptake.trust import incidents as trust_incidents
from uptake.trust import schemas as trust_schemas

ACTOR = "demo"


@dataclass(frozen=True)
class DemoTool:
    slug: str
    name: str
    vendor: str
    models: tuple[str, ...]
    hosting: str
    residency: str
    licence: str
    cost: float | None
    seats: int | None
    renewal_in_days: int | None


TOOLS = [
    DemoTool(
        "m365-copilot",
        "Microsoft 365 Copilot",
        "Microsoft",
        ("GPT-4o",),
        "vendor_cloud",
        "EU Data Boundary",
        "per seat",
        30.0,
        900,
        140,
    ),
    DemoTool(
        "github-copilot",
        "GitHub Copilot Business",
        "GitHub",
        ("GPT-4.1", "Claude Sonnet"),
        "vendor_cloud",
        "United States",
        "per seat",
        19.0,
        260,
        75,
    ),
    DemoTool(
        "northwind-assist",
        "Northwind Assist",
        "Northwind (internal)",
        ("Llama 3.1 70B",),
        "own_cloud",
        "Germany (own tenant)",
        "internal platform",
        None,
        None,
        None,
    ),
    DemoTool(
        "claims-vision",
        "Claims Vision",
        "Eyeline Analytics",
        ("damage-vision-3",),
        "vendor_cloud",
        "Netherlands",
        "per claim processed",
        None,
        None,
        300,
    ),
    DemoTool(
        "chat-enterprise",
        "ChatGPT Enterprise",
        "OpenAI",
        ("GPT-4o", "o3"),
        "vendor_cloud",
        "EU data residency",
        "per seat",
        45.0,
        300,
        210,
    ),
    DemoTool(
        "translate-pro",
        "DeepL Pro",
        "DeepL",
        ("DeepL next-gen",),
        "vendor_cloud",
        "Germany",
        "per seat",
        8.74,
        400,
        95,
    ),
    DemoTool(
        "meeting-notes",
        "Meeting Notes AI",
        "Otterly",
        ("whisper-large", "GPT-4o mini"),
        "vendor_cloud",
        "Ireland",
        "per seat",
        12.0,
        600,
        33,
    ),
    DemoTool(
        "contract-lens",
        "Contract Lens",
        "Lexara",
        ("lexara-legal-2",),
        "vendor_cloud",
        "EU",
        "per seat",
        110.0,
        40,
        260,
    ),
    DemoTool(
        "fraud-signals",
        "Fraud Signals",
        "Northwind (internal)",
        ("gradient-boosted trees", "Llama 3.1 8B"),
        "on_premises",
        "Northwind data centre",
        "internal platform",
        None,
        None,
        None,
    ),
    DemoTool(
        "sales-coach",
        "Sales Coach",
        "PitchPerfect",
        ("GPT-4o mini",),
        "vendor_cloud",
        "United States",
        "per seat",
        25.0,
        150,
        45,
    ),
]


@dataclass(frozen=True)
class DemoUseCase:
    slug: str
    title: str
    tool: str
    roles: tuple[str, ...]
    workflow: str
    step: str
    output: str
    weakness: str
    never: str
    status: str
    risk: str = "minimal"  # minimal, limited, high (the answers below make the questionnaire propose it)
    oversight: str = "human_approves_every_output"
    minutes: float = 5.0
    target_adoption: float = 60.0
    data_classes: tuple[str, ...] = ("internal",)
    tags: tuple[str, ...] = field(default=())


USE_CASES = [
    DemoUseCase(
        "meeting-summaries",
        "Summarize meetings and list the actions",
        "meeting-notes",
        ("Support agent", "Account executive", "Operations analyst", "Team lead", "Department head"),
        "Internal meetings",
        "Writing the minutes after a meeting",
        "a summary with decisions and actions per owner",
        "It can attribute an action to the wrong person when two people speak over each other",
        "board meetings, HR conversations or anything under legal privilege",
        "generally_available",
        minutes=12,
        target_adoption=70,
        tags=("productivity",),
    ),
    DemoUseCase(
        "email-drafting",
        "Draft internal email and chat replies",
        "m365-copilot",
        ("Support agent", "Account executive", "Accountant", "Content writer", "Team lead"),
        "Everyday communication",
        "Writing a first draft of an internal message",
        "a draft message in the writer's tone",
        "It pads short answers and sometimes states dates or figures that were not in the thread",
        "messages to customers, regulators or the press",
        "generally_available",
        minutes=4,
        target_adoption=75,
        tags=("productivity",),
    ),
    DemoUseCase(
        "code-completion",
        "Complete and explain code in the IDE",
        "github-copilot",
        ("Software engineer", "Data engineer", "Data scientist"),
        "Software delivery",
        "Writing and reviewing code",
        "code suggestions and explanations inside the editor",
        "It suggests deprecated APIs and insecure patterns such as string-built SQL",
        "secrets, customer data in prompts, or code whose licence is unclear",
        "generally_available",
        risk="minimal",
        oversight="human_approves_every_output",
        minutes=6,
        target_adoption=80,
        tags=("engineering",),
    ),
    DemoUseCase(
        "claims-first-notice",
        "Prefill the first notice of loss from the customer's call",
        "northwind-assist",
        ("Claims handler",),
        "Claims intake",
        "Recording the first notice of loss",
        "a prefilled claim form with the facts the customer gave",
        "It mishears policy numbers and vehicle registrations in noisy calls",
        "deciding cover or liability",
        "rolling_out",
        risk="limited",
        minutes=9,
        target_adoption=65,
        data_classes=("internal", "confidential"),
        tags=("claims",),
    ),
    DemoUseCase(
        "support-reply-drafts",
        "Draft first replies to support tickets",
        "northwind-assist",
        ("Support agent",),
        "Customer support",
        "First reply to a new ticket",
        "a reply draft with the relevant policy paragraph",
        "It invents order and policy numbers when the ticket does not contain them",
        "complaints, legal threats, or anything about a customer's health",
        "rolling_out",
        risk="limited",
        minutes=5,
        target_adoption=70,
        data_classes=("internal", "confidential"),
        tags=("customer service",),
    ),
    DemoUseCase(
        "policy-translation",
        "Translate customer letters and policy documents",
        "translate-pro",
        ("Support agent", "Complaints specialist", "Content writer"),
        "Customer correspondence",
        "Translating a letter before sending or after receiving it",
        "a translation that keeps the document's layout",
        "It translates insurance terms literally where German law uses a fixed term",
        "contract wording that has not been checked by Legal",
        "rolling_out",
        minutes=15,
        target_adoption=50,
        tags=("customer service",),
    ),
    DemoUseCase(
        "knowledge-search",
        "Answer questions from the knowledge base",
        "chat-enterprise",
        ("Support agent", "Claims handler", "Content writer"),
        "Customer support",
        "Finding the right procedure while on a call",
        "an answer with links to the knowledge-base articles it used",
        "It answers from outdated articles when a newer one has a different title",
        "questions about an individual customer's data",
        "paused",
        risk="limited",
        minutes=3,
        target_adoption=60,
        tags=("customer service",),
    ),
    DemoUseCase(
        "damage-photo-triage",
        "Triage vehicle damage photos",
        "claims-vision",
        ("Claims handler",),
        "Motor claims",
        "Sorting incoming photo claims by severity",
        "a severity band and the damaged parts it recognized",
        "It underrates damage on dark or wet photos",
        "the settlement amount, which a handler always decides",
        "piloting",
        risk="high",
        oversight="human_reviews_samples",
        minutes=7,
        target_adoption=60,
        data_classes=("internal", "confidential"),
        tags=("claims",),
    ),
    DemoUseCase(
        "month-end-commentary",
        "Draft month-end variance commentary",
        "chat-enterprise",
        ("Financial analyst", "Accountant"),
        "Month-end close",
        "Explaining the variances in the management report",
        "a commentary draft for each variance above the threshold",
        "It explains variances with causes that are plausible but not in the data",
        "figures published outside Finance before the controller's sign-off",
        "piloting",
        minutes=25,
        target_adoption=60,
        data_classes=("internal", "confidential"),
        tags=("finance",),
    ),
    DemoUseCase(
        "contract-clause-review",
        "Flag unusual clauses in supplier contracts",
        "contract-lens",
        ("Procurement specialist",),
        "Procurement",
        "Reviewing a supplier's contract draft",
        "a list of clauses that deviate from the playbook, with the playbook's wording",
        "It misses deviations hidden in annexes that are scanned images",
        "signing off a contract: Legal approves every deviation",
        "approved",
        risk="limited",
        minutes=30,
        target_adoption=70,
        data_classes=("internal", "confidential"),
        tags=("legal",),
    ),
    DemoUseCase(
        "sales-call-coaching",
        "Coach sales calls with transcript feedback",
        "sales-coach",
        ("Account executive",),
        "Sales",
        "Preparing for and reviewing customer calls",
        "feedback on a call transcript with suggested next steps",
        "Its feedback is generic for calls shorter than five minutes",
        "evaluating or ranking sales staff",
        "in_review",
        risk="limited",
        minutes=10,
        target_adoption=50,
        tags=("sales",),
    ),
    DemoUseCase(
        "fraud-claim-scoring",
        "Score claims for signs of fraud",
        "fraud-signals",
        ("Claims handler",),
        "Claims handling",
        "Deciding which claims the fraud team looks at",
        "a fraud-likelihood score with the signals behind it",
        "Its scores are less reliable for new products with little history",
        "refusing a claim: only the special investigations unit decides",
        "in_review",
        risk="high",
        oversight="human_approves_every_output",
        minutes=4,
        target_adoption=80,
        data_classes=("internal", "confidential", "restricted"),
        tags=("claims", "fraud"),
    ),
    DemoUseCase(
        "campaign-copy",
        "Draft campaign copy variants",
        "chat-enterprise",
        ("Marketing specialist", "Content writer"),
        "Marketing campaigns",
        "Writing copy variants for a campaign brief",
        "five copy variants within the brand's tone of voice",
        "It makes claims about products that compliance has not approved",
        "regulated product information and price promises",
        "draft",
        minutes=20,
        target_adoption=60,
        tags=("marketing",),
    ),
    DemoUseCase(
        "cv-screening",
        "Rank job applicants' CVs",
        "chat-enterprise",
        ("Team lead",),
        "Recruiting",
        "Shortlisting applicants",
        "a ranked shortlist of applicants",
        "It repeats the biases of past hiring decisions",
        "deciding who is interviewed or hired",
        "rejected",
        risk="high",
        minutes=10,
        target_adoption=50,
        data_classes=("internal", "confidential", "restricted"),
        tags=("hr",),
    ),
    DemoUseCase(
        "legacy-faq-bot",
        "Answer FAQs with the old rule-based bot",
        "northwind-assist",
        ("Support agent",),
        "Customer support",
        "Answering frequent questions",
        "canned answers from the FAQ",
        "It cannot handle questions that combine two topics",
        "anything outside the FAQ",
        "retired",
        minutes=2,
        target_adoption=40,
        tags=("customer service",),
    ),
    DemoUseCase(
        "test-generation",
        "Generate unit tests for legacy code",
        "github-copilot",
        ("Software engineer",),
        "Software delivery",
        "Adding tests before changing legacy code",
        "unit tests that pin the current behaviour",
        "It writes tests that assert the bug instead of the intended behaviour",
        "code in the payment and claims settlement paths without a second reviewer",
        "draft",
        minutes=15,
        target_adoption=50,
        tags=("engineering",),
    ),
]

# The reviewer board has one member per review area, so that each area's approval comes from another person:
# the two reviewer personas (legal, security) and these three colleagues.
EXTRA_REVIEWERS = [
    ("ai_governance", "Noor Haddad", "ai-office", "AI governance officer"),
    ("data_protection", "Tomasz Nowak", "privacy", "Data protection officer"),
    ("works_council", "Greta Lindqvist", "works-council", "Works council member"),
]


def _card(case: DemoUseCase, owner: str) -> catalog_schemas.UseCardContent:
    return catalog_schemas.UseCardContent(
        trust_output=(
            f"It produces {case.output}. It is right most of the time on routine cases, and it tells you which "
            f"sources it used. Known failure: {case.weakness[0].lower()}{case.weakness[1:]}. Check that part "
            "every time before you rely on the output."
        ),
        role_impact=(
            "No job changes because of this use case. It removes repetitive typing and searching; the judgement, "
            "the contact with the customer or colleague and the final decision stay with you. Time saved goes "
            "to the cases that need a person most."
        ),
        when_to_use=(
            f"Use it for {case.step.lower()} in {case.workflow.lower()}, on the data classes it is approved for. "
            f"Do not use it for {case.never}. If you are unsure whether a case fits, ask a champion or the owner."
        ),
        when_wrong=(
            "Discard the output and do the step yourself, then press the feedback button so the owner sees the "
            "failure. If the output could harm a customer or a colleague, report it as an incident from the "
            "use-case page; the owner answers every incident within the time its severity sets."
        ),
        accountability=(
            f"{owner} owns this use case and is accountable for it: the use card, the rollout and the answers "
            "to questions. Champions in each team help colleagues day to day; the AI governance office reviews "
            "it on schedule."
        ),
        approvals=(
            "Every approval that needed a person before still needs that person: the output is a draft or a "
            "suggestion, never a sign-off. Nothing it produces is sent, paid or decided without a person "
            "choosing to act on it."
        ),
        good_examples=(
            f"Asked for {case.output} on a routine case, with the source material attached, it gives a usable "
            "first version in seconds that the person checks and completes."
        ),
        bad_examples=(
            f"Asked about {case.never}, it still answers confidently. That is exactly the use that is not "
            "approved: the answer may be wrong and nobody is accountable for it."
        ),
    )


def _answers(case: DemoUseCase) -> dict[str, object]:
    answers: dict[str, object] = {
        "manipulation": False,
        "social_scoring": False,
        "emotion_recognition_at_work": False,
        "sensitive_biometric_categorisation": False,
        "crime_prediction_or_face_scraping": False,
        "annex_iii_areas": [],
        "decisions_about_people": False,
        "no_human_review": False,
        "customer_facing": False,
        "public_content": False,
        "personal_data": False,
        "special_category_data": False,
    }
    if case.risk == "limited":
        answers["personal_data"] = True
        answers["customer_facing"] = True
    if case.risk == "high":
        answers["personal_data"] = True
        answers["decisions_about_people"] = True
        answers["annex_iii_areas"] = ["employment"] if "hr" in case.tags else ["essential_services"]
    return answers


@dataclass(frozen=True)
class DemoCatalog:
    """What the rest of the demo needs to know: each use case's state, tool, roles and dates."""

    use_cases: dict[str, DemoUseCase]
    live_since: dict[str, date]  # first day of use (pilot start) of every use case that has been used
    paused_on: dict[str, date]
    retired_on: dict[str, date]
    owner_ids: dict[str, int]


def create_demo_catalog(
    session: Session,
    workspace_id: int,
    *,
    today: date,
    lead_id: int,
    reviewer_ids: dict[str, int],
    role_ids: dict[str, int],
    owners: list[int],
) -> DemoCatalog:
    """Tools, reviewer board, and every use case taken through governance to its demo state."""
    for tool in TOOLS:
        catalog_service.create_tool(
            session,
            workspace_id,
            catalog_schemas.ToolCreate.model_validate(
                {
                    "slug": tool.slug,
                    "name": tool.name,
                    "vendor": tool.vendor,
                    "models": list(tool.models),
                    "hosting": tool.hosting,
                    "data_residency": tool.residency,
                    "licence_model": tool.licence,
                    "cost_per_seat_month": tool.cost,
                    "seats_purchased": tool.seats,
                    "contract_renewal_on": (
                        today + timedelta(days=tool.renewal_in_days) if tool.renewal_in_days else None
                    ),
                    "owner_id": owners[0],
                }
            ),
            actor=ACTOR,
        )
    for area, person_id in reviewer_ids.items():
        governance_service.assign_reviewer(session, workspace_id, person_id, area, actor=ACTOR)

    live_since: dict[str, date] = {}
    paused_on: dict[str, date] = {}
    retired_on: dict[str, date] = {}
    owner_ids: dict[str, int] = {}
    lead_actor = f"person:{lead_id}"
    for index, case in enumerate(USE_CASES):
        owner_id = owners[index % len(owners)]
        owner_ids[case.slug] = owner_id
        owner = people_service.get_person(session, workspace_id, owner_id)
        catalog_service.create_use_case(
            session,
            workspace_id,
            catalog_schemas.UseCaseCreate(
                slug=case.slug,
                title=case.title,
                summary=f"{case.title}: the assistant gives {case.output}, so that people spend their time on "
                "the judgement the step needs.",
                workflow=case.workflow,
                workflow_step=case.step,
                owner_id=owner_id,
                raci=[
                    catalog_schemas.RaciEntry(responsibility="accountable", person_id=owner_id),
                    catalog_schemas.RaciEntry(responsibility="consulted", party="AI governance office"),
                    catalog_schemas.RaciEntry(responsibility="informed", party="Works council"),
                ],
                target_job_role_ids=[role_ids[name] for name in case.roles],
                tool_slugs=[case.tool],
                allowed_data_classes=list(case.data_classes),
                human_oversight=case.oversight,
                target_adoption_percent=case.target_adoption,
                target_acceptance_rate_percent=60,
                target_minutes_saved_per_use=case.minutes,
                estimated_minutes_saved_per_accepted_output=case.minutes,
                tags=list(case.tags),
                required_training=[REQUIRED_TRAINING[case.slug]] if case.slug in REQUIRED_TRAINING else [],
            ),
            actor=lead_actor,
            author_id=lead_id,
        )
        if case.status == "draft" and index % 2:
            continue  # a draft whose card is still being written
        catalog_service.record_use_card_version(
            session,
            workspace_id,
            case.slug,
            _card(case, owner.display_name),
            changelog="First version",
            actor=lead_actor,
            author_id=lead_id,
        )
        governance_service.answer_risk_questionnaire(
            session, workspace_id, case.slug, _answers(case), actor=lead_actor, person_id=lead_id
        )
        if case.status == "draft":
            continue
        review = governance_service.submit_use_case_for_review(
            session, workspace_id, case.slug, actor=lead_actor, person_id=lead_id
        )
        if case.status == "in_review":
            continue
        areas = governance_service.required_areas_for(session, workspace_id, review.use_case_id)
        for area in areas:
            reviewer_id = reviewer_ids[area]
            rejecting = case.status == "rejected" and area == "works_council"
            verdict = governance_schemas.VerdictCreate(
                verdict="reject" if rejecting else "approve",
                area=area,
                comment=(
                    "Ranking applicants is an automated decision about people in employment (Annex III); the "
                    "works council does not agree to it."
                    if rejecting
                    else "Checked against the policy for this area."
                ),
                conditions=(
                    [
                        governance_schemas.ConditionInput(
                            text="Re-check the accuracy on a sample of 200 cases after the pilot.",
                            due_on=today + timedelta(days=60),
                        )
                    ]
                    if area == "ai_governance" and case.risk != "minimal"
                    else []
                ),
            )
            governance_service.record_verdict(
                session,
                workspace_id,
                review.id,
                verdict,
                actor=f"person:{reviewer_id}",
                reviewer_id=reviewer_id,
                today=today,
            )
            if rejecting:
                break
        if case.status in ("approved", "rejected"):
            continue
        _move(session, workspace_id, case, today, live_since, paused_on, retired_on, lead_actor, lead_id)
    return DemoCatalog({c.slug: c for c in USE_CASES}, live_since, paused_on, retired_on, owner_ids)


# How long ago (days) each live use case started its pilot, rolled out and became generally available.
HISTORY = {
    "meeting-summaries": (175, 150, 110),
    "email-drafting": (170, 140, 90),
    "code-completion": (180, 160, 120),
    "claims-first-notice": (120, 80, None),
    "support-reply-drafts": (110, 70, None),
    "policy-translation": (100, 45, None),
    "knowledge-search": (150, 110, None),
    "damage-photo-triage": (50, None, None),
    "month-end-commentary": (40, None, None),
    "legacy-faq-bot": (182, 182, 182),
}
PAUSED_DAYS_AGO = {"knowledge-search": 12}
RETIRED_DAYS_AGO = {"legacy-faq-bot": 75}


def _move(
    session: Session,
    workspace_id: int,
    case: DemoUseCase,
    today: date,
    live_since: dict[str, date],
    paused_on: dict[str, date],
    retired_on: dict[str, date],
    actor: str,
    lead_id: int,
) -> None:
    pilot, rollout, general = HISTORY[case.slug]
    live_since[case.slug] = today - timedelta(days=pilot)
    steps = ["piloting"]
    if rollout is not None:
        steps.append("rolling_out")
    if general is not None:
        steps.append("generally_available")
    if case.status == "paused":
        steps.append("paused")
        paused_on[case.slug] = today - timedelta(days=PAUSED_DAYS_AGO[case.slug])
    if case.status == "retired":
        steps.append("retired")
        retired_on[case.slug] = today - timedelta(days=RETIRED_DAYS_AGO[case.slug])
    for step in steps:
        if step == "paused":
            _report_stale_answers(session, workspace_id, case, paused_on[case.slug], actor, lead_id)
            continue
        governance_service.move_use_case(
            session,
            workspace_id,
            case.slug,
            catalog_schemas.UseCaseStatus(step),
            actor=actor,
            person_id=lead_id,
        )


def _report_stale_answers(
    session: Session, workspace_id: int, case: DemoUseCase, day: date, actor: str, lead_id: int
) -> None:
    """The severity-1 incident that paused the use case (the workspace pauses on severity 1), dated the day it
    was reported; it is still being worked on."""
    incident = trust_incidents.report_incident(
        session,
        workspace_id,
        trust_schemas.IncidentCreate(
            use_case=case.slug,
            title="Answers quote procedures that were withdrawn in spring",
            description=(
                "Several answers cite the claims procedure of last year; two customers were told a deadline "
                "that no longer applies. The search index was not refreshed after the spring update."
            ),
            evidence="Feedback marked 'wrong' rose from 4% to 19% of answers over six weeks.",
            severity=1,
            harm_type="misinformation",
            failure_type="inaccurate_output",
        ),
        actor=actor,
        reporter_id=lead_id,
        analytics=None,  # its dates are set back below; the programme pushes the incidents once they are
    )
    reported = datetime.combine(day, time(9, 40), tzinfo=UTC)
    incident.due_at = reported + (incident.due_at - incident.reported_at)
    incident.reported_at = reported
    trust_incidents.update_incident(
        session,
        workspace_id,
        incident.id,
        trust_schemas.IncidentUpdate.model_validate({"status": "triaged"}),
        actor=actor,
        analytics=None,
    )
    incident.triaged_at = reported + timedelta(hours=3)
    session.flush()


def create_reviewer_board(
    session: Session, workspace_id: int, *, legal_id: int, security_id: int, domain: str, password: str
) -> dict[str, int]:
    """One reviewer per review area: the two reviewer personas and three colleagues with the reviewer role."""
    board = {"legal": legal_id, "security": security_id}
    for area, name, local, title in EXTRA_REVIEWERS:
        person = people_service.create_person(
            session,
            workspace_id,
            email=f"{local}@{domain}",
            display_name=name,
            external_id=f"P-{local}",
            job_title=title,
        )
        auth_service.create_account(
            session, workspace_id, person_id=person.id, roles=[Role.reviewer], password=password
        )
        board[area] = person.id
    return board
