"""What the workspace home page shows: what exists so far, and what to do first in an empty workspace."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.auth import service as auth_service
from uptake.directory import service as directory_service
from uptake.jobs import service as jobs_service


@dataclass(frozen=True)
class HomeSummary:
    people: int
    teams: int
    accounts: int
    api_keys: int
    audit_entries: int
    jobs_failed: int
    jobs_running: int

    @property
    def is_empty(self) -> bool:
        return self.people <= 1 and self.teams == 0


def summarize_workspace(session: Session, workspace_id: int) -> HomeSummary:
    jobs = jobs_service.count_jobs_by_status(session, workspace_id)
    return HomeSummary(
        people=directory_service.count_people(session, workspace_id),
        teams=directory_service.count_teams(session, workspace_id),
        accounts=len(auth_service.list_accounts(session, workspace_id)),
        api_keys=len(
            [key for key in auth_service.list_api_keys(session, workspace_id) if key.revoked_at is None]
        ),
        audit_entries=audit_service.count_audit_entries(session, workspace_id),
        jobs_failed=jobs.get(jobs_service.JobStatus.failed, 0),
        jobs_running=jobs.get(jobs_service.JobStatus.running, 0),
    )
