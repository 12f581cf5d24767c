"""A live use case, people who use it, and their usage events, for the trust tests."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from support import World
from uptake.access.roles import Scope
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.db import session_scope

USE_CASE = "draft-replies"


def live_use_case(
    world: World, workspace_id: int, slug: str = USE_CASE, *, owner_id: int | None = None
) -> None:
    """A use case in the pilot stage (its approval is governance's concern, not trust's)."""
    with session_scope(world.factory, workspace_id) as session:
        use_case = catalog_service.create_use_case(
            session,
            workspace_id,
            catalog_schemas.UseCaseCreate(slug=slug, title=slug.replace("-", " ").title(), owner_id=owner_id),
            actor="test",
            author_id=None,
        )
        use_case.status = catalog_service.UseCaseStatus.piloting


def send_usage(
    client: TestClient,
    world: World,
    workspace_id: int,
    emails: list[str],
    *,
    per_person: int = 4,
    **fields: Any,
) -> None:
    """`per_person` accepted outputs of the use case for each person, spread over the last days."""
    key = world.api_key(workspace_id, Scope.events_write)
    now = datetime.now(UTC)
    events = [
        {
            "event_id": str(uuid.uuid4()),
            "time": (now - timedelta(hours=6 * number + 1)).isoformat(),
            "person": email,
            "use_case": fields.get("use_case", USE_CASE),
            "kind": fields.get("kind", "accepted"),
        }
        for email in emails
        for number in range(per_person)
    ]
    response = client.post(
        "/api/v1/events",
        content=json.dumps(events),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == len(events), response.text
