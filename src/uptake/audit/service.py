"""Write to the audit log (the one function every domain uses) and verify its sealed hash chain.

Each entry is sealed with an HMAC-SHA256 over its content and the previous entry's seal. The HMAC key is derived
from the installation's secret key (``UPTAKE_SECRET_KEY`` or the data dir's ``secret_key`` file), which is not in
the database: someone who can rewrite the database can delete or edit entries, but cannot recompute the seals after
an edit. Deleting the newest entries leaves a valid chain, so the head of each chain is also checkpointed outside the
database after every commit (:mod:`uptake.audit.checkpoint`); verification requires the checkpointed entry.

Entries written before the seals existed carry a plain SHA-256; they are accepted only as the start of a chain,
before the first sealed entry, whose seal then covers them. ``uptake audit seal`` checkpoints such a chain after an
upgrade (docs/privacy.md, "The audit checkpoint").
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import event, text
from sqlalchemy.orm import Session

from uptake.audit import checkpoint, repository
from uptake.audit.models import AuditEntry
from uptake.db import CrossWorkspaceAccess, across_workspaces, bound_workspace, installation_settings, utcnow
from uptake.errors import UptakeError
from uptake.settings import Settings

if TYPE_CHECKING:
    from uptake.jobs.service import JobContext

GENESIS_HASH = "0" * 64
AUDIT_KEY_CONTEXT = b"uptake audit chain v1"
_APPENDED_KEY = "uptake.audit.appended"
_HEADS_KEY = "uptake.audit.heads"


class AuditKeyMissing(UptakeError):
    status = 500
    title = "The audit log cannot seal entries: the session carries no installation settings."


def audit_key(settings: Settings) -> bytes:
    """The key that seals audit entries: HMAC-SHA256(secret key, "uptake audit chain v1")."""
    secret = settings.effective_secret_key.encode("utf-8")
    return hmac.new(secret, AUDIT_KEY_CONTEXT, hashlib.sha256).digest()


def _settings_of(session: Session) -> Settings:
    settings = installation_settings(session)
    if settings is None:
        raise AuditKeyMissing("make the session factory with make_session_factory(engine, settings)")
    return settings


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
    key: bytes | None = None,
) -> str:
    """The entry's seal: HMAC-SHA256 with ``key`` over its content in a canonical JSON form (sorted keys, UTC
    microsecond time). Without a key, the plain SHA-256 that entries written before the seals carry."""
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
    if key is None:
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


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
    key = audit_key(_settings_of(session))
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
            key=key,
        ),
    )
    session.add(entry)
    session.flush()
    session.info.setdefault(_APPENDED_KEY, set()).add(workspace_id)
    return entry


@event.listens_for(Session, "before_commit")
def _read_heads_to_checkpoint(session: Session) -> None:
    """Read the heads of the chains this transaction appended to, as they are about to be committed."""
    appended: set[int] = session.info.pop(_APPENDED_KEY, set())
    if not appended:
        return
    heads: dict[int, checkpoint.ChainHead] = {}
    with across_workspaces(session):
        for workspace_id in appended:
            last = repository.get_last_entry(session, workspace_id)
            if last is not None:
                heads[workspace_id] = checkpoint.ChainHead(seq=last.seq, entry_hash=last.entry_hash)
    session.info[_HEADS_KEY] = heads


@event.listens_for(Session, "after_commit")
def _write_checkpoint(session: Session) -> None:
    heads: dict[int, checkpoint.ChainHead] = session.info.pop(_HEADS_KEY, {})
    settings = installation_settings(session)
    if heads and settings is not None:
        checkpoint.write_checkpoints(settings.data_dir, heads)


@event.listens_for(Session, "after_rollback")
def _forget_heads(session: Session) -> None:
    session.info.pop(_HEADS_KEY, None)


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


def verify_audit_chain(session: Session, workspace_id: int, *, use_checkpoint: bool = True) -> ChainReport:
    """Walk the workspace's log in order and report the first entry whose chain breaks.

    Then check the chain against the checkpoint kept outside the database: the entry it names must be there with
    the same seal (newest entries removed, or the chain rewritten, otherwise). ``use_checkpoint=False`` is for
    ``uptake audit seal``, which writes the checkpoint.
    """
    settings = _settings_of(session)
    key = audit_key(settings)
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    sealed_seen = False
    head = checkpoint.read_checkpoints(settings.data_dir).get(workspace_id) if use_checkpoint else None
    hash_at_checkpoint: str | None = None
    last_id = 0
    for entry in repository.iter_entries(session, workspace_id):
        checked += 1
        last_id = entry.id
        reason = None
        if entry.seq != expected_seq:
            reason = f"sequence jumps from {expected_seq - 1} to {entry.seq}: entries were removed"
        elif entry.prev_hash != expected_prev:
            reason = (
                "its link to the previous entry does not match: the previous entry was changed or removed"
            )
        else:
            content: dict[str, Any] = {
                "workspace_id": entry.workspace_id,
                "seq": entry.seq,
                "actor": entry.actor,
                "action": entry.action,
                "target": entry.target,
                "before": entry.before,
                "after": entry.after,
                "created_at": entry.created_at,
                "prev_hash": entry.prev_hash,
            }
            if hmac.compare_digest(entry_digest(**content, key=key), entry.entry_hash):
                sealed_seen = True
            elif sealed_seen or entry_digest(**content) != entry.entry_hash:
                reason = (
                    "its content does not match its seal: the entry was edited after it was written, "
                    "or written without this installation's key"
                )
        if reason is not None:
            return ChainReport(workspace_id, checked, ChainBreak(workspace_id, entry.id, entry.seq, reason))
        if head is not None and entry.seq == head.seq:
            hash_at_checkpoint = entry.entry_hash
        expected_prev = entry.entry_hash
        expected_seq += 1
    if not use_checkpoint or checked == 0:
        return ChainReport(workspace_id, checked, None)
    reason = None
    if head is None:
        reason = (
            "no checkpoint of this chain outside the database, so removed newest entries cannot be ruled out: "
            "run `uptake audit seal` once after an upgrade"
        )
    elif hash_at_checkpoint is None:
        reason = (
            f"the checkpoint outside the database records entry #{head.seq}, but the chain ends at "
            f"#{checked}: the newest entries were removed"
        )
    elif not hmac.compare_digest(hash_at_checkpoint, head.entry_hash):
        reason = (
            f"entry #{head.seq} does not match the checkpoint outside the database: the chain was rewritten"
        )
    if reason is None:
        return ChainReport(workspace_id, checked, None)
    seq = head.seq if head is not None else checked
    return ChainReport(workspace_id, checked, ChainBreak(workspace_id, last_id, seq, reason))


def seal_audit_chain(session: Session, workspace_id: int) -> ChainReport:
    """Checkpoint the chain's current head after checking every link and seal (``uptake audit seal``).

    For an installation upgraded from unsealed entries, and after restoring the database from a backup (which
    takes the chain back behind its checkpoint). A broken chain is reported and not checkpointed.
    """
    report = verify_audit_chain(session, workspace_id, use_checkpoint=False)
    if report.first_break is None:
        last = repository.get_last_entry(session, workspace_id)
        if last is not None:
            checkpoint.write_checkpoints(
                _settings_of(session).data_dir,
                {workspace_id: checkpoint.ChainHead(seq=last.seq, entry_hash=last.entry_hash)},
                replace=True,
            )
    return report


# ---------------------------------------------------------------- extracts (a compliance pack's audit trail)

EXTRACT_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def _entry_content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "workspace_id": entry.workspace_id,
        "seq": entry.seq,
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "before": entry.before,
        "after": entry.after,
        "created_at": entry.created_at.astimezone(UTC).strftime(EXTRACT_TIME_FORMAT),
        "prev_hash": entry.prev_hash,
        "entry_hash": entry.entry_hash,
    }


def audit_extract(
    session: Session,
    workspace_id: int,
    targets: list[str],
    *,
    limit: int = 500,
    report: ChainReport | None = None,
) -> dict[str, Any]:
    """The entries about ``targets`` (newest ``limit``), each with its content, the seal of the entry before it and
    its own, with the chain's state and the checkpoint kept outside the database when the extract was taken: what
    ``uptake audit verify --export`` checks against the database later."""
    settings = _settings_of(session)
    entries = repository.list_entries_for_targets(session, workspace_id, targets, limit=limit)
    report = report or verify_audit_chain(session, workspace_id)
    head = checkpoint.read_checkpoints(settings.data_dir).get(workspace_id)
    return {
        "workspace_id": workspace_id,
        "targets": targets,
        "taken_at": utcnow().astimezone(UTC).strftime(EXTRACT_TIME_FORMAT),
        "algorithm": "HMAC-SHA256 over canonical JSON (sorted keys), chained by prev_hash",
        "chain": {
            "entries": report.entries_checked,
            "intact": report.is_intact,
            "break": None if report.first_break is None else report.first_break.reason,
        },
        "checkpoint": None if head is None else {"seq": head.seq, "hash": head.entry_hash},
        "entries": [_entry_content(entry) for entry in entries],
    }


@dataclass(frozen=True)
class ExtractReport:
    entries_checked: int
    problems: list[str]

    @property
    def is_intact(self) -> bool:
        return not self.problems


def verify_audit_extract(session: Session, workspace_id: int, extract: dict[str, Any]) -> ExtractReport:
    """Check a pack's audit extract: each entry's seal over its content (the extract was not edited), the same entry
    in the database (it was not edited or removed there), the database's whole chain with its checkpoint, and the
    checkpoint the pack recorded (the chain was not rewritten since)."""
    key = audit_key(_settings_of(session))
    problems: list[str] = []
    entries = list(extract.get("entries") or [])
    for item in entries:
        seq = item.get("seq")
        try:
            content = {name: item[name] for name in ("seq", "actor", "action", "target", "before", "after")}
            created_at = datetime.strptime(str(item["created_at"]), EXTRACT_TIME_FORMAT).replace(tzinfo=UTC)
            seal = entry_digest(
                workspace_id=workspace_id,
                created_at=created_at,
                prev_hash=str(item["prev_hash"]),
                key=key,
                **content,
            )
        except (KeyError, TypeError, ValueError) as error:
            problems.append(f"entry #{seq}: not a well-formed extract entry ({error})")
            continue
        if not hmac.compare_digest(seal, str(item["entry_hash"])):
            problems.append(
                f"entry #{seq}: its content in the pack does not match its seal: the pack was edited"
            )
        stored = repository.get_entry_by_seq(session, workspace_id, int(seq))
        if stored is None:
            problems.append(f"entry #{seq}: it is no longer in the database")
        elif _entry_content(stored) != {**content, "workspace_id": workspace_id, **_times_and_hashes(item)}:
            problems.append(f"entry #{seq}: the database's entry differs from the pack's")
    report = verify_audit_chain(session, workspace_id)
    if report.first_break is not None:
        brk = report.first_break
        problems.append(f"the database's chain breaks at entry #{brk.seq}: {brk.reason}")
    recorded = extract.get("checkpoint")
    if isinstance(recorded, dict):
        stored = repository.get_entry_by_seq(session, workspace_id, int(recorded.get("seq", 0)))
        if stored is None or not hmac.compare_digest(stored.entry_hash, str(recorded.get("hash"))):
            problems.append(
                f"the checkpoint the pack recorded (entry #{recorded.get('seq')}) is not in the database's chain: "
                "the chain was rewritten or cut back since the pack was made"
            )
    else:
        problems.append("the pack records no checkpoint, so removed entries cannot be ruled out")
    return ExtractReport(len(entries), problems)


def _times_and_hashes(item: dict[str, Any]) -> dict[str, Any]:
    return {name: item[name] for name in ("created_at", "prev_hash", "entry_hash")}


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
