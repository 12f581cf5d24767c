"""What every command shares: settings from options, one unit of work on the database, the workspace chosen by
``--workspace`` (or the only one), and the events store opened with one clear line when it cannot be."""

from __future__ import annotations

import pytest

from uptake.cli.command import (
    CommandError,
    command_settings,
    database_session,
    events_store,
    opened_events_store,
    resolve_workspace,
)
from uptake.db import bound_workspace
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service

sqlite = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def test_command_settings_take_the_options_given_and_make_the_data_dir(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("UPTAKE_PORT", "9001")
    data_dir = tmp_path / "nested" / "data"
    settings = command_settings(None, data_dir=data_dir, port=None, host="0.0.0.0")
    assert settings.port == 9001  # an option not given (None) leaves the environment's value
    assert settings.host == "0.0.0.0"
    assert data_dir.is_dir()


@sqlite
def test_a_database_session_commits_at_the_end_and_rolls_back_on_error(settings, world) -> None:
    with database_session(settings) as session:
        workspaces_service.create_workspace(
            session, workspace_schemas.WorkspaceCreate(slug="acme", name="Acme")
        )

    def fail_after_a_change() -> None:
        with database_session(settings) as session:
            body = workspace_schemas.WorkspaceCreate(slug="globex", name="Globex")
            workspaces_service.create_workspace(session, body)
            raise RuntimeError("the command failed after the change")

    with pytest.raises(RuntimeError):
        fail_after_a_change()
    with world.session() as session:
        assert [workspace.slug for workspace in workspaces_service.list_workspaces(session)] == ["acme"]


@sqlite
def test_the_workspace_is_the_one_named_or_the_only_one(settings, world) -> None:
    with (
        database_session(settings) as session,
        pytest.raises(CommandError, match="there is no workspace yet"),
    ):
        resolve_workspace(session, None)
    acme = world.workspace("acme")
    with database_session(settings) as session:
        assert resolve_workspace(session, None) == acme
        assert bound_workspace(session) == acme
    globex = world.workspace("globex")
    with database_session(settings) as session:
        with pytest.raises(CommandError, match=r"several workspaces \(acme, globex\)"):
            resolve_workspace(session, None)
        assert resolve_workspace(session, "globex") == globex
        assert bound_workspace(session) == globex


@sqlite
def test_an_events_store_that_cannot_be_opened_is_one_line_saying_what_to_do(settings) -> None:
    def held_by_another_process(url: str) -> object:
        raise OSError(f"Could not set lock on file {url}\nConflicting lock is held by PID 4242")

    with pytest.raises(CommandError) as caught:
        opened_events_store(settings, held_by_another_process, "stop the server first")
    message = str(caught.value)
    assert message.startswith(
        f"cannot open the events store {settings.effective_events_url} (Could not set lock"
    )
    assert message.endswith("; stop the server first")
    assert "\n" not in message
    url = settings.effective_events_url
    with pytest.raises(CommandError) as plain:
        opened_events_store(settings, held_by_another_process)
    assert str(plain.value) == f"cannot open the events store {url} (Could not set lock on file {url})"


@sqlite
def test_the_events_store_opens_for_writing(settings, world) -> None:
    workspace = world.workspace("acme")
    with events_store(settings, "stop the server first") as store:
        assert store.count(workspace) == 0
