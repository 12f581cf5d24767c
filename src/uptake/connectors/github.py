"""GitHub Copilot: the organization's seats into the seat ledger, and its users' daily usage reports into the
events, through the same parsers as the file import.

- Seats: `GET {base}/orgs/{org}/copilot/billing/seats?per_page=100`, page after page by the `Link` header's
  `next`. A seat with a `pending_cancellation_date` is skipped (cancelled; GitHub lists it until the billing
  cycle ends). The ledger is synced only from a complete list: a page that keeps failing leaves the seats as
  they were (a partial list would release the seats of the pages not read).
- Usage: for each day from the day after the last one synced (on the first run, `backfill_days` ago: GitHub
  keeps a year) up to yesterday (UTC, GitHub's day), `GET .../copilot/metrics/reports/users-1-day?day=D` and
  `.../organization-1-day?day=D`, whose `download_links` lead to the NDJSON files the importer reads. A day is
  marked synced once all its files are stored, so a failure resumes at that day; events carry ids from the
  report's own keys, so a day read twice stores nothing twice. A report GitHub does not have (404) is skipped
  with the reason; for yesterday it is not ready yet, and the next sync asks again.

Token: a fine-grained personal access token or GitHub App installation token with the organization
permissions "GitHub Copilot Business" (read; write too if the reassignment queue is to cancel and give seats)
and "Organization Copilot metrics" (read), or a classic token with `manage_billing:copilot` (or `read:org`).
The organization's "Copilot usage metrics" policy must be enabled. `base_url` is `https://api.github.com`, or
`https://HOST/api/v3` for GitHub Enterprise Server.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, Final

import httpx

from uptake.connectors import accounts
from uptake.connectors.runs import SyncContext
from uptake.errors import UptakeError
from uptake.licences import schemas as licences_schemas
from uptake.licences import service as licences_service
from uptake.telemetry import service as telemetry_service
from uptake.vendor_http import Explain, VendorError, VendorHttp

PUBLIC_API: Final = "https://api.github.com"
API_VERSION: Final = "2022-11-28"
RETENTION_DAYS: Final = 365
"""How far back GitHub keeps the daily usage reports: a first sync back-fills this many days by default."""
SEATS_PER_PAGE: Final = 100
USERS_REPORT: Final = "users-1-day"
ORGANIZATION_REPORT: Final = "organization-1-day"
SAML_QUERY: Final = """
query($organization: String!, $after: String) {
  organization(login: $organization) {
    samlIdentityProvider {
      externalIdentities(first: 100, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { samlIdentity { nameId } user { login } }
      }
    }
  }
}
"""
SEAT_SOURCE: Final = "github"
IMPORT_SOURCE: Final = "github-copilot"


def explain(organization: str, base_url: str) -> Explain:
    def what_to_check(response: httpx.Response, message: str) -> str:
        said = f"GitHub answered {response.status_code}" + (f": {message}" if message else "")
        if response.status_code == 401:
            return (
                f"{said}. The token is wrong, revoked or expired: make a new one and set it on the connector."
            )
        if response.status_code == 403:
            return (
                f"{said}. The token may not read the Copilot seats or usage metrics of {organization}: give a "
                "fine-grained token or GitHub App the organization permissions 'GitHub Copilot Business' (read) "
                "and 'Organization Copilot metrics' (read), or a classic token manage_billing:copilot; and "
                "enable the organization's Copilot usage metrics policy."
            )
        if response.status_code == 404:
            return (
                f"{said}. Check the organization name ({organization}), that it has Copilot Business or "
                f"Enterprise, and the base URL ({base_url}; GitHub Enterprise Server: https://HOST/api/v3)."
            )
        return said

    return what_to_check


class GitHubCopilotApi:
    """The read calls of one organization's Copilot API."""

    def __init__(self, http: VendorHttp, *, base_url: str, organization: str, token: str) -> None:
        self.http = http
        self.base_url = base_url.rstrip("/")
        self.organization = organization
        self._token = token

    def _headers(self) -> dict[str, str]:
        return {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self._token}",
            "X-GitHub-Api-Version": API_VERSION,
            "User-Agent": "uptake",
        }

    def _url(self, path: str) -> str:
        return f"{self.base_url}/orgs/{self.organization}/copilot/{path}"

    def billing(self) -> dict[str, Any]:
        answer = self.http.get(self._url("billing"), headers=self._headers()).json()
        return answer if isinstance(answer, dict) else {}

    def seat_pages(self) -> Iterator[dict[str, Any]]:
        """Each page of the seat list, following the `Link` header's `next` to the end."""
        url: str | None = self._url("billing/seats")
        params: dict[str, Any] | None = {"per_page": SEATS_PER_PAGE}
        while url is not None:
            response = self.http.get(url, headers=self._headers(), params=params)
            page = response.json()
            yield page if isinstance(page, dict) else {}
            url = response.links.get("next", {}).get("url")
            params = None  # the next link carries its own query

    def graphql_url(self) -> str:
        """`https://api.github.com/graphql`, or GitHub Enterprise Server's `https://HOST/api/graphql`."""
        if self.base_url.endswith("/api/v3"):
            return self.base_url.removesuffix("/v3") + "/graphql"
        return f"{self.base_url}/graphql"

    def saml_identities(self) -> list[tuple[str, str]]:
        """(login, SAML name id) of the organization's members linked through SAML single sign-on; empty when
        the organization has no SAML identity provider. A refusal (the token may not read them) raises."""
        identities: list[tuple[str, str]] = []
        cursor: str | None = None
        while True:
            response = self.http.request(
                "POST",
                self.graphql_url(),
                headers=self._headers(),
                json={"query": SAML_QUERY, "variables": {"organization": self.organization, "after": cursor}},
            )
            answer = response.json() if response.content else {}
            if not isinstance(answer, dict) or answer.get("errors"):
                errors = answer.get("errors") if isinstance(answer, dict) else None
                message = errors[0].get("message") if isinstance(errors, list) and errors else "no answer"
                raise VendorError(f"GitHub's GraphQL API did not list the SAML identities: {message}")
            provider = ((answer.get("data") or {}).get("organization") or {}).get("samlIdentityProvider")
            if not provider:
                return identities
            page = provider.get("externalIdentities") or {}
            for node in page.get("nodes") or []:
                login = ((node or {}).get("user") or {}).get("login")
                name_id = ((node or {}).get("samlIdentity") or {}).get("nameId")
                if isinstance(login, str) and isinstance(name_id, str) and "@" in name_id:
                    identities.append((login, name_id))
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                return identities
            cursor = info.get("endCursor")

    def report_links(self, report: str, day: date) -> list[str] | None:
        """The download links of a day's report; None when GitHub has no report for that day."""
        response = self.http.get(
            self._url(f"metrics/reports/{report}"),
            headers=self._headers(),
            params={"day": day.isoformat()},
            allow=(204, 404),
        )
        if response.status_code in (204, 404) or not response.content:
            return None
        answer = response.json()
        links = answer.get("download_links") if isinstance(answer, dict) else None
        if not isinstance(links, list):
            raise VendorError(f"GitHub's {report} answer for {day} has no download_links")
        return [link for link in links if isinstance(link, str)]


