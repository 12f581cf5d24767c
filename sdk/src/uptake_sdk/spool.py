"""The SDK's disk spool: batches of events kept on disk while the server cannot be reached.

Layout of a spool directory::

    <spool_dir>/batch-<time ns, 20 digits>-<process id>-<sequence>.ndjson   waiting to be sent
    <spool_dir>/dead/batch-....ndjson                                       refused by the server (4xx)
    <spool_dir>/dead/batch-....reason.json                                  {"status": ..., "detail": ...}
    <spool_dir>/rollout-state.json                                          last good rollout state

One file holds one batch: the events as NDJSON, one JSON object a line, exactly the body the client posts.
A file is written under a temporary name, fsync'ed, renamed into place and its directory fsync'ed, so a
crash leaves either the whole batch or nothing. Names sort by creation time, so batches are resent oldest
first; a file is deleted only after the server answered 200 for it. Several processes may share a spool
directory: at worst a batch is sent twice, which the server's idempotent ingest (by event_id) absorbs.
A batch the server refuses outright (a 4xx other than 408, 413 and 429) is written to ``dead/`` with the
server's answer beside it, for an operator to inspect; the SDK never deletes it.
"""

import itertools
import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_BATCH_PATTERN = "batch-*.ndjson"
_STATE_FILE = "rollout-state.json"


class Spool:
    """A directory of NDJSON batch files (see the module documentation)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.dead_directory = directory / "dead"
        self._sequence = itertools.count()
        self._lock = threading.Lock()

    def write_batch(self, lines: Sequence[str]) -> Path:
        """Store a batch durably and return its file."""
        return self._write_atomically(self.directory, self._new_batch_name(), _ndjson(lines))

    def pending_batches(self) -> list[Path]:
        """The batches waiting to be sent, oldest first."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(_BATCH_PATTERN))

    def has_pending_batches(self) -> bool:
        if not self.directory.is_dir():
            return False
        return any(True for _ in self.directory.glob(_BATCH_PATTERN))

    @staticmethod
    def read_batch(path: Path) -> list[str]:
        text = path.read_text(encoding="utf-8", errors="replace")
        return [line for line in text.splitlines() if line.strip()]

    @staticmethod
    def remove_batch(path: Path) -> None:
        """Forget a batch the server accepted (another process sharing the spool may have done so)."""
        path.unlink(missing_ok=True)

    def write_dead_batch(self, lines: Sequence[str], status: int, detail: str) -> Path:
        """Keep a refused batch in ``dead/``, with the server's answer in a ``.reason.json`` beside it."""
        name = self._new_batch_name()
        path = self._write_atomically(self.dead_directory, name, _ndjson(lines))
        self._write_reason(name, status, detail)
        return path

    def dead_batches(self) -> list[Path]:
        if not self.dead_directory.is_dir():
            return []
        return sorted(self.dead_directory.glob(_BATCH_PATTERN))

    def save_rollout_state(self, etag: str | None, document: Any) -> None:
        """Keep the last good rollout state so a restart while the server is down still answers."""
        content = json.dumps({"etag": etag, "state": document}, separators=(",", ":"), ensure_ascii=False)
        self._write_atomically(self.directory, _STATE_FILE, content)

    def load_rollout_state(self) -> tuple[str | None, Any] | None:
        """The saved (etag, state document), or None when nothing usable was saved."""
        path = self.directory / _STATE_FILE
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(saved, dict) or "state" not in saved:
            return None
        etag = saved.get("etag")
        return (etag if isinstance(etag, str) else None), saved["state"]

    def _new_batch_name(self) -> str:
        with self._lock:
            sequence = next(self._sequence)
        return f"batch-{time.time_ns():020d}-{os.getpid()}-{sequence:06d}.ndjson"

    def _write_reason(self, batch_name: str, status: int, detail: str) -> None:
        reason_name = batch_name.removesuffix(".ndjson") + ".reason.json"
        content = json.dumps({"status": status, "detail": detail}, ensure_ascii=False)
        self._write_atomically(self.dead_directory, reason_name, content)

    @staticmethod
    def _write_atomically(directory: Path, name: str, content: str) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        target = directory / name
        temporary = directory / f".{name}.{os.getpid()}.{threading.get_ident()}.tmp"
        with temporary.open("w", encoding="utf-8") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
        _sync_directory(directory)
        return target


def _ndjson(lines: Sequence[str]) -> str:
    return "".join(f"{line}\n" for line in lines)


def _sync_directory(directory: Path) -> None:
    """Make a rename durable; directories cannot be opened for syncing on Windows."""
    if os.name != "posix":
        return
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
