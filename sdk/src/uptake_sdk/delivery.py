"""Delivery of events to the server: the memory queue, the batching thread, retries and the disk spool.

`uptake_sdk.client.Client` puts serialized events here; one daemon thread posts them in batches
(``batch_size`` events, or whatever is queued after ``flush_interval`` seconds) to ``POST /api/v1/events``
as NDJSON, gzip-compressed from 16 KiB on.

- A connection error, a timeout, a 5xx, a 408 or a 429 is retried with exponential backoff and jitter
  (from ``initial_backoff``, doubling, capped at ``max_backoff``; a 429's ``Retry-After`` is honoured up to
  the cap).
- After ``max_attempts`` failed attempts, or at once while someone waits in ``flush``/``stop``, the batch is
  written to the disk spool (`uptake_sdk.spool`) and delivery goes offline: later batches go straight to
  the spool, and the oldest spooled batch is retried after each backoff. The first 200 brings delivery
  back online and the spool is resent oldest first, each file deleted only after its 200.
- Without a spool a failing batch is retried until ``stop`` gives up (and says so in the log); the memory
  queue keeps at most ``max_queue`` events, dropping the oldest first, with a warning.
- Per-event rejections in a 200 answer are logged with their reasons and never resent.
- A 413 splits the batch in halves, down to a single event, which is then refused like below.
- Any other 4xx for the whole batch (400, 401, 403, 404, ...) is logged and the batch is written to the
  spool's ``dead/`` folder, never silently dropped (without a spool the log line is all that remains).
"""

import gzip
import json
import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass
from enum import Enum
from typing import Any

import httpx

from uptake_sdk.spool import Spool

logger = logging.getLogger("uptake_sdk")

EVENTS_PATH = "/api/v1/events"
MAX_BATCH_SIZE = 10_000
_GZIP_THRESHOLD_BYTES = 16_384
_DETAIL_LIMIT = 2_000
_DROP_WARNING_INTERVAL_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class DeliveryStats:
    """Counters since the client started, for logs and health checks."""

    queued: int
    accepted: int
    duplicates: int
    rejected: int
    sent_batches: int
    spooled_batches: int
    dead_batches: int
    dropped: int
    is_offline: bool


class _Answer(Enum):
    DELIVERED = "delivered"
    RETRY = "retry"
    TOO_LARGE = "too_large"
    REFUSED = "refused"


@dataclass(frozen=True, slots=True)
class _PostResult:
    answer: _Answer
    status: int | None = None
    detail: str = ""
    body: Any = None
    retry_after: float | None = None


