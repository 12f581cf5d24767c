"""The compliance pack of a use case, for an auditor: Markdown (for a repository or a wiki), PDF (that Markdown laid
out by WeasyPrint, as the executive report) and NIST OSCAL assessment results (JSON, validated with
compliance-trestle's OSCAL models before it leaves). It stays whole: the three formats render one pack, the
Markdown is the PDF's source, and reading the extract back out of each format sits beside writing it.

It holds the use case, its current use card and the card's history, the risk assessment and tier, the review trail
with reviewers and verdicts, the conditions and their status, the required controls with their evidence and gaps,
the training coverage of the people entitled to it (above the privacy floor only), the monitoring figures (through
the floor), the incidents, and an extract of the audit log with each entry's seal, the seal before it and the
checkpoint kept outside the database, which ``uptake audit verify --export FILE`` checks against the database.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.directory.service import people as people_service
from uptake.governance import compliance, repository, schemas
from uptake.web.markdown import render_markdown
from uptake.workspaces import service as workspaces_service

FORMATS = ("markdown", "pdf", "oscal")
MEDIA_TYPES = {
    "markdown": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
    "oscal": "application/json",
}
SUFFIXES = {"markdown": "md", "pdf": "pdf", "oscal": "json"}
OSCAL_VERSION = "1.1.2"
EXTRACT_FENCE = "uptake-audit-extract"
AUDIT_EXTRACT_LIMIT = 200
UPTAKE_NS = "https://uptake.dev/ns/oscal"
_PACK_NAMESPACE = uuid.UUID("6b2f3d1e-8c55-4a51-9d7e-0f7c2a3b9e10")


class PackRenderingUnavailable(RuntimeError):
    """The PDF renderer (WeasyPrint and its system libraries) is not installed here."""


class OscalInvalid(ValueError):
    """The OSCAL document uptake wrote does not validate: a bug, never sent."""


@dataclass
class CompliancePack:
    workspace_id: int
    workspace_name: str
    assessment: compliance.UseCaseCompliance
    card: Any
    card_history: list[Any]
    risk: Any
    reviews: list[dict[str, Any]]
    decisions: list[Any]
    conditions: list[Any]
    training: dict[str, Any]
    monitoring: dict[str, object] | None
    incidents: list[Any]
    audit: dict[str, Any]
    names: dict[int, str] = field(default_factory=dict)

    @property
    def use_case(self) -> catalog_schemas.UseCase:
        return self.assessment.use_case

    @property
    def generated_at(self) -> datetime:
        moment = self.assessment.generated_at
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def build_pack(
    session: Session,
    workspace_id: int,
    slug: str,
    *,
    analytics: analytics_service.Analytics | None = None,
    now: datetime | None = None,
) -> CompliancePack:
    """Gather everything the pack holds from the records, through the other domains' services."""
    result, gatherer = compliance.assess_use_case(session, workspace_id, slug, analytics=analytics, now=now)
    use_case = result.use_case
    reviews = repository.list_reviews(session, workspace_id, use_case_id=use_case.id, limit=1000)
    decisions = repository.list_decisions(session, workspace_id, use_case.id)
    conditions = repository.list_conditions_for_reviews(
        session, workspace_id, [review.id for review in reviews]
    )
    people = {use_case.owner_id} | {verdict.reviewer_id for review in reviews for verdict in review.verdicts}
    wanted = sorted(person for person in people if person is not None)
    names = {
        person.id: person.display_name
        for person in people_service.list_people_by_ids(session, workspace_id, wanted)
    }
    entitled, trained, floor, modules = gatherer.training_coverage()
    return CompliancePack(
        workspace_id=workspace_id,
        workspace_name=workspaces_service.get_workspace(session, workspace_id).name,
        assessment=result,
        card=gatherer.card,
        card_history=catalog_service.list_use_card_versions(session, workspace_id, slug),
        risk=repository.get_risk_assessment(session, workspace_id, use_case.id),
        reviews=[
            {
                "id": review.id,
                "kind": review.kind.value,
                "status": review.status.value,
                "submitted_at": review.submitted_at,
                "closed_at": review.closed_at,
                "use_card_version": review.use_card_version,
                "verdicts": [
                    {
                        "area": verdict.area,
                        "reviewer": names.get(verdict.reviewer_id, f"person {verdict.reviewer_id}"),
                        "verdict": verdict.verdict.value,
                        "comment": verdict.comment,
                        "at": verdict.created_at,
                    }
                    for verdict in review.verdicts
                ],
            }
            for review in sorted(reviews, key=lambda item: (item.submitted_at, item.id))
        ],
        decisions=sorted(decisions, key=lambda item: (item.decided_at, item.id)),
        conditions=conditions,
        training={"entitled": entitled, "trained": trained, "floor": floor, "modules": modules},
        monitoring=gatherer.monitoring(),
        incidents=gatherer.incidents(),
        audit=audit_service.audit_extract(
            session,
            workspace_id,
            gatherer.audit_targets(),
            limit=AUDIT_EXTRACT_LIMIT,
            report=gatherer.chain_report(),
        ),
        names=names,
    )


