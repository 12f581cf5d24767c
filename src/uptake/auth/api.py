from __future__ import annotations

from fastapi import APIRouter, Response

from uptake.auth import schemas, service
from uptake.auth.dependencies import Admin, Employee, SessionDep
from uptake.auth.models import ApiKey
from uptake.errors import Forbidden
from uptake.params import ResourceId

router = APIRouter(tags=["access"])


@router.get("/me", response_model=schemas.Me)
def get_me(caller: Employee) -> schemas.Me:
    return schemas.Me(
        workspace_id=caller.workspace_id,
        person_id=caller.person_id,
        display_name=caller.display_name,
        roles=sorted(caller.roles),
        scopes=sorted(caller.scopes),
    )


@router.delete("/me/sessions", response_model=schemas.SessionsRevoked)
def log_out_everywhere(session: SessionDep, caller: Employee) -> schemas.SessionsRevoked:
    if caller.person_id is None:
        raise Forbidden("API keys have no login sessions")
    count = service.end_all_login_sessions(session, caller.workspace_id, caller.person_id, actor=caller.actor)
    return schemas.SessionsRevoked(sessions_revoked=count)


@router.get("/api-keys", response_model=list[schemas.ApiKey])
def list_api_keys(session: SessionDep, admin: Admin) -> list[ApiKey]:
    return service.list_api_keys(session, admin.workspace_id)


@router.post("/api-keys", status_code=201, response_model=schemas.ApiKeyCreated)
def create_api_key(body: schemas.ApiKeyCreate, session: SessionDep, admin: Admin) -> schemas.ApiKeyCreated:
    key, plaintext = service.create_api_key(
        session, admin.workspace_id, name=body.name, scopes=body.scopes, created_by=admin
    )
    return schemas.ApiKeyCreated(**schemas.ApiKey.model_validate(key).model_dump(), key=plaintext)


@router.delete("/api-keys/{key_id}", status_code=204)
def revoke_api_key(key_id: ResourceId, session: SessionDep, admin: Admin) -> Response:
    service.revoke_api_key(session, admin.workspace_id, key_id, actor=admin.actor)
    return Response(status_code=204)
