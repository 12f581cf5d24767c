"""Control frameworks in a workspace (the shipped ones and its own), mapping use cases to their controls with
evidence and status, and the coverage view of a framework."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import utcnow
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound
from uptake.governance import compliance, repository, schemas
from uptake.governance.frameworks import (
    ControlRow,
    FrameworkDocument,
    control_rows,
    shipped_frameworks,
    validate_framework,
)
from uptake.governance.models import ControlMapping, ControlStatus, Framework


class FrameworkNotFound(NotFound):
    title = "There is no such control framework in this workspace."


class FrameworkSlugTaken(Conflict):
    title = "A framework with this slug already exists."


class ShippedFrameworkReadOnly(Conflict):
    title = "Frameworks shipped with uptake cannot be removed or replaced."


class ControlMappingNotFound(NotFound):
    title = "There is no such control mapping in this workspace."


@dataclass(frozen=True)
class FrameworkInfo:
    document: FrameworkDocument
    is_shipped: bool

    def as_summary(self) -> schemas.FrameworkSummary:
        document = self.document
        return schemas.FrameworkSummary(
            slug=document.slug,
            name=document.name,
            version=document.version,
            publisher=document.publisher,
            is_shipped=self.is_shipped,
            controls=len(control_rows(document)),
            leaves=len(document.leaves()),
        )


def list_frameworks(session: Session, workspace_id: int) -> list[FrameworkInfo]:
    """The shipped frameworks first, then the workspace's own, by slug."""
    own = [
        FrameworkInfo(validate_framework(row.document), False)
        for row in repository.list_frameworks(session, workspace_id)
    ]
    return [FrameworkInfo(document, True) for document in shipped_frameworks()] + own


def get_framework(session: Session, workspace_id: int, slug: str) -> FrameworkInfo:
    for document in shipped_frameworks():
        if document.slug == slug:
            return FrameworkInfo(document, True)
    row = repository.get_framework(session, workspace_id, slug)
    if row is None:
        raise FrameworkNotFound(f"no framework has the slug {slug!r}", slug=slug)
    return FrameworkInfo(validate_framework(row.document), False)


def add_framework(
    session: Session, workspace_id: int, document: FrameworkDocument, *, actor: str, person_id: int | None
) -> FrameworkInfo:
    """Add the workspace's own framework (ISO/IEC 42001, an internal policy) in the documented format."""
    if any(shipped.slug == document.slug for shipped in shipped_frameworks()):
        raise ShippedFrameworkReadOnly(f"{document.slug!r} is shipped with uptake; choose another slug")
    if repository.get_framework(session, workspace_id, document.slug) is not None:
        raise FrameworkSlugTaken(
            f"the slug {document.slug!r} is taken; remove that framework first", slug=document.slug
        )
    row = Framework(
        workspace_id=workspace_id,
        slug=document.slug,
        document=document.model_dump(mode="json", exclude_defaults=True),
        created_by_id=person_id,
    )
    session.add(row)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.framework.added",
        target=f"framework:{document.slug}",
        after={"name": document.name, "version": document.version, "leaves": len(document.leaves())},
    )
    return FrameworkInfo(document, False)


def remove_framework(session: Session, workspace_id: int, slug: str, *, actor: str) -> None:
    """Remove one of the workspace's own frameworks and the use cases' mappings to it."""
    if any(shipped.slug == slug for shipped in shipped_frameworks()):
        raise ShippedFrameworkReadOnly(f"{slug!r} is shipped with uptake and stays")
    row = repository.get_framework(session, workspace_id, slug)
    if row is None:
        raise FrameworkNotFound(f"no framework has the slug {slug!r}", slug=slug)
    mappings = repository.list_control_mappings(session, workspace_id, framework_slug=slug)
    for mapping in mappings:
        session.delete(mapping)
    session.delete(row)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.framework.removed",
        target=f"framework:{slug}",
        before={"mappings_removed": len(mappings)},
    )


def _mapping_snapshot(mapping: ControlMapping) -> dict[str, object]:
    return {
        "use_case_id": mapping.use_case_id,
        "framework": mapping.framework_slug,
        "control": mapping.control_id,
        "status": mapping.status.value,
        "evidence": mapping.evidence,
    }


def save_control_mapping(
    session: Session,
    workspace_id: int,
    use_case_slug: str,
    body: schemas.ControlMappingUpsert,
    *,
    actor: str,
    person_id: int | None,
) -> ControlMapping:
    """Map a use case to a control (a leaf of the framework), or update that mapping's status and evidence."""
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, use_case_slug)
    framework = get_framework(session, workspace_id, body.framework).document
    control = framework.find(body.control)
    if control is None:
        raise InvalidInput(
            errors=[FieldError("control", f"{framework.slug} has no control {body.control!r}")]
        )
    if not control.is_leaf:
        examples = ", ".join(child.id for child in control.controls[:3])
        raise InvalidInput(
            errors=[FieldError("control", f"map to one of its controls instead, such as {examples}")]
        )
    mapping = repository.find_control_mapping(session, workspace_id, use_case.id, framework.slug, control.id)
    before = None if mapping is None else _mapping_snapshot(mapping)
    if mapping is None:
        mapping = ControlMapping(
            workspace_id=workspace_id,
            use_case_id=use_case.id,
            framework_slug=framework.slug,
            control_id=control.id,
        )
        session.add(mapping)
    mapping.status = body.status
    mapping.evidence = [link.model_dump() for link in body.evidence]
    mapping.notes = body.notes
    mapping.updated_by_id = person_id
    mapping.updated_at = utcnow()
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.control_mapping.saved",
        target=f"use_case:{use_case.id}",
        before=before,
        after=_mapping_snapshot(mapping),
    )
    return mapping


