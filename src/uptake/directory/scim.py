"""SCIM 2.0 Users and Groups (RFC 7643/7644) over the directory: a User is a person, a Group is a team. It stays
whole: Users and Groups share one protocol's filters, patches, ETags and rendering, and the file is read
against RFC 7644 from top to bottom.

How the two meet:

- A person's directory fields are the truth: ``userName`` (``user_name``, else the email), ``externalId``,
  ``displayName``, ``title``, the primary email, ``active`` (false = employment status ``left``), the enterprise
  ``department`` (the person's team, created by name when new) and ``manager`` (the manager's id), and uptake's
  extension's ``githubLogin`` and ``microsoftUpn`` (each links that vendor account to the person; an account
  linked to someone else is a 409; removing one leaves the link). Everything
  else the identity provider sends (name parts, phone numbers, locale…) is kept as sent in
  ``Person.scim_attributes`` and read back unchanged.
- A Group's members are the people whose team it is: a person is in one team, so adding them to a group moves
  them there. Deleting a group deletes the team (its subteams move up to its parent, its people keep no team).
- PATCH applies the operations with ``scim2-models`` to the resource as served, then stores the result like a
  PUT. ETags (``meta.version``) are a hash of the resource as served; ``If-Match`` that does not match is 412.
- Deprovisioning (``active: false``, or DELETE) marks the person as left and ends their login sessions. After a
  DELETE the person stays in the directory (as left) but is no longer a SCIM resource; creating the same user
  again brings them back.

File length: about 900 lines, kept whole: Users and Groups share the filter, PATCH, ETag and rendering rules that
RFC 7644 states once for both, and ``scim_api.py`` (the routes) and ``scim_discovery.py`` already live apart.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from scim2_models import Context, EnterpriseUser, Group, PatchOp, SCIMException, ScimFilter, User
from scim2_models.path.expressions import (
    AttrPath,
    Comparison,
    FilterNode,
    LogicalExpr,
    Not,
    Present,
    ValuePath,
)
from sqlalchemy import and_, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.db import utcnow
from uptake.directory import repository
from uptake.directory.models import EmploymentStatus, Person, Team
from uptake.directory.repository import like_pattern
from uptake.directory.schemas import TeamSnapshot
from uptake.directory.scim_discovery import (
    ENTERPRISE_SCHEMA,
    ERROR_SCHEMA,
    GROUP_SCHEMA,
    MAX_RESULTS,
    UPTAKE_ATTRIBUTES,
    UPTAKE_SCHEMA,
    USER_SCHEMA,
    UptakeUser,
)
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.directory.service import vendor_accounts as vendor_accounts_service

ScimUser = User[EnterpriseUser | UptakeUser]
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
# Attributes a provider may send that uptake never keeps: server-assigned, derived, or secret.
NOT_KEPT = {"schemas", "id", "meta", "groups", "password"}


class ScimError(Exception):
    """A SCIM error answer (RFC 7644 §3.12): the status and, for 400s, the ``scimType``."""

    def __init__(self, status: int, detail: str, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


def validation_failure(error: ValidationError | SCIMException) -> ScimError:
    """A ``scim2-models`` refusal as a SCIM 400, keeping its ``scimType`` (invalidPath, mutability…)."""
    if isinstance(error, SCIMException):
        return ScimError(int(error.status or 400), str(error.detail or error), error.scim_type)
    first = error.errors()[0]
    kind = str(first.get("type", ""))
    scim_type = kind.removeprefix("scim_") if kind.startswith("scim_") else "invalidValue"
    where = ".".join(str(part) for part in first.get("loc", ()) if part != "Operations")
    detail = str(first.get("msg", "is invalid"))
    return ScimError(400, f"{where}: {detail}" if where else detail, scim_type)


@dataclass(frozen=True)
class ListPage:
    resources: list[dict[str, Any]]
    total: int
    start_index: int

    def body(self) -> dict[str, Any]:
        return {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
            "totalResults": self.total,
            "startIndex": self.start_index,
            "itemsPerPage": len(self.resources),
            "Resources": self.resources,
        }


def etag_of(resource: dict[str, Any]) -> str:
    content = {key: value for key, value in resource.items() if key != "meta"}
    digest = hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:20]
    return f'W/"{digest}"'


def check_if_match(resource: dict[str, Any], if_match: str | None) -> None:
    if if_match is None or if_match.strip() == "*":
        return
    wanted = {tag.strip() for tag in if_match.split(",")}
    current = resource["meta"]["version"]
    if current not in wanted and current.removeprefix("W/") not in wanted:
        raise ScimError(412, f"the resource changed; its version is now {current}")


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def _meta(kind: str, location: str, created: datetime, modified: datetime, resource: dict[str, Any]) -> None:
    resource["meta"] = {
        "resourceType": kind,
        "created": _iso(created),
        "lastModified": _iso(modified),
        "location": location,
    }
    resource["meta"]["version"] = etag_of(resource)


# -- rendering --------------------------------------------------------------------------------------------------


def render_user(person: Person, team: Team | None, base_url: str) -> dict[str, Any]:
    """The person as a SCIM User: directory fields first, then what the provider sent and uptake keeps."""
    kept = dict(person.scim_attributes or {})
    provisioned = person.scim_attributes is not None
    resource: dict[str, Any] = {"schemas": [USER_SCHEMA], "id": str(person.id)}
    if not provisioned or "externalId" in kept:
        resource["externalId"] = person.external_id
    resource["userName"] = person.user_name or person.email
    for key, value in kept.items():
        if key not in NOT_KEPT and key not in ("externalId", "userName", ENTERPRISE_SCHEMA):
            resource[key] = value
    if not provisioned or "displayName" in kept:
        resource["displayName"] = person.display_name
    else:
        resource.pop("displayName", None)
    if person.job_title:
        resource["title"] = person.job_title
    else:
        resource.pop("title", None)
    if not provisioned or "active" in kept:  # a provider that removed ``active`` reads it back unassigned
        resource["active"] = person.employment_status != EmploymentStatus.left
    resource["emails"] = _emails_with(kept.get("emails"), person.email)
    enterprise = dict(kept.get(ENTERPRISE_SCHEMA) or {})
    if team is not None and (not provisioned or "department" in enterprise):
        enterprise["department"] = team.name
    else:
        enterprise.pop("department", None)
    if person.manager_id is not None:
        enterprise["manager"] = {
            "value": str(person.manager_id),
            "$ref": f"{base_url}/Users/{person.manager_id}",
        }
    else:
        enterprise.pop("manager", None)
    if enterprise:
        resource["schemas"] = [USER_SCHEMA, ENTERPRISE_SCHEMA]
        resource[ENTERPRISE_SCHEMA] = enterprise
    if UPTAKE_SCHEMA in resource:
        resource["schemas"] = [*resource["schemas"], UPTAKE_SCHEMA]
    if team is not None:
        resource["groups"] = [
            {
                "value": str(team.id),
                "$ref": f"{base_url}/Groups/{team.id}",
                "display": team.name,
            }
        ]
    _meta("User", f"{base_url}/Users/{person.id}", person.created_at, person.updated_at, resource)
    return resource


def _emails_with(sent: Any, email: str) -> list[dict[str, Any]]:
    """The emails as sent, with the directory's email in the primary (or work, or first) entry."""
    if not isinstance(sent, list) or not sent:
        return [{"value": email, "type": "work", "primary": True}]
    emails = [dict(entry) for entry in sent if isinstance(entry, dict)]
    main = _main_email_index(emails)
    if main is None:
        return [{"value": email, "type": "work", "primary": True}, *emails]
    if str(emails[main].get("value", "")).lower() != email:
        emails[main]["value"] = email
    return emails


