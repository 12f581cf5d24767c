"""Connectors: vendor connections a workspace's admin configures once, that then sync on their own. It stays
whole: it is the domain's one door, and a connector's keeping, test, sync, run record and failing streak are one
lifecycle read together (each vendor's calls are in their own modules).

- `create_connector` keeps the connection (its secret sealed by `secret_box`, never returned), `test_connector`
  makes the two calls a sync needs and says what it found, `sync_connector` pulls seats and usage into the
  seat ledger and the events, and records the run: what it read, stored, skipped and why.
- The daily job `SCHEDULED_SYNC_JOB` syncs every enabled connector of every workspace, each in its own
  transaction; "sync now" queues `SYNC_JOB` for one connector, run by the server's worker.
- A connector whose syncs fail on `FAILING_DAYS_TO_NOTIFY` days in a row tells the workspace's admins through
  the outbox, once per streak.
- `seat_administrators` gives the reassignment queue GitHub's seat calls for a tool a GitHub connector syncs.
- Accounts a people import or SCIM links in the directory are taken over (their stored usage and seats become
  their people's) by `REATTRIBUTE_JOB`, queued by the directory's link listener registered below: the job runs
  in the server's worker, the process that owns the event store, whoever made the links (a command, a request).

Inside the domain: `github.py` and `microsoft.py` (each vendor's calls and sync), `secret_box.py` (secrets at
rest) and `runs.py` (what a run tells); the retries, rate limits and downloads are the core's `vendor_http.py`,
shared with the licences' seat calls.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy.orm import Session

from uptake.access.roles import Role
from uptake.analytics import service as analytics_service
from uptake.audit import service as audit_service
from uptake.auth import service as auth_service
from uptake.catalog import service as catalog_service
from uptake.comms.service import notifications as notifications_service
from uptake.connectors import accounts, github, microsoft, repository, schemas, secret_box
from uptake.connectors.models import Connector, ConnectorKind, ConnectorRun, RunKind, RunStatus
from uptake.connectors.runs import RunLog, SyncContext
from uptake.db import across_workspaces, bind_workspace, utcnow
from uptake.directory.service import vendor_accounts as vendor_accounts_service
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound, UptakeError
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobContext
from uptake.licences import schemas as licences_schemas
from uptake.licences import service as licences_service
from uptake.settings import Settings
from uptake.telemetry import service as telemetry_service
from uptake.telemetry.dependencies import EventStore
from uptake.vendor_http import TIMEOUT_SECONDS, VendorError, VendorHttp

SYNC_JOB = "connectors.sync"
REATTRIBUTE_JOB = "connectors.take_over_linked_accounts"
SCHEDULED_SYNC_JOB = "connectors.sync_all"
FAILING_DAYS_TO_NOTIFY = 3
NOTIFICATION_CATEGORY = "connectors"
DEFAULTS: dict[ConnectorKind, dict[str, Any]] = {
    ConnectorKind.github_copilot: {
        "base_url": github.PUBLIC_API,
        "tool": "github-copilot",
        "use_case": "github-copilot",
        "backfill_days": github.RETENTION_DAYS,
    },
    ConnectorKind.microsoft_365_copilot: {
        "base_url": microsoft.GRAPH,
        "login_url": microsoft.LOGIN,
        "tool": "m365-copilot",
        "use_case": "m365-copilot",
        "backfill_days": microsoft.RETENTION_DAYS,
    },
}
VENDORS = {ConnectorKind.github_copilot: "GitHub", ConnectorKind.microsoft_365_copilot: "Microsoft"}
Sleep = Callable[[float], None]


class ConnectorNotFound(NotFound):
    title = "There is no such connector in this workspace."


class ConnectorNameTaken(Conflict):
    title = "A connector of this workspace already has this name."


class ConnectorTestFailed(UptakeError):
    status = 502
    title = "The connector's test failed."


# ---------------------------------------------------------------- configuration


def _output(connector: Connector, last_run: ConnectorRun | None) -> schemas.Connector:
    options = connector.options or {}
    return schemas.Connector(
        id=connector.id,
        name=connector.name,
        kind=connector.kind,
        tool=connector.tool,
        use_case=connector.use_case,
        base_url=connector.base_url,
        organization=options.get("organization"),
        tenant_id=options.get("tenant_id"),
        client_id=options.get("client_id"),
        login_url=options.get("login_url"),
        backfill_days=connector.backfill_days,
        is_enabled=connector.is_enabled,
        has_secret=bool(connector.secret_encrypted),
        synced_through=connector.synced_through,
        failing_since=connector.failing_since,
        last_run=schemas.RunSummary.model_validate(last_run) if last_run is not None else None,
        created_at=connector.created_at,
    )


def _audit_view(connector: Connector) -> dict[str, Any]:
    """What the audit log keeps of a connector: never its secret."""
    return {
        "name": connector.name,
        "kind": connector.kind.value,
        "base_url": connector.base_url,
        "options": connector.options,
        "tool": connector.tool,
        "use_case": connector.use_case,
        "backfill_days": connector.backfill_days,
        "is_enabled": connector.is_enabled,
    }


def _get(session: Session, workspace_id: int, connector_id: int) -> Connector:
    connector = repository.get_connector(session, workspace_id, connector_id)
    if connector is None:
        raise ConnectorNotFound(f"connector {connector_id} does not exist", connector_id=connector_id)
    return connector


def find_connector_id(session: Session, workspace_id: int, name_or_id: str) -> int:
    """The connector named `name_or_id` (its name, or its id as digits)."""
    connector = repository.get_connector_by_name(session, workspace_id, name_or_id.strip())
    if connector is None and name_or_id.strip().isdigit():
        connector = repository.get_connector(session, workspace_id, int(name_or_id))
    if connector is None:
        raise ConnectorNotFound(f"no connector is named {name_or_id!r}")
    return connector.id


def create_connector(
    session: Session,
    workspace_id: int,
    body: schemas.ConnectorCreate,
    *,
    installation_key: str,
    actor: str,
) -> schemas.Connector:
    """Keep a new connection; its tool must be in the catalog (its seats and events count for it)."""
    if repository.get_connector_by_name(session, workspace_id, body.name) is not None:
        raise ConnectorNameTaken(f"there is a connector named {body.name} already", name=body.name)
    defaults = DEFAULTS[body.kind]
    tool = body.tool or defaults["tool"]
    known_tools = {known.slug for known in catalog_service.list_tools(session, workspace_id)}
    if tool not in known_tools:
        raise InvalidInput(
            errors=[
                FieldError(
                    "tool",
                    f"the catalog has no tool {tool}: add it (Catalog, or POST /api/v1/tools) or name another",
                )
            ]
        )
    options: dict[str, Any] = {}
    if body.kind == ConnectorKind.github_copilot:
        options["organization"] = body.organization
    else:
        options.update(
            tenant_id=body.tenant_id,
            client_id=body.client_id,
            login_url=(body.login_url or defaults["login_url"]).rstrip("/"),
        )
    connector = Connector(
        workspace_id=workspace_id,
        name=body.name,
        kind=body.kind,
        tool=tool,
        use_case=body.use_case or defaults["use_case"],
        base_url=(body.base_url or defaults["base_url"]).rstrip("/"),
        options=options,
        secret_encrypted=secret_box.seal(installation_key, body.secret.get_secret_value()),
        backfill_days=body.backfill_days if body.backfill_days is not None else defaults["backfill_days"],
        is_enabled=body.is_enabled,
    )
    session.add(connector)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="connectors.created",
        target=f"connector:{connector.id}",
        after=_audit_view(connector),
    )
    return _output(connector, None)


def update_connector(
    session: Session,
    workspace_id: int,
    connector_id: int,
    body: schemas.ConnectorUpdate,
    *,
    installation_key: str,
    actor: str,
) -> schemas.Connector:
    connector = _get(session, workspace_id, connector_id)
    before = _audit_view(connector)
    sent = body.model_fields_set
    if body.secret is not None:
        connector.secret_encrypted = secret_box.seal(installation_key, body.secret.get_secret_value())
    if "base_url" in sent and body.base_url is not None:
        connector.base_url = body.base_url.rstrip("/")
    if "login_url" in sent and body.login_url is not None:
        if connector.kind != ConnectorKind.microsoft_365_copilot:
            raise InvalidInput(errors=[FieldError("login_url", "is for Microsoft 365 connectors only")])
        connector.options = {**connector.options, "login_url": body.login_url.rstrip("/")}
    if body.backfill_days is not None:
        connector.backfill_days = body.backfill_days
    if body.is_enabled is not None:
        connector.is_enabled = body.is_enabled
    session.flush()
    after = _audit_view(connector)
    if body.secret is not None:
        after["secret"] = "replaced"  # noqa: S105 - says that it changed, not what it is
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="connectors.updated",
        target=f"connector:{connector.id}",
        before=before,
        after=after,
    )
    return get_connector(session, workspace_id, connector_id)


def get_connector(session: Session, workspace_id: int, connector_id: int) -> schemas.Connector:
    connector = _get(session, workspace_id, connector_id)
    last = repository.last_runs(session, workspace_id, [connector.id])
    return _output(connector, last.get(connector.id))


def list_connectors(session: Session, workspace_id: int) -> list[schemas.Connector]:
    connectors = repository.list_connectors(session, workspace_id)
    last = repository.last_runs(session, workspace_id, [connector.id for connector in connectors])
    return [_output(connector, last.get(connector.id)) for connector in connectors]


def list_runs(
    session: Session, workspace_id: int, connector_id: int, *, limit: int = 50
) -> list[schemas.RunSummary]:
    """The connector's runs, newest first: its history."""
    _get(session, workspace_id, connector_id)
    return [
        schemas.RunSummary.model_validate(run)
        for run in repository.list_runs(session, workspace_id, connector_id, limit=limit)
    ]


