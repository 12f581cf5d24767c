"""Single sign-on: each workspace's OpenID Connect settings, and who a verified login belongs to.

The client secret is encrypted at rest with Fernet (AES-128-CBC + HMAC-SHA256) under a key derived (HKDF-SHA256)
from the installation's secret key: a copy of the database alone does not reveal it, and no page, API answer or
command shows it again once saved. Changing ``UPTAKE_SECRET_KEY`` makes the stored secret unreadable; the SSO
settings then say so and ask for the secret again.

A login maps the ID token's claims to a directory person by email (``match_claim="email"``) or by subject
(``"subject"``: the ``sub`` claim equals the person's external id, as SCIM provisioning from the same provider
sets it). Unknown people are refused unless the workspace turned on just-in-time provisioning. When a groups claim
is configured, the groups named in the role mapping give roles, replaced at every SSO login.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy.orm import Session

from uptake.access.roles import PERSON_ROLES
from uptake.audit import service as audit_service
from uptake.auth import oidc, repository, schemas
from uptake.auth import service as auth_service
from uptake.auth.models import Account, SsoConfiguration
from uptake.db import bind_workspace, bound_workspace, utcnow
from uptake.directory.service import people as people_service
from uptake.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    UptakeError,
)
from uptake.settings import Settings
from uptake.workspaces import service as workspaces_service

MAX_ROLE_MAPPINGS = 100
MATCH_CLAIMS = ("email", "subject")


class SsoNotConfigured(NotFound):
    title = "This workspace has no single sign-on."


class SsoClientSecretUnreadable(Conflict):
    title = "The stored SSO client secret cannot be read."


class SsoLoginRefused(NotAuthenticated):
    title = "The single sign-on did not complete."


class SsoLoginNotStarted(UptakeError):
    status = 400
    title = "This answer from the identity provider does not match a login started in this browser."


class SsoOtherWorkspace(Conflict):
    title = "You are logged in to another workspace."


class SsoPersonUnknown(Forbidden):
    title = "You are not in this workspace's directory."


class SsoAccountDeactivated(Forbidden):
    title = "Your uptake account is deactivated."


@dataclass(frozen=True)
class SsoButton:
    """One "Log in with …" button on the login page."""

    workspace_slug: str
    workspace_name: str
    provider_name: str


# -- the client secret --------------------------------------------------------------------------------------------


def _fernet(settings: Settings) -> Fernet:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"uptake", info=b"uptake.sso.client-secret").derive(
        settings.effective_secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt_client_secret(settings: Settings, client_secret: str) -> str:
    return _fernet(settings).encrypt(client_secret.encode("utf-8")).decode("ascii")


def decrypt_client_secret(settings: Settings, configuration: SsoConfiguration) -> str:
    try:
        return (
            _fernet(settings).decrypt(configuration.client_secret_encrypted.encode("ascii")).decode("utf-8")
        )
    except (InvalidToken, ValueError):
        raise SsoClientSecretUnreadable(
            "the secret key changed since the client secret was saved; enter the client secret again "
            "in the SSO settings or with 'uptake sso configure'"
        ) from None


def client_secret_is_readable(settings: Settings, configuration: SsoConfiguration) -> bool:
    try:
        decrypt_client_secret(settings, configuration)
    except SsoClientSecretUnreadable:
        return False
    return True


# -- the settings -------------------------------------------------------------------------------------------------


def redirect_uri(base_url: str, workspace_slug: str) -> str:
    """The callback address to register at the identity provider."""
    return f"{base_url.rstrip('/')}/login/sso/{workspace_slug}/callback"


def get_sso_configuration(session: Session, workspace_id: int) -> SsoConfiguration | None:
    return repository.get_sso_configuration(session, workspace_id)


def describe_sso_configuration(
    configuration: SsoConfiguration, *, base_url: str, workspace_slug: str
) -> schemas.SsoConfiguration:
    """The settings as shown to admins: everything but the client secret, which is only said to be stored."""
    return schemas.SsoConfiguration(
        provider_name=configuration.provider_name,
        issuer_url=configuration.issuer_url,
        client_id=configuration.client_id,
        client_secret_stored=bool(configuration.client_secret_encrypted),
        scopes=configuration.scopes,
        match_claim=configuration.match_claim,
        groups_claim=configuration.groups_claim,
        role_mapping={str(group): str(role) for group, role in configuration.role_mapping.items()},
        just_in_time_provisioning=configuration.just_in_time_provisioning,
        is_enabled=configuration.is_enabled,
        redirect_uri=redirect_uri(base_url, workspace_slug),
        updated_at=configuration.updated_at,
    )


def _check_settings(
    body: schemas.SsoConfigurationSave, has_stored_secret: bool, *, development_mode: bool
) -> list[FieldError]:
    errors: list[FieldError] = []
    if not oidc.is_https_or_loopback_http(body.issuer_url.strip(), development_mode=development_mode):
        errors.append(
            FieldError(
                "issuer_url", "must be an https:// URL (http:// to this machine only in development mode)"
            )
        )
    if "openid" not in body.scopes.split():
        errors.append(FieldError("scopes", "must include openid"))
    if body.match_claim == "email" and "email" not in body.scopes.split():
        errors.append(FieldError("scopes", "must include email when people are matched by email"))
    if body.client_secret is None and not has_stored_secret:
        errors.append(FieldError("client_secret", "is required the first time"))
    if body.client_secret is not None and not body.client_secret.get_secret_value().strip():
        errors.append(FieldError("client_secret", "must not be blank"))
    if len(body.role_mapping) > MAX_ROLE_MAPPINGS:
        errors.append(FieldError("role_mapping", f"at most {MAX_ROLE_MAPPINGS} groups"))
    if body.role_mapping and not (body.groups_claim or "").strip():
        errors.append(FieldError("groups_claim", "name the claim that carries the groups, e.g. groups"))
    person_roles = {role.value for role in PERSON_ROLES}
    for group, role in body.role_mapping.items():
        if not group.strip() or len(group) > 200:
            errors.append(FieldError("role_mapping", "group names must be 1 to 200 characters"))
        if role not in person_roles:
            errors.append(FieldError(f"role_mapping.{group}", f"{role} is not a role a person can hold"))
    return errors


def save_sso_configuration(
    session: Session, settings: Settings, workspace_id: int, body: schemas.SsoConfigurationSave, *, actor: str
) -> SsoConfiguration:
    """Create or replace a workspace's SSO settings. Nothing is fetched from the provider here; the first login
    (or ``uptake sso check``) shows whether the provider answers."""
    configuration = repository.get_sso_configuration(session, workspace_id)
    errors = _check_settings(
        body, has_stored_secret=configuration is not None, development_mode=settings.development_mode
    )
    if errors:
        raise InvalidInput(errors=errors)
    before = _audited_fields(configuration) if configuration is not None else None
    if configuration is None:
        configuration = SsoConfiguration(workspace_id=workspace_id, client_secret_encrypted="")
        session.add(configuration)
    configuration.provider_name = body.provider_name.strip()
    configuration.issuer_url = body.issuer_url.strip()
    configuration.client_id = body.client_id.strip()
    if body.client_secret is not None:
        configuration.client_secret_encrypted = encrypt_client_secret(
            settings, body.client_secret.get_secret_value().strip()
        )
    configuration.scopes = " ".join(body.scopes.split())
    configuration.match_claim = body.match_claim
    configuration.groups_claim = (body.groups_claim or "").strip() or None
    configuration.role_mapping = {group.strip(): role for group, role in body.role_mapping.items()}
    configuration.just_in_time_provisioning = body.just_in_time_provisioning
    configuration.is_enabled = body.is_enabled
    configuration.updated_at = utcnow()
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="auth.sso.saved",
        target=f"sso_configuration:{configuration.id}",
        before=before,
        after={**_audited_fields(configuration), "client_secret_changed": body.client_secret is not None},
    )
    return configuration


def _audited_fields(configuration: SsoConfiguration) -> dict[str, Any]:
    return {
        "provider_name": configuration.provider_name,
        "issuer_url": configuration.issuer_url,
        "client_id": configuration.client_id,
        "scopes": configuration.scopes,
        "match_claim": configuration.match_claim,
        "groups_claim": configuration.groups_claim,
        "role_mapping": dict(configuration.role_mapping),
        "just_in_time_provisioning": configuration.just_in_time_provisioning,
        "is_enabled": configuration.is_enabled,
    }


def delete_sso_configuration(session: Session, workspace_id: int, *, actor: str) -> None:
    configuration = repository.get_sso_configuration(session, workspace_id)
    if configuration is None:
        raise SsoNotConfigured("this workspace has no SSO settings to remove")
    before = _audited_fields(configuration)
    target = f"sso_configuration:{configuration.id}"
    session.delete(configuration)
    session.flush()
    audit_service.record_audit_entry(
        session, workspace_id, actor=actor, action="auth.sso.deleted", target=target, before=before
    )


def list_sso_buttons(session: Session) -> list[SsoButton]:
    """One button per workspace whose single sign-on is on, for the login page."""
    configurations = repository.list_enabled_sso_configurations_across_workspaces(session)
    if not configurations:
        return []
    workspaces = {workspace.id: workspace for workspace in workspaces_service.list_workspaces(session)}
    buttons = [
        SsoButton(
            workspace_slug=workspaces[configuration.workspace_id].slug,
            workspace_name=workspaces[configuration.workspace_id].name,
            provider_name=configuration.provider_name,
        )
        for configuration in configurations
        if configuration.workspace_id in workspaces
    ]
    return sorted(buttons, key=lambda button: (button.workspace_name.lower(), button.workspace_slug))


def check_provider(session: Session, workspace_id: int) -> oidc.ProviderMetadata:
    """Fetch the provider's discovery document and keys, as a login would (for ``uptake sso check``)."""
    configuration = _enabled_configuration(session, workspace_id)
    with oidc.http_client() as http:
        metadata = oidc.discover_provider(http, configuration.issuer_url)
        oidc.verify_keys_available(http, metadata)
    return metadata