def _main_email_index(emails: list[dict[str, Any]]) -> int | None:
    for test in (
        lambda entry: entry.get("primary") is True,
        lambda entry: entry.get("type") == "work",
        lambda entry: True,
    ):
        for index, entry in enumerate(emails):
            if entry.get("value") and test(entry):
                return index
    return None


def render_group(team: Team, members: list[Person], base_url: str) -> dict[str, Any]:
    resource: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "id": str(team.id), "displayName": team.name}
    if team.external_id:
        resource["externalId"] = team.external_id
    resource["members"] = [
        {"value": str(person.id), "$ref": f"{base_url}/Users/{person.id}", "type": "User"}
        for person in members
    ]
    _meta("Group", f"{base_url}/Groups/{team.id}", team.created_at, team.updated_at, resource)
    return resource


def project(resource: dict[str, Any], attributes: list[str], excluded: list[str]) -> dict[str, Any]:
    """Apply ``attributes``/``excludedAttributes`` (RFC 7644 §3.4.2.5); id, schemas and meta always stay."""
    if not attributes and not excluded:
        return resource

    def split(name: str) -> tuple[str, str | None]:
        for schema in (ENTERPRISE_SCHEMA, USER_SCHEMA, GROUP_SCHEMA):
            if name.lower().startswith(schema.lower() + ":"):
                rest = name[len(schema) + 1 :]
                return (f"{ENTERPRISE_SCHEMA}.{rest}" if schema == ENTERPRISE_SCHEMA else rest), None
        return name, None

    def paths(names: list[str]) -> list[list[str]]:
        return [split(name.strip())[0].lower().split(".") for name in names if name.strip()]

    always = {"id", "schemas", "meta"}
    if attributes:
        wanted = paths(attributes)
        result: dict[str, Any] = {}
        for key, value in resource.items():
            if key.lower() in always:
                result[key] = value
                continue
            matches = [path[1:] for path in wanted if path[0] == key.lower()]
            if not matches:
                continue
            if any(not rest for rest in matches) or not isinstance(value, dict):
                result[key] = value
            else:
                result[key] = {
                    k: v for k, v in value.items() if any(rest[0] == k.lower() for rest in matches)
                }
        return result
    unwanted = paths(excluded)
    result = {}
    for key, value in resource.items():
        matches = [path[1:] for path in unwanted if path[0] == key.lower()]
        if key.lower() in always or not matches:
            result[key] = value
        elif any(not rest for rest in matches):
            continue
        elif isinstance(value, dict):
            result[key] = {
                k: v for k, v in value.items() if not any(rest[0] == k.lower() for rest in matches)
            }
        else:
            result[key] = value
    return result


