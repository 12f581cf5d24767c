"""The connectors' input and output. A secret goes in (`ConnectorCreate.secret`, `ConnectorUpdate.secret`)
and never comes out: the output says only that one is set."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, model_validator

from uptake.connectors.models import ConnectorKind, RunKind, RunStatus

Slug = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=63, pattern=r"^[a-z0-9][a-z0-9_.-]*$"),
]
Url = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500, pattern=r"^https?://[^\s]+$")
]
VendorName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Secret = Annotated[SecretStr, Field(min_length=1, max_length=4000)]
BackfillDays = Annotated[int, Field(ge=0, le=366)]


class ConnectorCreate(BaseModel):
    """A new connector. GitHub Copilot: `organization` and a token as `secret`. Microsoft 365 Copilot:
    `tenant_id`, `client_id` and the app's client secret as `secret`. Leave `base_url` (and `login_url`) out for
    the public clouds; set them for GitHub Enterprise Server (`https://HOST/api/v3`) or a national cloud."""

    model_config = ConfigDict(extra="forbid")

    name: Slug
    kind: ConnectorKind
    secret: Secret
    organization: VendorName | None = None
    tenant_id: VendorName | None = None
    client_id: VendorName | None = None
    base_url: Url | None = None
    login_url: Url | None = None
    tool: Slug | None = None
    use_case: Slug | None = None
    backfill_days: BackfillDays | None = None
    is_enabled: bool = True

    @model_validator(mode="after")
    def _vendor_names(self) -> ConnectorCreate:
        if self.kind == ConnectorKind.github_copilot:
            if self.organization is None:
                raise ValueError("organization is required for a GitHub Copilot connector")
            if self.tenant_id or self.client_id or self.login_url:
                raise ValueError("tenant_id, client_id and login_url are for Microsoft 365 connectors only")
        else:
            missing = [name for name in ("tenant_id", "client_id") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"{' and '.join(missing)} required for a Microsoft 365 Copilot connector")
            if self.organization:
                raise ValueError("organization is for GitHub Copilot connectors only")
        return self


class ConnectorUpdate(BaseModel):
    """A new secret (a rotated token), another address, or the connector switched off; only fields sent apply."""

    model_config = ConfigDict(extra="forbid")

    secret: Secret | None = None
    base_url: Url | None = None
    login_url: Url | None = None
    backfill_days: BackfillDays | None = None
    is_enabled: bool | None = None


class RunSummary(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: RunKind
    trigger: str
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    days_from: date | None
    days_to: date | None
    read: dict[str, Any]
    stored: dict[str, Any]
    skipped: list[dict[str, Any]]
    message: str


class Connector(BaseModel):
    id: int
    name: str
    kind: ConnectorKind
    tool: str
    use_case: str
    base_url: str
    organization: str | None
    tenant_id: str | None
    client_id: str | None
    login_url: str | None
    backfill_days: int
    is_enabled: bool
    has_secret: bool
    synced_through: date | None
    failing_since: date | None
    last_run: RunSummary | None
    created_at: datetime


class ConnectorPage(BaseModel):
    items: list[Connector]


class RunPage(BaseModel):
    items: list[RunSummary]


class SyncQueued(BaseModel):
    connector_id: int
    job_id: int
    status: str


class UnlinkedAccount(BaseModel):
    account: str
    events_30_days: int
    last_day: date | None


class UnlinkedAccountPage(BaseModel):
    items: list[UnlinkedAccount]


class AccountLinkCreate(BaseModel):
    """Link the vendor `account` to the directory person named by `person` (email or external id)."""

    model_config = ConfigDict(extra="forbid")

    account: Annotated[
        str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=200)
    ]
    person: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]


class AccountLink(BaseModel):
    vendor: str
    account: str
    person_id: int
    events_moved: int
    seats_linked: int


class RowProblem(BaseModel):
    line: int
    reason: str


class AccountLinkImport(BaseModel):
    """What a CSV of account links did: accounts linked, stored events and seats moved to people, bad rows."""

    linked: int = 0
    events_moved: int = 0
    seats_linked: int = 0
    rejected: list[RowProblem] = Field(default_factory=list)
