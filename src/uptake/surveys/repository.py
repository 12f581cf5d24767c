"""Every query of the surveys domain, scoped to one workspace (a token lookup finds its workspace first)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from uptake.surveys.models import Invitation, Response, Survey


def get_survey(session: Session, workspace_id: int, survey_id: int) -> Survey | None:
    return session.scalar(select(Survey).where(Survey.workspace_id == workspace_id, Survey.id == survey_id))


def list_surveys(session: Session, workspace_id: int) -> list[Survey]:
    return list(
        session.scalars(select(Survey).where(Survey.workspace_id == workspace_id).order_by(Survey.id.desc()))
    )


def find_invitation(session: Session, token_hash: str) -> Invitation | None:
    """The invitation with this token hash in any workspace (the caller opens the cross-workspace scope)."""
    return session.scalar(select(Invitation).where(Invitation.token_hash == token_hash))


def count_invitations(session: Session, workspace_id: int, survey_ids: Collection[int]) -> dict[int, int]:
    return _counts(session, Invitation, workspace_id, survey_ids)


def count_responses(session: Session, workspace_id: int, survey_ids: Collection[int]) -> dict[int, int]:
    return _counts(session, Response, workspace_id, survey_ids)


def _counts(
    session: Session, table: type[Invitation] | type[Response], workspace_id: int, survey_ids: Collection[int]
) -> dict[int, int]:
    if not survey_ids:
        return {}
    rows = session.execute(
        select(table.survey_id, func.count(table.id))
        .where(table.workspace_id == workspace_id, table.survey_id.in_(list(survey_ids)))
        .group_by(table.survey_id)
    )
    return {int(survey_id): int(count) for survey_id, count in rows}


def list_responses(session: Session, workspace_id: int, survey_id: int) -> list[Response]:
    return list(
        session.scalars(
            select(Response).where(Response.workspace_id == workspace_id, Response.survey_id == survey_id)
        )
    )


def list_pulse_surveys_about_use_cases(session: Session, workspace_id: int) -> list[Survey]:
    return list(
        session.scalars(
            select(Survey).where(Survey.workspace_id == workspace_id, Survey.use_case_id.is_not(None))
        )
    )
