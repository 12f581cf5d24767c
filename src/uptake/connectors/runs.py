"""What a run tells: counts of what it read and stored, each thing it skipped with the reason, and errors.

A vendor sync writes into a `RunLog` as it goes; the service copies it onto the run's row at the end, so a
run that failed halfway still shows what it did before the failure."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from uptake.connectors.models import Connector
from uptake.telemetry import service as telemetry_service
from uptake.telemetry.dependencies import EventStore
from uptake.vendor_http import VendorHttp

MAX_SKIPPED_LISTED = 100
"""Skipped items listed one by one on a run; the rest are counted under one line."""


@dataclass
class RunLog:
    read: Counter[str] = field(default_factory=Counter)
    stored: Counter[str] = field(default_factory=Counter)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    skipped_unlisted: int = 0
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    days_from: date | None = None
    days_to: date | None = None

    def skip(self, what: str, why: str, count: int = 1) -> None:
        """Record that `count` items (`what`: a seat, a day, a record) were not stored, and why."""
        if count <= 0:
            return
        for item in self.skipped:
            if item["what"] == what and item["why"] == why:
                item["count"] += count
                return
        if len(self.skipped) < MAX_SKIPPED_LISTED:
            self.skipped.append({"what": what, "why": why, "count": count})
        else:
            self.skipped_unlisted += count

    def fail(self, message: str) -> None:
        self.errors.append(message)

    @property
    def failed(self) -> bool:
        return bool(self.errors)

    def message(self) -> str:
        return "; ".join([*self.errors, *self.notes])[:4000]


@dataclass
class SyncContext:
    """What a vendor sync works with: the workspace's session and events, the connector and its secret in
    clear (for this run only), the day it runs, and the vendor accounts already linked to directory people."""

    session: Session
    workspace_id: int
    connector: Connector
    secret: str
    store: EventStore
    ingest: telemetry_service.IngestContext
    today: date
    now: datetime
    http: VendorHttp
    log: RunLog
    people_map: dict[str, str] = field(default_factory=dict)
    """Vendor account (lower-cased) → the directory person's email, for the events."""
    people_ids: dict[str, int] = field(default_factory=dict)
    """Vendor account (lower-cased) → the directory person's id, for the seats."""
