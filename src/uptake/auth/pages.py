"""Auth's pages: login (password and single sign-on) and logout, my account and its sessions, and for admins the
API keys, the users and their roles, and the single sign-on settings. It stays whole: each route is short, and
the login, account and settings pages share the login-session cookie and its helpers."""

from __future__ import annotations

import contextlib
import hmac
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Protocol
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from pydantic import Field, ValidationError
from sqlalchemy.orm import Session

from uptake.access.dependencies import (
    SESSION_COOKIE,
    AdminPage,
    EmployeePage,
    PublicPage,
    SessionDep,
    SettingsDep,
    cookie_serializer,
)
from uptake.access.roles import PERSON_ROLES, Role, Scope
from uptake.auth import oidc, schemas, service, sso
from uptake.auth.models import Account
from uptake.db import utcnow
from uptake.directory.service import people as people_service
from uptake.errors import FieldError, InvalidInput, UptakeError
from uptake.settings import Settings
from uptake.web.flash import flash
from uptake.web.forms import FormModel, Submitted, act, answer_form, form_of
from uptake.web.templating import render
from uptake.workspaces import service as workspaces_service

router = APIRouter(include_in_schema=False)


class DemoPersona(Protocol):
    """Whom the login page offers a one-click login as, when the data dir is a demo's."""

    @property
    def label(self) -> str: ...

    @property
    def email(self) -> str: ...

    @property
    def description(self) -> str: ...


# The demo's personas and their password for a data dir, or nothing: the app layer gives the demo's function
# (`app.state.demo_logins`), so auth needs not import the demo.
DemoLogins = Callable[[Path], Sequence[tuple[DemoPersona, str]]]


def _demo_logins(request: Request) -> Sequence[tuple[DemoPersona, str]]:
    demo_logins: DemoLogins | None = getattr(request.app.state, "demo_logins", None)
    return demo_logins(request.app.state.settings.data_dir) if demo_logins else []


# The pending single sign-on (state, nonce, PKCE verifier) rides in a signed cookie between the redirect to the
# provider and its callback: stateless, so any server process can finish a login another one started.
SSO_COOKIE = "uptake_sso"
SSO_COOKIE_PATH = "/login/sso/"
SSO_COOKIE_MAX_AGE = 600


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target:
        return "/"
    return target


def _client_address(request: Request) -> str:
    """The address the throttle counts against. Behind a reverse proxy, run uvicorn with --proxy-headers and
    --forwarded-allow-ips so this is the real client, not the proxy (X-Forwarded-For is never read directly:
    anyone can send it)."""
    return request.client.host if request.client else "unknown"


def _base_url(request: Request, settings: Settings) -> str:
    return settings.base_url or str(request.base_url)