def delete_control_mapping(session: Session, workspace_id: int, mapping_id: int, *, actor: str) -> None:
    mapping = repository.get_control_mapping(session, workspace_id, mapping_id)
    if mapping is None:
        raise ControlMappingNotFound(f"mapping {mapping_id} does not exist", mapping_id=mapping_id)
    before = _mapping_snapshot(mapping)
    session.delete(mapping)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="governance.control_mapping.deleted",
        target=f"use_case:{mapping.use_case_id}",
        before=before,
    )


def list_control_mappings(session: Session, workspace_id: int, use_case_slug: str) -> list[ControlMapping]:
    use_case = catalog_service.get_use_case_by_slug(session, workspace_id, use_case_slug)
    return repository.list_control_mappings(session, workspace_id, use_case_id=use_case.id)


@dataclass(frozen=True)
class ControlCoverage:
    """A control with the use cases mapped to it and their status, and the use cases the compliance rules require it
    of (``governance/data/compliance_rules.yaml``). ``scope`` is the rule's: ``use_case`` (each use case it applies
    to must meet it; also the default for a control no rule names) or ``organization`` (met once)."""

    row: ControlRow
    use_cases: dict[str, ControlStatus]
    required_of: tuple[str, ...] = ()
    scope: str = "use_case"

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(status.value for status in self.use_cases.values()))

    @property
    def unmapped_required(self) -> list[str]:
        return [slug for slug in self.required_of if slug not in self.use_cases]

    @property
    def is_implemented(self) -> bool:
        """Organization-wide: one use case (or the workspace) implemented it. Per use case: every use case it
        applies to (each mapped to it, and each the rules require it of) has it implemented or not applicable."""
        done = {ControlStatus.implemented, ControlStatus.not_applicable}
        if self.scope == "organization":
            return any(status == ControlStatus.implemented for status in self.use_cases.values())
        if not self.use_cases or self.unmapped_required:
            return False
        return all(status in done for status in self.use_cases.values())


@dataclass(frozen=True)
class FrameworkCoverage:
    framework: FrameworkInfo
    controls: list[ControlCoverage]

    @property
    def leaves(self) -> list[ControlCoverage]:
        return [control for control in self.controls if control.row.control.is_leaf]

    @property
    def leaves_mapped(self) -> int:
        return sum(1 for control in self.leaves if control.use_cases)

    @property
    def leaves_implemented(self) -> int:
        """Leaves implemented where they apply: every applicable use case for a per-use-case duty, once for an
        organization-wide one (see ``ControlCoverage.is_implemented``)."""
        return sum(1 for control in self.leaves if control.is_implemented)

    def as_schema(self) -> schemas.FrameworkCoverage:
        return schemas.FrameworkCoverage(
            slug=self.framework.document.slug,
            name=self.framework.document.name,
            leaves=len(self.leaves),
            leaves_mapped=self.leaves_mapped,
            leaves_implemented=self.leaves_implemented,
            controls=[
                schemas.ControlCoverage(
                    id=control.row.control.id,
                    title=control.row.control.title,
                    text=control.row.control.text,
                    reference=control.row.control.reference,
                    depth=control.row.depth,
                    parent_id=control.row.parent_id,
                    is_leaf=control.row.control.is_leaf,
                    applies_to=list(control.row.control.applies_to),
                    use_cases={slug: status.value for slug, status in control.use_cases.items()},
                    counts=control.counts,
                    scope=control.scope,
                    required_of=list(control.required_of),
                    is_implemented=control.is_implemented,
                )
                for control in self.controls
            ],
        )


def framework_coverage(session: Session, workspace_id: int, slug: str) -> FrameworkCoverage:
    """Every control of the framework in order, with the use cases mapped to it and their status."""
    framework = get_framework(session, workspace_id, slug)
    mappings = repository.list_control_mappings(session, workspace_id, framework_slug=framework.document.slug)
    slugs = {
        use_case.id: use_case.slug
        for use_case in catalog_service.list_use_cases_by_ids(
            session, workspace_id, {m.use_case_id for m in mappings}
        )
    }
    by_control: dict[str, dict[str, ControlStatus]] = {}
    for mapping in mappings:
        by_control.setdefault(mapping.control_id, {})[
            slugs.get(mapping.use_case_id, str(mapping.use_case_id))
        ] = mapping.status
    required_of: dict[str, list[str]] = {}
    scopes: dict[str, str] = {}
    if framework.is_shipped:
        rules = [
            rule for rule in compliance.shipped_rules().controls if rule.framework == framework.document.slug
        ]
        scopes = {rule.control: rule.scope for rule in rules}
        use_cases, _ = catalog_service.list_use_cases(session, workspace_id, limit=10_000)
        for use_case in use_cases:
            if use_case.status.value == "retired":
                continue
            facts = compliance.facts_of(
                session, workspace_id, catalog_schemas.UseCase.model_validate(use_case)
            )
            for rule in rules:
                if rule.scope == "use_case" and compliance.rule_applies(rule, facts):
                    required_of.setdefault(rule.control, []).append(use_case.slug)
    return FrameworkCoverage(
        framework,
        [
            ControlCoverage(
                row,
                dict(sorted(by_control.get(row.control.id, {}).items())),
                tuple(sorted(required_of.get(row.control.id, []))),
                scopes.get(row.control.id, "use_case"),
            )
            for row in control_rows(framework.document)
        ],
    )
