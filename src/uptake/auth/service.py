"""Accounts, passwords, login sessions and API keys."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.auth import repository
from uptake.auth.models import Account, ApiKey, LoginSession
from uptake.auth.principal import Principal
from uptake.auth.roles import PERSON_ROLES, Role, Scope
from uptake.db import across_workspaces, bind_workspace, utcnow
from uptake.directory import service as directory_service
from uptake.errors import FieldError, InvalidInput, NotAuthenticated, NotFound
from uptake.settings import Settings

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
API_KEY_PREFIX = "upk_"

_password_hasher = PasswordHasher()


class InvalidCredentials(NotAuthenticated):
    title = "The email or password is wrong."


class AccountLocked(NotAuthenticated):
    status = 429
    title = "Too many failed logins; try again later."


class ApiKeyNotFound(NotFound):
    title = "There is no such API key in this workspace."


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < 12:
        raise InvalidInput(errors=[FieldError("password", "must be at least 12 characters long")])


def create_account(
    session: Session,
    workspace_id: int,
    *,
    person_id: int,
    roles: list[Role],
    password: str | None = None,
    actor: str = "system",
) -> Account:
    if password is not None:
        check_password_strength(password)
    unknown = [role for role in roles if role not in PERSON_ROLES]
    if unknown:
        raise InvalidInput(errors=[FieldError("roles", f"{unknown[0]} cannot be given to a person")])
    account = repository.get_account_for_person(session, workspace_id, person_id)
    if account is None:
        account = Account(workspace_id=workspace_id, person_id=person_id, roles=[])
        session.add(account)
    before = sorted(account.roles)
    account.roles = sorted({*account.roles, *(role.value for role in roles)})
    if password is not None:
        account.password_hash = hash_password(password)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="auth.account.saved",
        target=f"person:{person_id}",
        before={"roles": before},
        after={"roles": account.roles, "password_set": account.password_hash is not None},
    )
    return account


def authenticate_password(
    session: Session, *, workspace_id: int | None, email: str, password: str
) -> Account:
    """Check a local password; lock the account for 15 minutes after 5 failures in a row."""
    now = utcnow()
    people = directory_service.find_people_by_email_in_any_workspace(session, email)
    if workspace_id is not None:
        people = [person for person in people if person.workspace_id == workspace_id]
    for person in people:
        account = repository.find_account_across_workspaces(session, person.workspace_id, person.id)
        if account is None or account.password_hash is None or not account.is_active:
            continue
        if account.locked_until is not None and account.locked_until > now:
            raise AccountLocked(f"try again after {account.locked_until:%H:%M} UTC")
        try:
            _password_hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError):
            with across_workspaces(session):
                account.failed_logins += 1
                if account.failed_logins >= MAX_FAILED_LOGINS:
                    account.locked_until = now + LOCKOUT
                    account.failed_logins = 0
                session.flush()
            continue
        with across_workspaces(session):
            account.failed_logins = 0
            account.locked_until = None
            account.last_login_at = now
            if _password_hasher.check_needs_rehash(account.password_hash):
                account.password_hash = hash_password(password)
            session.flush()
        return account
    hash_password(password)  # same work whether or not the email exists, so timing does not tell
    raise InvalidCredentials()


def start_login_session(
    session: Session,
    settings: Settings,
    *,
    workspace_id: int,
    person_id: int,
    method: str,
    user_agent: str | None,
) -> str:
    """Create a login session and return the token for the cookie (never stored in clear)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    login = LoginSession(
        workspace_id=workspace_id,
        person_id=person_id,
        token_hash=hash_secret(token),
        method=method,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
        user_agent=(user_agent or "")[:300] or None,
    )
    with across_workspaces(session):
        session.add(login)
        session.flush()
    return token


