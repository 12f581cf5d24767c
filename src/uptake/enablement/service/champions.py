"""Champions: people nominated for a team or a use case, who answer its questions and hold office hours.

A program lead nominates anywhere; a team lead only in the teams they lead.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.audit import service as audit_service
from uptake.catalog import service as catalog_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement import repository, schemas
from uptake.enablement.models import Champion
from uptake.errors import Conflict, Forbidden, NotFound


class ChampionNotFound(NotFound):
    title = "There is no such champion."


class ChampionAlreadyNominated(Conflict):
    title = "This person is already a champion here."


def champion_output(session: Session, workspace_id: int, champion: Champion) -> schemas.Champion:
    person = people_service.get_person(session, workspace_id, champion.person_id)
    return schemas.Champion(
        id=champion.id,
        person_id=champion.person_id,
        display_name=person.display_name,
        team_id=champion.team_id,
        use_case_slug=champion.use_case_slug,
        note=champion.note,
    )


def nominate_champion(
    session: Session, workspace_id: int, body: schemas.ChampionCreate, *, nominated_by: Principal
) -> schemas.Champion:
    """Nominate a champion. A program lead may nominate anywhere; a team lead only in the teams they lead."""
    people_service.get_person(session, workspace_id, body.person_id)
    if body.team_id is not None:
        teams_service.get_team(session, workspace_id, body.team_id)
    if body.use_case_slug is not None:
        catalog_service.get_use_case_by_slug(session, workspace_id, body.use_case_slug)
    _check_may_manage_champions(nominated_by, body.team_id)
    if (
        repository.find_champion(session, workspace_id, body.person_id, body.team_id, body.use_case_slug)
        is not None
    ):
        raise ChampionAlreadyNominated(f"person {body.person_id} is already a champion here")
    champion = Champion(
        workspace_id=workspace_id,
        person_id=body.person_id,
        team_id=body.team_id,
        use_case_slug=body.use_case_slug,
        note=body.note,
    )
    session.add(champion)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=nominated_by.actor,
        action="enablement.champion.nominated",
        target=f"champion:{champion.id}",
        after={
            "person_id": champion.person_id,
            "team_id": champion.team_id,
            "use_case_slug": champion.use_case_slug,
        },
    )
    return champion_output(session, workspace_id, champion)


def _check_may_manage_champions(principal: Principal, team_id: int | None) -> None:
    if principal.has_role(Role.program_lead):
        return
    if team_id is not None and principal.leads_team(team_id):
        return
    raise Forbidden("a team lead nominates champions only in the teams they lead")


def remove_champion(session: Session, workspace_id: int, champion_id: int, *, removed_by: Principal) -> None:
    champion = repository.get_champion(session, workspace_id, champion_id)
    if champion is None:
        raise ChampionNotFound(f"champion {champion_id} does not exist", champion_id=champion_id)
    _check_may_manage_champions(removed_by, champion.team_id)
    snapshot = {
        "person_id": champion.person_id,
        "team_id": champion.team_id,
        "use_case_slug": champion.use_case_slug,
    }
    session.delete(champion)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=removed_by.actor,
        action="enablement.champion.removed",
        target=f"champion:{champion_id}",
        before=snapshot,
    )


def list_champions(
    session: Session, workspace_id: int, *, team_id: int | None = None, use_case_slug: str | None = None
) -> list[schemas.Champion]:
    """Champions of a use case, of a team (a team's champions include those of its parent teams: they are who
    the team can ask), or all."""
    team_ids = None
    if team_id is not None:
        team_ids = [
            ancestor.id for ancestor in teams_service.team_ancestors(session, workspace_id, team_id)
        ] + [team_id]
    champions = repository.list_champions(
        session, workspace_id, team_ids=team_ids, use_case_slug=use_case_slug
    )
    return [champion_output(session, workspace_id, champion) for champion in champions]


def is_champion(session: Session, workspace_id: int, person_id: int, *, use_case_slug: str) -> bool:
    return any(
        champion.person_id == person_id
        for champion in repository.list_champions(session, workspace_id, use_case_slug=use_case_slug)
    )


def list_champion_person_ids(session: Session, workspace_id: int, *, use_case_slug: str) -> list[int]:
    return sorted(
        {c.person_id for c in repository.list_champions(session, workspace_id, use_case_slug=use_case_slug)}
    )
