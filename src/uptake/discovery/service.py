"""Shadow-AI discovery's door: which AI tools people use without approval, and what the programme does about
them.

- `import_log` reads a proxy / CASB / SaaS-discovery export (`intake.py`) against the workspace's map of AI
  services (`service_map`: the shipped data file of `ai_services.py` with the workspace's own domains over it,
  kept by `add_service_domain` and `remove_service_domain`).
- `figures.py` gives each tool's figures behind the privacy floor, and the named users for admins (audited).
- `decisions.py` proposes a tool as a candidate (a catalog tool and a draft use case in governance's intake
  review), dismisses or blocks it.
- The privacy domain reaches a person's sightings through `sightings_of_person` and `erase_person_sightings`.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
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
from uptake.discovery.models import LogFormat, ServiceDomain
from uptake.errors import FieldError, InvalidInput, NotFound


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