def principal_for_login_token(session: Session, settings: Settings, token: str) -> Principal | None:
    """The caller behind a session cookie, or None when the session is unknown, revoked or timed out."""
    login = repository.find_login_session_by_token_hash(session, hash_secret(token))
    now = utcnow()
    if login is None or login.revoked_at is not None or login.expires_at <= now:
        return None
    if login.last_seen_at + timedelta(minutes=settings.session_idle_minutes) <= now:
        return None
    account = repository.find_account_across_workspaces(session, login.workspace_id, login.person_id)
    if account is None or not account.is_active:
        return None
    bind_workspace(session, login.workspace_id)
    person = directory_service.get_person(session, login.workspace_id, login.person_id)
    if now - login.last_seen_at > timedelta(minutes=1):
        login.last_seen_at = now
        session.flush()
    roles = frozenset(Role(role) for role in account.roles if role in Role.__members__) | {Role.employee}
    return Principal(
        workspace_id=login.workspace_id,
        person_id=person.id,
        display_name=person.display_name,
        roles=frozenset(roles),
        login_session_id=login.id,
    )


def end_login_session(session: Session, token: str) -> None:
    login = repository.find_login_session_by_token_hash(session, hash_secret(token))
    if login is not None and login.revoked_at is None:
        with across_workspaces(session):
            login.revoked_at = utcnow()
            session.flush()


def end_all_login_sessions(session: Session, workspace_id: int, person_id: int, *, actor: str) -> int:
    """Log a person out everywhere."""
    count = repository.revoke_login_sessions_for_person(session, workspace_id, person_id, utcnow())
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="auth.sessions.revoked",
        target=f"person:{person_id}",
        after={"sessions_revoked": count},
    )
    return count


def create_api_key(
    session: Session, workspace_id: int, *, name: str, scopes: list[Scope], created_by: Principal | None
) -> tuple[ApiKey, str]:
    """Create a key; the plaintext is returned once and never stored."""
    if not name.strip():
        raise InvalidInput(errors=[FieldError("name", "must not be empty")])
    if not scopes:
        raise InvalidInput(errors=[FieldError("scopes", "choose at least one scope")])
    secret = secrets.token_urlsafe(32)
    public_id = secrets.token_hex(4)
    plaintext = f"{API_KEY_PREFIX}{public_id}_{secret}"
    key = ApiKey(
        workspace_id=workspace_id,
        name=name.strip(),
        prefix=f"{API_KEY_PREFIX}{public_id}",
        secret_hash=hash_secret(plaintext),
        scopes=sorted(scope.value for scope in scopes),
        created_by_person_id=created_by.person_id if created_by else None,
    )
    session.add(key)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=created_by.actor if created_by else "system",
        action="auth.api_key.created",
        target=f"api_key:{key.id}",
        after={"name": key.name, "prefix": key.prefix, "scopes": key.scopes},
    )
    return key, plaintext


def principal_for_api_key(session: Session, plaintext: str) -> Principal | None:
    if not plaintext.startswith(API_KEY_PREFIX):
        return None
    key = repository.find_api_key_by_hash(session, hash_secret(plaintext))
    if key is None or key.revoked_at is not None:
        return None
    bind_workspace(session, key.workspace_id)
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        key.last_used_at = now
        session.flush()
    roles = {Role.integration}
    if Scope.admin.value in key.scopes:
        roles.add(Role.admin)
    return Principal(
        workspace_id=key.workspace_id,
        roles=frozenset(roles),
        api_key_id=key.id,
        display_name=key.name,
        scopes=frozenset(key.scopes),
    )


def list_api_keys(session: Session, workspace_id: int) -> list[ApiKey]:
    return repository.list_api_keys(session, workspace_id)


def revoke_api_key(session: Session, workspace_id: int, key_id: int, *, actor: str) -> ApiKey:
    key = repository.get_api_key(session, workspace_id, key_id)
    if key is None:
        raise ApiKeyNotFound(f"API key {key_id} does not exist", key_id=key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        session.flush()
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=actor,
            action="auth.api_key.revoked",
            target=f"api_key:{key.id}",
            after={"prefix": key.prefix},
        )
    return key


def account_roles(session: Session, workspace_id: int, person_id: int) -> list[str]:
    account = repository.get_account_for_person(session, workspace_id, person_id)
    return list(account.roles) if account else []


def last_login(session: Session, workspace_id: int, person_id: int) -> datetime | None:
    account = repository.get_account_for_person(session, workspace_id, person_id)
    return account.last_login_at if account else None


def list_accounts(session: Session, workspace_id: int) -> list[Account]:
    return repository.list_accounts(session, workspace_id)