# -- logging in ---------------------------------------------------------------------------------------------------


def _enabled_configuration(session: Session, workspace_id: int) -> SsoConfiguration:
    configuration = repository.get_sso_configuration(session, workspace_id)
    if configuration is None or not configuration.is_enabled:
        raise SsoNotConfigured("single sign-on is not set up for this workspace")
    return configuration


def _workspace_for_login(session: Session, workspace_slug: str) -> int:
    try:
        workspace = workspaces_service.get_workspace_by_slug(session, workspace_slug)
    except NotFound:
        raise SsoNotConfigured(f"there is no workspace {workspace_slug!r} with single sign-on") from None
    current = bound_workspace(session)
    if current is not None and current != workspace.id:
        raise SsoOtherWorkspace("you are logged in to another workspace; log out first, then log in here")
    bind_workspace(session, workspace.id)
    return workspace.id


def begin_sso_login(
    session: Session, workspace_slug: str, *, callback_uri: str
) -> tuple[str, oidc.AuthorizationRequest]:
    """Where to send the browser to log in at the workspace's provider, and the request's secrets (state, nonce,
    PKCE verifier) that the callback must present again."""
    workspace_id = _workspace_for_login(session, workspace_slug)
    configuration = _enabled_configuration(session, workspace_id)
    request = oidc.new_authorization_request()
    with oidc.http_client() as http:
        metadata = oidc.discover_provider(http, configuration.issuer_url)
    url = oidc.authorization_url(
        metadata,
        client_id=configuration.client_id,
        redirect_uri=callback_uri,
        scopes=configuration.scopes,
        request=request,
    )
    return url, request