# -- filters ----------------------------------------------------------------------------------------------------

FilterColumns = dict[str, Callable[[], Any]]
USER_FILTER_COLUMNS: FilterColumns = {
    "id": lambda: Person.id,
    "username": lambda: func.coalesce(Person.user_name, Person.email),
    "externalid": lambda: Person.external_id,
    "displayname": lambda: Person.display_name,
    "title": lambda: Person.job_title,
    "emails": lambda: Person.email,
    "emails.value": lambda: Person.email,
    "active": lambda: Person.employment_status != EmploymentStatus.left,
    "meta.created": lambda: Person.created_at,
    "meta.lastmodified": lambda: Person.updated_at,
    "enterprise.manager.value": lambda: Person.manager_id,
    "enterprise.manager": lambda: Person.manager_id,
}
GROUP_FILTER_COLUMNS: FilterColumns = {
    "id": lambda: Team.id,
    "displayname": lambda: Team.name,
    "externalid": lambda: Team.external_id,
    "meta.created": lambda: Team.created_at,
    "meta.lastmodified": lambda: Team.updated_at,
}


def _column_key(path: AttrPath) -> str:
    name = path.attr.lower() + (f".{path.sub_attr.lower()}" if path.sub_attr else "")
    if path.uri and path.uri.lower() == ENTERPRISE_SCHEMA.lower():
        return f"enterprise.{name}"
    return name


def filter_condition(
    text: str, columns: FilterColumns, extra: Callable[[str, FilterNode], Any] | None = None
) -> Any:
    """A SCIM filter (eq, ne, co, sw, ew, gt, ge, lt, le, pr, and, or, not) as an SQL condition."""
    try:
        node = ScimFilter(text).ast
    except (ValueError, ValidationError) as error:
        raise ScimError(400, f"the filter cannot be read: {error}", "invalidFilter") from None
    return _condition(node, columns, extra)


def _comparable(column: Any, value: Any, is_text: bool) -> tuple[Any, Any]:
    if is_text and isinstance(value, str):
        return func.lower(column), value.lower()
    return column, value


def _condition(
    node: FilterNode, columns: FilterColumns, extra: Callable[[str, FilterNode], Any] | None
) -> Any:
    if isinstance(node, LogicalExpr):
        parts = [_condition(term, columns, extra) for term in node.terms]
        return and_(*parts) if node.op.value == "and" else or_(*parts)
    if isinstance(node, Not):
        return not_(_condition(node.expr, columns, extra))
    if isinstance(node, ValuePath):
        raise ScimError(400, f"filters on {node.attr_path}[…] are not supported", "invalidFilter")
    if not isinstance(node, Comparison | Present):
        raise ScimError(400, "this filter is not supported", "invalidFilter")
    key = _column_key(node.attr_path)
    if extra is not None:
        handled = extra(key, node)
        if handled is not None:
            return handled
    if key not in columns:
        raise ScimError(400, f"filtering on {node.attr_path} is not supported", "invalidFilter")
    column = columns[key]()
    if isinstance(node, Present):
        return column.is_not(None) if key != "active" else true()
    value = node.value
    operator = node.op.value
    if key == "id" or key.endswith("manager.value") or key.endswith("manager"):
        try:
            value = int(value)
        except (TypeError, ValueError):
            return false() if operator == "eq" else true() if operator == "ne" else false()
    if key == "active":
        if operator not in ("eq", "ne") or not isinstance(value, bool):
            raise ScimError(400, "active compares only with eq or ne and true or false", "invalidFilter")
        return column if (value is True) == (operator == "eq") else not_(column)
    if key.startswith("meta.") and isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ScimError(400, f"{value!r} is not a date and time", "invalidFilter") from None
    is_text = isinstance(value, str)
    left, right = _comparable(column, value, is_text)
    if operator == "eq":
        return left.is_(None) if value is None else left == right
    if operator == "ne":
        return left.is_not(None) if value is None else or_(left != right, left.is_(None))
    if operator in ("co", "sw", "ew"):
        if not is_text:
            raise ScimError(400, f"{operator} compares text only", "invalidFilter")
        pattern = like_pattern(str(value), anchored_start=operator == "sw", anchored_end=operator == "ew")
        return func.lower(column).like(pattern, escape="\\")
    comparisons = {"gt": left > right, "ge": left >= right, "lt": left < right, "le": left <= right}
    return comparisons[operator]