def compliance_schema(result: compliance.UseCaseCompliance) -> schemas.UseCaseCompliance:
    return schemas.UseCaseCompliance(
        use_case=result.use_case.slug,
        facts=result.facts.as_dict(),
        generated_at=result.generated_at,
        required=len(result.controls),
        met=len(result.met),
        missing=len(result.missing),
        controls=[
            schemas.RequiredControl(
                framework=control.rule.framework,
                control=control.rule.control,
                title=control.control.title,
                scope=control.rule.scope,
                status=control.status,
                why=control.why,
                evidence=[
                    schemas.EvidenceItem(
                        kind=item.kind,
                        satisfied=item.satisfied,
                        summary=item.summary,
                        source=item.source,
                        dated=item.dated,
                        version=item.version,
                        details=item.details,
                    )
                    for item in control.evidence
                ],
                gaps=control.gaps,
            )
            for control in result.controls
        ],
    )


# ---------------------------------------------------------------- Markdown


def _cell(value: object) -> str:
    return " ".join(str(value if value is not None else "").split()).replace("|", "\\|")


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def render_markdown_pack(pack: CompliancePack) -> str:
    use_case = pack.use_case
    facts = pack.assessment.facts
    oversight = use_case.human_oversight.value.replace("_", " ") if use_case.human_oversight else "not set"
    lines: list[str] = [
        f"# Compliance pack: {use_case.title}",
        "",
        f"Workspace **{pack.workspace_name}** · use case `{use_case.slug}` · generated {_day(pack.generated_at)} "
        "by uptake. Every statement below comes from uptake's records; the last section says how to verify the "
        "audit trail. What this pack does not prove: docs/compliance.md.",
        "",
        "## The use case",
        "",
        "| Field | Value |",
        "| --- | --- |",
        f"| Title | {_cell(use_case.title)} |",
        f"| Summary | {_cell(use_case.summary)} |",
        f"| Status | {use_case.status.value} |",
        f"| Owner | {_cell(pack.names.get(use_case.owner_id or 0, 'none'))} |",
        f"| Risk tier | {facts.tier or 'not assessed'} |",
        f"| Data classes | {', '.join(facts.data_classes) or 'none'} |",
        f"| Deployment | {', '.join(facts.deployment).replace('_', ' ')} |",
        f"| Annex III areas | {', '.join(facts.annex_iii) or 'none'} |",
        f"| Human oversight | {oversight} |",
        "",
    ]
    summary = pack.assessment
    lines += [
        "## Required controls",
        "",
        f"{len(summary.controls)} required, {len(summary.met)} met, {len(summary.missing)} missing.",
        "",
        "| Framework | Control | Scope | Status | Why it is required |",
        "| --- | --- | --- | --- | --- |",
    ]
    for control in summary.controls:
        lines.append(
            f"| {control.rule.framework} | {_cell(control.rule.control)} {_cell(_short(control.control.label))} | "
            f"{control.rule.scope.replace('_', ' ')} | **{control.status.replace('_', ' ')}** | {_cell(control.why)} |"
        )
    lines += ["", "### Evidence and gaps", ""]
    for control in summary.controls:
        lines.append(f"#### {control.rule.control}: {control.status.replace('_', ' ')}")
        lines.append("")
        for item in control.evidence:
            mark = "✓" if item.satisfied else "✗"
            dated = f", {_day(item.dated)}" if item.dated else ""
            version = f", {item.version}" if item.version else ""
            lines.append(
                f"- {mark} **{item.kind.replace('_', ' ')}**: {_cell(item.summary)} (`{item.source}`{dated}{version})"
            )
            lines.extend(f"  - {_cell(detail)}" for detail in item.details[:20])
        lines.extend(f"- Gap: {_cell(gap)}" for gap in control.gaps)
        lines.append("")
    lines += ["## Use card", ""]
    card = pack.card
    if card is None:
        lines += ["The use case has no use card.", ""]
    else:
        lines += [f"Version {card.version}, {_day(card.created_at)}.", ""]
        for section in catalog_service.use_card_sections():
            text = getattr(card, section.key, "") or ""
            lines += [f"### {section.title}", "", text.strip() or "_(empty)_", ""]
    lines += ["### History", "", "| Version | Date | Change |", "| --- | --- | --- |"]
    lines += [
        f"| {version.version} | {_day(version.created_at)} | {_cell(version.changelog)} |"
        for version in pack.card_history
    ]
    lines += ["", "## Risk assessment", ""]
    risk = pack.risk
    if risk is None:
        lines += ["Not assessed.", ""]
    else:
        lines += [
            f"Tier **{risk.tier}** (proposed {risk.proposed_tier}), assessed {_day(risk.assessed_at)}.",
            "",
        ]
        if risk.override_tier:
            lines += [f"Overridden to {risk.override_tier}: {_cell(risk.override_justification)}", ""]
        lines += [
            f"- {_cell(reason.get('reason'))} ({_cell(reason.get('reference'))})" for reason in risk.reasons
        ]
        lines += ["", "| Question | Answer |", "| --- | --- |"]
        lines += [f"| {_cell(key)} | {_cell(value)} |" for key, value in sorted(risk.answers.items())]
        lines.append("")
    lines += ["## Review trail", ""]
    if not pack.reviews:
        lines += ["No review yet.", ""]
    for review in pack.reviews:
        lines += [
            f"### Review {review['id']} ({review['kind'].replace('_', ' ')}): {review['status'].replace('_', ' ')}",
            "",
            f"Submitted {_day(review['submitted_at'])} with use card v{review['use_card_version']}"
            + (f", closed {_day(review['closed_at'])}." if review["closed_at"] else "."),
            "",
            "| Area | Reviewer | Verdict | Date | Comment |",
            "| --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {_cell(v['area'])} | {_cell(v['reviewer'])} | {v['verdict'].replace('_', ' ')} | {_day(v['at'])} | "
            f"{_cell(v['comment'])} |"
            for v in review["verdicts"]
        ]
        lines.append("")
    lines += ["### Decisions", "", "| Decided | Outcome | Tier | Next review |", "| --- | --- | --- | --- |"]
    lines += [
        f"| {_day(d.decided_at)} | {d.outcome.value} | {d.risk_tier} | {d.next_review_on or ''} |"
        for d in pack.decisions
    ]
    lines += ["", "## Conditions", ""]
    if not pack.conditions:
        lines += ["None.", ""]
    else:
        lines += ["| Condition | Due | Status | Resolved |", "| --- | --- | --- | --- |"]
        lines += [
            f"| {_cell(c.text)} | {c.due_on or ''} | {c.status.value} | {_day(c.resolved_at)} |"
            for c in pack.conditions
        ]
        lines.append("")
    training = pack.training
    lines += ["## Training coverage", ""]
    if not training["modules"]:
        lines += ["The use case names no required training.", ""]
    elif training["entitled"] is None:
        lines += [
            f"Required: {', '.join(training['modules'])}. Fewer than {training['floor']} people are entitled "
            "through a rollout wave, so no figure is shown (privacy floor).",
            "",
        ]
    else:
        lines += [
            f"Required: {', '.join(training['modules'])}. {training['trained']} of {training['entitled']} entitled "
            f"people completed it (figures of groups of at least {training['floor']} people only).",
            "",
        ]
    lines += ["## Monitoring figures", ""]
    if pack.monitoring is None:
        lines += ["Not gathered.", ""]
    else:
        lines += ["| Figure | Value |", "| --- | --- |"]
        lines += [f"| {_cell(name)} | {_cell(value)} |" for name, value in pack.monitoring.items()]
        lines.append("")
    lines += ["## Incidents", ""]
    if not pack.incidents:
        lines += ["None recorded.", ""]
    else:
        lines += [
            "| Id | Title | Severity | Status | Reported | Resolved | Resolution |",
            "| --- | --- | --- | --- | --- | --- | --- |",
        ]
        lines += [
            f"| {i.id} | {_cell(i.title)} | {i.severity} | {i.status.value} | {_day(i.reported_at)} | "
            f"{_day(i.resolved_at)} | {_cell(_resolution(i))} |"
            for i in pack.incidents
        ]
        lines.append("")
    audit = pack.audit
    checkpoint = audit.get("checkpoint")
    lines += [
        "## Audit-log extract",
        "",
        f"{len(audit['entries'])} entries about this use case, its reviews, conditions and incidents. The whole chain "
        f"held {audit['chain']['entries']} entries when the pack was made and was "
        + ("intact" if audit["chain"]["intact"] else f"broken: {audit['chain']['break']}")
        + "; the checkpoint kept outside the database named "
        + (f"entry #{checkpoint['seq']} with seal `{checkpoint['hash']}`." if checkpoint else "no entry.")
        + " Verify with `uptake audit verify --export THIS_FILE`.",
        "",
        "| # | When | Actor | Action | Target | Seal | Previous seal |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| {e['seq']} | {e['created_at']} | {_cell(e['actor'])} | {_cell(e['action'])} | {_cell(e['target'])} | "
        f"`{e['entry_hash'][:16]}…` | `{e['prev_hash'][:16]}…` |"
        for e in audit["entries"]
    ]
    lines += [
        "",
        f"```{EXTRACT_FENCE}",
        json.dumps(audit, indent=1, ensure_ascii=False, sort_keys=True),
        "```",
        "",
    ]
    return "\n".join(lines)


