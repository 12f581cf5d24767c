"""0012_surveys_unlinkable scrubs what earlier versions stored that could join an anonymous answer to a person."""

from __future__ import annotations

from sqlalchemy import text

from uptake.db import make_engine
from uptake.migrations.commands import upgrade_database

ROWS = """
INSERT INTO workspace (id, slug, name, timezone, privacy_floor, event_retention_days, working_days_only,
    pseudonym_key, created_at)
VALUES (1, 'acme', 'Acme', 'UTC', 5, 400, 0, 'key', '2026-01-01 00:00:00');
INSERT INTO directory_team (id, workspace_id, name, path, parent_id, created_at, updated_at)
VALUES (1, 1, 'Support', '/1/', NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
    (2, 1, 'Pair', '/2/', NULL, '2026-01-01 00:00:00', '2026-01-01 00:00:00');
INSERT INTO surveys_survey (id, workspace_id, kind, title, introduction, questions, is_anonymous, status,
    created_at)
VALUES (1, 1, 'readiness', 'Ready?', '', '[]', 1, 'open', '2026-01-01 00:00:00');
"""


def test_old_links_and_small_teams_are_scrubbed(tmp_path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade_database(engine, "0011_failed_login_account_key")
    with engine.begin() as connection:
        for statement in ROWS.split(";"):
            if statement.strip():
                connection.execute(text(statement))
        # Six invited from Support (five answered), two from Pair (one answered), as earlier versions stored them.
        for number, team in enumerate([1] * 6 + [2] * 2):
            connection.execute(
                text(
                    "INSERT INTO surveys_invitation (workspace_id, survey_id, token_hash, team_id, is_used)"
                    " VALUES (1, 1, :hash, :team, 0)"
                ),
                {"hash": f"hash{number}", "team": team},
            )
        for team in [1] * 5 + [2]:
            connection.execute(
                text(
                    "INSERT INTO surveys_response (workspace_id, survey_id, team_id, answers, submitted_on)"
                    " VALUES (1, 1, :team, '{}', '2026-01-02')"
                ),
                {"team": team},
            )
        for category, link in (("survey", "/surveys/respond/secret-token"), ("rollout", "/rollouts/1")):
            connection.execute(
                text(
                    "INSERT INTO comms_notification (workspace_id, channel, category, subject, body_markdown,"
                    " link, message_key, status, attempts, next_attempt_at, created_at)"
                    " VALUES (1, 'in_app', :category, 'Hi', '', :link, :key, 'sent', 0,"
                    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
                ),
                {"category": category, "link": link, "key": category},
            )
    upgrade_database(engine)
    with engine.connect() as connection:
        links = dict(connection.execute(text("SELECT category, link FROM comms_notification")).all())
        invited = [row[0] for row in connection.execute(text("SELECT team_id FROM surveys_invitation"))]
        answered = [row[0] for row in connection.execute(text("SELECT team_id FROM surveys_response"))]
    engine.dispose()
    assert links == {"survey": None, "rollout": "/rollouts/1"}
    assert sorted(team or 0 for team in invited) == [0, 0, 1, 1, 1, 1, 1, 1]
    assert sorted(team or 0 for team in answered) == [0, 1, 1, 1, 1, 1]