def complete_sso_login(
    session: Session,
    settings: Settings,
    workspace_slug: str,
    *,
    request: oidc.AuthorizationRequest,
    callback_uri: str,
    code: str,
) -> Account:
    """Finish a login: trade the code, verify the ID token, find the person, refresh their provider roles."""
    workspace_id = _workspace_for_login(session, workspace_slug)
    configuration = _enabled_configuration(session, workspace_id)
    if not oidc.is_https_or_loopback_http(
        configuration.issuer_url, development_mode=settings.development_mode
    ):
        raise SsoLoginRefused(
            f"the identity provider {configuration.issuer_url} is not served over https; "
            "plain http is accepted only on this machine in development mode"
        )
    client_secret = decrypt_client_secret(settings, configuration)
    with oidc.http_client() as http:
        metadata = oidc.discover_provider(http, configuration.issuer_url)
        tokens = oidc.exchange_code(
            http,
            metadata,
            client_id=configuration.client_id,
            client_secret=client_secret,
            redirect_uri=callback_uri,
            code=code,
            code_verifier=request.code_verifier,
        )
        access_token = tokens.get("access_token") if isinstance(tokens.get("access_token"), str) else None
        claims = oidc.verify_id_token(
            http,
            metadata,
            tokens["id_token"],
            client_id=configuration.client_id,
            nonce=request.nonce,
            access_token=access_token,
        )
        wanted = ["email"] if configuration.match_claim == "email" else []
        if configuration.groups_claim:
            wanted.append(configuration.groups_claim)
        if access_token and any(name not in claims for name in wanted):
            userinfo = oidc.fetch_userinfo(http, metadata, access_token)
            if userinfo.get("sub") == claims["sub"]:
                claims = {**userinfo, **claims}
    account = _account_for_claims(session, workspace_id, configuration, claims, settings)
    _refresh_provider_roles(session, workspace_id, configuration, account, claims)
    account.last_login_at = utcnow()
    session.flush()
    return account


