"""The rollout state an SDK holds: downloaded, kept current by polling, saved for restarts.

A daemon thread asks ``GET /api/v1/rollout-state`` (with ``If-None-Match``) every ``refresh_interval``
seconds, sooner (with backoff) while no state was ever loaded. A 200 replaces the `Evaluator`; a 304 keeps
it; any failure keeps serving the last good state and is logged once until the next success. With a spool
the last good state and its ETag are saved to disk and restored at start, so a restart while the server is
down still answers.
"""

import logging
import threading

import httpx

from uptake_sdk.delivery import backoff_delay
from uptake_sdk.local_evaluation import Evaluator, InvalidRolloutState
from uptake_sdk.spool import Spool

logger = logging.getLogger("uptake_sdk")

ROLLOUT_STATE_PATH = "/api/v1/rollout-state"


class RolloutStatePoller:
    """Holds the current `Evaluator` and refreshes it in the background. Thread-safe."""

    def __init__(
        self,
        http: httpx.Client,
        spool: Spool | None,
        *,
        refresh_interval: float,
        initial_backoff: float,
        max_backoff: float,
    ) -> None:
        self._http = http
        self._spool = spool
        self._refresh_interval = refresh_interval
        self._initial_backoff = initial_backoff
        self._max_backoff = max_backoff
        self.evaluator: Evaluator | None = None
        self._etag: str | None = None
        self._lock = threading.Lock()
        self._loaded = threading.Event()
        self._is_failing = False
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="uptake-sdk-rollout-state", daemon=True)

    def start(self) -> None:
        self._load_saved_state()
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def wait_until_loaded(self, timeout: float | None) -> bool:
        return self._loaded.wait(timeout)

    def refresh(self) -> bool:
        """Ask the server for the rollout state now; True when the held state is current."""
        with self._lock:
            headers = {"If-None-Match": self._etag} if self._etag else {}
            try:
                response = self._http.get(ROLLOUT_STATE_PATH, headers=headers)
            except httpx.TransportError as error:
                self._note_failure(f"cannot reach the server ({error!r})")
                return False
            if response.status_code == 304 and self.evaluator is not None:
                self._note_success()
                return True
            if response.status_code != 200:
                self._note_failure(f"the server answered {response.status_code}")
                return False
            try:
                document = response.json()
                evaluator = Evaluator(document)
            except (ValueError, InvalidRolloutState) as error:
                self._note_failure(f"the rollout state is not usable ({error})")
                return False
            self.evaluator = evaluator
            self._etag = response.headers.get("ETag")
            self._loaded.set()
            self._note_success()
            if self._spool is not None:
                try:
                    self._spool.save_rollout_state(self._etag, document)
                except OSError as error:
                    logger.warning("uptake: cannot save the rollout state in the spool: %s", error)
            return True

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            try:
                is_current = self.refresh()
            except Exception:
                if self._stopping.is_set():
                    return
                logger.exception("uptake: unexpected error while refreshing the rollout state")
                is_current = False
            failures = 0 if is_current else failures + 1
            delay = self._refresh_interval
            if self.evaluator is None and failures:
                delay = min(delay, backoff_delay(self._initial_backoff, self._max_backoff, failures, None))
            self._stopping.wait(delay)

    def _load_saved_state(self) -> None:
        if self._spool is None:
            return
        saved = self._spool.load_rollout_state()
        if saved is None:
            return
        etag, document = saved
        try:
            self.evaluator = Evaluator(document)
        except InvalidRolloutState as error:
            logger.warning("uptake: ignoring the saved rollout state: %s", error)
            return
        self._etag = etag
        self._loaded.set()

    def _note_failure(self, why: str) -> None:
        if not self._is_failing:
            serving = "keeping the last good state" if self.evaluator is not None else "no state yet"
            logger.warning("uptake: cannot refresh the rollout state: %s; %s", why, serving)
        self._is_failing = True

    def _note_success(self) -> None:
        if self._is_failing:
            logger.info("uptake: the rollout state is current again")
        self._is_failing = False