def _resolution(incident: Any) -> str:
    return " / ".join(
        part for part in (incident.root_cause, incident.fix, incident.post_incident_note) if part
    )


# ---------------------------------------------------------------- PDF

_PDF_STYLE = """
@page { size: A4; margin: 16mm 14mm; @bottom-right { content: counter(page) " / " counter(pages); font-size: 8pt; } }
body { font-family: sans-serif; font-size: 9pt; color: #1d2330; }
h1 { font-size: 18pt; color: #23395d; border-bottom: 3px solid #3a6ea5; padding-bottom: 4px; }
h2 { font-size: 13pt; color: #23395d; margin-top: 18px; border-bottom: 1px solid #c8d3e1; }
h3, h4 { font-size: 10.5pt; color: #23395d; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
th { background: #dfe8f3; text-align: left; }
th, td { border: 1px solid #c8d3e1; padding: 3px 5px; vertical-align: top; word-break: break-word; }
strong { color: #7a1f1f; }
code { font-size: 8pt; }
pre { font-size: 6pt; white-space: pre-wrap; word-break: break-all; background: #f4f6f9; padding: 4px; }
"""


def render_html_pack(pack: CompliancePack) -> str:
    body = render_markdown(render_markdown_pack(pack))
    title = _cell(pack.use_case.title).replace("<", "&lt;")
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Compliance pack: {title}</title>'
        f"<style>{_PDF_STYLE}</style></head><body>{body}</body></html>"
    )


