"""Accounts and roles, the login throttle, login sessions and API key expiry, through the service functions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from uptake.access.roles import Role, Scope
from uptake.audit.models import AuditEntry
from uptake.auth import service as auth_service
from uptake.auth import sso
from uptake.auth.models import ApiKey, FailedLogin, LoginSession
from uptake.db import session_scope, utcnow
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.errors import InvalidInput

PASSWORD = "correct horse battery"


def test_granting_and_revoking_roles_is_audited_without_personal_data(world) -> None:
    workspace = world.workspace()
    world.person(workspace, roles=[Role.admin])
    person = world.person(workspace, email="grace@acme.example", name="Grace Hopper")
    with session_scope(world.factory, workspace) as session:
        account = auth_service.grant_role(session, workspace, person, Role.reviewer, actor="person:1")
        assert account.roles == ["reviewer"]
        account = auth_service.grant_role(session, workspace, person, "program_lead", actor="person:1")
        assert account.roles == ["program_lead", "reviewer"]
        account = auth_service.revoke_role(session, workspace, person, Role.reviewer, actor="person:1")
        assert account.roles == ["program_lead"]
        assert auth_service.effective_roles(account) == {Role.program_lead, Role.employee}
    with world.session(workspace) as session:
        entries = list(
            session.scalars(
                select(AuditEntry)
                .where(AuditEntry.action.like("auth.account.role_%"))
                .order_by(AuditEntry.id)
            )
        )
        assert [(entry.action, entry.before, entry.after) for entry in entries] == [
            ("auth.account.role_granted", {"roles": []}, {"roles": ["reviewer"]}),
            ("auth.account.role_granted", {"roles": ["reviewer"]}, {"roles": ["program_lead", "reviewer"]}),
            (
                "auth.account.role_revoked",
                {"roles": ["program_lead", "reviewer"]},
                {"roles": ["program_lead"]},
            ),
        ]
        assert all(entry.target == f"person:{person}" for entry in entries)
        assert all("grace" not in str(entry.before) + str(entry.after) for entry in entries)


def test_integration_is_not_a_role_for_people(world) -> None:
    workspace = world.workspace()
    person = world.person(workspace)
    with session_scope(world.factory, workspace) as session, pytest.raises(InvalidInput) as invalid:
        auth_service.grant_role(session, workspace, person, "integration", actor="system")
    assert invalid.value.errors[0].field == "role"


def test_the_last_admin_cannot_lose_the_role_or_be_deactivated(world) -> None:
    workspace = world.workspace()
    admin = world.person(workspace, roles=[Role.admin])
    with session_scope(world.factory, workspace) as session:
        with pytest.raises(auth_service.LastAdmin):
            auth_service.revoke_role(session, workspace, admin, Role.admin, actor="system")
        with pytest.raises(auth_service.LastAdmin):
            auth_service.set_account_active(session, workspace, admin, False, actor="system")
    second = world.person(workspace, roles=[Role.admin])
    with session_scope(world.factory, workspace) as session:
        account = auth_service.revoke_role(session, workspace, admin, Role.admin, actor="system")
        assert account.roles == []
        with pytest.raises(auth_service.LastAdmin):
            auth_service.set_account_active(session, workspace, second, False, actor="system")


def test_deactivating_ends_every_session_and_reactivating_allows_login_again(world, client) -> None:
    workspace = world.workspace()
    world.person(workspace, roles=[Role.admin])
    caller = world.caller(workspace, Role.employee)
    with session_scope(world.factory, workspace) as session:
        auth_service.set_account_active(session, workspace, caller.person_id, False, actor="system")
    with world.session(workspace) as session:
        logins = list(session.scalars(select(LoginSession).where(LoginSession.person_id == caller.person_id)))
        assert [login.revoked_at is not None for login in logins] == [True]
    with session_scope(world.factory, workspace) as session:
        auth_service.set_password(session, workspace, caller.person_id, PASSWORD, actor="system")
        with pytest.raises(auth_service.InvalidCredentials):
            auth_service.authenticate_password(
                session, workspace_id=None, email=caller.email, password=PASSWORD
            )
        auth_service.set_account_active(session, workspace, caller.person_id, True, actor="system")
        account = auth_service.authenticate_password(
            session, workspace_id=None, email=caller.email, password=PASSWORD
        )
        assert account.person_id == caller.person_id


def test_setting_a_password_unlocks_a_locked_account(world) -> None:
    workspace = world.workspace()
    person = world.person(workspace, roles=[Role.employee], email="locked@acme.example", password=PASSWORD)
    with session_scope(world.factory) as session:
        for _ in range(auth_service.MAX_FAILED_LOGINS):
            auth_service.check_login_throttle(session, "203.0.113.7", "locked@acme.example")
            with pytest.raises(auth_service.InvalidCredentials):
                auth_service.authenticate_password(
                    session, workspace_id=None, email="locked@acme.example", password="wrong password!"
                )
            auth_service.record_failed_login(session, "203.0.113.7", "password", "locked@acme.example")
        with pytest.raises(auth_service.AccountLocked) as locked:
            auth_service.check_login_throttle(session, "203.0.113.7", "Locked@Acme.example")
        assert 14 * 60 <= locked.value.context["retry_after"] <= 15 * 60
        auth_service.check_login_throttle(session, "198.51.100.1", "locked@acme.example")  # another address
    with session_scope(world.factory, workspace) as session:
        auth_service.set_password(session, workspace, person, "a brand new password", actor="system")
    with session_scope(world.factory) as session:
        auth_service.check_login_throttle(session, "203.0.113.7", "locked@acme.example")
        account = auth_service.authenticate_password(
            session, workspace_id=None, email="locked@acme.example", password="a brand new password"
        )
        assert account.person_id == person


def test_people_who_left_cannot_log_in_and_their_sessions_stop(world) -> None:
    workspace = world.workspace()
    caller = world.caller(workspace, Role.employee)
    with session_scope(world.factory, workspace) as session:
        auth_service.set_password(session, workspace, caller.person_id, PASSWORD, actor="system")
        people_service.mark_person_left(session, workspace, caller.person_id, actor="system")
    with session_scope(world.factory) as session:
        with pytest.raises(auth_service.InvalidCredentials):
            auth_service.authenticate_password(
                session, workspace_id=None, email=caller.email, password=PASSWORD
            )
        login_token = auth_service.start_login_session(
            session,
            world.settings,
            workspace_id=workspace,
            person_id=caller.person_id,
            method="test",
            user_agent=None,
        )
    with session_scope(world.factory) as session:
        assert auth_service.principal_for_login_token(session, world.settings, login_token) is None


def test_a_person_deprovisioned_in_the_directory_is_logged_out_everywhere(world) -> None:
    workspace = world.workspace()
    person = world.person(workspace, roles=[Role.employee])
    with session_scope(world.factory, workspace) as session:
        token = auth_service.start_login_session(
            session, world.settings, workspace_id=workspace, person_id=person, method="sso", user_agent=None
        )
        people_service.person_deprovisioned(session, workspace, person, actor="scim:okta")
    with session_scope(world.factory, workspace) as session:
        assert auth_service.list_active_login_sessions(session, world.settings, workspace, person) == []
        assert auth_service.principal_for_login_token(session, world.settings, token) is None


def test_the_client_throttle_counts_failures_within_the_window(world) -> None:
    with session_scope(world.factory) as session:
        for _ in range(auth_service.MAX_FAILED_LOGINS_PER_CLIENT - 1):
            auth_service.record_failed_login(session, "203.0.113.7", "password")
        auth_service.check_login_throttle(session, "203.0.113.7")  # 19 failures: still allowed
        auth_service.record_failed_login(session, "203.0.113.7", "sso")
        with pytest.raises(auth_service.TooManyLoginAttempts) as throttled:
            auth_service.check_login_throttle(session, "203.0.113.7")
        assert 14 * 60 < throttled.value.context["retry_after"] <= 15 * 60
        auth_service.check_login_throttle(session, "198.51.100.1")  # another address is not affected
        # Failures older than the window no longer count, and are forgotten at the next failure.
        old = utcnow() - auth_service.CLIENT_THROTTLE_WINDOW - timedelta(seconds=1)
        for failure in session.scalars(
            select(FailedLogin).where(FailedLogin.client_address == "203.0.113.7")
        ):
            failure.failed_at = old
        session.flush()
        auth_service.check_login_throttle(session, "203.0.113.7")
        auth_service.record_failed_login(session, "198.51.100.1", "password")
        assert session.scalar(select(FailedLogin.client_address).distinct()) == "198.51.100.1"


def test_login_sessions_listed_are_the_live_ones(world) -> None:
    workspace = world.workspace()
    person = world.person(workspace, roles=[Role.employee])
    settings = world.settings
    with session_scope(world.factory, workspace) as session:
        first = auth_service.start_login_session(
            session,
            settings,
            workspace_id=workspace,
            person_id=person,
            method="password",
            user_agent="Firefox",
        )
        auth_service.start_login_session(
            session, settings, workspace_id=workspace, person_id=person, method="sso", user_agent="Safari"
        )
        idle = auth_service.start_login_session(
            session, settings, workspace_id=workspace, person_id=person, method="sso", user_agent="Edge"
        )
        auth_service.end_login_session(session, first)
        stale = session.scalar(
            select(LoginSession).where(LoginSession.token_hash == auth_service.hash_secret(idle))
        )
        stale.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    with session_scope(world.factory, workspace) as session:
        live = auth_service.list_active_login_sessions(session, settings, workspace, person)
        assert [(login.method, login.user_agent) for login in live] == [("sso", "Safari")]
        assert auth_service.principal_for_login_token(session, settings, idle) is None


def test_ending_someone_elses_session_is_refused(world) -> None:
    workspace = world.workspace()
    owner = world.caller(workspace, Role.employee)
    other = world.person(workspace, roles=[Role.employee])
    with world.session(workspace) as session:
        login_id = session.scalar(select(LoginSession.id).where(LoginSession.person_id == owner.person_id))
    with session_scope(world.factory, workspace) as session, pytest.raises(auth_service.LoginSessionNotFound):
        auth_service.end_own_login_session(session, workspace, other, login_id, actor=f"person:{other}")


def test_an_expired_api_key_stops_working(world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        key, plaintext = auth_service.create_api_key(
            session, workspace, name="trial", scopes=[Scope.events_write], created_by=None, expires_in_days=30
        )
        assert timedelta(days=29, hours=23) < key.expires_at - utcnow() <= timedelta(days=30)
    with session_scope(world.factory) as session:
        principal = auth_service.principal_for_api_key(session, plaintext)
        assert principal is not None
        assert principal.scopes == {"events:write"}
        assert principal.roles == {Role.integration}
    with session_scope(world.factory, workspace) as session:
        stored = session.scalar(select(ApiKey))
        assert stored.last_used_at is not None
        stored.expires_at = utcnow() - timedelta(seconds=1)
    with session_scope(world.factory) as session:
        assert auth_service.principal_for_api_key(session, plaintext) is None


def test_team_leads_carry_the_teams_they_lead_with_subteams(world) -> None:
    workspace = world.workspace()
    lead = world.person(workspace, roles=[Role.team_lead])
    with session_scope(world.factory, workspace) as session:
        sales = teams_service.create_team(session, workspace, name="Sales")
        emea = teams_service.create_team(session, workspace, name="Sales EMEA", parent_id=sales.id)
        teams_service.create_team(session, workspace, name="Support")
        teams_service.set_team_lead(session, workspace, sales.id, lead)
        token = auth_service.start_login_session(
            session, world.settings, workspace_id=workspace, person_id=lead, method="test", user_agent=None
        )
        expected = {sales.id, emea.id}
    with session_scope(world.factory) as session:
        principal = auth_service.principal_for_login_token(session, world.settings, token)
        assert principal is not None
        assert principal.team_ids == expected
        assert principal.leads_team(next(iter(expected)))


def test_the_client_secret_is_stored_encrypted_and_needs_the_secret_key(world) -> None:
    from uptake.auth import schemas
    from uptake.auth.models import SsoConfiguration

    workspace = world.workspace()
    body = schemas.SsoConfigurationSave(
        provider_name="Okta",
        issuer_url="https://acme.okta.example",
        client_id="client",
        client_secret="very-secret-value",  # type: ignore[arg-type]
    )
    with session_scope(world.factory, workspace) as session:
        sso.save_sso_configuration(session, world.settings, workspace, body, actor="system")
    with world.session(workspace) as session:
        stored = session.scalar(select(SsoConfiguration))
        assert "very-secret-value" not in stored.client_secret_encrypted
        assert sso.decrypt_client_secret(world.settings, stored) == "very-secret-value"
        other_key = world.settings.model_copy(
            update={"secret_key": SecretStr("another-secret-key-" + "y" * 40)}
        )
        with pytest.raises(sso.SsoClientSecretUnreadable, match="enter the client secret again"):
            sso.decrypt_client_secret(other_key, stored)
        audit = session.scalar(select(AuditEntry).where(AuditEntry.action == "auth.sso.saved"))
        assert "very-secret-value" not in str(audit.after)
        assert audit.after["client_secret_changed"] is True