# ---------------------------------------------------------------- runs


def _vendor_http(connector: Connector, client: httpx.Client, sleep: Sleep) -> VendorHttp:
    if connector.kind == ConnectorKind.github_copilot:
        explain = github.explain(str(connector.options.get("organization")), connector.base_url)
    else:
        explain = microsoft.explain(str(connector.options.get("tenant_id")))
    return VendorHttp(client, vendor=VENDORS[connector.kind], explain=explain, sleep=sleep)


def _start_run(
    session: Session, workspace_id: int, connector: Connector, kind: RunKind, trigger: str
) -> ConnectorRun:
    run = ConnectorRun(
        workspace_id=workspace_id,
        connector_id=connector.id,
        kind=kind,
        trigger=trigger[:30],
        status=RunStatus.running,
        started_at=utcnow(),
    )
    session.add(run)
    session.flush()
    return run


def _finish_run(run: ConnectorRun, log: RunLog) -> None:
    run.status = RunStatus.failed if log.failed else RunStatus.succeeded
    run.finished_at = utcnow()
    run.read = dict(log.read)
    run.stored = dict(log.stored)
    skipped = list(log.skipped)
    if log.skipped_unlisted:
        skipped.append({"what": "other items", "why": "not listed one by one", "count": log.skipped_unlisted})
    run.skipped = skipped
    run.message = log.message()
    run.days_from = log.days_from
    run.days_to = log.days_to


