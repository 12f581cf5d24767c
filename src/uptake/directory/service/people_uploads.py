"""A confirmed upload of people: imported while the page waits, or by the worker when it is large; and the job that
deletes uploads never confirmed (``directory/people_import.py`` reads, plans and writes the rows).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from uptake.directory import people_import
from uptake.errors import FieldError, InvalidInput
from uptake.jobs import schemas as jobs_schemas
from uptake.jobs import service as jobs_service

PEOPLE_IMPORT_JOB = "directory.import_people"


# The job's result keeps this many bad rows (its counts cover all of them); the command lists every one.
JOB_REJECTIONS_KEPT = 1000


def import_confirmed_upload(
    session: Session,
    workspace_id: int,
    data_dir: Path,
    token: str,
    *,
    actor: str,
    job_definitions: Sequence[jobs_service.JobDefinition],
) -> people_import.ImportReport | jobs_schemas.Job:
    """Import an upload the preview showed: at once when it is small, else queued as a background job (the page
    would otherwise wait, and the upload is kept until the job reads it)."""
    path = people_import.upload_path(data_dir, workspace_id, token)
    if people_import.count_upload_rows(path) > people_import.SYNCHRONOUS_ROW_LIMIT:
        definitions = {definition.name: definition for definition in job_definitions}
        job = jobs_service.enqueue_job(
            session,
            definitions,
            PEOPLE_IMPORT_JOB,
            workspace_id=workspace_id,
            payload={"token": token, "actor": actor},
            dedupe_key=f"{PEOPLE_IMPORT_JOB}:{workspace_id}:{token}",
        )
        return jobs_schemas.Job.model_validate(job)
    report = people_import.import_people(
        session, workspace_id, people_import.upload_lines(path), dry_run=False, actor=actor
    )
    path.unlink(missing_ok=True)
    return report


def import_uploaded_people(context: jobs_service.JobContext) -> dict[str, Any]:
    """The background job of a large confirmed upload; its result is the report (bad rows capped)."""
    if context.workspace_id is None:
        raise InvalidInput(errors=[FieldError("workspace_id", "a people import runs in one workspace")])
    path = people_import.upload_path(
        context.settings.data_dir, context.workspace_id, str(context.payload["token"])
    )

    def report_progress(step: str, done: int, total: int) -> None:
        # Progress is written by another connection, which SQLite refuses while this job's transaction holds
        # the write lock: so it is reported while rows are checked, and the (short) writing shows as its end.
        if step == "checking":
            context.progress(done, total, step)

    report = people_import.import_people(
        context.session,
        context.workspace_id,
        people_import.upload_lines(path),
        dry_run=False,
        actor=str(context.payload["actor"]),
        progress=report_progress,
    )
    path.unlink(missing_ok=True)
    result = report.as_dict()
    result["rejections"] = result["rejections"][:JOB_REJECTIONS_KEPT]
    return result


def get_people_import_job(session: Session, workspace_id: int, job_id: int) -> jobs_schemas.Job:
    job = jobs_service.get_job(session, job_id, workspace_id)
    if job.name != PEOPLE_IMPORT_JOB:
        raise jobs_service.JobNotFound(f"job {job_id} is not a people import", job_id=job_id)
    return jobs_schemas.Job.model_validate(job)


# Uploads hold personal data: one never confirmed is deleted after this long.
UPLOAD_KEEP_HOURS = 24


def purge_stale_uploads(context: jobs_service.JobContext) -> dict[str, Any]:
    """Delete uploaded people files that were previewed but never imported, once ``UPLOAD_KEEP_HOURS`` old."""
    return {
        "deleted": people_import.delete_uploads_older_than(context.settings.data_dir, hours=UPLOAD_KEEP_HOURS)
    }
