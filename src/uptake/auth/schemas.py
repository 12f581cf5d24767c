from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from uptake.auth.roles import Role, Scope


class Me(BaseModel):
    workspace_id: int
    person_id: int | None
    display_name: str
    roles: list[Role]
    scopes: list[str]


class ApiKeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1)


class ApiKey(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(ApiKey):
    key: str = Field(description="The key itself. Shown this once; uptake stores only its hash.")


class SessionsRevoked(BaseModel):
    sessions_revoked: int
