"""The seat ledger's door for other domains and the application layer.

- Connectors write the seats a vendor lists with `sync_seats`: "replace the seats of tool T from source S as
  of day D", idempotent (the same list twice changes nothing), touching no other source's seats; then
  `publish_ledger` (or pass `analytics` to `sync_seats`) so the figures read them at once.
- Analytics reads the ledger as the `seats` and `contracts` snapshots (`snapshot_rows`, pushed by
  `publish_ledger`).

Inside the domain: `contracts.py` (what was bought) and `seats.py` (the seats and the sync).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.errors import FieldError, InvalidInput
from uptake.licences import schemas, seats
from uptake.licences.models import SeatSource

SEAT_SOURCES = tuple(source.value for source in SeatSource)


def sync_seats(
    session: Session,
    workspace_id: int,
    *,
    tool: str,
    source: str,
    as_of: date,
    holders: Sequence[schemas.SeatHolder],
    actor: str,
    analytics: analytics_service.Analytics | None = None,
) -> schemas.SeatSyncReport:
    """Make tool `tool`'s seats from `source` (one of `SEAT_SOURCES`: `github`, `microsoft_365`, `scim_group`,
    ...) exactly `holders` on day `as_of`: new holders get a seat from their `assigned_on` (else `as_of`),
    seats of holders no longer listed are released on `as_of`, the others stay. Seats of other sources are
    never touched; a holder with a seat from another source keeps that one. With `analytics`, the ledger is
    published to it afterwards."""
    try:
        seat_source = SeatSource(source)
    except ValueError:
        raise InvalidInput(
            errors=[FieldError("source", f"must be one of {', '.join(SEAT_SOURCES)}")]
        ) from None
    report = seats.sync_seats(
        session, workspace_id, tool=tool, source=seat_source, as_of=as_of, holders=holders, actor=actor
    )
    if analytics is not None:
        seats.publish_ledger(session, workspace_id, analytics)
    return report


def publish_ledger(session: Session, workspace_id: int, analytics: analytics_service.Analytics) -> None:
    """Push the ledger's seats and contracts to analytics, so seat figures and eligibility read them now."""
    seats.publish_ledger(session, workspace_id, analytics)


def snapshot_rows(session: Session, workspace_id: int) -> dict[str, list[dict[str, Any]]]:
    """The `seats` and `contracts` snapshot rows of the workspace (see `uptake.analytics.snapshots`)."""
    return seats.snapshot_rows(session, workspace_id)

