"""Write to the audit log (the one function every domain uses) and verify its hash chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from uptake.audit import repository
from uptake.audit.models import AuditEntry
from uptake.db import CrossWorkspaceAccess, bound_workspace, utcnow

if TYPE_CHECKING:
    from uptake.jobs.service import JobContext

GENESIS_HASH = "0" * 64


def entry_digest(
    *,
    workspace_id: int,
    seq: int,
    actor: str,
    action: str,
    target: str,
    before: Any,
    after: Any,
    created_at: datetime,
    prev_hash: str,
) -> str:
    """SHA-256 over the entry's content in a canonical JSON form (sorted keys, UTC microsecond time)."""
    content = {
        "workspace_id": workspace_id,
        "seq": seq,
        "actor": actor,
        "action": action,
        "target": target,
        "before": before,
        "after": after,
        "created_at": created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "prev_hash": prev_hash,
    }
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _lock_workspace_chain(session: Session, workspace_id: int) -> None:
    """Serialize appends per workspace on PostgreSQL; SQLite serializes writers itself."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT id FROM workspace WHERE id = :id FOR UPDATE"), {"id": workspace_id})


def record_audit_entry(
    session: Session,
    workspace_id: int,
    *,
    actor: str,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
) -> AuditEntry:
    """Append one entry to the workspace's audit log. ``actor`` is ``person:<id>``, ``key:<id>`` or ``system``."""
    bound = bound_workspace(session)
    if bound is not None and bound != workspace_id:
        raise CrossWorkspaceAccess(
            f"audit entry for workspace {workspace_id} from a session bound to {bound}"
        )
    _lock_workspace_chain(session, workspace_id)
    last = repository.get_last_entry(session, workspace_id)
    seq = 1 if last is None else last.seq + 1
    prev_hash = GENESIS_HASH if last is None else last.entry_hash
    created_at = utcnow()
    before = json.loads(json.dumps(before, default=str)) if before is not None else None
    after = json.loads(json.dumps(after, default=str)) if after is not None else None
    entry = AuditEntry(
        workspace_id=workspace_id,
        seq=seq,
        actor=actor,
        action=action,
        target=target,
        before=before,
        after=after,
        created_at=created_at,
        prev_hash=prev_hash,
        entry_hash=entry_digest(
            workspace_id=workspace_id,
            seq=seq,
            actor=actor,
            action=action,
            target=target,
            before=before,
            after=after,
            created_at=created_at,
            prev_hash=prev_hash,
        ),
    )
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainBreak:
    workspace_id: int
    entry_id: int
    seq: int
    reason: str


@dataclass(frozen=True)
class ChainReport:
    workspace_id: int
    entries_checked: int
    first_break: ChainBreak | None

    @property
    def is_intact(self) -> bool:
        return self.first_break is None


def verify_audit_chain(session: Session, workspace_id: int) -> ChainReport:
    """Walk the workspace's log in order and report the first entry whose chain breaks."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for entry in repository.iter_entries(session, workspace_id):
        checked += 1
        reason = None
        if entry.seq != expected_seq:
            reason = f"sequence jumps from {expected_seq - 1} to {entry.seq}: entries were removed"
        elif entry.prev_hash != expected_prev:
            reason = (
                "its link to the previous entry does not match: the previous entry was changed or removed"
            )
        else:
            digest = entry_digest(
                workspace_id=entry.workspace_id,
                seq=entry.seq,
                actor=entry.actor,
                action=entry.action,
                target=entry.target,
                before=entry.before,
                after=entry.after,
                created_at=entry.created_at,
                prev_hash=entry.prev_hash,
            )
            if digest != entry.entry_hash:
                reason = "its content does not match its hash: the entry was edited after it was written"
        if reason is not None:
            return ChainReport(workspace_id, checked, ChainBreak(workspace_id, entry.id, entry.seq, reason))
        expected_prev = entry.entry_hash
        expected_seq += 1
    return ChainReport(workspace_id, checked, None)


def list_audit_entries(
    session: Session,
    workspace_id: int,
    *,
    action: str | None = None,
    target: str | None = None,
    before_seq: int | None = None,
    limit: int = 50,
) -> list[AuditEntry]:
    return repository.list_entries(
        session, workspace_id, action=action, target=target, before_seq=before_seq, limit=limit
    )


def count_audit_entries(session: Session, workspace_id: int) -> int:
    return repository.count_entries(session, workspace_id)


def verify_all_audit_chains(context: JobContext) -> dict[str, Any]:
    """The scheduled check: verify every workspace's chain (or the one the job is for) and report breaks."""
    session = context.session
    workspace_ids = (
        [context.workspace_id] if context.workspace_id is not None else repository.list_workspace_ids(session)
    )
    breaks: list[dict[str, Any]] = []
    checked = 0
    for index, workspace_id in enumerate(workspace_ids, start=1):
        report = verify_audit_chain(session, workspace_id)
        checked += report.entries_checked
        if report.first_break is not None:
            brk = report.first_break
            breaks.append(
                {"workspace_id": workspace_id, "entry_id": brk.entry_id, "seq": brk.seq, "reason": brk.reason}
            )
        context.progress(index, len(workspace_ids), f"workspace {workspace_id}")
    if breaks:
        first = breaks[0]
        raise AuditChainBroken(
            f"workspace {first['workspace_id']}: entry #{first['seq']} (id {first['entry_id']}): {first['reason']}"
        )
    return {"workspaces": len(workspace_ids), "entries_checked": checked, "intact": True}


class AuditChainBroken(Exception):
    """Raised by the scheduled verification so the failure shows on the jobs page and in the logs."""
