"""The seat ledger's input and output: contracts, seats, the sync report, policies, the waiting list and
reassignments."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StringConstraints, model_validator

from uptake.licences.models import PricePeriod, ReassignmentStatus, SeatSource, WaitingStatus

MAX_ID = 2_147_483_647
ToolSlug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=63)]
PersonKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=320)]
Account = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, min_length=1, max_length=200)
]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Price = Annotated[float, Field(ge=0, le=1_000_000, allow_inf_nan=False)]
SeatCount = Annotated[int, Field(ge=0, le=10_000_000)]
NoticeDays = Annotated[int, Field(ge=0, le=366)]
Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


# ---------------------------------------------------------------- contracts


class ContractCreate(Input):
    tool: ToolSlug
    seats_purchased: SeatCount
    price_per_seat: Price
    price_period: PricePeriod = PricePeriod.month
    currency: Currency
    starts_on: date
    renews_on: date | None = None
    notice_days: NoticeDays = 0
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""

    @model_validator(mode="after")
    def _renews_after_start(self) -> ContractCreate:
        if self.renews_on is not None and self.renews_on <= self.starts_on:
            raise ValueError("renews_on must be after starts_on")
        return self


class ContractUpdate(Input):
    seats_purchased: SeatCount | None = None
    price_per_seat: Price | None = None
    price_period: PricePeriod | None = None
    currency: Currency | None = None
    starts_on: date | None = None
    renews_on: date | None = None
    notice_days: NoticeDays | None = None
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None


class Contract(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tool: str
    seats_purchased: int
    price_per_seat: float
    price_period: PricePeriod
    monthly_price_per_seat: float
    currency: str
    starts_on: date
    renews_on: date | None
    notice_days: int
    notice_deadline: date | None
    reference: str


# ---------------------------------------------------------------- seats


class SeatCreate(Input):
    """A seat given by hand: to a directory person (email or external id), a vendor account, or both."""

    tool: ToolSlug
    person: PersonKey | None = None
    account: Account | None = None
    assigned_on: date | None = None
    note: Note = ""

    @model_validator(mode="after")
    def _names_a_holder(self) -> SeatCreate:
        if self.person is None and self.account is None:
            raise ValueError("name the holder: a person (email or external id), an account, or both")
        return self


class SeatRelease(Input):
    released_on: date | None = None


class Seat(BaseModel):
    id: int
    tool: str
    person_id: int | None
    person_name: str | None
    person_email: str | None
    account: str | None
    source: SeatSource
    assigned_on: date
    released_on: date | None
    note: str


class SeatPage(BaseModel):
    items: list[Seat]
    total: int
    limit: int
    offset: int


class SeatSyncReport(BaseModel):
    """What replacing a tool's seats from one source changed: seats assigned, released, left as they were."""

    tool: str
    source: SeatSource
    as_of: date
    assigned: int
    released: int
    updated: int
    unchanged: int


# ---------------------------------------------------------------- the reassignment queue


class SeatPolicyUpdate(Input):
    idle_days: Annotated[int, Field(ge=7, le=365)] | None = None
    grace_days: Annotated[int, Field(ge=0, le=90)] | None = None
    is_automatic: bool | None = None
    is_enabled: bool | None = None


class SeatPolicy(BaseModel):
    tool: str
    idle_days: int
    grace_days: int
    is_automatic: bool
    is_enabled: bool


class SeatRequestCreate(Input):
    """Ask for a seat of a tool: for yourself, or (a program lead) for `person`."""

    tool: ToolSlug
    person: PersonKey | None = None
    account: Account | None = None
    reason: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class SeatRequest(BaseModel):
    id: int
    tool: str
    person_id: int
    person_name: str | None
    account: str | None
    reason: str
    status: WaitingStatus
    requested_at: datetime
    position: int | None


class WaitingPerson(BaseModel):
    """One place in a tool's waiting list, in the order seats are given."""

    position: int
    person_id: int
    person_name: str
    why: str
    request_id: int | None
    since: datetime | date


class Reassignment(BaseModel):
    id: int
    tool: str
    seat_id: int
    holder_person_id: int | None
    holder_name: str | None
    holder_account: str | None
    status: ReassignmentStatus
    waits_for_approval: bool
    last_used_on: date | None
    idle_days: int
    grace_days: int
    proposed_at: datetime
    notified_on: date | None
    grace_ends_on: date | None
    released_on: date | None
    next_person_id: int | None
    next_person_name: str | None
    vendor_note: str
    last_error: str | None
    closed_on: date | None


class ReassignmentDecision(Input):
    """A licence owner's answer to the step waiting for them."""

    note: Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)] = ""


class QueueRun(BaseModel):
    """What one run of the reassignment queue did."""

    proposed: int
    notified: int
    kept: int
    release_proposed: int
    released: int
    assignment_proposed: int
    assigned: int
    withdrawn: int
    failed: int
    ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]]


class SeatHolder(BaseModel):
    """Who holds a seat in a source's list (what a connector passes to `service.sync_seats`): a directory
    person, a vendor account (a GitHub login, a Microsoft user principal name), or both; `assigned_on` when
    the source knows the day the seat was given."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    person_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = None
    account: Account | None = None
    assigned_on: date | None = None

    @model_validator(mode="after")
    def _names_someone(self) -> SeatHolder:
        if self.person_id is None and self.account is None:
            raise ValueError("a seat holder needs a person_id, an account, or both")
        return self


class GitHubConnection(BaseModel):
    """How to reach a GitHub organization's Copilot seats (the connectors domain keeps and passes it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    organization: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    token: SecretStr
    base_url: Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=500)] = (
        "https://api.github.com"
    )


class SeatGroupSet(Input):
    """The directory group (a team; SCIM groups are teams) whose members hold the tool's seats."""

    team_id: Annotated[int, Field(ge=1, le=MAX_ID)]
    include_subteams: bool = True


class SeatGroup(BaseModel):
    tool: str
    team_id: int
    team_name: str
    include_subteams: bool
    synced_on: date | None
    members: int
