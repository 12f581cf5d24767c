"""Communication's decisions, one module per noun:

- ``audiences``: who a cohort holds now (teams with subteams, job roles, a use case's users, rollout waves);
- ``announcements``: announcements to cohorts, read receipts, acknowledgements and their report;
- ``questions``: questions about a use case and their answers; ``faq``: the FAQ answered questions go into;
- ``office_hours``: office hours, announced to their team or use case;
- ``notifications``: ``enqueue_notification``, the one door every domain uses to notify people, the inbox and the
  outbox (``comms/delivery.py`` is the worker that sends);
- ``digests``: held email gathered into one message; ``preferences``: what each person wants by email;
- ``webhooks``: the Slack and Teams channels posted to;
- ``job_workspaces``: the workspaces a comms job runs over, each in its own session.

Another domain imports the module it needs under its name, e.g.
``from uptake.comms.service import notifications as notifications_service``.
"""
