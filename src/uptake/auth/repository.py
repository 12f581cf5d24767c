from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from uptake.auth.models import Account, ApiKey, FailedLogin, LoginSession, SsoConfiguration
from uptake.db import across_workspaces


def get_account_for_person(session: Session, workspace_id: int, person_id: int) -> Account | None:
    query = select(Account).where(Account.workspace_id == workspace_id, Account.person_id == person_id)
    return session.scalar(query)


def list_accounts(session: Session, workspace_id: int) -> list[Account]:
    return list(
        session.scalars(select(Account).where(Account.workspace_id == workspace_id).order_by(Account.id))
    )


def find_login_session_by_token_hash(session: Session, token_hash: str) -> LoginSession | None:
    """Finds which workspace a cookie belongs to: necessarily across workspaces."""
    with across_workspaces(session):
        return session.scalar(select(LoginSession).where(LoginSession.token_hash == token_hash))


def find_account_across_workspaces(session: Session, workspace_id: int, person_id: int) -> Account | None:
    with across_workspaces(session):
        return session.scalar(
            select(Account).where(Account.workspace_id == workspace_id, Account.person_id == person_id)
        )


def revoke_login_sessions_for_person(
    session: Session, workspace_id: int, person_id: int, now: datetime
) -> int:
    result = session.execute(
        update(LoginSession)
        .where(
            LoginSession.workspace_id == workspace_id,
            LoginSession.person_id == person_id,
            LoginSession.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0))


def find_api_key_by_hash(session: Session, secret_hash: str) -> ApiKey | None:
    """Finds which workspace an API key belongs to: necessarily across workspaces."""
    with across_workspaces(session):
        return session.scalar(select(ApiKey).where(ApiKey.secret_hash == secret_hash))


def list_api_keys(session: Session, workspace_id: int) -> list[ApiKey]:
    query = (
        select(ApiKey)
        .where(ApiKey.workspace_id == workspace_id)
        .order_by(ApiKey.created_at.desc(), ApiKey.id)
    )
    return list(session.scalars(query))


def get_api_key(session: Session, workspace_id: int, key_id: int) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.workspace_id == workspace_id, ApiKey.id == key_id))


def list_login_sessions_for_person(session: Session, workspace_id: int, person_id: int) -> list[LoginSession]:
    query = (
        select(LoginSession)
        .where(
            LoginSession.workspace_id == workspace_id,
            LoginSession.person_id == person_id,
            LoginSession.revoked_at.is_(None),
        )
        .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
    )
    return list(session.scalars(query))


def get_login_session(session: Session, workspace_id: int, login_session_id: int) -> LoginSession | None:
    query = select(LoginSession).where(
        LoginSession.workspace_id == workspace_id, LoginSession.id == login_session_id
    )
    return session.scalar(query)


def list_failed_login_times(
    session: Session, client_address: str, *, since: datetime, account_key: str | None = None
) -> list[datetime]:
    """When ``client_address`` failed to log in since ``since`` (as ``account_key``, if given), oldest first
    (not a tenant table)."""
    query = select(FailedLogin.failed_at).where(
        FailedLogin.client_address == client_address, FailedLogin.failed_at > since
    )
    if account_key is not None:
        query = query.where(FailedLogin.account_key == account_key)
    return list(session.scalars(query.order_by(FailedLogin.failed_at)))


def add_failed_login(
    session: Session, client_address: str, method: str, at: datetime, *, account_key: str | None = None
) -> None:
    session.add(
        FailedLogin(client_address=client_address, method=method, failed_at=at, account_key=account_key)
    )
    session.flush()


def delete_failed_logins_of_account_key(session: Session, account_key: str) -> None:
    session.execute(
        delete(FailedLogin)
        .where(FailedLogin.account_key == account_key)
        .execution_options(synchronize_session=False)
    )


def delete_failed_logins_before(session: Session, cutoff: datetime) -> None:
    session.execute(
        delete(FailedLogin)
        .where(FailedLogin.failed_at <= cutoff)
        .execution_options(synchronize_session=False)
    )


def get_sso_configuration(session: Session, workspace_id: int) -> SsoConfiguration | None:
    query = select(SsoConfiguration).where(SsoConfiguration.workspace_id == workspace_id)
    return session.scalar(query)


def list_enabled_sso_configurations_across_workspaces(session: Session) -> list[SsoConfiguration]:
    """The login page shows one button per workspace with SSO, before anyone is known: across workspaces."""
    with across_workspaces(session):
        query = (
            select(SsoConfiguration)
            .where(SsoConfiguration.is_enabled.is_(True))
            .order_by(SsoConfiguration.provider_name, SsoConfiguration.id)
        )
        return list(session.scalars(query))
