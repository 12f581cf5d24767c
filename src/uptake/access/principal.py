"""Who is calling: a person logged in through a browser, or an API key of an integration."""

from __future__ import annotations

from dataclasses import dataclass, field

from uptake.access.roles import Role


@dataclass(frozen=True)
class Principal:
    workspace_id: int
    roles: frozenset[Role]
    person_id: int | None = None
    display_name: str = ""
    api_key_id: int | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    login_session_id: int | None = None
    # The teams this person leads, with all their subteams: what a team lead's views are scoped to.
    team_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def actor(self) -> str:
        """How this caller is named in the audit log."""
        if self.person_id is not None:
            return f"person:{self.person_id}"
        if self.api_key_id is not None:
            return f"key:{self.api_key_id}"
        return "system"

    @property
    def is_person(self) -> bool:
        return self.person_id is not None

    def has_role(self, *roles: Role) -> bool:
        return bool(self.roles & set(roles)) or Role.admin in self.roles

    def leads_team(self, team_id: int) -> bool:
        """Whether this caller leads ``team_id`` (directly or through a parent team)."""
        return team_id in self.team_ids


@dataclass(frozen=True)
class PersonPrincipal(Principal):
    """A caller known to be a person (logged in, not an API key): ``person_id`` is always set."""

    person_id: int = 0

    @classmethod
    def of(cls, principal: Principal) -> PersonPrincipal:
        if principal.person_id is None:
            raise ValueError("an API key is not a person")
        return cls(
            workspace_id=principal.workspace_id,
            roles=principal.roles,
            person_id=principal.person_id,
            display_name=principal.display_name,
            api_key_id=principal.api_key_id,
            scopes=principal.scopes,
            login_session_id=principal.login_session_id,
            team_ids=principal.team_ids,
        )
