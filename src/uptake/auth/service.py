"""Accounts and roles, passwords, login sessions, the login throttle and API keys. It stays whole: accounts,
login sessions and API keys are the three sources of a principal and share the hashing and audit rules.

This is the auth domain's public door: other domains call these functions (``auth_service``). Single sign-on
lives beside it in ``auth/sso.py`` (settings and login decisions) and ``auth/oidc.py`` (the protocol).
"""

from __future__ import annotations

import hashlib
import math
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import PERSON_ROLES, Role, Scope
from uptake.audit import service as audit_service
from uptake.auth import repository, schemas
from uptake.auth.models import Account, ApiKey, LoginSession
from uptake.db import across_workspaces, bind_workspace, utcnow
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.errors import Conflict, FieldError, InvalidInput, NotAuthenticated, NotFound
from uptake.settings import Settings

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
# Per client address: this many failed logins (any account, password or SSO) within the window, then 429.
MAX_FAILED_LOGINS_PER_CLIENT = 20
CLIENT_THROTTLE_WINDOW = timedelta(minutes=15)
API_KEY_PREFIX = "upk_"
# Employment status of people who have left: they can no longer log in, and their sessions stop working.
LEFT_STATUS = "left"

_password_hasher = PasswordHasher()


class InvalidCredentials(NotAuthenticated):
    title = "The email or password is wrong."


class AccountLocked(NotAuthenticated):
    status = 429
    title = "Too many failed logins; try again later."


class TooManyLoginAttempts(NotAuthenticated):
    status = 429
    title = "Too many failed logins from your network; wait a few minutes before trying again."


class ApiKeyNotFound(NotFound):
    title = "There is no such API key in this workspace."


class AccountNotFound(NotFound):
    title = "This person has no account in this workspace."


class LoginSessionNotFound(NotFound):
    title = "There is no such login session among yours."


class LastAdmin(Conflict):
    title = "A workspace needs at least one active admin."


def hash_secret(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < 12:
        raise InvalidInput(errors=[FieldError("password", "must be at least 12 characters long")])


# -- accounts and roles -------------------------------------------------------------------------------------------


def effective_roles(account: Account) -> frozenset[Role]:
    """The roles an account holds: granted in uptake, given by the identity provider, and always employee."""
    names = {*account.roles, *(account.idp_roles or [])}
    return frozenset(Role(name) for name in names if name in Role.__members__) | {Role.employee}


def _check_person_roles(roles: Iterable[Role | str], field: str = "roles") -> list[str]:
    values: list[str] = []
    for role in roles:
        if role not in {person_role.value for person_role in PERSON_ROLES}:
            raise InvalidInput(errors=[FieldError(field, f"{role} cannot be given to a person")])
        values.append(str(Role(role).value))
    return values


def create_account(
    session: Session,
    workspace_id: int,
    *,
    person_id: int,
    roles: Iterable[Role | str],
    password: str | None = None,
    actor: str = "system",
) -> Account:
    """Give a directory person access (or more roles, or a new password): the account is made when missing."""
    if password is not None:
        check_password_strength(password)
    granted = _check_person_roles(roles)
    people_service.get_person(session, workspace_id, person_id)
    account = repository.get_account_for_person(session, workspace_id, person_id)
    if account is None:
        account = Account(workspace_id=workspace_id, person_id=person_id, roles=[], idp_roles=[])
        session.add(account)
    before = sorted(account.roles)
    account.roles = sorted({*account.roles, *granted})
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


def get_account(session: Session, workspace_id: int, person_id: int) -> Account:
    account = repository.get_account_for_person(session, workspace_id, person_id)
    if account is None:
        raise AccountNotFound(f"person {person_id} has no account", person_id=person_id)
    return account


def list_accounts(session: Session, workspace_id: int) -> list[Account]:
    return repository.list_accounts(session, workspace_id)


def account_roles(session: Session, workspace_id: int, person_id: int) -> list[str]:
    account = repository.get_account_for_person(session, workspace_id, person_id)
    return list(account.roles) if account else []


def last_login(session: Session, workspace_id: int, person_id: int) -> datetime | None:
    account = repository.get_account_for_person(session, workspace_id, person_id)
    return account.last_login_at if account else None


def _user(account: Account, display_name: str, email: str) -> schemas.User:
    return schemas.User(
        person_id=account.person_id,
        display_name=display_name,
        email=email,
        roles=sorted(account.roles),
        idp_roles=sorted(account.idp_roles or []),
        is_active=account.is_active,
        has_password=account.password_hash is not None,
        last_login_at=account.last_login_at,
    )


def list_users(session: Session, workspace_id: int) -> list[schemas.User]:
    """Everyone with an account (people who may log in), with their roles, by name."""
    accounts = repository.list_accounts(session, workspace_id)
    people = {
        person.id: person
        for person in people_service.list_people_by_ids(
            session, workspace_id, [account.person_id for account in accounts]
        )
    }
    users = [
        _user(account, people[account.person_id].display_name, people[account.person_id].email)
        for account in accounts
        if account.person_id in people
    ]
    return sorted(users, key=lambda user: (user.display_name.lower(), user.person_id))


def get_user(session: Session, workspace_id: int, person_id: int) -> schemas.User:
    account = get_account(session, workspace_id, person_id)
    person = people_service.get_person(session, workspace_id, person_id)
    return _user(account, person.display_name, person.email)


def _is_active_admin(account: Account) -> bool:
    return account.is_active and Role.admin in effective_roles(account)


def _ensure_another_admin_remains(session: Session, workspace_id: int, account: Account) -> None:
    others = [
        other
        for other in repository.list_accounts(session, workspace_id)
        if other.id != account.id and _is_active_admin(other)
    ]
    if not others:
        raise LastAdmin(
            "this is the workspace's last active admin; make someone else admin first",
            person_id=account.person_id,
        )


def grant_role(
    session: Session, workspace_id: int, person_id: int, role: Role | str, *, actor: str
) -> Account:
    """Give a person a role (their account is made when they have none). Granting a held role changes nothing."""
    (value,) = _check_person_roles([role], field="role")
    people_service.get_person(session, workspace_id, person_id)
    account = repository.get_account_for_person(session, workspace_id, person_id)
    if account is None:
        account = Account(workspace_id=workspace_id, person_id=person_id, roles=[], idp_roles=[])
        session.add(account)
    if value in account.roles:
        return account
    before = sorted(account.roles)
    account.roles = sorted({*account.roles, value})
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="auth.account.role_granted",
        target=f"person:{person_id}",
        before={"roles": before},
        after={"roles": account.roles},
    )
    return account


