"""Request parameters every API shares, typed once so each route validates them the same way."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# The largest id both SQLite and PostgreSQL (bigint) store; larger numbers are a 422, never a driver error.
MAX_ID = 2**63 - 1

ResourceId = Annotated[int, Path(ge=1, le=MAX_ID, description="A positive id")]