def _user_filter_extra(key: str, node: FilterNode) -> Any:
    if key == "enterprise.department":
        if isinstance(node, Present):
            return Person.team_id.is_not(None)
        assert isinstance(node, Comparison)
        if node.op.value not in ("eq", "ne", "co", "sw", "ew") or not isinstance(node.value, str):
            raise ScimError(400, "department compares text only", "invalidFilter")
        team_condition = _condition(
            Comparison(attr_path=AttrPath(attr="displayName"), op=node.op, value=node.value),
            GROUP_FILTER_COLUMNS,
            None,
        )
        return Person.team_id.in_(select(Team.id).where(team_condition))
    return None


def _group_filter_extra(key: str, node: FilterNode) -> Any:
    if key in ("members", "members.value"):
        if isinstance(node, Present):
            return Team.id.in_(select(Person.team_id).where(Person.scim_deleted_at.is_(None)))
        assert isinstance(node, Comparison)
        if node.op.value != "eq":
            raise ScimError(400, "members compares with eq only", "invalidFilter")
        try:
            person_id = int(node.value)
        except (TypeError, ValueError):
            return false()
        return Team.id.in_(
            select(Person.team_id).where(Person.id == person_id, Person.scim_deleted_at.is_(None))
        )
    return None


def _page_bounds(start_index: int | None, count: int | None) -> tuple[int, int]:
    start = max(1, start_index or 1)
    size = 100 if count is None else max(0, min(count, MAX_RESULTS))
    return start, size


# -- users ------------------------------------------------------------------------------------------------------


def _team_of(session: Session, workspace_id: int, person: Person) -> Team | None:
    return repository.get_team(session, workspace_id, person.team_id) if person.team_id is not None else None


def _scim_person(session: Session, workspace_id: int, user_id: str) -> Person:
    try:
        person_id = int(user_id)
    except ValueError:
        raise ScimError(404, f"there is no user {user_id!r}") from None
    person = repository.get_person(session, workspace_id, person_id)
    if person is None or person.scim_deleted_at is not None:
        raise ScimError(404, f"there is no user {user_id!r}")
    return person


def get_user(session: Session, workspace_id: int, user_id: str, base_url: str) -> dict[str, Any]:
    person = _scim_person(session, workspace_id, user_id)
    return render_user(person, _team_of(session, workspace_id, person), base_url)


def list_users(
    session: Session,
    workspace_id: int,
    base_url: str,
    *,
    filter_text: str | None,
    start_index: int | None,
    count: int | None,
) -> ListPage:
    condition = USERS.condition(filter_text)
    start, size = _page_bounds(start_index, count)
    people, total = repository.list_scim_people(
        session, workspace_id, condition, offset=start - 1, limit=size
    )
    teams = {
        team.id: team
        for team in repository.list_teams_by_ids(
            session, workspace_id, [p.team_id for p in people if p.team_id]
        )
    }
    resources = [render_user(person, teams.get(person.team_id or 0), base_url) for person in people]
    return ListPage(resources, total, start)


@dataclass
class UserFields:
    """The directory fields a SCIM User sets."""

    user_name: str
    external_id: str | None
    display_name: str
    email: str
    job_title: str | None
    active: bool | None
    department: str | None
    has_department: bool
    manager_id: int | None
    kept: dict[str, Any]
    accounts: dict[str, str]  # vendor -> account, from uptake's extension


