"""Helpers the tests share: building workspaces, people and keys, and calling the app as someone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import time_machine
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from uptake.access.dependencies import SESSION_COOKIE, cookie_serializer
from uptake.access.roles import Role, Scope
from uptake.auth import service as auth_service
from uptake.db import bind_workspace, session_scope
from uptake.directory.service import people as people_service
from uptake.jobs.service import JobContext
from uptake.settings import Settings
from uptake.web.csrf import CSRF_COOKIE
from uptake.workspaces import schemas as workspace_schemas
from uptake.workspaces import service as workspaces_service


@dataclass
class Caller:
    """A person with one role in one workspace, and how to call the app as them."""

    workspace_id: int
    person_id: int
    role: Role
    email: str
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class World:
    """Builds workspaces, people and API keys directly through the services, committing each step."""

    factory: sessionmaker[Session]
    settings: Settings
    _counter: int = 0

    def workspace(self, slug: str | None = None, **fields: Any) -> int:
        self._counter += 1
        slug = slug or f"ws{self._counter}-{uuid.uuid4().hex[:6]}"
        with session_scope(self.factory) as session:
            body = workspace_schemas.WorkspaceCreate(
                slug=slug, name=fields.pop("name", slug.title()), **fields
            )
            return workspaces_service.create_workspace(session, body).id

    def person(
        self,
        workspace_id: int,
        *,
        roles: list[Role] | None = None,
        email: str | None = None,
        password: str | None = None,
        name: str | None = None,
    ) -> int:
        self._counter += 1
        # Counted, not random: a random suffix once held "f7" and matched a search for another person's id.
        email = email or f"person{self._counter}@example.com"
        with session_scope(self.factory, workspace_id) as session:
            person = people_service.create_person(
                session, workspace_id, email=email, display_name=name or f"Person {self._counter}"
            )
            if roles is not None:
                auth_service.create_account(
                    session, workspace_id, person_id=person.id, roles=roles, password=password
                )
            return person.id

    def caller(self, workspace_id: int, role: Role) -> Caller:
        self._counter += 1
        email = f"{role.value}{self._counter}@example.com"
        person_id = self.person(workspace_id, roles=[role], email=email)
        with session_scope(self.factory, workspace_id) as session:
            token = auth_service.start_login_session(
                session,
                self.settings,
                workspace_id=workspace_id,
                person_id=person_id,
                method="test",
                user_agent="pytest",
            )
        csrf = uuid.uuid4().hex
        return Caller(
            workspace_id=workspace_id,
            person_id=person_id,
            role=role,
            email=email,
            cookies={SESSION_COOKIE: cookie_serializer(self.settings).dumps(token), CSRF_COOKIE: csrf},
            headers={"X-CSRF-Token": csrf},
        )

    def api_key(self, workspace_id: int, *scopes: Scope) -> str:
        with session_scope(self.factory, workspace_id) as session:
            _, plaintext = auth_service.create_api_key(
                session, workspace_id, name="test key", scopes=list(scopes), created_by=None
            )
            return plaintext

    def session(self, workspace_id: int | None = None) -> Session:
        session = self.factory()
        if workspace_id is not None:
            bind_workspace(session, workspace_id)
        return session


@contextmanager
def clock_at(day: date) -> Iterator[None]:
    """Run the block as if it were noon (UTC) on ``day``, the clock ticking on from there.

    For tests of data built for a fixed day (the demo's ``TODAY``) whose services compare it with "now": without
    it they pass on the day they were written and fail weeks later."""
    with time_machine.travel(datetime.combine(day, time(12), tzinfo=UTC), tick=True):
        yield


def as_caller(client: TestClient, caller: Caller) -> TestClient:
    """Make ``client`` send ``caller``'s cookies and CSRF header from now on."""
    client.cookies.clear()
    for name, value in caller.cookies.items():
        client.cookies.set(name, value)
    client.headers.update(caller.headers)
    return client


def raw_engine(url: str) -> Engine:
    """An engine without uptake's session scoping, for tests that play an attacker with direct SQL access."""
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def job_context(world: World, session: Session, name: str, workspace_id: int | None) -> JobContext:
    """What the runner hands a job: ``session`` is the runner's own (bound to no workspace)."""
    return JobContext(
        job_id=0,
        name=name,
        workspace_id=workspace_id,
        payload={},
        session=session,
        settings=world.settings,
        report_progress=lambda *args: None,
    )
