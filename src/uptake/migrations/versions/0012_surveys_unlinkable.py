"""surveys: nothing stored joins an anonymous answer to a person

Invitation tokens are now hashed with the server's secret key, so the plain tokens in the outbox can no
longer be matched to an invitation. This migration scrubs what earlier versions stored:
- the one-time survey links (plain tokens) in the outbox and inbox rows: those tokens were hashed without a
  key, so they would keep telling a reader of the database who answered (they no longer work either);
- the team of invitations and responses where fewer than the workspace's privacy floor of that team were
  invited to, or answered, the survey.

Revision ID: 0012_surveys_unlinkable
Revises: 0011_failed_login_account_key
Create Date: 2026-12-07 14:55:00
"""

from __future__ import annotations

from alembic import op

revision = "0012_surveys_unlinkable"
down_revision = "0011_failed_login_account_key"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE comms_notification SET link = NULL WHERE category = 'survey' AND link LIKE '/surveys/respond/%'"
    )
    op.execute(
        """
        UPDATE surveys_response SET team_id = NULL
        WHERE team_id IS NOT NULL AND (
            (SELECT COUNT(*) FROM surveys_invitation AS invited
             WHERE invited.survey_id = surveys_response.survey_id AND invited.team_id = surveys_response.team_id)
            < (SELECT workspace.privacy_floor FROM workspace WHERE workspace.id = surveys_response.workspace_id)
            OR (SELECT COUNT(*) FROM surveys_response AS answered
             WHERE answered.survey_id = surveys_response.survey_id AND answered.team_id = surveys_response.team_id)
            < (SELECT workspace.privacy_floor FROM workspace WHERE workspace.id = surveys_response.workspace_id)
        )
        """
    )
    op.execute(
        """
        UPDATE surveys_invitation SET team_id = NULL
        WHERE team_id IS NOT NULL
            AND (SELECT COUNT(*) FROM surveys_invitation AS invited
                 WHERE invited.survey_id = surveys_invitation.survey_id
                   AND invited.team_id = surveys_invitation.team_id)
            < (SELECT workspace.privacy_floor FROM workspace WHERE workspace.id = surveys_invitation.workspace_id)
        """
    )


def downgrade() -> None:
    """Scrubbed links and teams cannot be put back."""
