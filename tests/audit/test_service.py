"""The audit log is a hash chain: appends link to the previous entry, and tampering is caught where it happened."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from support import raw_engine
from uptake.audit import service as audit_service
from uptake.audit.models import AuditLogIsAppendOnly
from uptake.db import session_scope


def _record(world, workspace_id: int, count: int) -> None:
    with session_scope(world.factory, workspace_id) as session:
        for index in range(count):
            audit_service.record_audit_entry(
                session,
                workspace_id,
                actor="person:1",
                action="test.changed",
                target=f"thing:{index}",
                before={"value": index},
                after={"value": index + 1, "note": "ünïcode ✓"},
            )


def test_entries_chain_to_each_other(world) -> None:
    workspace = world.workspace()  # creating it writes entry 1
    _record(world, workspace, 3)
    with world.session(workspace) as session:
        entries = audit_service.list_audit_entries(session, workspace)
        entries.reverse()
        assert [entry.seq for entry in entries] == [1, 2, 3, 4]
        assert entries[0].prev_hash == audit_service.GENESIS_HASH
        for previous, entry in itertools.pairwise(entries):
            assert entry.prev_hash == previous.entry_hash
        report = audit_service.verify_audit_chain(session, workspace)
    assert report.is_intact
    assert report.entries_checked == 4


def test_each_workspace_has_its_own_chain(world) -> None:
    first = world.workspace()
    second = world.workspace()
    _record(world, first, 2)
    with world.session(second) as session:
        assert audit_service.verify_audit_chain(session, second).entries_checked == 1
    with world.session(first) as session:
        assert audit_service.verify_audit_chain(session, first).entries_checked == 3


def test_the_orm_refuses_to_change_an_entry(world) -> None:
    workspace = world.workspace()
    with world.session(workspace) as session:
        entry = audit_service.list_audit_entries(session, workspace)[0]
        entry.action = "something.else"
        with pytest.raises(AuditLogIsAppendOnly):
            session.flush()


def test_the_database_refuses_update_and_delete(world, database_url) -> None:
    workspace = world.workspace()
    engine = raw_engine(database_url)
    with engine.connect() as connection:
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(
                text("UPDATE audit_entry SET actor = 'mallory' WHERE workspace_id = :w"), {"w": workspace}
            )
        connection.rollback()
        with pytest.raises(DBAPIError, match="append-only"):
            connection.execute(text("DELETE FROM audit_entry WHERE workspace_id = :w"), {"w": workspace})
        connection.rollback()
    engine.dispose()


def drop_append_only_guard(connection, dialect: str) -> None:
    """What an attacker with database-owner rights would do first."""
    if dialect == "sqlite":
        connection.execute(text("DROP TRIGGER audit_entry_no_update"))
        connection.execute(text("DROP TRIGGER audit_entry_no_delete"))
    else:
        connection.execute(text("DROP TRIGGER audit_entry_no_update ON audit_entry"))


def tamper(database_url: str, statement: str, params: dict) -> None:
    engine = raw_engine(database_url)
    with engine.begin() as connection:
        drop_append_only_guard(connection, engine.dialect.name)
        connection.execute(text(statement), params)
    engine.dispose()


def test_an_edited_entry_is_caught(world, database_url) -> None:
    workspace = world.workspace()
    _record(world, workspace, 5)
    tamper(
        database_url,
        "UPDATE audit_entry SET actor = 'person:99' WHERE workspace_id = :w AND seq = 3",
        {"w": workspace},
    )
    with world.session(workspace) as session:
        report = audit_service.verify_audit_chain(session, workspace)
    assert not report.is_intact
    assert report.first_break.seq == 3
    assert "edited" in report.first_break.reason


def test_a_removed_entry_is_caught(world, database_url) -> None:
    workspace = world.workspace()
    _record(world, workspace, 5)
    tamper(database_url, "DELETE FROM audit_entry WHERE workspace_id = :w AND seq = 4", {"w": workspace})
    with world.session(workspace) as session:
        report = audit_service.verify_audit_chain(session, workspace)
    assert report.first_break.seq == 5
    assert "removed" in report.first_break.reason


def test_an_edit_with_a_recomputed_hash_breaks_the_next_link(world, database_url) -> None:
    workspace = world.workspace()
    _record(world, workspace, 4)
    with world.session(workspace) as session:
        entry = next(e for e in audit_service.list_audit_entries(session, workspace) if e.seq == 2)
        forged = audit_service.entry_digest(
            workspace_id=workspace,
            seq=2,
            actor="person:99",
            action=entry.action,
            target=entry.target,
            before=entry.before,
            after=entry.after,
            created_at=entry.created_at,
            prev_hash=entry.prev_hash,
        )
    tamper(
        database_url,
        "UPDATE audit_entry SET actor = 'person:99', entry_hash = :h WHERE workspace_id = :w AND seq = 2",
        {"w": workspace, "h": forged},
    )
    with world.session(workspace) as session:
        report = audit_service.verify_audit_chain(session, workspace)
    assert report.first_break.seq == 3
    assert "previous entry" in report.first_break.reason