def render_pdf_pack(pack: CompliancePack) -> bytes:
    """The Markdown pack laid out by WeasyPrint, with the audit extract also attached as a JSON file."""
    try:
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango is missing
        raise PackRenderingUnavailable(
            "the PDF pack needs WeasyPrint and the Pango library (Debian: apt-get install libpango-1.0-0); "
            f"the Markdown and OSCAL packs work without them ({error})"
        ) from error
    extract = weasyprint.Attachment(
        string=json.dumps(pack.audit, ensure_ascii=False, sort_keys=True),
        base_url=None,
        name="audit-extract.json",
        description="uptake audit extract",
    )
    return bytes(weasyprint.HTML(string=render_html_pack(pack)).write_pdf(attachments=[extract]))


# ---------------------------------------------------------------- OSCAL


def oscal_token(control_id: str) -> str:
    """An OSCAL token (``govern-1.6``, ``art-26-5``) for a control id (``GOVERN 1.6``, ``Art. 26(5)``)."""
    token = re.sub(r"[^a-z0-9.]+", "-", control_id.lower()).replace(".-", "-").strip("-.")
    return token if token and token[0].isalpha() else f"c-{token}"


def _iso(moment: datetime | None) -> str:
    moment = moment or datetime.now(UTC)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def render_oscal_pack(pack: CompliancePack) -> dict[str, Any]:
    """OSCAL assessment results: one result for the use case, an observation per piece of evidence, a finding per
    required control (satisfied or not), the facts as properties, the audit extract as a back-matter resource."""
    use_case = pack.use_case
    seed = f"{pack.workspace_id}:{use_case.slug}:{_iso(pack.generated_at)}"

    def uid(*parts: object) -> str:
        return str(uuid.uuid5(_PACK_NAMESPACE, seed + ":" + ":".join(str(part) for part in parts)))

    observations: list[dict[str, Any]] = []
    findings: list[dict[str, Any]] = []
    for index, control in enumerate(pack.assessment.controls):
        related = []
        for number, item in enumerate(control.evidence):
            observation_id = uid("observation", index, number)
            related.append({"observation-uuid": observation_id})
            observation: dict[str, Any] = {
                "uuid": observation_id,
                "title": f"{control.rule.control}: {item.kind.replace('_', ' ')}",
                "description": item.summary or item.kind,
                "props": [
                    {"name": "evidence-kind", "ns": UPTAKE_NS, "value": item.kind},
                    {"name": "satisfied", "ns": UPTAKE_NS, "value": "true" if item.satisfied else "false"},
                ],
                "methods": ["EXAMINE"],
                "types": ["control-objective"],
                "collected": _iso(item.dated or pack.generated_at),
                "relevant-evidence": [{"href": item.source, "description": item.summary or item.kind}],
            }
            if item.details:
                observation["remarks"] = "\n".join(item.details[:50])
            observations.append(observation)
        findings.append(
            {
                "uuid": uid("finding", index),
                "title": f"{control.rule.framework} {control.rule.control} {control.control.title}".strip(),
                "description": control.why,
                "props": [
                    {"name": "framework", "ns": UPTAKE_NS, "value": control.rule.framework},
                    {"name": "scope", "ns": UPTAKE_NS, "value": control.rule.scope.replace("_", "-")},
                ],
                "target": {
                    "type": "objective-id",
                    "target-id": oscal_token(control.rule.control),
                    "title": control.rule.control,
                    "status": {"state": "satisfied" if control.status != "missing" else "not-satisfied"}
                    | ({"remarks": "; ".join(control.gaps)} if control.gaps else {}),
                },
                "related-observations": related,
            }
        )
    facts = pack.assessment.facts
    facts_props = [
        {"name": "risk-tier", "ns": UPTAKE_NS, "value": facts.tier or "not-assessed"},
        *({"name": "data-class", "ns": UPTAKE_NS, "value": value} for value in facts.data_classes),
        *(
            {"name": "deployment", "ns": UPTAKE_NS, "value": value.replace("_", "-")}
            for value in facts.deployment
        ),
    ]
    result: dict[str, Any] = {
        "uuid": uid("result"),
        "title": f"Compliance of the use case {use_case.title}",
        "description": use_case.summary or use_case.title,
        "start": _iso(pack.generated_at),
        "props": facts_props,
        "reviewed-controls": {
            "control-selections": [
                {
                    "include-controls": [
                        {"control-id": oscal_token(control.rule.control)}
                        for control in pack.assessment.controls
                    ]
                }
            ]
            if pack.assessment.controls
            else [{"include-all": {}}]
        },
    }
    if observations:
        result["observations"] = observations
    if findings:
        result["findings"] = findings
    extract = json.dumps(pack.audit, ensure_ascii=False, sort_keys=True).encode("utf-8")
    return {
        "assessment-results": {
            "uuid": uid("assessment-results"),
            "metadata": {
                "title": f"uptake compliance pack: {use_case.title}",
                "last-modified": _iso(pack.generated_at),
                "version": f"{use_case.slug}-{pack.generated_at.strftime('%Y%m%dT%H%M%SZ')}",
                "oscal-version": OSCAL_VERSION,
                "props": [
                    {"name": "workspace", "ns": UPTAKE_NS, "value": _cell(pack.workspace_name) or "workspace"}
                ],
            },
            "import-ap": {"href": f"/api/v1/use-cases/{use_case.slug}/compliance-pack"},
            "results": [result],
            "back-matter": {
                "resources": [
                    {
                        "uuid": uid("audit-extract"),
                        "title": "uptake audit extract",
                        "description": "Audit entries, their seals and the checkpoint (uptake audit verify --export)",
                        "base64": {
                            "filename": "audit-extract.json",
                            "media-type": "application/json",
                            "value": base64.b64encode(extract).decode("ascii"),
                        },
                    }
                ]
            },
        }
    }