def revoke_role(
    session: Session, workspace_id: int, person_id: int, role: Role | str, *, actor: str
) -> Account:
    """Take a role granted in uptake away. Roles given by the identity provider come back at the next SSO login,
    so they are changed there, in its groups."""
    (value,) = _check_person_roles([role], field="role")
    account = get_account(session, workspace_id, person_id)
    if value not in account.roles:
        return account
    if value == Role.admin.value and Role.admin.value not in (account.idp_roles or []):
        _ensure_another_admin_remains(session, workspace_id, account)
    before = sorted(account.roles)
    account.roles = sorted(set(account.roles) - {value})
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="auth.account.role_revoked",
        target=f"person:{person_id}",
        before={"roles": before},
        after={"roles": account.roles},
    )
    return account


def set_password(
    session: Session, workspace_id: int, person_id: int, password: str, *, actor: str
) -> Account:
    """Set or reset a person's local password (their account is made when they have none); lifts the lock-out of
    their email from every address."""
    check_password_strength(password)
    person = people_service.get_person(session, workspace_id, person_id)
    if person.email:
        repository.delete_failed_logins_of_account_key(session, login_account_key(person.email))
    account = repository.get_account_for_person(session, workspace_id, person_id)
    if account is None:
        account = Account(workspace_id=workspace_id, person_id=person_id, roles=[], idp_roles=[])
        session.add(account)
    had_password = account.password_hash is not None
    account.password_hash = hash_password(password)
    account.failed_logins = 0
    account.locked_until = None
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="auth.account.password_set",
        target=f"person:{person_id}",
        before={"password_set": had_password},
        after={"password_set": True},
    )
    return account


def set_account_active(
    session: Session, workspace_id: int, person_id: int, is_active: bool, *, actor: str
) -> Account:
    """Deactivate an account (its login sessions end at once) or reactivate it."""
    account = get_account(session, workspace_id, person_id)
    if account.is_active == is_active:
        return account
    if not is_active and _is_active_admin(account):
        _ensure_another_admin_remains(session, workspace_id, account)
    account.is_active = is_active
    session.flush()
    if not is_active:
        repository.revoke_login_sessions_for_person(session, workspace_id, person_id, utcnow())
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="auth.account.activated" if is_active else "auth.account.deactivated",
        target=f"person:{person_id}",
        before={"is_active": not is_active},
        after={"is_active": is_active},
    )
    return account


# -- passwords and the login throttle -----------------------------------------------------------------------------


def login_account_key(email: str) -> str:
    """What the lock-out counts failures of: the SHA-256 of the email as typed, in lower case (never the email)."""
    return hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


