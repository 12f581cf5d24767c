"""GitHub Copilot's seat administration: the two REST calls the reassignment queue makes for a GitHub seat.

- Cancel: `DELETE {base}/orgs/{org}/copilot/billing/selected_users` with `{"selected_usernames": [login]}`;
  GitHub answers 200 `{"seats_cancelled": n}`. The seat stays usable until the end of the billing cycle
  (GitHub lists it with a `pending_cancellation_date` until then).
- Give: `POST {base}/orgs/{org}/copilot/billing/selected_users` with the same body; 201 `{"seats_created": n}`.

Both need the organization's Copilot access policy set to "selected members", and a token allowed to manage
Copilot seats: a fine-grained token (or GitHub App installation token) with the organization permission
"GitHub Copilot Business" set to write, or a classic token with `manage_billing:copilot` (or `admin:org`).
`base_url` is `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.

The calls go through `uptake.vendor_http`, the connectors' own retries: a 429, or a 403 that says it is a rate
limit (`Retry-After`, or `x-ratelimit-remaining: 0`), is retried after the time GitHub asks for (else after an
exponential backoff), so are a 5xx and a network error, `max_attempts` tries in all; any other failure raises
`VendorRefused` with GitHub's own message and what to check.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from uptake.licences.schemas import GitHubConnection
from uptake.vendor_http import VendorError, VendorHttp

API_VERSION = "2022-11-28"
TIMEOUT_SECONDS = 30.0


class VendorRefused(VendorError):
    title = "The vendor refused the seat change."


class GitHubCopilotSeats:
    """Gives and cancels Copilot seats of one GitHub organization (a `reassignment.SeatAdministrator`)."""

    vendor = "GitHub"

    def __init__(
        self,
        connection: GitHubConnection,
        *,
        accounts: Callable[[int], str | None] | None = None,
        client: httpx.Client | None = None,
        max_attempts: int = 4,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self._accounts = accounts
        self._client = client
        self._max_attempts = max_attempts
        self._sleep = sleep

    def account_of(self, person_id: int) -> str | None:
        """The person's GitHub login, when the connection knows it (a vendor-account link)."""
        return self._accounts(person_id) if self._accounts is not None else None

    def release(self, account: str) -> str:
        answer = self._call("DELETE", account)
        return f"GitHub cancelled {answer.get('seats_cancelled', 0)} seat(s) for {account}"

    def assign(self, account: str) -> str:
        answer = self._call("POST", account)
        return f"GitHub created {answer.get('seats_created', 0)} seat(s) for {account}"

    def _url(self) -> str:
        base = self.connection.base_url.rstrip("/")
        return f"{base}/orgs/{self.connection.organization}/copilot/billing/selected_users"

    def _call(self, method: str, account: str) -> dict[str, Any]:
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.connection.token.get_secret_value()}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "uptake",
        }
        body = {"selected_usernames": [account]}
        organization = self.connection.organization
        client = self._client or httpx.Client(timeout=TIMEOUT_SECONDS)
        http = VendorHttp(
            client,
            "GitHub",
            lambda response, message: _explain(response, message, organization),
            max_attempts=self._max_attempts,
            sleep=self._sleep,
        )
        try:
            response = http.request(method, self._url(), json=body, headers=headers)
        except VendorError as error:
            raise VendorRefused(error.detail, **error.context) from None
        finally:
            if self._client is None:
                client.close()
        answer = response.json() if response.content else {}
        return answer if isinstance(answer, dict) else {}


def _explain(response: httpx.Response, message: str, organization: str) -> str:
    said = f"GitHub answered {response.status_code}" + (f": {message}" if message else "")
    if response.status_code == 401:
        return f"{said}. The token is wrong, revoked or expired: make a new one."
    if response.status_code == 403:
        return (
            f"{said}. The token may not manage Copilot seats of {organization}: give it the organization "
            "permission 'GitHub Copilot Business' (write), or the classic scope manage_billing:copilot."
        )
    if response.status_code == 404:
        return f"{said}. Check the organization name ({organization}) and that it has Copilot Business."
    if response.status_code == 422:
        return (
            f"{said}. The organization's Copilot policy must allow selected members, and the login must be a "
            "member of the organization."
        )
    return said
