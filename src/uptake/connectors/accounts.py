"""Who is who: the vendor accounts a connector sees, linked to directory people (the links live in the
directory), and what a new link changes at once.

Linking an account to a person (by hand, or from the vendor: a GitHub SAML identity, a Microsoft user principal
name that is the person's email):
- records the link in the directory (`directory.service.vendor_accounts`), so every later sync and import
  counts the account's usage and seat for the person;
- moves the events already stored under the account's pseudonym to the person's, as a key rotation re-keys
  events (`telemetry.service.reattribute_events`);
- gives the account's unreleased seats to the person (`licences.service.link_seat_account`).
An account linked before to someone else moves for what comes next; the events stored until then stay with the
person they were counted for.

Links a people import or SCIM makes in the directory (`vendor_accounts.on_linked`) change the same two things
through `take_over_accounts`, which the service runs as a job in the process that owns the event store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from uptake.connectors.models import Connector, ConnectorKind
from uptake.directory.service import people as people_service
from uptake.directory.service import vendor_accounts as vendor_accounts_service
from uptake.errors import FieldError, InvalidInput
from uptake.licences import service as licences_service
from uptake.telemetry import service as telemetry_service
from uptake.telemetry.dependencies import EventStore

VENDOR_OF = {ConnectorKind.github_copilot: "github", ConnectorKind.microsoft_365_copilot: "microsoft"}
USAGE_DAYS = 30


@dataclass(frozen=True, slots=True)
class PeopleLinks:
    """Vendor account → the person's external id (what the events name) and id (what the seats hold)."""

    external_ids: dict[str, str]
    person_ids: dict[str, int]


@dataclass(frozen=True, slots=True)
class UnlinkedAccount:
    account: str
    events: int
    last_day: date | None


@dataclass(frozen=True, slots=True)
class AccountLinked:
    account: str
    person_id: int
    events_moved: int
    seats_linked: int
    was_linked_to: int | None


def people_links(session: Session, workspace_id: int, connector: Connector) -> PeopleLinks:
    """The accounts the directory can tell for this connector's vendor: its links, and for Microsoft every
    person's email (a user principal name is the email in most tenants)."""
    vendor = VENDOR_OF[connector.kind]
    people = people_service.person_snapshots(session, workspace_id)
    external_ids = {person.id: person.external_id for person in people}
    person_ids: dict[str, int] = {}
    if connector.kind == ConnectorKind.microsoft_365_copilot:
        person_ids.update({person.email.lower(): person.id for person in people if person.email})
    person_ids.update(vendor_accounts_service.vendor_account_links(session, workspace_id, vendor))
    return PeopleLinks(
        external_ids={
            account: external_ids[person_id]
            for account, person_id in person_ids.items()
            if person_id in external_ids
        },
        person_ids=person_ids,
    )


def link_account(
    session: Session,
    workspace_id: int,
    store: EventStore,
    connector: Connector,
    *,
    account: str,
    person_id: int,
    source: str,
    actor: str,
) -> AccountLinked:
    """Link the account to the person and move what was stored under the account to them (see the module)."""
    vendor = VENDOR_OF[connector.kind]
    link = vendor_accounts_service.link_vendor_account(
        session, workspace_id, vendor=vendor, account=account, person_id=person_id, source=source, actor=actor
    )
    [person] = people_service.list_people_by_ids(session, workspace_id, [person_id])
    key = telemetry_service.pseudonym_key(session, workspace_id)
    moved = 0
    if link.previous_person_id is None:
        moves = {
            telemetry_service.pseudonymize_person(key, link.account): telemetry_service.pseudonymize_person(
                key, person.external_id
            )
        }
        moved = telemetry_service.reattribute_events(store, workspace_id, moves)
    seats = licences_service.link_seat_account(
        session, workspace_id, account=link.account, person_id=person_id, actor=actor
    )
    return AccountLinked(link.account, person_id, moved, seats, link.previous_person_id)