def validate_oscal(document: dict[str, Any]) -> None:
    """Validate with compliance-trestle's OSCAL models (generated from NIST's published schemas)."""
    from pydantic import ValidationError
    from trestle.oscal.assessment_results import Model

    try:
        Model.model_validate(document)
    except ValidationError as error:
        raise OscalInvalid(str(error)) from error


def render(pack: CompliancePack, fmt: str) -> bytes:
    if fmt == "markdown":
        return render_markdown_pack(pack).encode("utf-8")
    if fmt == "pdf":
        return render_pdf_pack(pack)
    document = render_oscal_pack(pack)
    validate_oscal(document)
    return json.dumps(document, indent=1, ensure_ascii=False).encode("utf-8")


def extract_from_pack(content: bytes) -> dict[str, Any]:
    """The audit extract inside a pack file: the Markdown's fenced block, the OSCAL back-matter resource, the
    PDF's attachment, or a bare extract. ValueError when there is none."""
    if content.startswith(b"%PDF"):
        return _extract_from_pdf(content)
    text = content.decode("utf-8")
    fence = re.search(rf"```{EXTRACT_FENCE}\n(.*?)\n```", text, flags=re.S)
    if fence:
        return dict(json.loads(fence.group(1)))
    try:
        document = json.loads(text)
    except json.JSONDecodeError:
        raise ValueError("the file is neither a compliance pack nor an audit extract") from None
    if isinstance(document, dict) and "assessment-results" in document:
        for resource in document["assessment-results"].get("back-matter", {}).get("resources", []):
            encoded = resource.get("base64", {})
            if encoded.get("filename") == "audit-extract.json":
                return dict(json.loads(base64.b64decode(encoded["value"])))
        raise ValueError("the OSCAL document carries no audit extract")
    if isinstance(document, dict) and "entries" in document:
        return document
    raise ValueError("the file is neither a compliance pack nor an audit extract")


def _extract_from_pdf(content: bytes) -> dict[str, Any]:
    import pypdfium2  # type: ignore[import-untyped]

    pdf = pypdfium2.PdfDocument(content)
    for index in range(pdf.count_attachments()):
        attachment = pdf.get_attachment(index)
        if attachment.get_name() == "audit-extract.json":
            return dict(json.loads(bytes(attachment.get_data())))
    raise ValueError("the PDF carries no audit extract")
