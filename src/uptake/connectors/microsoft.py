"""Microsoft 365 Copilot: the tenant's licensed users as seats, and their per-app last-activity dates as
events, through the same importer as the report file.

- Sign-in: OAuth 2.0 client credentials (Authlib's client) at `{login_url}/{tenant}/oauth2/v2.0/token` for
  the scope `{base_url}/.default`. The token is fetched again when it expires and once more when Microsoft
  Graph answers 401.
- `GET {base_url}/beta/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')?$format=application/json`,
  page after page by `@odata.nextLink`. Microsoft lists only the users holding a Microsoft 365 Copilot licence:
  each row is a seat (source `microsoft_365`), and each `<app>CopilotLastActivityDate` an event on that day.
- Daily, that report tells more than a weekly upload can: a weekly file holds each person's *last* day per
  app, so the days before it are lost; a daily pull records each day a last-activity date moved to, which are
  the days the person was active (an event's id is (person, app, day), so the same date read twice counts once).
  Days before the first sync are not known (Microsoft keeps 180 days of reports, but as last dates only).

The app registration needs the application permission `Reports.Read.All` (admin consent). If the tenant
conceals user names in reports (Microsoft 365 admin centre → Settings → Org settings → Reports), rows carry
hashes instead of user principal names; the run says so.
"""

from __future__ import annotations

import io
import json
import time
from datetime import timedelta
from typing import Any, Final

import httpx
from authlib.integrations.base_client.errors import OAuthError  # type: ignore[import-untyped]
from authlib.integrations.httpx_client import OAuth2Client  # type: ignore[import-untyped]

from uptake.connectors.runs import SyncContext
from uptake.errors import UptakeError
from uptake.licences import schemas as licences_schemas
from uptake.licences import service as licences_service
from uptake.telemetry import service as telemetry_service
from uptake.vendor_http import TIMEOUT_SECONDS, Explain, VendorError

GRAPH: Final = "https://graph.microsoft.com"
LOGIN: Final = "https://login.microsoftonline.com"
RETENTION_DAYS: Final = 180
REPORT_PATH: Final = "/beta/reports/getMicrosoft365CopilotUsageUserDetail(period='D7')"
SEAT_SOURCE: Final = "microsoft_365"
IMPORT_SOURCE: Final = "m365-copilot"
TOKEN_LEEWAY_SECONDS: Final = 60


def explain(tenant_id: str) -> Explain:
    def what_to_check(response: httpx.Response, message: str) -> str:
        said = f"Microsoft Graph answered {response.status_code}" + (f": {message}" if message else "")
        if response.status_code == 401:
            return f"{said}. The app's client secret may have expired: make a new one and set it on the connector."
        if response.status_code == 403:
            return (
                f"{said}. Give the app registration the application permission Reports.Read.All and grant "
                f"admin consent in tenant {tenant_id}."
            )
        return said

    return what_to_check


class GraphToken:
    """An app-only token of the tenant, fetched by client credentials and fetched again once it expires."""

    def __init__(
        self, *, login_url: str, tenant_id: str, client_id: str, client_secret: str, scope: str
    ) -> None:
        self.token_url = f"{login_url.rstrip('/')}/{tenant_id}/oauth2/v2.0/token"
        self._client = OAuth2Client(
            client_id=client_id,
            client_secret=client_secret,
            scope=scope,
            token_endpoint_auth_method="client_secret_post",  # noqa: S106 - a method's name, not a secret
            timeout=TIMEOUT_SECONDS,
        )
        self._token: dict[str, Any] | None = None
        self.fetched = 0

    def headers(self) -> dict[str, str]:
        expires_at = float((self._token or {}).get("expires_at") or 0)
        if self._token is None or expires_at - TOKEN_LEEWAY_SECONDS <= time.time():
            self._fetch()
        assert self._token is not None
        return {"Authorization": f"Bearer {self._token['access_token']}"}

    def forget(self) -> None:
        self._token = None

    def _fetch(self) -> None:
        try:
            token = self._client.fetch_token(self.token_url, grant_type="client_credentials")
        except OAuthError as error:
            raise VendorError(
                f"Microsoft refused the sign-in: {error.error}"
                + (f" ({error.description})" if error.description else "")
                + ". Check the tenant id, client id and client secret of the app registration."
            ) from None
        except (httpx.HTTPError, ValueError) as error:
            raise VendorError(
                f"Microsoft's sign-in could not be reached at {self.token_url}: {error}"
            ) from None
        if "access_token" not in token:
            raise VendorError("Microsoft's sign-in answered without an access token")
        self._token = dict(token)
        self.fetched += 1

    def close(self) -> None:
        self._client.close()


