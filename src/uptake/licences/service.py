"""The seat ledger's door for other domains and the application layer.

- Connectors write the seats a vendor lists with `sync_seats`: "replace the seats of tool T from source S as
  of day D", idempotent (the same list twice changes nothing), touching no other source's seats; then
  `publish_ledger` (or pass `analytics` to `sync_seats`) so the figures read them at once.
- Analytics reads the ledger as the `seats` and `contracts` snapshots (`snapshot_rows`, pushed by
  `publish_ledger`).
- The application layer schedules `run_reassignment_queues` with the seat administrators it knows: a vendor
  connection gives one (`github_seat_administrator` for a GitHub organization's Copilot seats);
  `no_seat_administrators` calls no vendor and records each step with what to do in the admin console.

A GitHub sync should leave out the seats GitHub lists with a `pending_cancellation_date`: the queue cancelled
them (or an admin did), and GitHub keeps them listed until the end of the billing cycle.

Inside the domain: `contracts.py` (what was bought), `seats.py` (the seats and the sync), `seat_groups.py`
(seats that follow a directory group), `reassignment.py` (the idle-seat queue), `seats_import.py` (the CSV
import) and `github_seats.py` (GitHub's seat API).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import httpx
from sqlalchemy.orm import Session

from uptake.analytics import service as analytics_service
from uptake.db import across_workspaces, bind_workspace
from uptake.errors import FieldError, InvalidInput
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobContext
from uptake.licences import reassignment, repository, schemas, seat_groups, seats
from uptake.licences.github_seats import GitHubCopilotSeats
from uptake.licences.models import SeatSource

SEAT_SOURCES = tuple(source.value for source in SeatSource)
PUBLISH_JOB = "licences.publish_ledger"
SEAT_GROUPS_JOB = "licences.sync_seat_groups"


def sync_seats(
    session: Session,
    workspace_id: int,
    *,
    tool: str,
    source: str,
    as_of: date,
    holders: Sequence[schemas.SeatHolder],
    actor: str,
    analytics: analytics_service.Analytics | None = None,
) -> schemas.SeatSyncReport:
    """Make tool `tool`'s seats from `source` (one of `SEAT_SOURCES`: `github`, `microsoft_365`, `scim_group`,
    ...) exactly `holders` on day `as_of`: new holders get a seat from their `assigned_on` (else `as_of`),
    seats of holders no longer listed are released on `as_of`, the others stay. Seats of other sources are
    never touched; a holder with a seat from another source keeps that one. With `analytics`, the ledger is
    published to it afterwards."""
    try:
        seat_source = SeatSource(source)
    except ValueError:
        raise InvalidInput(
            errors=[FieldError("source", f"must be one of {', '.join(SEAT_SOURCES)}")]
        ) from None
    report = seats.sync_seats(
        session, workspace_id, tool=tool, source=seat_source, as_of=as_of, holders=holders, actor=actor
    )
    if analytics is not None:
        seats.publish_ledger(session, workspace_id, analytics)
    return report


def publish_ledger(session: Session, workspace_id: int, analytics: analytics_service.Analytics) -> None:
    """Push the ledger's seats and contracts to analytics, so seat figures and eligibility read them now."""
    seats.publish_ledger(session, workspace_id, analytics)


def publish_ledger_job(context: JobContext) -> dict[str, Any]:
    """Publish one workspace's ledger to analytics from the server's own process: what a command that changed
    the ledger while the server held the events store asks for."""
    if context.workspace_id is None:
        raise InvalidInput(errors=[FieldError("workspace_id", f"{PUBLISH_JOB} runs for one workspace")])
    analytics = analytics_service.Analytics(
        analytics_service.connect_events_engine(context.settings.effective_events_url)
    )
    bind_workspace(context.session, context.workspace_id)
    seats.publish_ledger(context.session, context.workspace_id, analytics)
    return {"workspace_id": context.workspace_id}