def _context(
    session: Session,
    workspace_id: int,
    connector: Connector,
    *,
    installation_key: str,
    store: EventStore | None,
    client: httpx.Client,
    sleep: Sleep,
    now: datetime,
    log: RunLog,
) -> SyncContext:
    links = accounts.people_links(session, workspace_id, connector)
    return SyncContext(
        session=session,
        workspace_id=workspace_id,
        connector=connector,
        secret=secret_box.unseal(installation_key, connector.secret_encrypted),
        store=store,  # type: ignore[arg-type]  # a test run stores nothing and never reads it
        ingest=telemetry_service.ingest_context(session, workspace_id),
        today=now.astimezone(UTC).date(),
        now=now,
        http=_vendor_http(connector, client, sleep),
        log=log,
        people_map=links.external_ids,
        people_ids=links.person_ids,
    )


def check_connector(
    session: Session,
    workspace_id: int,
    connector_id: int,
    *,
    installation_key: str,
    actor: str,
    now: datetime | None = None,
    client: httpx.Client | None = None,
    sleep: Sleep = time.sleep,
) -> schemas.RunSummary:
    """Sign in and make the calls a sync needs, storing nothing; the run says what the vendor answered."""
    connector = _get(session, workspace_id, connector_id)
    run = _start_run(session, workspace_id, connector, RunKind.test, actor)
    log = RunLog()
    own_client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=True)
    try:
        context = _context(
            session,
            workspace_id,
            connector,
            installation_key=installation_key,
            store=None,
            client=own_client,
            sleep=sleep,
            now=now or datetime.now(UTC),
            log=log,
        )
        vendor = github if connector.kind == ConnectorKind.github_copilot else microsoft
        log.notes.append(vendor.check_connection(context))
    except (VendorError, secret_box.SecretUnreadable) as error:
        log.fail(error.detail)
    finally:
        if client is None:
            own_client.close()
    _finish_run(run, log)
    session.flush()
    return schemas.RunSummary.model_validate(run)


