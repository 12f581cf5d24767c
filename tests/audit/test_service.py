"""The audit log is a hash chain: appends link to the previous entry, and tampering is caught where it happened."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from support import raw_engine
from uptake.audit import checkpoint as audit_checkpoint
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


def test_an_edit_with_a_plain_hash_is_caught_where_it_happened(world, database_url) -> None:
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
    assert report.first_break.seq == 2
    assert "seal" in report.first_break.reason


def _rows(database_url: str, workspace: int) -> list[dict]:
    engine = raw_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT * FROM audit_entry WHERE workspace_id = :w ORDER BY seq"), {"w": workspace}
        )
        result = [dict(row._mapping) for row in rows]
    engine.dispose()
    return result


def test_deleting_the_newest_entries_is_caught(world, database_url) -> None:
    """As found: removing the last entries left a valid chain, and verify passed."""
    workspace = world.workspace()
    _record(world, workspace, 5)
    tamper(database_url, "DELETE FROM audit_entry WHERE workspace_id = :w AND seq >= 5", {"w": workspace})
    with world.session(workspace) as session:
        report = audit_service.verify_audit_chain(session, workspace)
    assert not report.is_intact
    assert report.first_break.seq == 6
    assert "newest entries were removed" in report.first_break.reason


def test_an_edit_with_every_later_hash_recomputed_is_caught(world, database_url) -> None:
    """As found: edit entry 2, recompute its hash and every hash after it, and verify passed."""
    workspace = world.workspace()
    _record(world, workspace, 4)
    rows = _rows(database_url, workspace)
    previous = rows[0]["entry_hash"]
    engine = raw_engine(database_url)
    with engine.begin() as connection:
        drop_append_only_guard(connection, engine.dialect.name)
        for row in rows[1:]:
            actor = "person:99" if row["seq"] == 2 else row["actor"]
            forged = audit_service.entry_digest(
                workspace_id=workspace,
                seq=row["seq"],
                actor=actor,
                action=row["action"],
                target=row["target"],
                before=_json(row["before"]),
                after=_json(row["after"]),
                created_at=_aware(row["created_at"]),
                prev_hash=previous,
            )
            connection.execute(
                text(
                    "UPDATE audit_entry SET actor = :a, prev_hash = :p, entry_hash = :h "
                    "WHERE workspace_id = :w AND seq = :s"
                ),
                {"a": actor, "p": previous, "h": forged, "w": workspace, "s": row["seq"]},
            )
            previous = forged
    engine.dispose()
    with world.session(workspace) as session:
        report = audit_service.verify_audit_chain(session, workspace)
    assert not report.is_intact
    assert report.first_break.seq == 2


def test_entries_are_sealed_with_a_key_derived_from_the_secret_key(world) -> None:
    workspace = world.workspace()
    with world.session(workspace) as session:
        entry = audit_service.list_audit_entries(session, workspace)[0]
        content = {
            "workspace_id": workspace,
            "seq": entry.seq,
            "actor": entry.actor,
            "action": entry.action,
            "target": entry.target,
            "before": entry.before,
            "after": entry.after,
            "created_at": entry.created_at,
            "prev_hash": entry.prev_hash,
        }
    assert entry.entry_hash == audit_service.entry_digest(
        **content, key=audit_service.audit_key(world.settings)
    )
    assert entry.entry_hash != audit_service.entry_digest(**content)


def test_the_checkpoint_follows_each_commit_and_never_moves_back(world) -> None:
    workspace = world.workspace()
    _record(world, workspace, 2)
    heads = audit_checkpoint.read_checkpoints(world.settings.data_dir)
    assert heads[workspace].seq == 3
    audit_checkpoint.write_checkpoints(
        world.settings.data_dir, {workspace: audit_checkpoint.ChainHead(seq=1, entry_hash="x")}
    )
    assert audit_checkpoint.read_checkpoints(world.settings.data_dir)[workspace].seq == 3


def test_a_rolled_back_append_does_not_move_the_checkpoint(world) -> None:
    workspace = world.workspace()
    with world.session(workspace) as session:
        audit_service.record_audit_entry(session, workspace, actor="system", action="test.x", target="t")
        session.rollback()
        session.commit()
    assert audit_checkpoint.read_checkpoints(world.settings.data_dir)[workspace].seq == 1
    with world.session(workspace) as session:
        assert audit_service.verify_audit_chain(session, workspace).is_intact


def test_an_upgraded_chain_verifies_once_sealed_and_new_entries_cover_it(world, database_url) -> None:
    """Entries written before the seals (plain SHA-256) verify after `uptake audit seal`."""
    workspace = world.workspace()
    _record(world, workspace, 2)
    rows = _rows(database_url, workspace)
    previous = audit_service.GENESIS_HASH
    engine = raw_engine(database_url)
    with engine.begin() as connection:  # the chain as an older version wrote it
        drop_append_only_guard(connection, engine.dialect.name)
        for row in rows:
            legacy = audit_service.entry_digest(
                workspace_id=workspace,
                seq=row["seq"],
                actor=row["actor"],
                action=row["action"],
                target=row["target"],
                before=_json(row["before"]),
                after=_json(row["after"]),
                created_at=_aware(row["created_at"]),
                prev_hash=previous,
            )
            connection.execute(
                text(
                    "UPDATE audit_entry SET prev_hash = :p, entry_hash = :h WHERE workspace_id = :w AND seq = :s"
                ),
                {"p": previous, "h": legacy, "w": workspace, "s": row["seq"]},
            )
            previous = legacy
    engine.dispose()
    (world.settings.data_dir / audit_checkpoint.CHECKPOINT_FILE).unlink()
    with world.session(workspace) as session:
        report = audit_service.verify_audit_chain(session, workspace)
        assert "audit seal" in report.first_break.reason
        assert audit_service.seal_audit_chain(session, workspace).is_intact
        assert audit_service.verify_audit_chain(session, workspace).is_intact
    _record(world, workspace, 1)
    with world.session(workspace) as session:
        assert audit_service.verify_audit_chain(session, workspace).is_intact


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value