def api_for(context: SyncContext) -> GitHubCopilotApi:
    connector = context.connector
    return GitHubCopilotApi(
        context.http,
        base_url=connector.base_url,
        organization=str(connector.options.get("organization", "")),
        token=context.secret,
    )


def check_connection(context: SyncContext) -> str:
    """Read the organization's seat summary and yesterday's users report: the two permissions a sync needs."""
    api = api_for(context)
    breakdown = api.billing().get("seat_breakdown") or {}
    yesterday = context.today - timedelta(days=1)
    links = api.report_links(USERS_REPORT, yesterday)
    report = (
        f"{len(links)} file(s) of usage for {yesterday}"
        if links is not None
        else f"no usage report for {yesterday} yet"
    )
    return f"GitHub organization {api.organization}: {breakdown.get('total', 0)} Copilot seat(s); {report}."


def sync(context: SyncContext) -> None:
    """Who is who (SAML identities), seats, then usage; a failure of one is recorded on the run and the others
    still run."""
    api = api_for(context)
    link_saml_identities(context, api)
    sync_seats(context, api)
    sync_usage(context, api)


def link_saml_identities(context: SyncContext, api: GitHubCopilotApi) -> None:
    """Link the logins whose SAML identity's name id is a directory person's email (the usual case with single
    sign-on); an organization without SAML, or a token that may not read it, only leaves a note."""
    try:
        identities = api.saml_identities()
    except VendorError as error:
        context.log.notes.append(
            f"no SAML identities read ({error.detail}); link GitHub logins on the connector's page"
        )
        return
    context.log.read["SAML identities"] += len(identities)
    linked = accounts.link_by_email(
        context.session,
        context.workspace_id,
        context.store,
        context.connector,
        identities,
        known=set(context.people_ids),
        actor=f"connector:{context.connector.name}",
    )
    for account, (person_id, external_id) in linked.items():
        context.people_ids[account] = person_id
        context.people_map[account] = external_id
    if linked:
        context.log.stored["accounts linked"] += len(linked)