class EventDelivery:
    """The queue and the thread that empties it (see the module documentation). Thread-safe."""

    def __init__(
        self,
        http: httpx.Client,
        spool: Spool | None,
        *,
        batch_size: int,
        flush_interval: float,
        max_queue: int,
        max_attempts: int,
        initial_backoff: float,
        max_backoff: float,
    ) -> None:
        if not 1 <= batch_size <= MAX_BATCH_SIZE:
            raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}")
        if max_queue < batch_size:
            raise ValueError("max_queue must be at least batch_size")
        self._http = http
        self._spool = spool
        self._batch_size = batch_size
        self._flush_interval = flush_interval
        self._max_queue = max_queue
        self._max_attempts = max(1, max_attempts)
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff

        self._condition = threading.Condition()
        self._queue: deque[str] = deque()
        self._oldest_queued_at = 0.0
        self._in_flight = 0
        self._flush_waiters = 0
        self._is_stopped = False
        self._is_closing = False
        self._give_up_at = float("inf")
        self._is_offline = False
        self._has_spooled_batches = spool is not None and spool.has_pending_batches()
        self._spool_failures = 0
        self._next_spool_attempt_at = 0.0
        self._last_drop_warning_at = float("-inf")
        self._unrecognized_logged: set[str] = set()
        self._accepted = 0
        self._duplicates = 0
        self._rejected = 0
        self._sent_batches = 0
        self._spooled_batches = 0
        self._dead_batches = 0
        self._dropped = 0
        self._thread = threading.Thread(target=self._run, name="uptake-sdk-delivery", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def enqueue(self, line: str) -> None:
        """Queue one serialized event; never blocks on the network."""
        with self._condition:
            if self._is_stopped:
                raise RuntimeError("this uptake client is closed")
            if len(self._queue) >= self._max_queue:
                self._queue.popleft()
                self._dropped += 1
                self._warn_about_drops()
            self._queue.append(line)
            if len(self._queue) == 1:
                self._oldest_queued_at = _now()
                self._condition.notify_all()
            elif len(self._queue) >= self._batch_size:
                self._condition.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event is delivered or spooled; False if `timeout` seconds ran out first."""
        with self._condition:
            self._flush_waiters += 1
            self._condition.notify_all()
            try:
                return self._condition.wait_for(lambda: not self._queue and not self._in_flight, timeout)
            finally:
                self._flush_waiters -= 1

    def stop(self, timeout: float) -> int:
        """Refuse new events, flush for at most `timeout` seconds, stop the thread; return what is left."""
        with self._condition:
            if self._is_stopped:
                return len(self._queue) + self._in_flight
            self._is_stopped = True
        deadline = _now() + timeout
        self.flush(timeout)
        with self._condition:
            self._is_closing = True
            self._give_up_at = deadline
            self._condition.notify_all()
        if self._thread.is_alive():
            self._thread.join(max(0.0, deadline - _now()) + 1.0)
        with self._condition:
            return len(self._queue) + self._in_flight

    def stats(self) -> DeliveryStats:
        with self._condition:
            return DeliveryStats(
                queued=len(self._queue) + self._in_flight,
                accepted=self._accepted,
                duplicates=self._duplicates,
                rejected=self._rejected,
                sent_batches=self._sent_batches,
                spooled_batches=self._spooled_batches,
                dead_batches=self._dead_batches,
                dropped=self._dropped,
                is_offline=self._is_offline,
            )

    def _warn_about_drops(self) -> None:
        now = _now()
        if now - self._last_drop_warning_at >= _DROP_WARNING_INTERVAL_SECONDS:
            self._last_drop_warning_at = now
            logger.warning(
                "uptake: the event queue is full (%d); %d oldest events dropped so far",
                self._max_queue,
                self._dropped,
            )

    def _run(self) -> None:
        while True:
            taken = self._take_batch()
            if taken is None:
                return
            batch, is_spool_due = taken
            try:
                if batch and self._is_offline and self._spool_batch(batch):
                    batch = []
                    self._finish_batch()
                if is_spool_due:
                    self._resend_spooled_batches()
                if batch:
                    self._deliver(batch)
            except Exception:
                logger.exception("uptake: unexpected error while delivering events")
                self._mark_offline()
                if batch and not self._spool_batch(batch):
                    logger.error("uptake: %d events lost after an unexpected error", len(batch))
            finally:
                self._finish_batch()

    def _take_batch(self) -> tuple[list[str], bool] | None:
        """Wait for work; None when the client is closing and nothing is left to send."""
        with self._condition:
            while True:
                now = _now()
                is_urgent = self._flush_waiters > 0 or self._is_closing
                is_spool_due = self._has_spooled_batches and now >= self._next_spool_attempt_at
                if self._queue and (
                    is_urgent
                    or len(self._queue) >= self._batch_size
                    or now - self._oldest_queued_at >= self._flush_interval
                ):
                    break
                if self._is_closing and not self._queue:
                    return None
                if is_spool_due:
                    break
                wake_at = float("inf")
                if self._queue:
                    wake_at = self._oldest_queued_at + self._flush_interval
                if self._has_spooled_batches:
                    wake_at = min(wake_at, self._next_spool_attempt_at)
                self._condition.wait(None if wake_at == float("inf") else max(0.0, wake_at - now))
            count = min(len(self._queue), self._batch_size)
            batch = [self._queue.popleft() for _ in range(count)]
            self._in_flight = count
            self._oldest_queued_at = now
            return batch, is_spool_due

    def _finish_batch(self) -> None:
        with self._condition:
            self._in_flight = 0
            self._condition.notify_all()

    def _deliver(self, lines: list[str]) -> None:
        """Send one batch, retrying; spool it when the server stays unreachable."""
        if self._is_offline and self._spool_batch(lines):
            return
        can_spool = self._spool is not None
        attempt = 0
        while True:
            remaining, retry_after = self._send(lines)
            if not remaining:
                self._mark_online()
                return
            lines = remaining
            attempt += 1
            with self._condition:
                is_urgent = self._flush_waiters > 0 or self._is_closing
                give_up_at = self._give_up_at
            if can_spool and (is_urgent or attempt >= self._max_attempts):
                if self._spool_batch(lines):
                    self._mark_offline()
                    return
                can_spool = False
            delay = backoff_delay(self._initial_backoff, self._max_backoff, attempt, retry_after)
            if _now() + delay > give_up_at:
                logger.error(
                    "uptake: giving up on %d events: the server cannot be reached and no spool is usable",
                    len(lines),
                )
                return
            with self._condition:
                if can_spool:
                    self._condition.wait_for(lambda: self._flush_waiters > 0 or self._is_closing, delay)
                else:
                    self._condition.wait(delay)

    def _resend_spooled_batches(self) -> None:
        """Resend spooled batches oldest first; stop at the first one the server cannot take yet."""
        if self._spool is None:
            return
        for path in self._spool.pending_batches():
            try:
                lines = self._spool.read_batch(path)
            except FileNotFoundError:
                continue
            remaining, _ = self._send(lines)
            if remaining:
                if len(remaining) < len(lines):
                    self._spool.write_batch(remaining)
                    self._spool.remove_batch(path)
                self._mark_offline()
                return
            self._spool.remove_batch(path)
            self._mark_online()
        with self._condition:
            self._has_spooled_batches = self._spool.has_pending_batches()

    def _send(self, lines: list[str]) -> tuple[list[str], float | None]:
        """One attempt; returns the lines still to deliver (empty when all were answered) and Retry-After."""
        result = self._post(lines)
        if result.answer is _Answer.DELIVERED:
            self._record_answer(lines, result.body)
            return [], None
        if result.answer is _Answer.RETRY:
            return lines, result.retry_after
        if result.answer is _Answer.TOO_LARGE and len(lines) > 1:
            middle = len(lines) // 2
            first, first_retry_after = self._send(lines[:middle])
            second, second_retry_after = self._send(lines[middle:])
            return first + second, first_retry_after or second_retry_after
        self._bury(lines, result.status or 0, result.detail)
        return [], None

    def _post(self, lines: list[str]) -> _PostResult:
        body = "".join(f"{line}\n" for line in lines).encode()
        headers = {"Content-Type": "application/x-ndjson"}
        if len(body) >= _GZIP_THRESHOLD_BYTES:
            body = gzip.compress(body, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        try:
            response = self._http.post(EVENTS_PATH, content=body, headers=headers)
        except httpx.TransportError as error:
            logger.info("uptake: cannot reach the server to send %d events: %r", len(lines), error)
            return _PostResult(_Answer.RETRY)
        status = response.status_code
        if 200 <= status < 300:
            try:
                answer_body = response.json()
            except ValueError:
                answer_body = None
            return _PostResult(_Answer.DELIVERED, status, body=answer_body)
        detail = response.text[:_DETAIL_LIMIT]
        if status in (408, 429) or status >= 500:
            logger.info(
                "uptake: the server answered %d to a batch of %d events; will retry", status, len(lines)
            )
            return _PostResult(_Answer.RETRY, status, detail, retry_after=_retry_after(response))
        if status == 413:
            return _PostResult(_Answer.TOO_LARGE, status, detail)
        return _PostResult(_Answer.REFUSED, status, detail)

    def _record_answer(self, lines: list[str], answer: Any) -> None:
        if not isinstance(answer, dict):
            logger.warning("uptake: the server accepted a batch without the expected answer body")
            answer = {}
        rejected = answer.get("rejected") or []
        for rejection in rejected:
            _log_rejection(lines, rejection)
        unrecognized = answer.get("unrecognized") or {}
        for kind in ("use_cases", "tools"):
            for slug in unrecognized.get(kind) or []:
                if f"{kind}:{slug}" not in self._unrecognized_logged:
                    self._unrecognized_logged.add(f"{kind}:{slug}")
                    logger.warning("uptake: the server does not know the %s %r", kind.rstrip("s"), slug)
        with self._condition:
            self._sent_batches += 1
            self._accepted += _count(answer.get("accepted"))
            self._duplicates += _count(answer.get("duplicates"))
            self._rejected += len(rejected)

    def _bury(self, lines: list[str], status: int, detail: str) -> None:
        """Keep a batch the server refused in the spool's dead folder (or at least in the log)."""
        with self._condition:
            self._dead_batches += 1
        if self._spool is None:
            logger.error(
                "uptake: the server refused a batch of %d events with %d: %s (no spool_dir to keep them)",
                len(lines),
                status,
                detail,
            )
            return
        path = self._spool.write_dead_batch(lines, status, detail)
        logger.error(
            "uptake: the server refused a batch of %d events with %d: %s; kept in %s",
            len(lines),
            status,
            detail,
            path,
        )

    def _spool_batch(self, lines: list[str]) -> bool:
        if self._spool is None:
            return False
        try:
            self._spool.write_batch(lines)
        except OSError as error:
            logger.error("uptake: cannot spool %d events: %s", len(lines), error)
            return False
        with self._condition:
            self._spooled_batches += 1
            self._has_spooled_batches = True
        return True

    def _mark_offline(self) -> None:
        with self._condition:
            if not self._is_offline:
                logger.warning("uptake: the server cannot be reached; events go to the spool")
            self._is_offline = True
            self._spool_failures += 1
            self._next_spool_attempt_at = _now() + backoff_delay(
                self._initial_backoff, self._max_backoff, self._spool_failures, None
            )

    def _mark_online(self) -> None:
        with self._condition:
            if self._is_offline:
                logger.warning("uptake: the server answers again; resending the spool")
            self._is_offline = False
            self._spool_failures = 0
            self._next_spool_attempt_at = 0.0


def backoff_delay(initial: float, maximum: float, attempt: int, retry_after: float | None) -> float:
    """Exponential backoff with jitter: half the doubled delay plus a random part of the other half."""
    ceiling = min(maximum, initial * (1 << min(attempt - 1, 30)))
    delay = ceiling / 2 + random.uniform(0, ceiling / 2)
    if retry_after is not None:
        delay = max(delay, min(retry_after, maximum))
    return delay


def _now() -> float:
    return time.monotonic()


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _count(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _log_rejection(lines: list[str], rejection: Any) -> None:
    if not isinstance(rejection, dict):
        logger.warning("uptake: the server rejected an event: %r", rejection)
        return
    event_id = rejection.get("event_id")
    index = rejection.get("index")
    if event_id is None and isinstance(index, int) and 0 <= index < len(lines):
        event_id = _event_id_of(lines[index])
    reasons = "; ".join(
        f"{error.get('field')}: {error.get('reason')}"
        for error in rejection.get("errors") or []
        if isinstance(error, dict)
    )
    logger.warning("uptake: the server rejected event %s: %s", event_id, reasons or "no reason given")


def _event_id_of(line: str) -> str | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    event_id = event.get("event_id") if isinstance(event, dict) else None
    return event_id if isinstance(event_id, str) else None
