"""Accounts (who may log in, with which roles), login sessions, API keys, single sign-on settings and the
record of failed logins that slows down guessing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from uptake.db import Base, WorkspaceMixin, utcnow


class Account(WorkspaceMixin, Base):
    """A person's access to uptake: roles, and a local password for small installs (SSO users have none)."""

    __tablename__ = "auth_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Roles the identity provider's groups claim gave at the last single sign-on; replaced at each SSO login.
    idp_roles: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginSession(WorkspaceMixin, Base):
    """A browser login. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "auth_login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("directory_person.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(20), default="password")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    user_agent: Mapped[str | None] = mapped_column(String(300))
    ip_address: Mapped[str | None] = mapped_column(String(64))


class ApiKey(WorkspaceMixin, Base):
    """A key for integrations. Shown once when created; only its SHA-256 is stored."""

    __tablename__ = "auth_api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(20), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_by_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("directory_person.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class SsoConfiguration(WorkspaceMixin, Base):
    """A workspace's OpenID Connect identity provider. The client secret is stored encrypted (Fernet, with a key
    derived from the installation's secret key) and is never shown again after it is saved."""

    __tablename__ = "auth_sso_configuration"
    __table_args__ = (UniqueConstraint("workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_name: Mapped[str] = mapped_column(String(100))
    issuer_url: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(300))
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    scopes: Mapped[str] = mapped_column(String(300), default="openid email profile")
    match_claim: Mapped[str] = mapped_column(String(20), default="email")
    groups_claim: Mapped[str | None] = mapped_column(String(100))
    role_mapping: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    just_in_time_provisioning: Mapped[bool] = mapped_column(default=False)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FailedLogin(Base):
    """One failed login from one client address, kept for the throttle window only.

    Not a tenant table: a failed login has no workspace yet (the email may be unknown everywhere).
    """

    __tablename__ = "auth_failed_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_address: Mapped[str] = mapped_column(String(64), index=True)
    # SHA-256 of the email tried (lower case), whether or not an account has it: the lock-out counts failures
    # per email and address, so it answers the same for unknown emails and cannot lock a person out from afar.
    account_key: Mapped[str | None] = mapped_column(String(64), index=True)
    method: Mapped[str] = mapped_column(String(20))
    failed_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
