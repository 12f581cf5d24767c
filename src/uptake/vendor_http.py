"""Calls to a vendor's API that survive its rate limits and brief outages, and fail with a message that says
what to fix. Core, so the two domains that call vendors share one set of rules: the connectors (syncs) and the
licences' seat administration (GitHub's seat calls for the reassignment queue).

- 429, or 403 that says it is a rate limit (`Retry-After`, or GitHub's `x-ratelimit-remaining: 0`): wait the
  time the vendor asks for (at most `MAX_WAIT_SECONDS`), else back off exponentially, and try again.
- 5xx and network errors: back off exponentially (1 s, 2 s, 4 s, … at most `MAX_WAIT_SECONDS`) and try again.
- 401, 403 (not a rate limit) and other 4xx: `VendorError` at once, with the vendor's own message and the
  connector's explanation of what to check (`explain`).
After `max_attempts` tries the last failure is raised. Nothing here logs a request's headers: tokens stay out
of the logs.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any, BinaryIO, cast

import httpx

from uptake.errors import UptakeError

MAX_WAIT_SECONDS = 60.0
FIRST_BACKOFF_SECONDS = 1.0
TIMEOUT_SECONDS = 60.0
SPOOL_BYTES = 8 * 1024 * 1024
"""A downloaded report file stays in memory up to this size, then goes to a temporary file."""


class VendorError(UptakeError):
    status = 502
    title = "The vendor refused the request or could not be reached."


Explain = Callable[[httpx.Response, str], str]
"""(the failed answer, the vendor's own message) → what the person configuring the connector should check."""


def vendor_message(response: httpx.Response) -> str:
    """The vendor's message in a JSON error body (GitHub's `message`, Microsoft's `error.message`), else text."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message", "")).strip()[:300]
        if isinstance(error, str):
            return str(body.get("error_description") or error).strip()[:300]
        return str(body.get("message", "")).strip()[:300]
    return ""


def rate_limit_wait(response: httpx.Response, now: Callable[[], float] = time.time) -> float | None:
    """Seconds the vendor asks to wait when the answer is a rate limit (0 when it does not say), else None."""
    if response.status_code not in (403, 429):
        return None
    retry_after = response.headers.get("retry-after", "").strip()
    if retry_after.isdigit():
        return float(retry_after)
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset", "")
        return max(0.0, float(reset) - now()) if reset.isdigit() else 0.0
    return 0.0 if response.status_code == 429 else None


@dataclass
class VendorHttp:
    """One vendor's calls through `client`, with retries; `sleep` is injected so tests do not wait."""

    client: httpx.Client
    vendor: str
    explain: Explain
    max_attempts: int = 5
    sleep: Callable[[float], None] = time.sleep
    waited: list[float] = field(default_factory=list)
    """Every wait, in seconds (a run reports how long rate limits held it)."""

    def _wait(self, attempt: int, asked: float | None) -> None:
        backoff = FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1)
        seconds = min(MAX_WAIT_SECONDS, asked if asked else backoff)
        self.waited.append(seconds)
        self.sleep(seconds)

    def get(
        self,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        allow: Collection[int] = (),
        auth: Callable[[], dict[str, str]] | None = None,
        reauthorize: Callable[[], None] | None = None,
    ) -> httpx.Response:
        return self.request(
            "GET", url, headers=headers, params=params, allow=allow, auth=auth, reauthorize=reauthorize
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: dict[str, Any] | None = None,
        json: Any = None,
        allow: Collection[int] = (),
        auth: Callable[[], dict[str, str]] | None = None,
        reauthorize: Callable[[], None] | None = None,
    ) -> httpx.Response:
        """GET with retries; a status in `allow` (e.g. 404 for "no report that day") is returned, not raised.
        `auth` gives the authorization headers for each try; on a first 401, `reauthorize` (forget the token,
        so `auth` fetches a new one) is called and the call tried again."""
        last = ""
        reauthorized = False
        for attempt in range(1, self.max_attempts + 1):
            sent = {**(headers or {}), **(auth() if auth is not None else {})}
            try:
                response = self.client.request(method, url, headers=sent, params=params, json=json)
            except httpx.HTTPError as error:
                last = f"{self.vendor} could not be reached at {_site(url)}: {type(error).__name__}"
                if attempt < self.max_attempts:
                    self._wait(attempt, None)
                    continue
                raise VendorError(last) from None
            if response.is_success or response.status_code in allow:
                return response
            if response.status_code == 401 and reauthorize is not None and not reauthorized:
                reauthorized = True
                reauthorize()
                continue
            wait = rate_limit_wait(response)
            if wait is not None or response.status_code >= 500:
                last = f"{self.vendor} answered {response.status_code}: {vendor_message(response)}".rstrip(
                    ": "
                )
                if attempt < self.max_attempts:
                    self._wait(attempt, wait)
                    continue
                if wait is not None:
                    last += " (rate limit still reached after every retry; the next sync tries again)"
                raise VendorError(last, vendor_status=response.status_code)
            raise VendorError(
                self.explain(response, vendor_message(response)), vendor_status=response.status_code
            )
        raise VendorError(last)

    def download(self, url: str, *, attempts: int = 2) -> BinaryIO:
        """A signed download link's file (no credentials sent: the link carries its own), spooled to disk past
        `SPOOL_BYTES`, rewound; tried `attempts` times."""
        last = ""
        for attempt in range(1, attempts + 1):
            spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - returned to the caller
            try:
                with self.client.stream("GET", url) as response:
                    if not response.is_success:
                        last = (
                            f"the download of a report file from {_site(url)} answered {response.status_code}"
                        )
                        raise _RetryDownload()
                    for chunk in response.iter_bytes():
                        spool.write(chunk)
            except (httpx.HTTPError, _RetryDownload) as error:
                spool.close()
                if isinstance(error, httpx.HTTPError):
                    last = f"the download of a report file from {_site(url)} failed: {type(error).__name__}"
                if attempt < attempts:
                    self._wait(attempt, None)
                    continue
                raise VendorError(last) from None
            spool.seek(0)
            return cast(BinaryIO, spool)
        raise VendorError(last)


class _RetryDownload(Exception):
    pass


def _site(url: str) -> str:
    """The scheme and host of a URL: a signed link's query (its signature) is never repeated in a message."""
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.netloc.decode()}"
