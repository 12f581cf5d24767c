from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    actor: str
    action: str
    target: str
    before: Any | None
    after: Any | None
    created_at: datetime
    prev_hash: str
    entry_hash: str


class ChainBreak(BaseModel):
    entry_id: int
    seq: int
    reason: str


class ChainReport(BaseModel):
    entries_checked: int
    is_intact: bool
    first_break: ChainBreak | None