def _user_fields(payload: dict[str, Any], context: Context) -> UserFields:
    try:
        user = ScimUser.model_validate(payload, scim_ctx=context)
    except ValidationError as error:
        raise validation_failure(error) from None
    kept: dict[str, Any] = {
        key: value for key, value in user.model_dump(scim_ctx=context).items() if key not in NOT_KEPT
    }
    if not user.user_name or not user.user_name.strip():
        raise ScimError(400, "userName is required", "invalidValue")
    emails = [entry for entry in kept.get("emails") or [] if entry.get("value")]
    main = _main_email_index(emails)
    if main is None:
        if "@" not in user.user_name:
            raise ScimError(
                400,
                "uptake needs an email for each person: send emails or an email as userName",
                "invalidValue",
            )
        email = user.user_name
    else:
        email = str(emails[main]["value"])
    email = email.strip().lower()
    name = kept.get("name") or {}
    display_name = (
        user.display_name
        or name.get("formatted")
        or " ".join(part for part in (name.get("givenName"), name.get("familyName")) if part)
        or user.user_name
    )
    enterprise = kept.get(ENTERPRISE_SCHEMA) or {}
    manager = enterprise.get("manager") or {}
    manager_id: int | None = None
    if manager.get("value"):
        try:
            manager_id = int(manager["value"])
        except (TypeError, ValueError):
            raise ScimError(
                400, f"manager {manager['value']!r} is not a user of this endpoint", "invalidValue"
            ) from None
    accounts: dict[str, str] = {}
    for attribute, value in (kept.get(UPTAKE_SCHEMA) or {}).items():
        if attribute in UPTAKE_ATTRIBUTES and isinstance(value, str) and value.strip():
            vendor = UPTAKE_ATTRIBUTES[attribute]
            try:
                accounts[vendor] = vendor_accounts_service.checked_account(vendor, value)
            except ValueError as error:
                raise ScimError(400, f"{UPTAKE_SCHEMA}:{attribute}: {error}", "invalidValue") from None
    return UserFields(
        user_name=user.user_name.strip(),
        external_id=user.external_id,
        display_name=display_name[:200],
        email=email,
        job_title=user.title,
        active=user.active,
        department=enterprise.get("department") or None,
        has_department="department" in enterprise,
        manager_id=manager_id,
        kept=kept,
        accounts=accounts,
    )


def _team_for_department(session: Session, workspace_id: int, department: str, actor: str) -> TeamSnapshot:
    team = teams_service.get_team_by_name(session, workspace_id, department)
    if team is None:
        team = teams_service.create_team(
            session, workspace_id, name=department.replace("/", "-")[:200], actor=actor
        )
    return team


def _store_user(
    session: Session,
    workspace_id: int,
    person: Person,
    fields: UserFields,
    *,
    before: dict[str, Any] | None,
    actor: str,
) -> None:
    """Write a User's fields to the person; deprovision when it turns inactive."""
    other = repository.get_person_by_user_name(session, workspace_id, fields.user_name)
    if other is not None and other.id != person.id:
        raise ScimError(409, f"userName {fields.user_name!r} is taken", "uniqueness")
    other = repository.get_person_by_email(session, workspace_id, fields.email)
    if other is not None and other.id != person.id:
        raise ScimError(409, f"the email {fields.email} belongs to another person", "uniqueness")
    if fields.external_id:
        other = repository.get_person_by_external_id(session, workspace_id, fields.external_id)
        if other is not None and other.id != person.id:
            raise ScimError(409, f"externalId {fields.external_id!r} belongs to another person", "uniqueness")
    if fields.manager_id is not None:
        manager = repository.get_person(session, workspace_id, fields.manager_id)
        if manager is None:
            raise ScimError(
                400, f"manager {fields.manager_id} is not a user of this endpoint", "invalidValue"
            )
        if person.id is not None and fields.manager_id != person.manager_id:
            cycle = people_service.manager_cycle(
                repository.manager_links(session, workspace_id), person.id, fields.manager_id
            )
            if cycle:
                chain = " → ".join(str(link) for link in cycle)
                raise ScimError(400, f"this manager makes a manager cycle: {chain}", "invalidValue")
    for vendor, account in fields.accounts.items():
        link = repository.get_vendor_account(session, workspace_id, vendor, account)
        if link is not None and link.person_id != person.id:
            attribute = next(name for name, named in UPTAKE_ATTRIBUTES.items() if named == vendor)
            raise ScimError(
                409,
                f"{attribute} {account!r} is linked to another person (id {link.person_id})",
                "uniqueness",
            )
    was_active = person.employment_status != EmploymentStatus.left
    person.user_name = fields.user_name
    person.external_id = fields.external_id or person.external_id or fields.user_name
    person.display_name = fields.display_name
    person.email = fields.email
    person.job_title = fields.job_title
    person.manager_id = fields.manager_id
    person.scim_attributes = fields.kept
    person.scim_deleted_at = None
    if fields.department:
        person.team_id = _team_for_department(session, workspace_id, fields.department, actor).id
    elif (
        before is not None
        and not fields.has_department
        and "department" in (before.get(ENTERPRISE_SCHEMA) or {})
    ):
        person.team_id = None
    if fields.active is False:
        person.employment_status = EmploymentStatus.left
    elif fields.active is True and person.employment_status == EmploymentStatus.left:
        person.employment_status = EmploymentStatus.active
    session.flush()
    vendor_accounts_service.link_vendor_accounts(
        session,
        workspace_id,
        [(vendor, account, person.id) for vendor, account in fields.accounts.items()],
        source="scim",
        actor=actor,
    )
    if was_active and person.employment_status == EmploymentStatus.left:
        _deprovisioned(session, workspace_id, person, actor)


