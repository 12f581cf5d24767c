from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from uptake.auth import service
from uptake.auth.dependencies import (
    SESSION_COOKIE,
    AdminPage,
    PublicPage,
    SessionDep,
    SettingsDep,
    cookie_serializer,
)
from uptake.auth.roles import Scope
from uptake.errors import UptakeError
from uptake.params import ResourceId
from uptake.web.flash import flash
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/login")
def login_page(request: Request, caller: PublicPage, next: str | None = None) -> Response:
    if caller is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "auth/login.html", {"next": _safe_next(next), "error": None, "email": ""})


@router.post("/login")
def log_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: PublicPage,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        account = service.authenticate_password(session, workspace_id=None, email=email, password=password)
    except UptakeError as error:
        session.commit()  # keep the failed-login count even though the answer is an error page
        context = {"next": _safe_next(next), "error": error.detail, "email": email}
        return render(request, "auth/login.html", context, status=error.status)
    token = service.start_login_session(
        session,
        settings,
        workspace_id=account.workspace_id,
        person_id=account.person_id,
        method="password",
        user_agent=request.headers.get("user-agent"),
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie_serializer(settings).dumps(token),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
    )
    return response


@router.post("/logout")
def log_out(request: Request, session: SessionDep, settings: SettingsDep, caller: PublicPage) -> Response:
    signed = request.cookies.get(SESSION_COOKIE)
    if signed:
        try:
            service.end_login_session(session, str(cookie_serializer(settings).loads(signed)))
        except UptakeError:
            pass
        except ValueError:
            pass
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    flash(request, response, "You are logged out.", "info")
    return response


@router.get("/settings/api-keys")
def api_keys_page(request: Request, session: SessionDep, admin: AdminPage) -> Response:
    keys = service.list_api_keys(session, admin.workspace_id)
    return render(
        request, "auth/api_keys.html", {"keys": keys, "scopes": list(Scope), "created": None, "error": None}
    )


@router.post("/settings/api-keys")
def create_api_key(
    request: Request,
    session: SessionDep,
    admin: AdminPage,
    name: Annotated[str, Form(max_length=200)] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
) -> Response:
    chosen = [Scope(value) for value in scopes or [] if value in {scope.value for scope in Scope}]
    try:
        key, plaintext = service.create_api_key(
            session, admin.workspace_id, name=name, scopes=chosen, created_by=admin
        )
    except UptakeError as error:
        keys = service.list_api_keys(session, admin.workspace_id)
        reason = "; ".join(f"{item.field}: {item.reason}" for item in error.errors) or error.detail
        context = {"keys": keys, "scopes": list(Scope), "created": None, "error": reason}
        return render(request, "auth/api_keys.html", context, status=422)
    keys = service.list_api_keys(session, admin.workspace_id)
    context = {
        "keys": keys,
        "scopes": list(Scope),
        "created": {"key": key, "plaintext": plaintext},
        "error": None,
    }
    return render(request, "auth/api_keys.html", context, status=201)


@router.post("/settings/api-keys/{key_id}/revoke")
def revoke_api_key(request: Request, key_id: ResourceId, session: SessionDep, admin: AdminPage) -> Response:
    key = service.revoke_api_key(session, admin.workspace_id, key_id, actor=admin.actor)
    response = RedirectResponse("/settings/api-keys", status_code=303)
    flash(request, response, f"Key {key.prefix}… is revoked; calls with it now fail.", "success")
    return response