def check_login_throttle(session: Session, client_address: str, email: str | None = None) -> None:
    """Refuse a login attempt from a client address with too many recent failures (any account, any method),
    or, for ``email``, with 5 failures of that email from that address in 15 minutes (the lock-out).

    Raises :class:`TooManyLoginAttempts` or :class:`AccountLocked` with ``retry_after`` (seconds) in its context.
    The lock-out counts per email and address, whether or not an account has the email: an unknown email locks
    the same way (so the answer tells nothing of which accounts exist), and failures from one address do not
    lock the person out on their own machine. The failures are kept in the database, so every server process and
    worker of an installation counts the same attempts.
    """
    now = utcnow()
    if email is not None:
        tried = repository.list_failed_login_times(
            session, client_address, since=now - LOCKOUT, account_key=login_account_key(email)
        )
        if len(tried) >= MAX_FAILED_LOGINS:
            until = tried[len(tried) - MAX_FAILED_LOGINS] + LOCKOUT
            retry_after = max(1, math.ceil((until - now).total_seconds()))
            raise AccountLocked(f"try again after {until:%H:%M} UTC", retry_after=retry_after)
    failures = repository.list_failed_login_times(session, client_address, since=now - CLIENT_THROTTLE_WINDOW)
    if len(failures) < MAX_FAILED_LOGINS_PER_CLIENT:
        return
    # Allowed again when enough failures leave the window to bring the count below the limit.
    freeing = failures[len(failures) - MAX_FAILED_LOGINS_PER_CLIENT]
    retry_after = max(1, math.ceil((freeing + CLIENT_THROTTLE_WINDOW - now).total_seconds()))
    raise TooManyLoginAttempts(
        f"{len(failures)} failed logins from your address in the last "
        f"{int(CLIENT_THROTTLE_WINDOW.total_seconds() // 60)} minutes; try again in {retry_after} seconds",
        retry_after=retry_after,
    )


def record_failed_login(session: Session, client_address: str, method: str, email: str | None = None) -> None:
    """Count one failed login against a client address, and the email tried if any (and forget failures older
    than the window)."""
    now = utcnow()
    account_key = login_account_key(email) if email is not None else None
    repository.add_failed_login(session, client_address[:64], method, now, account_key=account_key)
    repository.delete_failed_logins_before(session, now - CLIENT_THROTTLE_WINDOW)


def authenticate_password(
    session: Session, *, workspace_id: int | None, email: str, password: str
) -> Account:
    """Check a local password (the lock-out is :func:`check_login_throttle`'s, per email and address)."""
    now = utcnow()
    people = people_service.find_people_by_email_in_any_workspace(session, email)
    if workspace_id is not None:
        people = [person for person in people if person.workspace_id == workspace_id]
    for person in people:
        account = repository.find_account_across_workspaces(session, person.workspace_id, person.id)
        if account is None or account.password_hash is None or not account.is_active:
            continue
        if str(person.employment_status) == LEFT_STATUS:
            continue
        try:
            _password_hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError):
            audit_service.record_audit_entry(
                session,
                person.workspace_id,
                actor=f"person:{person.id}",
                action="auth.login.failed",
                target=f"person:{person.id}",
                after={"method": "password"},
            )
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


# -- login sessions -----------------------------------------------------------------------------------------------


def start_login_session(
    session: Session,
    settings: Settings,
    *,
    workspace_id: int,
    person_id: int,
    method: str,
    user_agent: str | None,
    ip_address: str | None = None,
    replaces_token: str | None = None,
) -> str:
    """Create a login session and return the token for the cookie (never stored in clear).

    ``replaces_token`` is the token of the browser's previous session, if any: it ends, so a login always gets a
    fresh token (no session fixation, and no stale session left behind).
    """
    if replaces_token:
        end_login_session(session, replaces_token)
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
        ip_address=(ip_address or "")[:64] or None,
    )
    with across_workspaces(session):
        session.add(login)
        session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=f"person:{person_id}",
        action="auth.login",
        target=f"person:{person_id}",
        after={"method": method},
    )
    return token


def _is_live(login: LoginSession, settings: Settings, now: datetime) -> bool:
    if login.revoked_at is not None or login.expires_at <= now:
        return False
    return login.last_seen_at + timedelta(minutes=settings.session_idle_minutes) > now


