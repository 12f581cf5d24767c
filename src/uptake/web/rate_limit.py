"""A sliding-window request counter per key (a widget key, a client address), kept in the server's memory.

The counts live in one process: with several server processes each counts its own requests, so the effective
limit is the setting times the number of processes. That is enough for what it is for, stopping a script from
flooding an anonymous endpoint, and it costs no database write per request.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most ``limit`` hits per ``window_seconds`` for each key."""

    def __init__(
        self, limit: int, window_seconds: float, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> int | None:
        """Count one hit for ``key``; None when allowed, else the seconds until the next hit is allowed."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - self.window_seconds:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, math.ceil(hits[0] + self.window_seconds - now))
            hits.append(now)
            if len(self._hits) > 100_000:  # forget idle keys so the map cannot grow without end
                self._hits = {k: v for k, v in self._hits.items() if v and v[-1] > now - self.window_seconds}
            return None
