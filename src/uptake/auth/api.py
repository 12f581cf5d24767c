from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from uptake.access.dependencies import Admin, Employee, Person, SessionDep, SettingsDep
from uptake.access.roles import Role
from uptake.auth import schemas, service, sso
from uptake.auth.models import ApiKey, LoginSession
from uptake.workspaces import service as workspaces_service

router = APIRouter(tags=["access"])

RoleName = Annotated[Role, Path(description="admin, program_lead, reviewer, team_lead or employee")]


@router.get("/me", response_model=schemas.Me)
def get_me(caller: Employee) -> schemas.Me:
    return schemas.Me(
        workspace_id=caller.workspace_id,
        person_id=caller.person_id,
        display_name=caller.display_name,
        roles=sorted(caller.roles),
        scopes=sorted(caller.scopes),
        team_ids=sorted(caller.team_ids),
    )


@router.get("/me/sessions", response_model=list[schemas.LoginSession])
def list_my_sessions(
    session: SessionDep, settings: SettingsDep, caller: Person
) -> list[schemas.LoginSession]:
    logins = service.list_active_login_sessions(session, settings, caller.workspace_id, caller.person_id)
    return [_login_session(login, caller.login_session_id) for login in logins]


@router.delete("/me/sessions", response_model=schemas.SessionsRevoked)
def log_out_everywhere(session: SessionDep, caller: Person) -> schemas.SessionsRevoked:
    count = service.end_all_login_sessions(session, caller.workspace_id, caller.person_id, actor=caller.actor)
    return schemas.SessionsRevoked(sessions_revoked=count)


@router.delete("/me/sessions/{login_session_id}", status_code=204)
def end_my_session(login_session_id: int, session: SessionDep, caller: Person) -> Response:
    service.end_own_login_session(
        session, caller.workspace_id, caller.person_id, login_session_id, actor=caller.actor
    )
    return Response(status_code=204)


def _login_session(login: LoginSession, current_id: int | None) -> schemas.LoginSession:
    return schemas.LoginSession.model_validate(login).model_copy(
        update={"is_current": login.id == current_id}
    )


@router.get("/api-keys", response_model=list[schemas.ApiKey])
def list_api_keys(session: SessionDep, admin: Admin) -> list[ApiKey]:
    return service.list_api_keys(session, admin.workspace_id)


@router.post("/api-keys", status_code=201, response_model=schemas.ApiKeyCreated)
def create_api_key(body: schemas.ApiKeyCreate, session: SessionDep, admin: Admin) -> schemas.ApiKeyCreated:
    key, plaintext = service.create_api_key(
        session,
        admin.workspace_id,
        name=body.name,
        scopes=body.scopes,
        created_by=admin,
        expires_in_days=body.expires_in_days,
    )
    return schemas.ApiKeyCreated(**schemas.ApiKey.model_validate(key).model_dump(), key=plaintext)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: int, session: SessionDep, admin: Admin) -> Response:
    service.revoke_api_key(session, admin.workspace_id, key_id, actor=admin.actor)
    return Response(status_code=204)


@router.get("/users", response_model=list[schemas.User])
def list_users(session: SessionDep, admin: Admin) -> list[schemas.User]:
    return service.list_users(session, admin.workspace_id)


@router.post("/users", status_code=201, response_model=schemas.User)
def create_user(body: schemas.UserCreate, session: SessionDep, admin: Admin) -> schemas.User:
    service.create_account(
        session,
        admin.workspace_id,
        person_id=body.person_id,
        roles=[Role(r) for r in body.roles],
        actor=admin.actor,
    )
    return service.get_user(session, admin.workspace_id, body.person_id)


@router.patch("/users/{person_id}", response_model=schemas.User)
def update_user(person_id: int, body: schemas.UserUpdate, session: SessionDep, admin: Admin) -> schemas.User:
    if body.is_active is not None:
        service.set_account_active(session, admin.workspace_id, person_id, body.is_active, actor=admin.actor)
    return service.get_user(session, admin.workspace_id, person_id)


@router.put("/users/{person_id}/roles/{role}", response_model=schemas.User)
def grant_role(person_id: int, role: RoleName, session: SessionDep, admin: Admin) -> schemas.User:
    service.grant_role(session, admin.workspace_id, person_id, role, actor=admin.actor)
    return service.get_user(session, admin.workspace_id, person_id)


@router.delete("/users/{person_id}/roles/{role}", response_model=schemas.User)
def revoke_role(person_id: int, role: RoleName, session: SessionDep, admin: Admin) -> schemas.User:
    service.revoke_role(session, admin.workspace_id, person_id, role, actor=admin.actor)
    return service.get_user(session, admin.workspace_id, person_id)


@router.put("/users/{person_id}/password", status_code=204)
def set_password(person_id: int, body: schemas.PasswordSet, session: SessionDep, admin: Admin) -> Response:
    service.set_password(
        session, admin.workspace_id, person_id, body.password.get_secret_value(), actor=admin.actor
    )
    return Response(status_code=204)


@router.get("/sso-configuration", response_model=schemas.SsoConfiguration)
def get_sso_configuration(
    request: Request, session: SessionDep, settings: SettingsDep, admin: Admin
) -> schemas.SsoConfiguration:
    configuration = sso.get_sso_configuration(session, admin.workspace_id)
    if configuration is None:
        raise sso.SsoNotConfigured("this workspace has no SSO settings yet; PUT them here")
    workspace = workspaces_service.get_workspace(session, admin.workspace_id)
    return sso.describe_sso_configuration(
        configuration, base_url=settings.base_url or str(request.base_url), workspace_slug=workspace.slug
    )


@router.put("/sso-configuration", response_model=schemas.SsoConfiguration)
def save_sso_configuration(
    body: schemas.SsoConfigurationSave,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: Admin,
) -> schemas.SsoConfiguration:
    configuration = sso.save_sso_configuration(session, settings, admin.workspace_id, body, actor=admin.actor)
    workspace = workspaces_service.get_workspace(session, admin.workspace_id)
    return sso.describe_sso_configuration(
        configuration, base_url=settings.base_url or str(request.base_url), workspace_slug=workspace.slug
    )


@router.delete("/sso-configuration", status_code=204)
def delete_sso_configuration(session: SessionDep, admin: Admin) -> Response:
    sso.delete_sso_configuration(session, admin.workspace_id, actor=admin.actor)
    return Response(status_code=204)
