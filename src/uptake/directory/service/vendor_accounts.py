"""Who is who at the vendors: links from a vendor's account names (GitHub logins, Microsoft user principal
names) to directory people, kept here so every import and connector reads the same answer.

A link comes from a people import or SCIM attribute, from the vendor where it can tell (`vendor`: a GitHub SAML
identity, a user principal name that is the person's email), or from someone by hand (`manual`). An account is
linked to at most one person; linking it again moves it (and says to whom it was linked before). Accounts are
kept lower-cased. Every change is audited.

A people import and SCIM link many accounts at once with `link_vendor_accounts`, which never moves a link (an
account linked to someone else is the caller's error to report). A domain that must act on new links (the
connectors move the usage already stored under the account to the person) registers a listener with
`on_linked` from its own service: the directory calls it without importing that domain.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.directory import repository
from uptake.directory.models import VendorAccount
from uptake.errors import FieldError, InvalidInput

VENDORS = ("github", "microsoft")
SOURCES = ("people_import", "scim", "vendor", "manual")
# A GitHub login: letters, digits and hyphens (an Enterprise Managed User's adds `_` and the enterprise's short
# code). A Microsoft user principal name is usually email-shaped, but only spaces are refused: Microsoft's
# reports can carry other forms (a concealed name is an opaque id), and SCIM clients send what they hold.
GITHUB_LOGIN = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
USER_PRINCIPAL_NAME = re.compile(r"\S{1,200}")
ACCOUNT_SHAPES = {
    "github": (GITHUB_LOGIN, "a GitHub login (letters, digits, '-' and '_')"),
    "microsoft": (USER_PRINCIPAL_NAME, "a user principal name (no spaces), like ada@example.com"),
}


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


# (session, workspace id, the links just made, actor), called after `link_vendor_accounts` made new links.
LinkListener = Callable[[Session, int, Sequence["VendorAccountLink"], str], object]
_link_listeners: list[LinkListener] = []


def on_linked(listener: LinkListener) -> None:
    """Call ``listener`` whenever a people import or SCIM links accounts (registered once, however often)."""
    if listener not in _link_listeners:
        _link_listeners.append(listener)


def checked_account(vendor: str, account: str) -> str:
    """The account as kept (trimmed, lower-cased); ValueError saying what it must look like otherwise."""
    cleaned = account.strip().lower()
    shape, description = ACCOUNT_SHAPES[vendor]
    if len(cleaned) > 200 or not shape.fullmatch(cleaned):
        raise ValueError(f"{account.strip()!r} is not {description}")
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


def link_vendor_accounts(
    session: Session,
    workspace_id: int,
    links: Sequence[tuple[str, str, int]],
    *,
    source: str,
    actor: str,
) -> list[VendorAccountLink]:
    """Link each (vendor, account, person id) not linked yet, in one audit entry, and tell the listeners about
    the new links; a link that exists already is left as it is. An account linked to another person is refused
    (InvalidInput naming it): the caller checks with `vendor_account_links` first and reports the row."""
    made: list[VendorAccountLink] = []
    known: dict[str, dict[str, int]] = {}
    for vendor, account, person_id in links:
        account = _check(vendor, account, source)
        current = known.setdefault(vendor, vendor_account_links(session, workspace_id, vendor))
        owner = current.get(account)
        if owner == person_id:
            continue
        if owner is not None:
            raise InvalidInput(
                errors=[
                    FieldError("account", f"{vendor} account {account} is linked to person {owner} already")
                ]
            )
        current[account] = person_id
        made.append(VendorAccountLink(vendor, account, person_id, source))
    if not made:
        return made
    repository.insert_vendor_accounts(
        session,
        workspace_id,
        [
            {"vendor": link.vendor, "account": link.account, "person_id": link.person_id, "source": source}
            for link in made
        ],
    )
    by_vendor: dict[str, int] = {}
    for link in made:
        by_vendor[link.vendor] = by_vendor.get(link.vendor, 0) + 1
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.vendor_accounts.linked",
        target=f"workspace:{workspace_id}",
        after={"source": source, "linked": by_vendor},
    )
    for listener in _link_listeners:
        listener(session, workspace_id, made, actor)
    return made
