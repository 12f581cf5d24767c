"""The administrator's personal-data page: look up, download, erase (with a typed confirmation)."""

from __future__ import annotations

import pytest

from support import as_caller
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.service import people as people_service

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_an_admin_looks_a_person_up_downloads_and_erases_them(client, app, world) -> None:
    workspace_id = world.workspace()
    person_id = world.person(workspace_id, email="dora@example.com", name="Dora Explorer")
    as_caller(client, world.caller(workspace_id, Role.admin))

    page = client.get("/settings/people-rights", params={"person": "dora@example.com"})
    assert page.status_code == 200
    assert "Dora Explorer" in page.text
    assert 'name="confirmation"' in page.text
    missing = client.get("/settings/people-rights", params={"person": "nobody@example.com"})
    assert missing.status_code == 404
    assert "nobody@example.com" in missing.text

    download = client.get("/settings/people-rights/export", params={"person": "dora@example.com"})
    assert download.status_code == 200
    assert download.json()["person"]["id"] == person_id
    assert "attachment" in download.headers["content-disposition"]

    unconfirmed = client.post(
        "/settings/people-rights/erasure",
        data={"person": "dora@example.com", "confirmation": "dora"},
        follow_redirects=False,
    )
    assert unconfirmed.status_code == 303
    with world.session(workspace_id) as session:
        assert people_service.get_person_by_email(session, workspace_id, "dora@example.com") is not None

    erased = client.post(
        "/settings/people-rights/erasure",
        data={"person": "dora@example.com", "confirmation": "Dora@example.com"},
    )
    assert erased.status_code == 200
    assert f"Person {person_id} was erased" in erased.text
    with session_scope(world.factory, workspace_id) as session:
        assert people_service.get_person_by_email(session, workspace_id, "dora@example.com") is None
