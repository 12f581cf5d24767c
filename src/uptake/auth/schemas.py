from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from uptake.access.roles import Role, Scope

PersonRole = Literal["admin", "program_lead", "reviewer", "team_lead", "employee"]


class Me(BaseModel):
    workspace_id: int
    person_id: int | None
    display_name: str
    roles: list[Role]
    scopes: list[str]
    team_ids: list[int] = Field(default_factory=list, description="Teams this person leads, with subteams.")


class LoginSession(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    method: str = Field(description="How this session was opened: password, sso, …")
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    user_agent: str | None
    ip_address: str | None
    is_current: bool = False


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1)
    expires_in_days: int | None = Field(
        default=None, ge=1, le=3650, description="The key stops working this many days from now; none: never."
    )


class ApiKey(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The key itself. Shown this once; uptake stores only its hash.")


class SessionsRevoked(BaseModel):
    sessions_revoked: int


class User(BaseModel):
    """A person with an account: who may log in to uptake, with which roles."""

    person_id: int
    display_name: str
    email: str
    roles: list[str] = Field(description="Roles granted in uptake.")
    idp_roles: list[str] = Field(
        description="Roles the identity provider's groups gave at the last SSO login."
    )
    is_active: bool
    has_password: bool
    last_login_at: datetime | None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    person_id: int = Field(ge=1)
    roles: list[PersonRole] = Field(default_factory=list, max_length=5)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_active: bool | None = None


class PasswordSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: SecretStr = Field(min_length=12, max_length=1000)


class SsoConfigurationSave(BaseModel):
    """A workspace's OpenID Connect provider. Send ``client_secret`` to set or change it; leave it out to keep
    the stored one (it is never sent back)."""

    model_config = ConfigDict(extra="forbid")

    provider_name: str = Field(min_length=1, max_length=100, description="Shown on the login button.")
    issuer_url: str = Field(
        min_length=1, max_length=500, description="The issuer, exactly as the provider says."
    )
    client_id: str = Field(min_length=1, max_length=300)
    client_secret: SecretStr | None = Field(default=None, min_length=1, max_length=2000)
    scopes: str = Field(default="openid email profile", min_length=6, max_length=300)
    match_claim: Literal["email", "subject"] = Field(
        default="email",
        description="email: the email claim finds the person by email; subject: sub is the person's external id.",
    )
    groups_claim: str | None = Field(default=None, max_length=100, description="e.g. groups")
    role_mapping: dict[str, str] = Field(
        default_factory=dict,
        description="Group name → uptake role (admin, program_lead, reviewer, team_lead or employee), "
        'e.g. {"ai-leads": "program_lead"}.',
    )
    just_in_time_provisioning: bool = Field(
        default=False, description="Create unknown people in the directory at their first login."
    )
    is_enabled: bool = True


class SsoConfiguration(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    provider_name: str
    issuer_url: str
    client_id: str
    client_secret_stored: bool
    scopes: str
    match_claim: str
    groups_claim: str | None
    role_mapping: dict[str, str]
    just_in_time_provisioning: bool
    is_enabled: bool
    redirect_uri: str = Field(description="Register this redirect URI at the identity provider.")
    updated_at: datetime