def sync_seats(context: SyncContext, api: GitHubCopilotApi) -> None:
    log = context.log
    holders: dict[str, licences_schemas.SeatHolder] = {}
    try:
        for page in api.seat_pages():
            log.read["seat pages"] += 1
            try:
                seats = telemetry_service.github_seat_list(page)
            except (ValueError, TypeError, AttributeError) as error:
                raise VendorError(f"a page of GitHub's seat list cannot be read: {error}") from None
            for seat in seats:
                log.read["seats"] += 1
                if seat.pending_cancellation_date is not None:
                    log.skip("seat", "pending cancellation: GitHub lists it until the billing cycle ends")
                    continue
                account = seat.login.strip().lower()
                holders[account] = licences_schemas.SeatHolder(
                    account=account,
                    person_id=context.people_ids.get(account),
                    assigned_on=seat.assigned_at.date() if seat.assigned_at is not None else None,
                )
    except VendorError as error:
        log.fail(f"seats: {error.detail} (the seat ledger was left as it was)")
        return
    try:
        report = licences_service.sync_seats(
            context.session,
            context.workspace_id,
            tool=context.connector.tool,
            source=SEAT_SOURCE,
            as_of=context.today,
            holders=list(holders.values()),
            actor=f"connector:{context.connector.name}",
        )
    except UptakeError as error:
        log.fail(f"seats: {error.detail}")
        return
    log.stored["seats assigned"] += report.assigned
    log.stored["seats released"] += report.released
    log.stored["seats updated"] += report.updated
    log.skip("seat", "unchanged since the last sync", report.unchanged)


def days_to_sync(context: SyncContext) -> list[date]:
    """From the day after the last one synced (first run: `backfill_days` ago) up to yesterday."""
    connector = context.connector
    yesterday = context.today - timedelta(days=1)
    start = (
        connector.synced_through + timedelta(days=1)
        if connector.synced_through is not None
        else context.today - timedelta(days=connector.backfill_days)
    )
    return [start + timedelta(days=n) for n in range((yesterday - start).days + 1)]


def sync_usage(context: SyncContext, api: GitHubCopilotApi) -> None:
    log = context.log
    days = days_to_sync(context)
    if not days:
        log.notes.append(f"usage is synced through {context.connector.synced_through}")
        return
    log.days_from = days[0]
    yesterday = context.today - timedelta(days=1)
    for day in days:
        try:
            complete = _sync_day(context, api, day, is_latest=day == yesterday)
        except VendorError as error:
            log.fail(
                f"usage of {day}: {error.detail} (the days before it are stored; the next sync resumes here)"
            )
            return
        if not complete:
            return
        context.connector.synced_through = day
        log.days_to = day
        context.session.flush()


def _sync_day(context: SyncContext, api: GitHubCopilotApi, day: date, *, is_latest: bool) -> bool:
    """Store one day's reports; False when GitHub has no users report for the latest day yet."""
    log = context.log
    for report in (USERS_REPORT, ORGANIZATION_REPORT):
        links = api.report_links(report, day)
        if links is None:
            if report == USERS_REPORT and is_latest:
                log.notes.append(f"GitHub has no {report} report for {day} yet; the next sync asks again")
                return False
            log.skip(f"{report} {day}", "GitHub has no report for this day")
            continue
        log.read[f"{report} days"] += 1
        if not links:
            log.skip(f"{report} {day}", "no usage that day (the report has no files)")
        for link in links:
            _store_file(context, api, report, day, link)
    return True


def _store_file(context: SyncContext, api: GitHubCopilotApi, report: str, day: date, link: str) -> None:
    log = context.log
    connector = context.connector
    with api.http.download(link) as file:
        log.read["report files"] += 1
        try:
            summary = telemetry_service.import_vendor_report(
                context.store,
                context.ingest,
                file,
                source=IMPORT_SOURCE,
                use_case=connector.use_case,
                tool=connector.tool,
                people_map=context.people_map,
                now=context.now,
            )
        except ValueError as error:
            log.skip(f"{report} {day} file", str(error))
            return
    log.read["events"] += summary.events
    log.stored["events"] += summary.accepted
    log.skip("event", "stored already (read before)", summary.duplicates)
    for problem in summary.problems:
        log.skip(f"{report} {day} line {problem.line}", problem.reason)
    log.skip(
        f"{report} {day} record",
        "more records that could not be read",
        summary.problem_count - len(summary.problems),
    )
    if report == ORGANIZATION_REPORT:
        log.read["organization notes"] += len(summary.notes)