def sync_connector(
    session: Session,
    workspace_id: int,
    connector_id: int,
    *,
    installation_key: str,
    store: EventStore,
    trigger: str,
    analytics: analytics_service.Analytics | None = None,
    now: datetime | None = None,
    client: httpx.Client | None = None,
    sleep: Sleep = time.sleep,
) -> schemas.RunSummary:
    """Pull the connector's seats and usage now. A vendor failure does not raise: the run records it (with
    what was stored before it), counts toward the failing streak, and the caller commits all the same."""
    connector = _get(session, workspace_id, connector_id)
    now = now or datetime.now(UTC)
    run = _start_run(session, workspace_id, connector, RunKind.sync, trigger)
    log = RunLog()
    own_client = client or httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=True)
    context: SyncContext | None = None
    try:
        context = _context(
            session,
            workspace_id,
            connector,
            installation_key=installation_key,
            store=store,
            client=own_client,
            sleep=sleep,
            now=now,
            log=log,
        )
        if connector.kind == ConnectorKind.github_copilot:
            github.sync(context)
        else:
            microsoft.sync(context)
    except (VendorError, secret_box.SecretUnreadable) as error:
        log.fail(error.detail)
    finally:
        if client is None:
            own_client.close()
    waited = sum(context.http.waited) if context is not None else 0.0
    if waited:
        log.notes.append(f"waited {waited:.0f} s for the vendor's rate limits")
    ledger_changes = ("seats assigned", "seats released", "seats updated", "accounts linked")
    if analytics is not None and any(log.stored.get(name) for name in ledger_changes):
        licences_service.publish_ledger(session, workspace_id, analytics)
    _finish_run(run, log)
    _follow_failures(session, workspace_id, connector, run, now.astimezone(UTC).date())
    session.flush()
    return schemas.RunSummary.model_validate(run)


def _admin_ids(session: Session, workspace_id: int) -> list[int]:
    return [
        user.person_id
        for user in auth_service.list_users(session, workspace_id)
        if user.is_active and Role.admin.value in {*user.roles, *user.idp_roles}
    ]


def _follow_failures(
    session: Session, workspace_id: int, connector: Connector, run: ConnectorRun, today: date
) -> None:
    """Keep the failing streak; on its `FAILING_DAYS_TO_NOTIFY`th day, tell the admins (once per streak)."""
    if run.status == RunStatus.succeeded:
        connector.failing_since = None
        connector.failure_notified_on = None
        return
    if connector.failing_since is None:
        connector.failing_since = today
    days = (today - connector.failing_since).days + 1
    if days < FAILING_DAYS_TO_NOTIFY or connector.failure_notified_on is not None:
        return
    notifications_service.enqueue_notification(
        session,
        workspace_id,
        person_ids=_admin_ids(session, workspace_id),
        subject=f"The {connector.name} connector has failed for {days} days",
        body_markdown=(
            f"Every sync of **{connector.name}** since {connector.failing_since} failed, so uptake has no new "
            f"seats or usage from {VENDORS[connector.kind]}. The last run said:\n\n> {run.message[:1000]}\n\n"
            "Test the connector on its page, fix what it names (often an expired token), and sync it again."
        ),
        category=NOTIFICATION_CATEGORY,
        link=f"/connectors/{connector.id}",
        dedupe_key=f"connectors:{connector.id}:failing:{connector.failing_since}",
    )
    connector.failure_notified_on = today


# ---------------------------------------------------------------- who is who


def list_unlinked_accounts(
    session: Session,
    workspace_id: int,
    connector_id: int,
    *,
    store: EventStore,
    today: date,
) -> list[schemas.UnlinkedAccount]:
    """The accounts holding a seat of the connector's tool that nobody in the directory is linked to, with
    their usage of the last 30 days, most used first (for an admin to link them)."""
    connector = _get(session, workspace_id, connector_id)
    return [
        schemas.UnlinkedAccount(account=item.account, events_30_days=item.events, last_day=item.last_day)
        for item in accounts.unlinked_accounts(session, workspace_id, store, connector, today=today)
    ]