def principal_for_login_token(session: Session, settings: Settings, token: str) -> Principal | None:
    """The caller behind a session cookie, or None when the session is unknown, revoked or timed out."""
    login = repository.find_login_session_by_token_hash(session, hash_secret(token))
    now = utcnow()
    if login is None or not _is_live(login, settings, now):
        return None
    account = repository.find_account_across_workspaces(session, login.workspace_id, login.person_id)
    if account is None or not account.is_active:
        return None
    bind_workspace(session, login.workspace_id)
    person = people_service.get_person(session, login.workspace_id, login.person_id)
    if str(person.employment_status) == LEFT_STATUS:
        return None
    if now - login.last_seen_at > timedelta(minutes=1):
        login.last_seen_at = now
        session.flush()
    roles = effective_roles(account)
    team_ids: frozenset[int] = frozenset()
    if Role.team_lead in roles:
        team_ids = frozenset(teams_service.teams_led_by(session, login.workspace_id, person.id))
    return Principal(
        workspace_id=login.workspace_id,
        person_id=person.id,
        display_name=person.display_name,
        roles=roles,
        login_session_id=login.id,
        team_ids=team_ids,
    )


def end_login_session(session: Session, token: str) -> None:
    login = repository.find_login_session_by_token_hash(session, hash_secret(token))
    if login is not None and login.revoked_at is None:
        with across_workspaces(session):
            login.revoked_at = utcnow()
            session.flush()


def list_active_login_sessions(
    session: Session, settings: Settings, workspace_id: int, person_id: int
) -> list[LoginSession]:
    """A person's sessions that still work (not ended, not past their idle or absolute timeout), newest first."""
    now = utcnow()
    logins = repository.list_login_sessions_for_person(session, workspace_id, person_id)
    return [login for login in logins if _is_live(login, settings, now)]


def end_own_login_session(
    session: Session, workspace_id: int, person_id: int, login_session_id: int, *, actor: str
) -> LoginSession:
    """End one of a person's own sessions (a browser left logged in elsewhere)."""
    login = repository.get_login_session(session, workspace_id, login_session_id)
    if login is None or login.person_id != person_id:
        raise LoginSessionNotFound(f"login session {login_session_id} is not one of yours")
    if login.revoked_at is None:
        login.revoked_at = utcnow()
        session.flush()
        audit_service.record_audit_entry(
            session,
            workspace_id,
            actor=actor,
            action="auth.session.revoked",
            target=f"login_session:{login.id}",
            after={"person_id": person_id},
        )
    return login


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


def _log_out_deprovisioned(session: Session, workspace_id: int, person_id: int, actor: str) -> None:
    end_all_login_sessions(session, workspace_id, person_id, actor=actor)


# A person deprovisioned in the directory (SCIM) is logged out everywhere.
people_service.on_deprovisioned(_log_out_deprovisioned)


# -- API keys -----------------------------------------------------------------------------------------------------


def create_api_key(
    session: Session,
    workspace_id: int,
    *,
    name: str,
    scopes: list[Scope],
    created_by: Principal | None,
    expires_in_days: int | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; the plaintext is returned once and never stored. Without ``expires_in_days`` it never
    expires (revoke it when the integration goes away)."""
    if not name.strip():
        raise InvalidInput(errors=[FieldError("name", "must not be empty")])
    if not scopes:
        raise InvalidInput(errors=[FieldError("scopes", "choose at least one scope")])
    if expires_in_days is not None and not 1 <= expires_in_days <= 3650:
        raise InvalidInput(errors=[FieldError("expires_in_days", "must be between 1 and 3650")])
    secret = secrets.token_urlsafe(32)
    public_id = secrets.token_hex(4)
    plaintext = f"{API_KEY_PREFIX}{public_id}_{secret}"
    now = utcnow()
    key = ApiKey(
        workspace_id=workspace_id,
        name=name.strip(),
        prefix=f"{API_KEY_PREFIX}{public_id}",
        secret_hash=hash_secret(plaintext),
        scopes=sorted({Scope(scope).value for scope in scopes}),
        created_by_person_id=created_by.person_id if created_by else None,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days is not None else None,
    )
    session.add(key)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=created_by.actor if created_by else "system",
        action="auth.api_key.created",
        target=f"api_key:{key.id}",
        after={
            "name": key.name,
            "prefix": key.prefix,
            "scopes": key.scopes,
            "expires_at": key.expires_at.isoformat() if key.expires_at else None,
        },
    )
    return key, plaintext


def principal_for_api_key(session: Session, plaintext: str) -> Principal | None:
    """The integration behind an API key, or None when the key is unknown, revoked or expired."""
    if not plaintext.startswith(API_KEY_PREFIX):
        return None
    key = repository.find_api_key_by_hash(session, hash_secret(plaintext))
    now = utcnow()
    if key is None or key.revoked_at is not None:
        return None
    if key.expires_at is not None and key.expires_at <= now:
        return None
    bind_workspace(session, key.workspace_id)
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