def _error_headers(error: UptakeError) -> dict[str, str]:
    retry_after = error.context.get("retry_after")
    return {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else {}


def _login_page(
    request: Request,
    session: Session,
    *,
    next_path: str = "/",
    error: str | None = None,
    email: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {
        "next": _safe_next(next_path),
        "error": error,
        "email": email,
        "sso_buttons": sso.list_sso_buttons(session),
        "demo_logins": _demo_logins(request),
    }
    response = render(request, "auth/login.html", context, status=status)
    response.headers.update(headers or {})
    return response


def _open_login_session(
    request: Request,
    session: Session,
    settings: Settings,
    account: Account,
    *,
    method: str,
    next_path: str,
) -> RedirectResponse:
    """Start a fresh login session (ending the browser's previous one) and send the browser on."""
    previous: str | None = None
    signed = request.cookies.get(SESSION_COOKIE)
    if signed:
        try:
            previous = str(cookie_serializer(settings).loads(signed))
        except BadSignature:
            previous = None
    token = service.start_login_session(
        session,
        settings,
        workspace_id=account.workspace_id,
        person_id=account.person_id,
        method=method,
        user_agent=request.headers.get("user-agent"),
        ip_address=_client_address(request),
        replaces_token=previous,
    )
    response = RedirectResponse(_safe_next(next_path), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie_serializer(settings).dumps(token),
        httponly=True,
        samesite="lax",
        secure=settings.effective_secure_cookies,
        max_age=settings.session_absolute_hours * 3600,
        path="/",
    )
    return response


# -- logging in and out -------------------------------------------------------------------------------------------


@router.get("/login")
def login_page(
    request: Request, session: SessionDep, caller: PublicPage, next: str | None = None
) -> Response:
    if caller is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, session, next_path=next or "/")


@router.post("/login")
def log_in(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    caller: PublicPage,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    client = _client_address(request)
    try:
        service.check_login_throttle(session, client, email)
        account = service.authenticate_password(session, workspace_id=None, email=email, password=password)
    except UptakeError as error:
        if not isinstance(error, service.TooManyLoginAttempts | service.AccountLocked):
            service.record_failed_login(session, client, "password", email)
        session.commit()  # keep the failure counts even though the answer is an error page
        return _login_page(
            request,
            session,
            next_path=next,
            error=error.detail,
            email=email,
            status=error.status,
            headers=_error_headers(error),
        )
    return _open_login_session(request, session, settings, account, method="password", next_path=next)


def _sso_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.effective_secret_key, salt="uptake.sso-login")


@router.get("/login/sso/{workspace_slug}")
def start_sso_login(
    request: Request,
    workspace_slug: str,
    session: SessionDep,
    settings: SettingsDep,
    caller: PublicPage,
    next: Annotated[str, Query(max_length=2000)] = "/",
) -> Response:
    callback = sso.redirect_uri(_base_url(request, settings), workspace_slug)
    try:
        url, pending = sso.begin_sso_login(session, workspace_slug, callback_uri=callback)
    except UptakeError as error:
        session.rollback()
        return _login_page(request, session, next_path=next, error=error.detail, status=error.status)
    response = RedirectResponse(url, status_code=303)
    cookie = {
        "workspace": workspace_slug,
        "state": pending.state,
        "nonce": pending.nonce,
        "verifier": pending.code_verifier,
        "next": _safe_next(next),
    }
    response.set_cookie(
        SSO_COOKIE,
        _sso_serializer(settings).dumps(cookie),
        max_age=SSO_COOKIE_MAX_AGE,
        path=SSO_COOKIE_PATH,
        httponly=True,
        samesite="lax",  # the provider's redirect back is a top-level GET from another site
        secure=settings.effective_secure_cookies,
    )
    return response


def _pending_sso_login(
    request: Request, settings: Settings, workspace_slug: str, state: str
) -> dict[str, Any]:
    signed = request.cookies.get(SSO_COOKIE)
    if not signed:
        raise sso.SsoLoginNotStarted(
            "this login took too long or was started in another browser; start again"
        )
    try:
        pending = _sso_serializer(settings).loads(signed, max_age=SSO_COOKIE_MAX_AGE)
    except BadSignature:
        raise sso.SsoLoginNotStarted("this login took too long or was tampered with; start again") from None
    if not isinstance(pending, dict) or pending.get("workspace") != workspace_slug:
        raise sso.SsoLoginNotStarted("this login was started for another workspace; start again")
    if not hmac.compare_digest(str(pending.get("state", "")), state):
        raise sso.SsoLoginNotStarted(
            "the answer does not belong to the login this browser started; start again"
        )
    return pending


@router.get("/login/sso/{workspace_slug}/callback")
def finish_sso_login(
    request: Request,
    workspace_slug: str,
    session: SessionDep,
    settings: SettingsDep,
    caller: PublicPage,
    code: Annotated[str | None, Query(max_length=4000)] = None,
    state: Annotated[str | None, Query(max_length=500)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
    error_description: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    client = _client_address(request)
    next_path = "/"
    try:
        service.check_login_throttle(session, client)
        if error:  # shown even when the state does not match: an error logs nobody in
            raise sso.SsoLoginRefused(
                f"the identity provider answered {error}"
                + (f": {error_description}" if error_description else "")
            )
        pending = _pending_sso_login(request, settings, workspace_slug, state or "")
        next_path = str(pending.get("next") or "/")
        if not code:
            raise sso.SsoLoginRefused("the identity provider sent no authorization code; start again")
        account = sso.complete_sso_login(
            session,
            settings,
            workspace_slug,
            request=oidc.AuthorizationRequest(
                state=str(pending["state"]),
                nonce=str(pending["nonce"]),
                code_verifier=str(pending["verifier"]),
            ),
            callback_uri=sso.redirect_uri(_base_url(request, settings), workspace_slug),
            code=code,
        )
    except UptakeError as failure:
        session.rollback()
        if not isinstance(failure, service.TooManyLoginAttempts):
            service.record_failed_login(session, client, "sso")
        session.commit()
        response = _login_page(
            request,
            session,
            next_path=next_path,
            error=failure.detail,
            status=failure.status,
            headers=_error_headers(failure),
        )
        response.delete_cookie(SSO_COOKIE, path=SSO_COOKIE_PATH)
        return response
    response = _open_login_session(request, session, settings, account, method="sso", next_path=next_path)
    response.delete_cookie(SSO_COOKIE, path=SSO_COOKIE_PATH)
    return response


@router.post("/logout")
def log_out(request: Request, session: SessionDep, settings: SettingsDep, caller: PublicPage) -> Response:
    signed = request.cookies.get(SESSION_COOKIE)
    if signed:
        with contextlib.suppress(BadSignature):
            service.end_login_session(session, str(cookie_serializer(settings).loads(signed)))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    flash(request, response, "You are logged out.", "info")
    return response


# -- my account ---------------------------------------------------------------------------------------------------


@router.get("/account")
def account_page(
    request: Request, session: SessionDep, settings: SettingsDep, caller: EmployeePage
) -> Response:
    if caller.person_id is None:
        return RedirectResponse("/", status_code=303)
    logins = service.list_active_login_sessions(session, settings, caller.workspace_id, caller.person_id)
    person = people_service.get_person(session, caller.workspace_id, caller.person_id)
    context = {
        "person": person,
        "roles": sorted(role.value for role in caller.roles),
        "logins": logins,
        "current_login_id": caller.login_session_id,
    }
    return render(request, "auth/account.html", context)


@router.post("/account/sessions/{login_session_id}/end")
def end_my_session(
    request: Request, login_session_id: int, session: SessionDep, caller: EmployeePage
) -> Response:
    if caller.person_id is not None:
        service.end_own_login_session(
            session, caller.workspace_id, caller.person_id, login_session_id, actor=caller.actor
        )
    if login_session_id == caller.login_session_id:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    response = RedirectResponse("/account", status_code=303)
    flash(request, response, "That session is ended; the browser using it must log in again.", "success")
    return response


@router.post("/account/sessions/end-all")
def log_out_everywhere(request: Request, session: SessionDep, caller: EmployeePage) -> Response:
    count = 0
    if caller.person_id is not None:
        count = service.end_all_login_sessions(
            session, caller.workspace_id, caller.person_id, actor=caller.actor
        )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    flash(request, response, f"You are logged out everywhere ({count} session(s) ended).", "info")
    return response


# -- API keys -----------------------------------------------------------------------------------------------------


def _api_keys_page(
    request: Request,
    session: Session,
    workspace_id: int,
    *,
    created: Any = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    keys = service.list_api_keys(session, workspace_id)
    context = {"keys": keys, "scopes": list(Scope), "created": created, "error": error, "now": utcnow()}
    return render(request, "auth/api_keys.html", context, status=status)


@router.get("/settings/api-keys")
def api_keys_page(request: Request, session: SessionDep, admin: AdminPage) -> Response:
    return _api_keys_page(request, session, admin.workspace_id)


@router.post("/settings/api-keys")
def create_api_key(
    request: Request,
    session: SessionDep,
    admin: AdminPage,
    name: Annotated[str, Form(max_length=200)] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    expires_in_days: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    chosen = [Scope(value) for value in scopes or [] if value in {scope.value for scope in Scope}]
    try:
        days = int(expires_in_days) if expires_in_days.strip() else None
    except ValueError:
        days = -1
    try:
        key, plaintext = service.create_api_key(
            session, admin.workspace_id, name=name, scopes=chosen, created_by=admin, expires_in_days=days
        )
    except UptakeError as error:
        reason = "; ".join(f"{item.field}: {item.reason}" for item in error.errors) or error.detail
        return _api_keys_page(request, session, admin.workspace_id, error=reason, status=422)
    created = {"key": key, "plaintext": plaintext}
    return _api_keys_page(request, session, admin.workspace_id, created=created, status=201)


@router.post("/settings/api-keys/{key_id}/revoke")
def revoke_api_key(request: Request, key_id: int, session: SessionDep, admin: AdminPage) -> Response:
    key = service.revoke_api_key(session, admin.workspace_id, key_id, actor=admin.actor)
    response = RedirectResponse("/settings/api-keys", status_code=303)
    flash(request, response, f"Key {key.prefix}… is revoked; calls with it now fail.", "success")
    return response


# -- users and roles ----------------------------------------------------------------------------------------------


def _users_page(
    request: Request,
    session: Session,
    admin_workspace_id: int,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "users": service.list_users(session, admin_workspace_id),
        "roles": [role.value for role in PERSON_ROLES],
        "error": error,
    }
    return render(request, "auth/users.html", context, status=status)


def _reason(error: UptakeError) -> str:
    return "; ".join(f"{item.field}: {item.reason}" for item in error.errors) or error.detail


def _on_users(request: Request, session: Session, action: Callable[[], object], message: str) -> Response:
    """A users page button: do it, then back to the page with ``message``, or with the refusal's reasons."""
    return act(
        request,
        session,
        action,
        redirect="/settings/users",
        message=message,
        describe=_reason,
        refusals=(UptakeError,),
    )


@router.get("/settings/users")
def users_page(request: Request, session: SessionDep, admin: AdminPage) -> Response:
    return _users_page(request, session, admin.workspace_id)


class GiveAccessForm(FormModel):
    email: str = Field(max_length=320)
    role: str = Field(default=Role.employee.value, max_length=40)
    password: str = Field(default="", max_length=1000)


@router.post("/settings/users")
def give_access(
    request: Request,
    session: SessionDep,
    admin: AdminPage,
    submitted: Annotated[Submitted[GiveAccessForm], Depends(form_of(GiveAccessForm))],
) -> Response:
    def give(form: GiveAccessForm) -> str:
        person = people_service.get_person_by_email(session, admin.workspace_id, form.email)
        if person is None:
            reason = f"nobody with the email {form.email.strip()} is in the directory; add them to the directory first"
            raise InvalidInput(errors=[FieldError("email", reason)])
        service.create_account(
            session,
            admin.workspace_id,
            person_id=person.id,
            roles=[form.role],
            password=form.password or None,
            actor=admin.actor,
        )
        return f"{person.display_name} can now log in as {form.role}."

    return answer_form(
        request,
        session,
        submitted,
        give,
        again=lambda _values, errors: _users_page(
            request, session, admin.workspace_id, error="; ".join(f"{k}: {v}" for k, v in errors.items())
        ),
        redirect="/settings/users",
        message=lambda said: said,
    )


@router.post("/settings/users/{person_id}/roles")
def grant_role(
    request: Request,
    person_id: int,
    session: SessionDep,
    admin: AdminPage,
    role: Annotated[str, Form(max_length=40)],
) -> Response:
    return _on_users(
        request,
        session,
        lambda: service.grant_role(session, admin.workspace_id, person_id, role, actor=admin.actor),
        f"Role {role} granted.",
    )


@router.post("/settings/users/{person_id}/roles/{role}/revoke")
def revoke_role(
    request: Request, person_id: int, role: str, session: SessionDep, admin: AdminPage
) -> Response:
    return _on_users(
        request,
        session,
        lambda: service.revoke_role(session, admin.workspace_id, person_id, role, actor=admin.actor),
        f"Role {role} revoked.",
    )


@router.post("/settings/users/{person_id}/password")
def set_password(
    request: Request,
    person_id: int,
    session: SessionDep,
    admin: AdminPage,
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    return _on_users(
        request,
        session,
        lambda: service.set_password(session, admin.workspace_id, person_id, password, actor=admin.actor),
        "Password set. Tell the person through a channel other than email.",
    )


@router.post("/settings/users/{person_id}/deactivate")
def deactivate_user(request: Request, person_id: int, session: SessionDep, admin: AdminPage) -> Response:
    return _on_users(
        request,
        session,
        lambda: service.set_account_active(session, admin.workspace_id, person_id, False, actor=admin.actor),
        "Account deactivated; its login sessions ended.",
    )


@router.post("/settings/users/{person_id}/activate")
def activate_user(request: Request, person_id: int, session: SessionDep, admin: AdminPage) -> Response:
    return _on_users(
        request,
        session,
        lambda: service.set_account_active(session, admin.workspace_id, person_id, True, actor=admin.actor),
        "Account reactivated.",
    )


# -- single sign-on settings --------------------------------------------------------------------------------------


def parse_role_mapping(text: str) -> dict[str, str]:
    """``group = role`` lines (blank lines and # comments ignored) into the mapping the settings store."""
    mapping: dict[str, str] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        group, separator, role = line.rpartition("=")
        if not separator:
            group, role = line, ""
        mapping[group.strip()] = role.strip()
    return mapping


def _sso_page(
    request: Request,
    session: Session,
    settings: Settings,
    workspace_id: int,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    configuration = sso.get_sso_configuration(session, workspace_id)
    workspace = workspaces_service.get_workspace(session, workspace_id)
    described = (
        sso.describe_sso_configuration(
            configuration, base_url=_base_url(request, settings), workspace_slug=workspace.slug
        )
        if configuration is not None
        else None
    )
    if form is None:
        form = (
            described.model_dump()
            if described
            else {
                "scopes": "openid email profile",
                "match_claim": "email",
                "is_enabled": True,
                "role_mapping": {},
            }
        )
        form["role_mapping_text"] = "\n".join(
            f"{group} = {role}" for group, role in (form.get("role_mapping") or {}).items()
        )
    context = {
        "configuration": described,
        "secret_readable": configuration is None or sso.client_secret_is_readable(settings, configuration),
        "redirect_uri": sso.redirect_uri(_base_url(request, settings), workspace.slug),
        "form": form,
        "errors": errors or {},
    }
    return render(request, "auth/sso_settings.html", context, status=status)


@router.get("/settings/sso")
def sso_settings_page(
    request: Request, session: SessionDep, settings: SettingsDep, admin: AdminPage
) -> Response:
    return _sso_page(request, session, settings, admin.workspace_id)


@router.post("/settings/sso")
def save_sso_settings(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminPage,
    provider_name: Annotated[str, Form(max_length=100)] = "",
    issuer_url: Annotated[str, Form(max_length=500)] = "",
    client_id: Annotated[str, Form(max_length=300)] = "",
    client_secret: Annotated[str, Form(max_length=2000)] = "",
    scopes: Annotated[str, Form(max_length=300)] = "openid email profile",
    match_claim: Annotated[str, Form(max_length=20)] = "email",
    groups_claim: Annotated[str, Form(max_length=100)] = "",
    role_mapping: Annotated[str, Form(max_length=20000)] = "",
    just_in_time_provisioning: Annotated[str | None, Form()] = None,
    is_enabled: Annotated[str | None, Form()] = None,
) -> Response:
    form = {
        "provider_name": provider_name,
        "issuer_url": issuer_url,
        "client_id": client_id,
        "scopes": scopes,
        "match_claim": match_claim,
        "groups_claim": groups_claim,
        "role_mapping_text": role_mapping,
        "just_in_time_provisioning": just_in_time_provisioning == "on",
        "is_enabled": is_enabled == "on",
    }
    try:
        body = schemas.SsoConfigurationSave.model_validate(
            {
                "provider_name": provider_name,
                "issuer_url": issuer_url,
                "client_id": client_id,
                "client_secret": client_secret if client_secret.strip() else None,
                "scopes": scopes,
                "match_claim": match_claim,
                "groups_claim": groups_claim or None,
                "role_mapping": parse_role_mapping(role_mapping),
                "just_in_time_provisioning": just_in_time_provisioning == "on",
                "is_enabled": is_enabled == "on",
            }
        )
        sso.save_sso_configuration(session, settings, admin.workspace_id, body, actor=admin.actor)
    except ValidationError as invalid:
        errors = {
            str(item["loc"][0]) if item["loc"] else "form": str(item["msg"]) for item in invalid.errors()
        }
        return _sso_page(request, session, settings, admin.workspace_id, form=form, errors=errors, status=422)
    except UptakeError as failure:
        session.rollback()
        errors = {item.field.split(".")[0]: item.reason for item in failure.errors} or {
            "form": failure.detail
        }
        return _sso_page(request, session, settings, admin.workspace_id, form=form, errors=errors, status=422)
    response = RedirectResponse("/settings/sso", status_code=303)
    flash(request, response, "Single sign-on settings saved. Try it from the login page.", "success")
    return response


@router.post("/settings/sso/delete")
def delete_sso_settings(request: Request, session: SessionDep, admin: AdminPage) -> Response:
    sso.delete_sso_configuration(session, admin.workspace_id, actor=admin.actor)
    response = RedirectResponse("/settings/sso", status_code=303)
    flash(request, response, "Single sign-on removed; people log in with passwords only.", "success")
    return response