def _deprovisioned(session: Session, workspace_id: int, person: Person, actor: str) -> None:
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.person.deprovisioned",
        target=f"person:{person.id}",
        after={"employment_status": person.employment_status.value},
    )
    people_service.person_deprovisioned(session, workspace_id, person.id, actor=actor)


def create_user(
    session: Session, workspace_id: int, payload: dict[str, Any], base_url: str, *, actor: str
) -> dict[str, Any]:
    fields = _user_fields(payload, Context.RESOURCE_CREATION_REQUEST)
    person = repository.get_person_by_user_name(session, workspace_id, fields.user_name)
    if person is None:
        person = repository.get_person_by_email(session, workspace_id, fields.email)
    if person is not None and person.scim_attributes is not None and person.scim_deleted_at is None:
        raise ScimError(409, f"user {fields.user_name!r} exists already (id {person.id})", "uniqueness")
    created = person is None
    if person is None:
        person = Person(
            workspace_id=workspace_id,
            external_id=fields.external_id or fields.user_name,
            email=fields.email,
            display_name=fields.display_name,
            employment_status=EmploymentStatus.active,
        )
        if repository.get_person_by_external_id(session, workspace_id, person.external_id) is not None:
            raise ScimError(409, f"externalId {person.external_id!r} belongs to another person", "uniqueness")
        session.add(person)
        session.flush()
    elif person.employment_status == EmploymentStatus.left and fields.active is not False:
        person.employment_status = EmploymentStatus.active
    _store_user(session, workspace_id, person, fields, before=None, actor=actor)
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.person.provisioned",
        target=f"person:{person.id}",
        after={"created": created, "team_id": person.team_id, "manager_id": person.manager_id},
    )
    return render_user(person, _team_of(session, workspace_id, person), base_url)


