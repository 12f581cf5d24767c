"""The audit checkpoint: each workspace's chain head (sequence and seal), kept outside the database.

The seals (HMAC) stop anyone without the installation's key from editing an entry and recomputing the chain after
it. They cannot show that the newest entries were deleted: the remaining chain is still a valid chain. The
checkpoint can. After every commit that appended audit entries, the new heads are written to
``<data dir>/audit-checkpoint.json``; ``uptake audit verify`` then requires the entry the checkpoint names to be
there, with the same seal. Someone who can rewrite the database but not the data dir's files cannot hide a removal.

The file is rewritten whole (a temporary file, then a rename) under an exclusive lock, and a head only moves
forward, so two server processes committing at once cannot move it back.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CHECKPOINT_FILE = "audit-checkpoint.json"
LOCK_FILE = "audit-checkpoint.lock"


@dataclass(frozen=True, slots=True)
class ChainHead:
    seq: int
    entry_hash: str


def checkpoint_path(data_dir: Path) -> Path:
    return data_dir / CHECKPOINT_FILE


def read_checkpoints(data_dir: Path) -> dict[int, ChainHead]:
    """The checkpointed head of each workspace's chain; empty when no checkpoint was written yet."""
    try:
        content = json.loads(checkpoint_path(data_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    heads: dict[int, ChainHead] = {}
    for workspace_id, head in dict(content.get("workspaces", {})).items():
        heads[int(workspace_id)] = ChainHead(seq=int(head["seq"]), entry_hash=str(head["hash"]))
    return heads


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: one server process per data dir
        yield
        return
    with open(data_dir / LOCK_FILE, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_checkpoints(data_dir: Path, heads: Mapping[int, ChainHead], *, replace: bool = False) -> None:
    """Record ``heads``; a workspace's head only moves forward unless ``replace`` (``uptake audit seal``)."""
    if not heads:
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    with _locked(data_dir):
        current = read_checkpoints(data_dir)
        for workspace_id, head in heads.items():
            known = current.get(workspace_id)
            if replace or known is None or head.seq >= known.seq:
                current[workspace_id] = head
        content = {
            "written_at": datetime.now(UTC).isoformat(),
            "workspaces": {
                str(workspace_id): {"seq": head.seq, "hash": head.entry_hash}
                for workspace_id, head in sorted(current.items())
            },
        }
        target = checkpoint_path(data_dir)
        temporary = target.with_suffix(".tmp")
        temporary.write_text(json.dumps(content, indent=1), encoding="utf-8")
        os.replace(temporary, target)