def link_account(
    session: Session,
    workspace_id: int,
    connector_id: int,
    body: schemas.AccountLinkCreate,
    *,
    store: EventStore,
    actor: str,
    analytics: analytics_service.Analytics | None = None,
) -> schemas.AccountLink:
    """Link a vendor account to a directory person by hand: the link is kept in the directory, the events
    stored under the account become the person's, and so does its seat."""
    connector = _get(session, workspace_id, connector_id)
    person_id = accounts.find_person_id(session, workspace_id, body.person)
    linked = accounts.link_account(
        session,
        workspace_id,
        store,
        connector,
        account=body.account,
        person_id=person_id,
        source="manual",
        actor=actor,
    )
    if analytics is not None:
        licences_service.publish_ledger(session, workspace_id, analytics)
    return schemas.AccountLink(
        vendor=accounts.VENDOR_OF[connector.kind],
        account=linked.account,
        person_id=linked.person_id,
        events_moved=linked.events_moved,
        seats_linked=linked.seats_linked,
    )


def import_account_links(
    session: Session,
    workspace_id: int,
    connector_id: int,
    text: str,
    *,
    store: EventStore,
    actor: str,
    analytics: analytics_service.Analytics | None = None,
) -> schemas.AccountLinkImport:
    """Link many accounts from a CSV of two columns, the vendor account and the person (email or employee id),
    header row `account,person` optional (the `--people-map` file of `uptake import github-copilot`). A bad row
    is named with its line and reason; the good ones are linked all the same, and importing again changes
    nothing."""
    connector = _get(session, workspace_id, connector_id)
    rows = list(csv.reader(io.StringIO(text)))
    if rows and [cell.strip().lower() for cell in rows[0]] == ["account", "person"]:
        rows[0] = []
    report = schemas.AccountLinkImport()
    for line, row in enumerate(rows, start=1):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != 2 or not row[0].strip() or not row[1].strip():
            report.rejected.append(
                schemas.RowProblem(line=line, reason="expected two columns, account and person")
            )
            continue
        try:
            person_id = accounts.find_person_id(session, workspace_id, row[1])
            linked = accounts.link_account(
                session,
                workspace_id,
                store,
                connector,
                account=row[0],
                person_id=person_id,
                source="people_import",
                actor=actor,
            )
        except UptakeError as error:
            reason = "; ".join(item.reason for item in error.errors) or error.detail
            report.rejected.append(schemas.RowProblem(line=line, reason=reason))
            continue
        report.linked += 1
        report.events_moved += linked.events_moved
        report.seats_linked += linked.seats_linked
    if analytics is not None and report.linked:
        licences_service.publish_ledger(session, workspace_id, analytics)
    return report


# ---------------------------------------------------------------- jobs


def request_sync(
    session: Session,
    workspace_id: int,
    connector_id: int,
    job_definitions: Sequence[jobs_service.JobDefinition],
    *,
    actor: str,
) -> schemas.SyncQueued:
    """Queue a sync of the connector now (the server's worker runs it within seconds)."""
    connector = _get(session, workspace_id, connector_id)
    definitions = {definition.name: definition for definition in job_definitions}
    job = jobs_service.enqueue_job(
        session,
        definitions,
        SYNC_JOB,
        workspace_id=workspace_id,
        payload={"connector_id": connector.id, "trigger": actor},
    )
    return schemas.SyncQueued(connector_id=connector.id, job_id=job.id, status=job.status.value)


def _job_analytics(settings: Settings) -> analytics_service.Analytics:
    return analytics_service.Analytics(analytics_service.connect_events_engine(settings.effective_events_url))


def sync_connector_job(context: JobContext) -> dict[str, Any]:
    """One connector's sync, queued by "sync now"."""
    if context.workspace_id is None:
        raise InvalidInput(errors=[FieldError("workspace_id", f"{SYNC_JOB} runs for one workspace")])
    bind_workspace(context.session, context.workspace_id)
    with telemetry_service.open_event_store(context.settings.effective_events_url) as store:
        run = sync_connector(
            context.session,
            context.workspace_id,
            int(context.payload["connector_id"]),
            installation_key=context.settings.effective_secret_key,
            store=store,
            trigger=str(context.payload.get("trigger", "manual")),
            analytics=_job_analytics(context.settings),
        )
    return {"run_id": run.id, "status": run.status.value, "stored": run.stored}