def replace_user(
    session: Session,
    workspace_id: int,
    user_id: str,
    payload: dict[str, Any],
    base_url: str,
    *,
    actor: str,
    if_match: str | None,
) -> dict[str, Any]:
    person = _scim_person(session, workspace_id, user_id)
    before = render_user(person, _team_of(session, workspace_id, person), base_url)
    check_if_match(before, if_match)
    fields = _user_fields(payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    _store_user(session, workspace_id, person, fields, before=before, actor=actor)
    _audit_user_change(session, workspace_id, person, actor)
    return render_user(person, _team_of(session, workspace_id, person), base_url)


def patch_user(
    session: Session,
    workspace_id: int,
    user_id: str,
    payload: dict[str, Any],
    base_url: str,
    *,
    actor: str,
    if_match: str | None,
) -> dict[str, Any]:
    person = _scim_person(session, workspace_id, user_id)
    before = render_user(person, _team_of(session, workspace_id, person), base_url)
    check_if_match(before, if_match)
    current = {key: value for key, value in before.items() if key not in ("meta", "groups")}
    try:
        user = ScimUser.model_validate(current)
        operations = PatchOp[ScimUser].model_validate(payload, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        operations.patch(user)
        patched = user.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    except (ValidationError, SCIMException) as error:
        raise validation_failure(error) from None
    fields = _user_fields(patched, Context.RESOURCE_REPLACEMENT_REQUEST)
    _store_user(session, workspace_id, person, fields, before=before, actor=actor)
    _audit_user_change(session, workspace_id, person, actor)
    return render_user(person, _team_of(session, workspace_id, person), base_url)


def _audit_user_change(session: Session, workspace_id: int, person: Person, actor: str) -> None:
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.person.provisioned",
        target=f"person:{person.id}",
        after={
            "team_id": person.team_id,
            "manager_id": person.manager_id,
            "employment_status": person.employment_status.value,
        },
    )


def delete_user(
    session: Session, workspace_id: int, user_id: str, base_url: str, *, actor: str, if_match: str | None
) -> None:
    """Deprovision: the person is marked as left, logged out everywhere, and no longer a SCIM resource."""
    person = _scim_person(session, workspace_id, user_id)
    check_if_match(render_user(person, _team_of(session, workspace_id, person), base_url), if_match)
    was_active = person.employment_status != EmploymentStatus.left
    person.employment_status = EmploymentStatus.left
    person.scim_deleted_at = utcnow()
    session.flush()
    if was_active:
        _deprovisioned(session, workspace_id, person, actor)
    else:
        people_service.person_deprovisioned(session, workspace_id, person.id, actor=actor)


# -- groups -----------------------------------------------------------------------------------------------------


def _scim_team(session: Session, workspace_id: int, group_id: str) -> Team:
    try:
        team_id = int(group_id)
    except ValueError:
        raise ScimError(404, f"there is no group {group_id!r}") from None
    team = repository.get_team(session, workspace_id, team_id)
    if team is None:
        raise ScimError(404, f"there is no group {group_id!r}")
    return team


def _members(session: Session, workspace_id: int, team: Team) -> list[Person]:
    return [
        person
        for person in repository.list_people_in_teams(session, workspace_id, [team.id])
        if person.scim_deleted_at is None
    ]


def get_group(session: Session, workspace_id: int, group_id: str, base_url: str) -> dict[str, Any]:
    team = _scim_team(session, workspace_id, group_id)
    return render_group(team, _members(session, workspace_id, team), base_url)


def list_groups(
    session: Session,
    workspace_id: int,
    base_url: str,
    *,
    filter_text: str | None,
    start_index: int | None,
    count: int | None,
    with_members: bool = True,
) -> ListPage:
    condition = GROUPS.condition(filter_text)
    start, size = _page_bounds(start_index, count)
    teams, total = repository.list_teams_matching(
        session, workspace_id, condition, offset=start - 1, limit=size
    )
    members: dict[int, list[Person]] = {team.id: [] for team in teams}
    if with_members:
        for person in repository.list_people_in_teams(session, workspace_id, [team.id for team in teams]):
            if person.scim_deleted_at is None and person.team_id in members:
                members[person.team_id].append(person)
    return ListPage([render_group(team, members[team.id], base_url) for team in teams], total, start)


def _group_fields(payload: dict[str, Any], context: Context) -> tuple[str, str | None, list[int]]:
    try:
        group = Group.model_validate(payload, scim_ctx=context)
    except ValidationError as error:
        raise validation_failure(error) from None
    if not group.display_name or not group.display_name.strip():
        raise ScimError(400, "displayName is required", "invalidValue")
    if "/" in group.display_name:
        raise ScimError(
            400, "displayName must not contain '/' (it separates the levels of a team path)", "invalidValue"
        )
    member_ids: list[int] = []
    for member in group.members or []:
        if member.type is not None and str(member.type) not in ("User",):
            raise ScimError(
                400, "a group's members are users; a team's subteams are not members", "invalidValue"
            )
        try:
            member_ids.append(int(str(member.value)))
        except (TypeError, ValueError):
            raise ScimError(
                400, f"member {member.value!r} is not a user of this endpoint", "invalidValue"
            ) from None
    return group.display_name.strip(), group.external_id, member_ids


def _store_group(
    session: Session, workspace_id: int, team: Team, name: str, external_id: str | None, member_ids: list[int]
) -> None:
    other = teams_service.get_team_by_name(session, workspace_id, name)
    if other is not None and other.id != team.id:
        raise ScimError(409, f"a group named {name!r} exists already (id {other.id})", "uniqueness")
    if external_id:
        holder = repository.get_team_by_external_id(session, workspace_id, external_id)
        if holder is not None and holder.id != team.id:
            raise ScimError(409, f"externalId {external_id!r} belongs to another group", "uniqueness")
    people = {
        person.id: person for person in repository.list_people_by_ids(session, workspace_id, member_ids)
    }
    unknown = [
        member for member in member_ids if member not in people or people[member].scim_deleted_at is not None
    ]
    if unknown:
        raise ScimError(400, f"member {unknown[0]} is not a user of this endpoint", "invalidValue")
    team.name = name
    team.external_id = external_id
    session.flush()
    repository.clear_team_of_people(session, workspace_id, team.id, except_ids=member_ids)
    for person in people.values():
        person.team_id = team.id
    team.updated_at = utcnow()
    session.flush()


def create_group(
    session: Session, workspace_id: int, payload: dict[str, Any], base_url: str, *, actor: str
) -> dict[str, Any]:
    name, external_id, member_ids = _group_fields(payload, Context.RESOURCE_CREATION_REQUEST)
    if teams_service.get_team_by_name(session, workspace_id, name) is not None:
        raise ScimError(409, f"a group named {name!r} exists already", "uniqueness")
    if external_id and repository.get_team_by_external_id(session, workspace_id, external_id) is not None:
        raise ScimError(409, f"externalId {external_id!r} belongs to another group", "uniqueness")
    created = teams_service.create_team(
        session, workspace_id, name=name, external_id=external_id, actor=actor
    )
    team = _scim_team(session, workspace_id, str(created.id))
    _store_group(session, workspace_id, team, name, external_id, member_ids)
    return render_group(team, _members(session, workspace_id, team), base_url)


def replace_group(
    session: Session,
    workspace_id: int,
    group_id: str,
    payload: dict[str, Any],
    base_url: str,
    *,
    actor: str,
    if_match: str | None,
) -> dict[str, Any]:
    team = _scim_team(session, workspace_id, group_id)
    check_if_match(render_group(team, _members(session, workspace_id, team), base_url), if_match)
    name, external_id, member_ids = _group_fields(payload, Context.RESOURCE_REPLACEMENT_REQUEST)
    _store_group(session, workspace_id, team, name, external_id, member_ids)
    _audit_group_change(session, workspace_id, team, actor)
    return render_group(team, _members(session, workspace_id, team), base_url)


def patch_group(
    session: Session,
    workspace_id: int,
    group_id: str,
    payload: dict[str, Any],
    base_url: str,
    *,
    actor: str,
    if_match: str | None,
) -> dict[str, Any]:
    team = _scim_team(session, workspace_id, group_id)
    before = render_group(team, _members(session, workspace_id, team), base_url)
    check_if_match(before, if_match)
    current = {key: value for key, value in before.items() if key != "meta"}
    try:
        group = Group.model_validate(current)
        operations = PatchOp[Group].model_validate(payload, scim_ctx=Context.RESOURCE_PATCH_REQUEST)
        operations.patch(group)
        patched = group.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST)
    except (ValidationError, SCIMException) as error:
        raise validation_failure(error) from None
    name, external_id, member_ids = _group_fields(patched, Context.RESOURCE_REPLACEMENT_REQUEST)
    _store_group(session, workspace_id, team, name, external_id, member_ids)
    _audit_group_change(session, workspace_id, team, actor)
    return render_group(team, _members(session, workspace_id, team), base_url)