def _token(context: SyncContext) -> GraphToken:
    options = context.connector.options
    return GraphToken(
        login_url=str(options.get("login_url") or LOGIN),
        tenant_id=str(options.get("tenant_id")),
        client_id=str(options.get("client_id")),
        client_secret=context.secret,
        scope=f"{context.connector.base_url}/.default",
    )


def report_pages(context: SyncContext, token: GraphToken) -> Any:
    """Each page of the user-detail report as JSON bytes (`{"value": [...]}`), by `@odata.nextLink`."""
    url: str | None = f"{context.connector.base_url}{REPORT_PATH}"
    params: dict[str, Any] | None = {"$format": "application/json"}
    while url is not None:
        response = context.http.get(url, params=params, auth=token.headers, reauthorize=token.forget)
        page = response.json()
        if not isinstance(page, dict):
            raise VendorError("Microsoft Graph's report is not a JSON object")
        yield response.content, page
        next_link = page.get("@odata.nextLink")
        url = next_link if isinstance(next_link, str) else None
        params = None


def check_connection(context: SyncContext) -> str:
    token = _token(context)
    try:
        for _, page in report_pages(context, token):
            rows = page.get("value") or []
            tenant = context.connector.options.get("tenant_id")
            return (
                f"Microsoft 365 tenant {tenant}: signed in; the first page of the Copilot usage report lists "
                f"{len(rows)} licensed user(s)."
            )
        return "signed in; the report is empty"
    finally:
        token.close()


def sync(context: SyncContext) -> None:
    log = context.log
    connector = context.connector
    token = _token(context)
    holders: dict[str, licences_schemas.SeatHolder] = {}
    concealed = 0
    try:
        for content, page in report_pages(context, token):
            log.read["report pages"] += 1
            rows = [row for row in page.get("value") or [] if isinstance(row, dict)]
            log.read["licensed users"] += len(rows)
            for row in rows:
                account = str(row.get("userPrincipalName") or "").strip().lower()
                if not account:
                    log.skip("report row", "no userPrincipalName")
                    continue
                if "@" not in account:
                    concealed += 1
                holders[account] = licences_schemas.SeatHolder(
                    account=account[:200], person_id=context.people_ids.get(account)
                )
            summary = telemetry_service.import_vendor_report(
                context.store,
                context.ingest,
                io.BytesIO(json.dumps({"value": rows}).encode() if rows else content),
                source=IMPORT_SOURCE,
                use_case=connector.use_case,
                tool=connector.tool,
                people_map=context.people_map,
                now=context.now,
            )
            log.read["events"] += summary.events
            log.stored["events"] += summary.accepted
            log.skip("event", "stored already (the same last-activity date read before)", summary.duplicates)
            for problem in summary.problems:
                log.skip(f"report row {problem.line}", problem.reason)
    except VendorError as error:
        log.fail(
            f"usage: {error.detail} (the pages before it are stored; the seat ledger was left as it was)"
        )
        return
    except ValueError as error:
        log.fail(f"usage: the report cannot be read: {error}")
        return
    finally:
        token.close()
    if concealed:
        log.notes.append(
            f"{concealed} user(s) came with concealed names: turn off 'Display concealed user, group, and site "
            "names in all reports' in the Microsoft 365 admin centre (Settings → Org settings → Reports)"
        )
    try:
        report = licences_service.sync_seats(
            context.session,
            context.workspace_id,
            tool=connector.tool,
            source=SEAT_SOURCE,
            as_of=context.today,
            holders=list(holders.values()),
            actor=f"connector:{connector.name}",
        )
    except UptakeError as error:
        log.fail(f"seats: {error.detail}")
        return
    log.stored["seats assigned"] += report.assigned
    log.stored["seats released"] += report.released
    log.stored["seats updated"] += report.updated
    log.skip("seat", "unchanged since the last sync", report.unchanged)
    connector.synced_through = context.today - timedelta(days=1)
    log.days_to = connector.synced_through
