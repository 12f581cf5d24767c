"""The hand-worked organization the discovery tests share."""

from __future__ import annotations

import io

import pytest

from discovery.discovery_builders import hand_worked_log, make_organization
from uptake.db import session_scope
from uptake.discovery import service


@pytest.fixture
def organization(world):
    org = make_organization(world, {"Finance": 6, "Sales": 5, "Legal": 2})
    with session_scope(world.factory, org.workspace_id) as session:
        report = service.import_log(
            session,
            org.workspace_id,
            io.StringIO(hand_worked_log()),
            dry_run=False,
            actor="system",
            file_name="a.csv",
        )
    assert (report.rows_read, report.rows_matched, report.rows_other, report.rejected) == (24, 23, 1, 0)
    assert report.tools == ["chatgpt", "claude", "midjourney"]
    assert (report.people_linked, report.people_unlinked) == (13, 1)
    return org