def sync_all_connectors_job(context: JobContext) -> dict[str, Any]:
    """The daily sync: every enabled connector of every workspace (or the job's one), each committed on its
    own, so one connector's failure spares the others."""
    if context.workspace_id is not None:
        workspace_ids = [context.workspace_id]
    else:
        with across_workspaces(context.session):
            workspace_ids = repository.list_workspace_ids_with_connectors(context.session)
    analytics = _job_analytics(context.settings)
    outcomes: dict[str, str] = {}
    # Sessions of their own, carrying the settings (the audit log seals its entries with the installation's key).
    sessions = jobs_service.job_session_factory(context.session)
    with telemetry_service.open_event_store(context.settings.effective_events_url) as store:
        for workspace_id in workspace_ids:
            with sessions() as session:
                bind_workspace(session, workspace_id)
                connector_ids = [
                    connector.id
                    for connector in repository.list_connectors(session, workspace_id, enabled_only=True)
                ]
            for connector_id in connector_ids:
                with sessions() as session:
                    bind_workspace(session, workspace_id)
                    try:
                        run = sync_connector(
                            session,
                            workspace_id,
                            connector_id,
                            installation_key=context.settings.effective_secret_key,
                            store=store,
                            trigger="schedule",
                            analytics=analytics,
                        )
                    except UptakeError as error:
                        session.rollback()
                        outcomes[f"{workspace_id}:{connector_id}"] = f"failed: {error.detail}"
                        continue
                    session.commit()
                outcomes[f"{workspace_id}:{connector_id}"] = run.status.value
    return {"connectors": len(outcomes), "runs": outcomes}


# ---------------------------------------------------------------- the reassignment queue's vendor hands


def seat_administrators(settings: Settings) -> Callable[[Session, int, str], Any]:
    """The reassignment queue's seat administrators: for a tool a GitHub connector syncs, GitHub's own calls
    (cancel and give a seat by login); for any other tool, none (uptake records each step and says what to do)."""

    def administrators(session: Session, workspace_id: int, tool: str) -> Any:
        for connector in repository.list_connectors(session, workspace_id, enabled_only=True):
            if connector.kind == ConnectorKind.github_copilot and connector.tool == tool:
                connection = licences_schemas.GitHubConnection(
                    organization=str(connector.options.get("organization")),
                    token=SecretStr(
                        secret_box.unseal(settings.effective_secret_key, connector.secret_encrypted)
                    ),
                    base_url=connector.base_url,
                )
                return licences_service.github_seat_administrator(connection)
        return licences_service.no_seat_administrators(session, workspace_id, tool)

    return administrators


def run_reassignment_queues_job(context: JobContext) -> dict[str, Any]:
    """The scheduled reassignment queue, with GitHub's seat calls for the tools a GitHub connector syncs."""
    return licences_service.run_reassignment_queues(
        context, administrators=seat_administrators(context.settings)
    )


# ---------------------------------------------------------------- links made in the directory


def take_over_linked_accounts_job(context: JobContext) -> dict[str, Any]:
    """The accounts a people import or SCIM linked: their stored usage and unreleased seats become their
    people's, and the ledger reaches analytics."""
    if context.workspace_id is None:
        raise InvalidInput(errors=[FieldError("workspace_id", f"{REATTRIBUTE_JOB} runs for one workspace")])
    bind_workspace(context.session, context.workspace_id)
    accounts_linked = [(str(vendor), str(account)) for vendor, account in context.payload.get("accounts", [])]
    with telemetry_service.open_event_store(context.settings.effective_events_url) as store:
        taken = accounts.take_over_accounts(
            context.session,
            context.workspace_id,
            store,
            accounts_linked,
            actor=str(context.payload.get("actor", "system")),
        )
    if taken.seats_linked:
        licences_service.publish_ledger(
            context.session, context.workspace_id, _job_analytics(context.settings)
        )
    return {
        "accounts": len(accounts_linked),
        "events_moved": taken.events_moved,
        "seats_linked": taken.seats_linked,
    }


def _take_over_when_linked(
    session: Session,
    workspace_id: int,
    links: Sequence[vendor_accounts_service.VendorAccountLink],
    actor: str,
) -> None:
    """The directory linked accounts (a people import, SCIM): queue `REATTRIBUTE_JOB` for them."""
    definition = jobs_service.JobDefinition(
        REATTRIBUTE_JOB, take_over_linked_accounts_job, "Take over the usage and seats of linked accounts."
    )
    jobs_service.enqueue_job(
        session,
        {REATTRIBUTE_JOB: definition},
        REATTRIBUTE_JOB,
        workspace_id=workspace_id,
        payload={"accounts": [[link.vendor, link.account] for link in links], "actor": actor},
    )


vendor_accounts_service.on_linked(_take_over_when_linked)
