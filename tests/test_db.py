"""Workspace scoping: a session bound to one workspace cannot read or write another's rows."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from uptake.db import CrossWorkspaceAccess, WorkspaceNotBound, across_workspaces, bind_workspace
from uptake.directory.models import Person


def test_bound_session_cannot_read_another_workspace(world) -> None:
    first = world.workspace()
    second = world.workspace()
    theirs = world.person(second, name="Someone Else")
    mine = world.person(first, name="Me")

    with world.session(first) as session:
        assert session.get(Person, theirs) is None
        assert session.scalar(select(Person).where(Person.id == theirs)) is None
        assert [person.id for person in session.scalars(select(Person))] == [mine]
        other = aliased(Person)
        pairs = select(Person.id, other.id).join(other, other.id != Person.id, isouter=True)
        assert list(session.execute(pairs)) == [(mine, None)]


def test_bound_session_cannot_update_another_workspace(world) -> None:
    first = world.workspace()
    second = world.workspace()
    theirs = world.person(second, name="Unchanged")
    with world.session(first) as session:
        session.execute(update(Person).where(Person.id == theirs).values(display_name="Changed"))
        session.commit()
    with world.session(second) as session:
        assert session.get(Person, theirs).display_name == "Unchanged"


def test_unbound_session_refuses_tenant_tables(world) -> None:
    workspace = world.workspace()
    world.person(workspace)
    with world.session() as session, pytest.raises(WorkspaceNotBound):
        session.scalars(select(Person)).all()


def test_rebinding_to_another_workspace_is_refused(world) -> None:
    first = world.workspace()
    second = world.workspace()
    with world.session(first) as session, pytest.raises(CrossWorkspaceAccess):
        bind_workspace(session, second)


def test_writing_a_row_of_another_workspace_is_refused(world) -> None:
    first = world.workspace()
    second = world.workspace()
    with world.session(first) as session:
        session.add(Person(workspace_id=second, external_id="x", email="x@example.com", display_name="X"))
        with pytest.raises(CrossWorkspaceAccess):
            session.flush()


def test_new_rows_take_the_bound_workspace(world) -> None:
    workspace = world.workspace()
    with world.session(workspace) as session:
        person = Person(external_id="e1", email="e1@example.com", display_name="E One")
        session.add(person)
        session.commit()
        assert person.workspace_id == workspace


def test_across_workspaces_is_an_explicit_opt_in(world) -> None:
    first = world.workspace()
    second = world.workspace()
    a = world.person(first)
    b = world.person(second)
    with world.session() as session, across_workspaces(session):
        ids = set(session.scalars(select(Person.id)))
    assert {a, b} <= ids