def request_publication(
    session: Session, workspace_id: int, job_definitions: Sequence[jobs_service.JobDefinition]
) -> None:
    """Queue `publish_ledger_job` for the workspace (the server's worker runs it within seconds)."""
    definitions = {definition.name: definition for definition in job_definitions}
    jobs_service.enqueue_job(session, definitions, PUBLISH_JOB, workspace_id=workspace_id)


def snapshot_rows(session: Session, workspace_id: int) -> dict[str, list[dict[str, Any]]]:
    """The `seats` and `contracts` snapshot rows of the workspace (see `uptake.analytics.snapshots`)."""
    return seats.snapshot_rows(session, workspace_id)


def no_seat_administrators(
    session: Session, workspace_id: int, tool: str
) -> reassignment.SeatAdministrator | None:
    """The seat administrators when no vendor connection is configured: the queue calls no vendor."""
    return reassignment.no_seat_administrators(session, workspace_id, tool)


def github_seat_administrator(
    connection: schemas.GitHubConnection,
    *,
    accounts: Callable[[int], str | None] | None = None,
    client: httpx.Client | None = None,
) -> reassignment.SeatAdministrator:
    """The queue's hands on a GitHub organization's Copilot seats. `accounts` maps a directory person to their
    GitHub login (the vendor-account links), for giving a seat to someone waiting."""
    return GitHubCopilotSeats(connection, accounts=accounts, client=client)


def run_reassignment_queues(
    context: JobContext,
    *,
    administrators: reassignment.SeatAdministrators = reassignment.no_seat_administrators,
) -> dict[str, Any]:
    """The scheduled reassignment queue: each workspace with an enabled idle-seat policy (or the job's one), in
    its own session committed on its own, so one workspace's failure spares the others."""
    if context.workspace_id is not None:
        workspace_ids = [context.workspace_id]
    else:
        with across_workspaces(context.session):
            workspace_ids = repository.list_workspace_ids_with_policies(context.session)
    analytics = analytics_service.Analytics(
        analytics_service.connect_events_engine(context.settings.effective_events_url)
    )
    runs: dict[str, Any] = {}
    for workspace_id in workspace_ids:
        with jobs_service.job_session_factory(context.session)() as session:
            bind_workspace(session, workspace_id)
            run = reassignment.run_queue(
                session, workspace_id, analytics=analytics, administrators=administrators
            )
            session.commit()
        runs[str(workspace_id)] = run.model_dump(exclude={"ids"})
    return {"workspaces": len(workspace_ids), "runs": runs}


def sync_seat_groups_job(context: JobContext) -> dict[str, Any]:
    """The scheduled sync of the seats that follow a directory group (SCIM provisioning changes its members):
    each workspace with such a tool (or the job's one) in its own session, published to analytics when a seat
    changed."""
    if context.workspace_id is not None:
        workspace_ids = [context.workspace_id]
    else:
        with across_workspaces(context.session):
            workspace_ids = repository.list_workspace_ids_with_seat_groups(context.session)
    analytics = analytics_service.Analytics(
        analytics_service.connect_events_engine(context.settings.effective_events_url)
    )
    changed: dict[str, int] = {}
    for workspace_id in workspace_ids:
        with jobs_service.job_session_factory(context.session)() as session:
            bind_workspace(session, workspace_id)
            reports = seat_groups.sync_seat_groups(session, workspace_id)
            count = sum(report.assigned + report.released + report.updated for report in reports)
            if count:
                seats.publish_ledger(session, workspace_id, analytics)
            session.commit()
        changed[str(workspace_id)] = count
    return {"workspaces": len(workspace_ids), "seats_changed": changed}


def link_seat_account(
    session: Session, workspace_id: int, *, account: str, person_id: int, actor: str
) -> int:
    """Give the unreleased seats a vendor account holds (with no person yet) to the person the account was just
    linked to; returns how many. Audited; publish the ledger afterwards for the figures."""
    return seats.link_account_seats(session, workspace_id, account=account, person_id=person_id, actor=actor)


def unlinked_seat_accounts(session: Session, workspace_id: int, tool: str) -> list[str]:
    """The vendor accounts holding an unreleased seat of the tool with no directory person linked."""
    return seats.unlinked_accounts(session, workspace_id, tool)
