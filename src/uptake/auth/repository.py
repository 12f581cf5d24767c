from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from uptake.auth.models import Account, ApiKey, LoginSession
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