def _check_email_verified(
    configuration: SsoConfiguration, claims: dict[str, Any], email: str, settings: Settings
) -> None:
    """An email is used (to match or to provision) only when the provider does not say it is unverified; a
    missing ``email_verified`` claim is accepted or refused by the setting ``sso_missing_email_verified``."""
    verified = claims.get("email_verified")
    if verified is False or verified == "false":
        raise SsoLoginRefused(f"{configuration.provider_name} says your email {email} is not verified")
    if verified is None and settings.sso_missing_email_verified == "refuse":
        raise SsoLoginRefused(
            f"{configuration.provider_name} does not say whether your email {email} is verified, and this "
            "installation requires it (setting sso_missing_email_verified)"
        )


def _account_for_claims(
    session: Session,
    workspace_id: int,
    configuration: SsoConfiguration,
    claims: dict[str, Any],
    settings: Settings,
) -> Account:
    subject = str(claims["sub"])
    email = claims.get("email")
    email = email.strip().lower() if isinstance(email, str) and email.strip() else None
    if configuration.match_claim == "email":
        if email is None:
            raise SsoLoginRefused(
                f"{configuration.provider_name} sent no email for you; ask an admin to check the 'email' scope"
            )
        _check_email_verified(configuration, claims, email, settings)
        person = people_service.get_person_by_email(session, workspace_id, email)
        described = email
    else:
        person = people_service.get_person_by_external_id(session, workspace_id, subject)
        described = email or f"subject {subject}"
    if person is None:
        if not configuration.just_in_time_provisioning or email is None:
            raise SsoPersonUnknown(
                f"you logged in at {configuration.provider_name} as {described}, but nobody with that "
                f"{'email' if configuration.match_claim == 'email' else 'identity'} is in this workspace's "
                "directory; ask an uptake admin to add you"
            )
        _check_email_verified(configuration, claims, email, settings)
        name = claims.get("name")
        person = people_service.create_person(
            session,
            workspace_id,
            email=email,
            display_name=name.strip()[:200] if isinstance(name, str) and name.strip() else email,
            external_id=subject,
        )
    if str(person.employment_status) == auth_service.LEFT_STATUS:
        raise SsoAccountDeactivated("the directory lists you as having left the organization")
    account = repository.get_account_for_person(session, workspace_id, person.id)
    if account is None:
        account = auth_service.create_account(session, workspace_id, person_id=person.id, roles=[])
    if not account.is_active:
        raise SsoAccountDeactivated("an uptake admin deactivated your account; ask them to reactivate it")
    return account


def _groups(claims: dict[str, Any], claim_name: str) -> set[str]:
    value = claims.get(claim_name)
    if isinstance(value, str):
        return {value}
    if isinstance(value, list):
        return {str(item) for item in value if isinstance(item, str | int)}
    return set()


def _refresh_provider_roles(
    session: Session,
    workspace_id: int,
    configuration: SsoConfiguration,
    account: Account,
    claims: dict[str, Any],
) -> None:
    roles: list[str] = []
    if configuration.groups_claim:
        groups = _groups(claims, configuration.groups_claim)
        roles = sorted({str(role) for group, role in configuration.role_mapping.items() if group in groups})
    before = sorted(account.idp_roles or [])
    if roles == before:
        return
    account.idp_roles = roles
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor="system",
        action="auth.account.idp_roles_changed",
        target=f"person:{account.person_id}",
        before={"idp_roles": before},
        after={"idp_roles": roles},
    )
