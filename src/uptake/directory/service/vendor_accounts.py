"""Who is who at the vendors: links from a vendor's account names (GitHub logins, Microsoft user principal
names) to directory people, kept here so every import and connector reads the same answer.

A link comes from a people import or SCIM attribute, from the vendor where it can tell (`vendor`: a GitHub SAML
identity, a user principal name that is the person's email), or from someone by hand (`manual`). An account is
linked to at most one person; linking it again moves it (and says to whom it was linked before). Accounts are
kept lower-cased. Every change is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory import repository
from uptake.directory.models import VendorAccount
from uptake.errors import FieldError, InvalidInput

VENDORS = ("github", "microsoft")
SOURCES = ("people_import", "scim", "vendor", "manual")


@dataclass(frozen=True, slots=True)
class VendorAccountLink:
    vendor: str
    account: str
    person_id: int
    source: str
    previous_person_id: int | None = None
    """The person the account was linked to before this link moved it (None: new or unchanged)."""


def _check(vendor: str, account: str, source: str) -> str:
    errors = []
    if vendor not in VENDORS:
        errors.append(FieldError("vendor", f"must be one of {', '.join(VENDORS)}"))
    if source not in SOURCES:
        errors.append(FieldError("source", f"must be one of {', '.join(SOURCES)}"))
    cleaned = account.strip().lower()
    if not cleaned or len(cleaned) > 200:
        errors.append(FieldError("account", "must be 1 to 200 characters"))
    if errors:
        raise InvalidInput(errors=errors)
    return cleaned


def link_vendor_account(
    session: Session, workspace_id: int, *, vendor: str, account: str, person_id: int, source: str, actor: str
) -> VendorAccountLink:
    """Link `account` at `vendor` to the person (who must be in the directory)."""
    account = _check(vendor, account, source)
    if repository.get_person(session, workspace_id, person_id) is None:
        raise InvalidInput(errors=[FieldError("person", f"person {person_id} is not in the directory")])
    row = repository.get_vendor_account(session, workspace_id, vendor, account)
    previous = None
    if row is None:
        row = VendorAccount(
            workspace_id=workspace_id, vendor=vendor, account=account, person_id=person_id, source=source
        )
        session.add(row)
    elif row.person_id != person_id:
        previous = row.person_id
        row.person_id = person_id
        row.source = source
    else:
        return VendorAccountLink(vendor, account, person_id, row.source)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.vendor_account.linked",
        target=f"vendor_account:{vendor}:{account}",
        before={"person_id": previous} if previous is not None else None,
        after={"person_id": person_id, "source": source},
    )
    return VendorAccountLink(vendor, account, person_id, source, previous)


def vendor_account_links(session: Session, workspace_id: int, vendor: str) -> dict[str, int]:
    """Every linked account at `vendor` → its person's id."""
    return {
        row.account: row.person_id for row in repository.list_vendor_accounts(session, workspace_id, vendor)
    }


def list_vendor_account_links(session: Session, workspace_id: int, vendor: str) -> list[VendorAccountLink]:
    return [
        VendorAccountLink(row.vendor, row.account, row.person_id, row.source)
        for row in repository.list_vendor_accounts(session, workspace_id, vendor)
    ]