@dataclass(frozen=True, slots=True)
class AccountsTakenOver:
    events_moved: int
    seats_linked: int


def take_over_accounts(
    session: Session,
    workspace_id: int,
    store: EventStore,
    accounts: Sequence[tuple[str, str]],
    *,
    actor: str,
) -> AccountsTakenOver:
    """For each (vendor, account) the directory has linked to a person: the events stored under the account's
    pseudonym become the person's, and so do the account's unreleased seats held by nobody. An account no
    longer linked is passed over."""
    owners: dict[tuple[str, str], int] = {}
    for vendor in {vendor for vendor, _ in accounts}:
        links = vendor_accounts_service.vendor_account_links(session, workspace_id, vendor)
        owners.update(
            {(vendor, account): links[account] for v, account in accounts if v == vendor and account in links}
        )
    people = {
        person.id: person.external_id
        for person in people_service.list_people_by_ids(session, workspace_id, sorted(set(owners.values())))
    }
    key = telemetry_service.pseudonym_key(session, workspace_id)
    moves: dict[str, str] = {}
    seats = 0
    for (_, account), person_id in owners.items():
        if person_id not in people:
            continue
        moves[telemetry_service.pseudonymize_person(key, account)] = telemetry_service.pseudonymize_person(
            key, people[person_id]
        )
        seats += licences_service.link_seat_account(
            session, workspace_id, account=account, person_id=person_id, actor=actor
        )
    moved = telemetry_service.reattribute_events(store, workspace_id, moves) if moves else 0
    return AccountsTakenOver(moved, seats)


def find_person_id(session: Session, workspace_id: int, person: str) -> int:
    """The directory person named by an email or an external id; InvalidInput naming `person` otherwise."""
    key = person.strip()
    found = people_service.get_person_by_email(
        session, workspace_id, key.lower()
    ) or people_service.get_person_by_external_id(session, workspace_id, key)
    if found is None:
        raise InvalidInput(
            errors=[FieldError("person", f"no one in the directory has the email or id {key!r}")]
        )
    return found.id


def unlinked_accounts(
    session: Session,
    workspace_id: int,
    store: EventStore,
    connector: Connector,
    *,
    today: date,
) -> list[UnlinkedAccount]:
    """The accounts holding a seat of the connector's tool that no directory person is linked to, with their
    usage of the last `USAGE_DAYS` days, most used first: the ones worth linking first."""
    accounts = licences_service.unlinked_seat_accounts(session, workspace_id, connector.tool)
    key = telemetry_service.pseudonym_key(session, workspace_id)
    pseudonyms = {telemetry_service.pseudonymize_person(key, account): account for account in accounts}
    usage = telemetry_service.usage_by_person(
        store, workspace_id, list(pseudonyms), today - timedelta(days=USAGE_DAYS - 1)
    )
    listed = [
        UnlinkedAccount(account, *usage.get(pseudonym, (0, None)))
        for pseudonym, account in pseudonyms.items()
    ]
    return sorted(listed, key=lambda item: (-item.events, item.account))


def link_by_email(
    session: Session,
    workspace_id: int,
    store: EventStore,
    connector: Connector,
    identities: list[tuple[str, str]],
    *,
    known: set[str],
    actor: str,
) -> dict[str, tuple[int, str]]:
    """Link each (account, email) the vendor tells (a GitHub SAML identity's name id) to the directory person
    with that email, for the accounts not in `known` (linked already); returns account → (person id, external
    id) for those linked now."""
    people = {
        person.email.lower(): person for person in people_service.person_snapshots(session, workspace_id)
    }
    linked: dict[str, tuple[int, str]] = {}
    for account, email in identities:
        account = account.strip().lower()
        person = people.get(email.strip().lower())
        if account in known or person is None:
            continue
        link_account(
            session,
            workspace_id,
            store,
            connector,
            account=account,
            person_id=person.id,
            source="vendor",
            actor=actor,
        )
        linked[account] = (person.id, person.external_id)
    return linked
