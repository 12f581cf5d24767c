"""The one explicit list of every job uptake runs. A new job is added here, by name, nowhere else.

It lives in the app layer because it names jobs of many domains; each domain imports only `jobs.service`.
"""

from __future__ import annotations

from uptake.audit import service as audit_service
from uptake.comms.service import announcements as announcements_service
from uptake.comms.service import digests as digests_service
from uptake.comms.service import notifications as notifications_service
from uptake.comms.service import questions as questions_service
from uptake.connectors import service as connectors_service
from uptake.directory.service import people_uploads as people_uploads_service
from uptake.jobs import service as jobs_service
from uptake.jobs.service import JobDefinition
from uptake.licences import service as licences_service
from uptake.rollout import service as rollout_service
from uptake.telemetry import service as telemetry_service
from uptake.trust import service as trust_service


def job_definitions() -> list[JobDefinition]:
    return [
        JobDefinition(
            name="audit.verify_chains",
            function=audit_service.verify_all_audit_chains,
            description="Walk every workspace's audit log and fail loudly at the first broken link.",
            schedule="17 3 * * *",
            max_attempts=1,
        ),
        JobDefinition(
            name=people_uploads_service.PEOPLE_IMPORT_JOB,
            function=people_uploads_service.import_uploaded_people,
            description="Import a large people CSV a program lead uploaded and confirmed.",
            max_attempts=1,
        ),
        JobDefinition(
            name="directory.purge_stale_uploads",
            function=people_uploads_service.purge_stale_uploads,
            description="Delete people CSV uploads previewed but never imported within a day.",
            schedule="47 3 * * *",
            max_attempts=3,
        ),
        JobDefinition(
            name="jobs.purge_finished",
            function=jobs_service.purge_finished_jobs,
            description="Delete finished jobs older than 30 days.",
            schedule="41 4 * * *",
            max_attempts=3,
        ),
        JobDefinition(
            name="telemetry.prune_events",
            function=telemetry_service.prune_events_job,
            description="Delete every workspace's events older than its retention period (event_retention_days).",
            schedule="23 2 * * *",
            max_attempts=3,
        ),
        JobDefinition(
            name="rollout.evaluate_gates",
            function=rollout_service.evaluate_gates_job,
            description="Read every active wave's gates; hold on an open severity-1 incident, promote when all pass.",
            schedule="*/15 * * * *",
            max_attempts=2,
        ),
        JobDefinition(
            name="licences.run_reassignment_queue",
            # GitHub's seat calls for the tools a GitHub connector syncs; for the others every step is recorded.
            function=connectors_service.run_reassignment_queues_job,
            description="Find idle seats, notify their holders, release them after the grace period and give "
            "them to the people waiting.",
            schedule="37 6 * * *",
            max_attempts=2,
        ),
        JobDefinition(
            name=licences_service.SEAT_GROUPS_JOB,
            function=licences_service.sync_seat_groups_job,
            description="Give and release the seats of tools that follow a directory (SCIM) group's members.",
            schedule="*/15 * * * *",
            max_attempts=2,
        ),
        JobDefinition(
            name=licences_service.PUBLISH_JOB,
            function=licences_service.publish_ledger_job,
            description="Push a workspace's seats and contracts to analytics after a command changed them.",
            max_attempts=3,
        ),
        JobDefinition(
            name=connectors_service.SCHEDULED_SYNC_JOB,
            function=connectors_service.sync_all_connectors_job,
            description="Sync every enabled vendor connector: seats into the ledger, yesterday's usage into events.",
            schedule="13 5 * * *",
            max_attempts=2,
            lease_seconds=3600,
        ),
        JobDefinition(
            name=connectors_service.REATTRIBUTE_JOB,
            function=connectors_service.take_over_linked_accounts_job,
            description="Move the usage and seats stored under vendor accounts a people import or SCIM linked.",
        ),
        JobDefinition(
            name=connectors_service.SYNC_JOB,
            function=connectors_service.sync_connector_job,
            description="Sync one vendor connector now (its page's or the API's 'sync now').",
            max_attempts=1,
            lease_seconds=3600,
        ),
        notifications_service.delivery_job_definition(),
        JobDefinition(
            name="comms.send_scheduled_announcements",
            function=announcements_service.send_scheduled_announcements,
            description="Send announcements whose scheduled time has come.",
            schedule="* * * * *",
            max_attempts=3,
        ),
        JobDefinition(
            name="comms.notify_question_owners",
            function=questions_service.notify_question_owners,
            description="Tell owners and champions of new questions, and of questions left unanswered too long.",
            schedule="*/15 * * * *",
            max_attempts=3,
        ),
        JobDefinition(
            name="comms.send_digests",
            function=digests_service.send_digests,
            description="Gather each person's held email into one daily (or Monday's weekly) digest.",
            schedule="5 7 * * *",
            max_attempts=3,
        ),
        JobDefinition(
            name=trust_service.THEMES_JOB,
            function=trust_service.find_feedback_themes,
            description="Group feedback comments into themes (sentence embeddings, else TF-IDF), with progress.",
            max_attempts=2,
        ),
    ]
