from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"


class Job(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    workspace_id: int | None
    status: JobStatus
    attempts: int
    max_attempts: int
    run_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    progress_done: int
    progress_total: int | None
    progress_note: str | None
    last_error: str | None
    result: dict[str, Any] | None