def _audit_group_change(session: Session, workspace_id: int, team: Team, actor: str) -> None:
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="directory.team.provisioned",
        target=f"team:{team.id}",
        after={"name": team.name},
    )


def delete_group(
    session: Session, workspace_id: int, group_id: str, base_url: str, *, actor: str, if_match: str | None
) -> None:
    """Delete the team: its subteams move up to its parent, its people keep no team."""
    team = _scim_team(session, workspace_id, group_id)
    check_if_match(render_group(team, _members(session, workspace_id, team), base_url), if_match)
    for subteam in repository.list_subteams(session, workspace_id, team.id):
        teams_service.move_team(session, workspace_id, subteam, team.parent_id)
    repository.clear_team_of_people(session, workspace_id, team.id, except_ids=[])
    teams_service.delete_team(session, workspace_id, team.id, actor=actor)


# -- the resource types -----------------------------------------------------------------------------------------


def _all_members(attributes: list[str], excluded: list[str]) -> dict[str, Any]:
    """A list of groups reads its members unless the caller leaves them out (a directory's groups can be big)."""
    wanted = {name.lower() for name in attributes}
    return {
        "with_members": "members" not in {name.lower() for name in excluded}
        and (not attributes or "members" in wanted)
    }


def _no_options(attributes: list[str], excluded: list[str]) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class ResourceType:
    """One kind of SCIM resource: where it lives, its schemas, what a filter may name, and how it is read and
    written. The routes, the discovery documents and the filters all read this one table."""

    id: str
    endpoint: str
    description: str
    schema: str
    extensions: tuple[str, ...]
    filter_columns: FilterColumns
    filter_extra: Callable[[str, FilterNode], Any]
    get: Callable[[Session, int, str, str], dict[str, Any]]
    list_page: Callable[..., ListPage]
    create: Callable[..., dict[str, Any]]
    replace: Callable[..., dict[str, Any]]
    patch: Callable[..., dict[str, Any]]
    delete: Callable[..., None]
    # Options of ``list_page`` that follow from the attributes asked for (and left out).
    list_options: Callable[[list[str], list[str]], dict[str, Any]] = _no_options

    def condition(self, filter_text: str | None) -> Any:
        """The SQL condition of a SCIM filter on this resource type (everything when there is none)."""
        return (
            filter_condition(filter_text, self.filter_columns, self.filter_extra) if filter_text else true()
        )


USERS = ResourceType(
    id="User",
    endpoint="Users",
    description="A person in the directory",
    schema=USER_SCHEMA,
    extensions=(ENTERPRISE_SCHEMA, UPTAKE_SCHEMA),
    filter_columns=USER_FILTER_COLUMNS,
    filter_extra=_user_filter_extra,
    get=get_user,
    list_page=list_users,
    create=create_user,
    replace=replace_user,
    patch=patch_user,
    delete=delete_user,
)
GROUPS = ResourceType(
    id="Group",
    endpoint="Groups",
    description="A team in the directory",
    schema=GROUP_SCHEMA,
    extensions=(),
    filter_columns=GROUP_FILTER_COLUMNS,
    filter_extra=_group_filter_extra,
    get=get_group,
    list_page=list_groups,
    create=create_group,
    replace=replace_group,
    patch=patch_group,
    delete=delete_group,
    list_options=_all_members,
)
RESOURCE_TYPES: tuple[ResourceType, ...] = (USERS, GROUPS)
