"""The uptake client for AI tools: send usage events and feedback, and check entitlements locally.

    client = Client("https://uptake.example.org", api_key, spool_dir="/var/lib/my-tool/uptake")
    if client.entitled("jane@example.org", "draft-ticket-replies"):
        ...
        client.track(person="jane@example.org", use_case="draft-ticket-replies", kind="accepted",
                     tool="support-assistant", minutes_saved=4)

``track`` and ``feedback`` serialize the event and queue it in memory; they never wait on the network.
Delivery (batches, retries with backoff, the disk spool, dead batches) is described in
`uptake_sdk.delivery`; the rollout state behind ``entitled`` and ``check`` (polling with ETags, last good
state, saved state) in `uptake_sdk.rollout_state`; the decision itself in `uptake_sdk.local_evaluation`.
Before any rollout state has been loaded, checks answer not entitled with reason ``STATE_UNAVAILABLE``.

The client runs two daemon threads (delivery and rollout state) and is thread-safe. ``close`` flushes and
stops them; it is registered with `atexit`, so a process that exits normally flushes too.
"""

import atexit
import json
import logging
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from uptake_sdk.delivery import DeliveryStats, EventDelivery
from uptake_sdk.local_evaluation import STATE_UNAVAILABLE_DECISION, Decision
from uptake_sdk.rollout_state import RolloutStatePoller
from uptake_sdk.spool import Spool

logger = logging.getLogger("uptake_sdk")

USER_AGENT = "uptake-python-sdk/1"


class Client:
    """Sends events to an uptake server and answers entitlement checks locally (see the module docs)."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        spool_dir: str | Path | None = None,
        batch_size: int = 500,
        flush_interval: float = 1.0,
        max_queue: int = 100_000,
        timeout: float = 10.0,
        refresh_interval: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        max_attempts: int = 3,
        initial_backoff: float = 0.5,
        max_backoff: float = 30.0,
    ) -> None:
        self._timeout = timeout
        self._is_closed = False
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {api_key}", "User-Agent": USER_AGENT},
            timeout=timeout,
            transport=transport,
        )
        spool = Spool(Path(spool_dir)) if spool_dir is not None else None
        self._delivery = EventDelivery(
            self._http,
            spool,
            batch_size=batch_size,
            flush_interval=flush_interval,
            max_queue=max_queue,
            max_attempts=max_attempts,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
        )
        self._rollout_state = RolloutStatePoller(
            self._http,
            spool,
            refresh_interval=refresh_interval,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
        )
        self._delivery.start()
        self._rollout_state.start()
        atexit.register(self._close_at_exit)

    # --- events -------------------------------------------------------------------------------------------

    def track(
        self,
        *,
        person: str,
        use_case: str,
        kind: str,
        tool: str | None = None,
        session_id: str | None = None,
        minutes_saved: float | None = None,
        attributes: Mapping[str, Any] | None = None,
        time: datetime | str | None = None,
        event_id: str | uuid.UUID | None = None,
    ) -> str:
        """Queue a usage event and return its event_id. Raises only for a programming error."""
        return self._enqueue(
            person=person,
            use_case=use_case,
            kind=kind,
            time=time,
            event_id=event_id,
            optional={
                "tool": tool,
                "session_id": session_id,
                "minutes_saved": minutes_saved,
                "attributes": attributes,
            },
        )

    def feedback(
        self,
        *,
        person: str,
        use_case: str,
        rating: int | None = None,
        category: str | None = None,
        comment: str | None = None,
        correction: str | None = None,
        session_id: str | None = None,
        event_id: str | uuid.UUID | None = None,
        tool: str | None = None,
        time: datetime | str | None = None,
    ) -> str:
        """Queue a `feedback` event about an AI output and return its event_id."""
        return self._enqueue(
            person=person,
            use_case=use_case,
            kind="feedback",
            time=time,
            event_id=event_id,
            optional={
                "tool": tool,
                "session_id": session_id,
                "rating": rating,
                "category": category,
                "comment": comment,
                "correction": correction,
            },
        )

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every queued event is delivered or spooled; False if `timeout` seconds ran out first."""
        return self._delivery.flush(timeout)

    def close(self, timeout: float | None = None) -> None:
        """Flush (for at most `timeout` seconds, default the request timeout), then stop both threads.

        Events still undelivered and unspooled after that (no spool_dir and no server) are reported in the
        log. Tracking on a closed client raises RuntimeError.
        """
        if self._is_closed:
            return
        self._is_closed = True
        undelivered = self._delivery.stop(self._timeout if timeout is None else timeout)
        if undelivered:
            logger.error("uptake: %d events were neither delivered nor spooled before close", undelivered)
        self._rollout_state.stop(1.0)
        self._http.close()
        atexit.unregister(self._close_at_exit)

    def delivery_stats(self) -> DeliveryStats:
        return self._delivery.stats()

    # --- entitlements -------------------------------------------------------------------------------------

    def entitled(self, person: str, use_case: str) -> bool:
        """Whether the person may use the use case now, from the locally held rollout state."""
        return self.check(person, use_case).entitled

    def check(self, person: str, use_case: str) -> Decision:
        """The full decision: entitled, reason, wave and missing requirements."""
        evaluator = self._rollout_state.evaluator
        if evaluator is None:
            return STATE_UNAVAILABLE_DECISION
        return evaluator.check(person, use_case)

    def wait_for_rollout_state(self, timeout: float | None = None) -> bool:
        """Wait until a rollout state is held (downloaded or restored from the spool); False on timeout."""
        return self._rollout_state.wait_until_loaded(timeout)

    def refresh_rollout_state(self) -> bool:
        """Ask the server for the rollout state now; True when the held state is current."""
        return self._rollout_state.refresh()

    # --- inside -------------------------------------------------------------------------------------------

    def _enqueue(
        self,
        *,
        person: str,
        use_case: str,
        kind: str,
        time: datetime | str | None,
        event_id: str | uuid.UUID | None,
        optional: Mapping[str, Any],
    ) -> str:
        for field, value in (("person", person), ("use_case", use_case), ("kind", kind)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"{field} is required and must be a non-empty string")
        identifier = _canonical_event_id(event_id)
        event: dict[str, Any] = {
            "event_id": identifier,
            "time": _event_time(time),
            "person": person,
            "use_case": use_case,
            "kind": kind,
        }
        event.update((field, value) for field, value in optional.items() if value is not None)
        line = json.dumps(event, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
        self._delivery.enqueue(line)
        return identifier

    def _close_at_exit(self) -> None:
        self.close()


def _canonical_event_id(event_id: str | uuid.UUID | None) -> str:
    if event_id is None:
        return str(uuid.uuid4())
    return str(event_id if isinstance(event_id, uuid.UUID) else uuid.UUID(event_id))


def _event_time(value: datetime | str | None) -> str:
    if value is None:
        return datetime.now(UTC).isoformat()
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("time must carry a UTC offset (naive datetimes are refused by the server)")
        return value.isoformat()
    if isinstance(value, str) and value:
        return value
    raise ValueError("time must be an aware datetime or an RFC 3339 string")
