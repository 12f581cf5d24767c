"""directory/service/people_uploads.py: a confirmed upload imported at once or by the worker, and old uploads
deleted."""

from __future__ import annotations

import os
import time

import pytest

from support import job_context
from uptake.db import session_scope
from uptake.directory import people_import
from uptake.directory.service import people as people_service
from uptake.directory.service import people_uploads as people_uploads_service
from uptake.errors import InvalidInput
from uptake.jobs import schemas as jobs_schemas
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobDefinition

UPLOAD = (
    b"Employee ID,Email,First Name,Last Name,Manager\n"
    b"E1,ana@example.com,Ana,Costa,\n"
    b"E2,ben@example.com,Ben,Okafor,E1\n"
    b"E3,not-an-email,Cara,Ito,E1\n"
)
DEFINITIONS = [
    JobDefinition(
        name=people_uploads_service.PEOPLE_IMPORT_JOB,
        function=people_uploads_service.import_uploaded_people,
        description="Import a large upload of people.",
        per_workspace=True,
    )
]


def test_a_small_upload_is_imported_at_once_and_then_deleted(world) -> None:
    workspace = world.workspace()
    data_dir = world.settings.data_dir
    token = people_import.store_upload(data_dir, workspace, UPLOAD)
    with session_scope(world.factory, workspace) as session:
        report = people_uploads_service.import_confirmed_upload(
            session, workspace, data_dir, token, actor="lead", job_definitions=DEFINITIONS
        )
        assert isinstance(report, people_import.ImportReport)
        assert (report.created, report.rejected) == (2, 1)
        assert people_service.get_person_by_external_id(session, workspace, "E2").manager_id is not None
    with pytest.raises(people_import.ImportUploadNotFound):
        people_import.upload_path(data_dir, workspace, token)


def test_a_large_upload_is_queued_once_and_the_job_imports_it(world, monkeypatch) -> None:
    monkeypatch.setattr(people_import, "SYNCHRONOUS_ROW_LIMIT", 2)
    workspace = world.workspace()
    data_dir = world.settings.data_dir
    token = people_import.store_upload(data_dir, workspace, UPLOAD)
    with session_scope(world.factory, workspace) as session:
        job = people_uploads_service.import_confirmed_upload(
            session, workspace, data_dir, token, actor="lead", job_definitions=DEFINITIONS
        )
        assert isinstance(job, jobs_schemas.Job)
        again = people_uploads_service.import_confirmed_upload(
            session, workspace, data_dir, token, actor="lead", job_definitions=DEFINITIONS
        )
        assert again.id == job.id
        followed = people_uploads_service.get_people_import_job(session, workspace, job.id)
        assert (followed.id, followed.name) == (job.id, people_uploads_service.PEOPLE_IMPORT_JOB)
        assert jobs_service.get_job(session, job.id, workspace).payload["token"] == token
        assert people_service.count_people(session, workspace) == 0
    with world.session(workspace) as session:
        context = job_context(world, session, people_uploads_service.PEOPLE_IMPORT_JOB, workspace)
        context.payload.update(token=token, actor="lead")
        result = people_uploads_service.import_uploaded_people(context)
        session.commit()
    assert (result["created"], result["rejected"], result["rejections"][0]["column"]) == (2, 1, "Email")
    with session_scope(world.factory, workspace) as session:
        assert people_service.count_people(session, workspace) == 2
    with pytest.raises(people_import.ImportUploadNotFound):
        people_import.upload_path(data_dir, workspace, token)


def test_only_a_people_import_job_is_followed_and_a_job_needs_its_workspace(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        other = jobs_service.enqueue_job(
            session,
            {"other.job": JobDefinition(name="other.job", function=lambda context: None, description="x")},
            "other.job",
            workspace_id=workspace,
        )
        with pytest.raises(jobs_service.JobNotFound):
            people_uploads_service.get_people_import_job(session, workspace, other.id)
    with world.session() as session, pytest.raises(InvalidInput):
        people_uploads_service.import_uploaded_people(
            job_context(world, session, people_uploads_service.PEOPLE_IMPORT_JOB, None)
        )


@pytest.mark.clock  # retention by age
def test_uploads_never_confirmed_are_purged_after_a_day(world) -> None:
    data_dir = world.settings.data_dir
    old = people_import.store_upload(data_dir, 1, b"external_id,email,name\n")
    fresh = people_import.store_upload(data_dir, 2, b"external_id,email,name\n")
    # Both times set from the clock the purge reads: the file system stamps files with the real one.
    now = time.time()
    hours_ago = now - (people_uploads_service.UPLOAD_KEEP_HOURS + 1) * 3600
    os.utime(people_import.upload_path(data_dir, 1, old), (hours_ago, hours_ago))
    os.utime(people_import.upload_path(data_dir, 2, fresh), (now, now))
    with world.session() as session:
        purged = people_uploads_service.purge_stale_uploads(
            job_context(world, session, "directory.purge_stale_uploads", None)
        )
    assert purged == {"deleted": 1}
    assert people_import.upload_path(data_dir, 2, fresh).is_file()
