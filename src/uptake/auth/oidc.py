"""OpenID Connect, the protocol: discovery, the authorization request (code flow with PKCE, state and nonce), the
code exchange and the ID token's verification against the provider's published keys.

Authlib supplies the protocol pieces (authorization URI and token request encoding, PKCE S256, client
authentication, the ID token claims rules) and joserfc, Authlib's JOSE library, checks the signature. HTTP goes
through one short-lived ``httpx.Client`` per login. Nothing here touches the database: ``auth/sso.py`` decides
who the verified claims belong to.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.common.security import generate_token  # type: ignore[import-untyped]
from authlib.oauth2.auth import ClientAuth  # type: ignore[import-untyped]
from authlib.oauth2.rfc6749.parameters import (  # type: ignore[import-untyped]
    prepare_grant_uri,
    prepare_token_request,
)
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from uptake.errors import NotAuthenticated, UptakeError

DISCOVERY_PATH = "/.well-known/openid-configuration"
HTTP_TIMEOUT = httpx.Timeout(10.0)
# Clock difference tolerated between uptake and the identity provider when checking exp/iat.
CLOCK_LEEWAY_SECONDS = 120
# "none" is never accepted, whatever the provider advertises.
SAFE_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")


class IdentityProviderUnreachable(UptakeError):
    status = 502
    title = "The identity provider could not be reached."


class IdentityProviderAnswerInvalid(UptakeError):
    status = 502
    title = "The identity provider's answer is not usable."


class IdTokenRejected(NotAuthenticated):
    title = "The identity provider's ID token failed verification."


@dataclass(frozen=True)
class ProviderMetadata:
    """What uptake needs from a provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    token_endpoint_auth_methods: tuple[str, ...]
    signing_algorithms: tuple[str, ...]


@dataclass(frozen=True)
class AuthorizationRequest:
    """The secrets of one login attempt, kept by the browser (signed) between the redirect and the callback."""

    state: str
    nonce: str
    code_verifier: str


def is_https_or_loopback_http(url: str, *, development_mode: bool) -> bool:
    """An issuer uptake may trust: HTTPS, or, in development mode only, plain HTTP to this machine."""
    return urlsplit(url).scheme == "https" or (development_mode and is_allowed_url(url))


def is_allowed_url(url: str) -> bool:
    """HTTPS, or plain HTTP to this machine (a provider run locally for testing or development)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if parts.hostname == "localhost":
        return True
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return False


def same_issuer(first: str, second: str) -> bool:
    return first.rstrip("/") == second.rstrip("/")


def http_client() -> httpx.Client:
    return httpx.Client(timeout=HTTP_TIMEOUT, follow_redirects=False, headers={"accept": "application/json"})


def _get_json(http: httpx.Client, url: str, what: str, **options: Any) -> dict[str, Any]:
    if not is_allowed_url(url):
        raise IdentityProviderAnswerInvalid(f"the {what} URL {url} is not HTTPS")
    try:
        response = http.get(url, **options)
    except httpx.HTTPError as error:
        raise IdentityProviderUnreachable(f"{url} did not answer ({type(error).__name__})") from None
    if response.status_code != 200:
        raise IdentityProviderAnswerInvalid(f"{url} answered {response.status_code} to the {what} request")
    try:
        body = response.json()
    except ValueError:
        raise IdentityProviderAnswerInvalid(f"the {what} at {url} is not JSON") from None
    if not isinstance(body, dict):
        raise IdentityProviderAnswerInvalid(f"the {what} at {url} is not a JSON object")
    return body


def discover_provider(http: httpx.Client, issuer_url: str) -> ProviderMetadata:
    """Read ``<issuer>/.well-known/openid-configuration`` and check it names the same issuer (Discovery §4.3)."""
    document = _get_json(http, issuer_url.rstrip("/") + DISCOVERY_PATH, "discovery document")
    issuer = document.get("issuer")
    if not isinstance(issuer, str) or not same_issuer(issuer, issuer_url):
        raise IdentityProviderAnswerInvalid(
            f"the discovery document names the issuer {issuer!r}, not {issuer_url!r}; "
            "set the issuer URL exactly as the provider states it"
        )
    endpoints: dict[str, str] = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str) or not is_allowed_url(value):
            raise IdentityProviderAnswerInvalid(f"the discovery document has no usable {name}")
        endpoints[name] = value
    userinfo = document.get("userinfo_endpoint")
    methods = document.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    algorithms = document.get("id_token_signing_alg_values_supported") or ["RS256"]
    return ProviderMetadata(
        issuer=issuer,
        authorization_endpoint=endpoints["authorization_endpoint"],
        token_endpoint=endpoints["token_endpoint"],
        jwks_uri=endpoints["jwks_uri"],
        userinfo_endpoint=userinfo if isinstance(userinfo, str) and is_allowed_url(userinfo) else None,
        token_endpoint_auth_methods=tuple(str(method) for method in methods),
        signing_algorithms=tuple(str(algorithm) for algorithm in algorithms if algorithm in SAFE_ALGORITHMS),
    )


def new_authorization_request() -> AuthorizationRequest:
    """Fresh state (against forged callbacks), nonce (against replayed ID tokens) and PKCE code verifier."""
    return AuthorizationRequest(
        state=generate_token(32), nonce=generate_token(32), code_verifier=generate_token(64)
    )


def authorization_url(
    metadata: ProviderMetadata,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: str,
    request: AuthorizationRequest,
) -> str:
    """Where to send the browser: the provider's authorization endpoint with the code flow, PKCE S256 and nonce."""
    url: str = prepare_grant_uri(
        metadata.authorization_endpoint,
        client_id=client_id,
        response_type="code",
        redirect_uri=redirect_uri,
        scope=scopes,
        state=request.state,
        nonce=request.nonce,
        code_challenge=create_s256_code_challenge(request.code_verifier),
        code_challenge_method="S256",
    )
    return url


def exchange_code(
    http: httpx.Client,
    metadata: ProviderMetadata,
    *,
    client_id: str,
    client_secret: str,
    redirect_uri: str,
    code: str,
    code_verifier: str,
) -> dict[str, Any]:
    """Trade the authorization code (and the PKCE verifier) for tokens at the token endpoint."""
    body: str = prepare_token_request(
        "authorization_code", redirect_uri=redirect_uri, code=code, code_verifier=code_verifier
    )
    method = (
        "client_secret_post"
        if "client_secret_basic" not in metadata.token_endpoint_auth_methods
        and "client_secret_post" in metadata.token_endpoint_auth_methods
        else "client_secret_basic"
    )
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
    url, headers, body = ClientAuth(client_id, client_secret, method).prepare(
        "POST", metadata.token_endpoint, headers, body
    )
    try:
        response = http.post(url, content=body, headers=headers)
    except httpx.HTTPError as error:
        raise IdentityProviderUnreachable(
            f"{metadata.token_endpoint} did not answer ({type(error).__name__})"
        ) from None
    try:
        tokens = response.json()
    except ValueError:
        tokens = None
    if response.status_code != 200 or not isinstance(tokens, dict):
        reason = tokens.get("error") if isinstance(tokens, dict) else None
        raise IdentityProviderAnswerInvalid(
            f"the token endpoint refused the code ({response.status_code}"
            + (f", {reason}" if reason else "")
            + "); check the client id and secret"
        )
    if not isinstance(tokens.get("id_token"), str):
        raise IdentityProviderAnswerInvalid(
            "the token endpoint sent no ID token; is 'openid' among the scopes?"
        )
    return tokens


def verify_id_token(
    http: httpx.Client,
    metadata: ProviderMetadata,
    id_token: str,
    *,
    client_id: str,
    nonce: str,
    access_token: str | None,
) -> dict[str, Any]:
    """Check the ID token's signature with the provider's JWKS, then its claims: issuer, audience, expiry,
    issue time, nonce, authorized party and access token hash. Returns the claims."""
    keys = _get_json(http, metadata.jwks_uri, "JWKS")
    try:
        key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
        token = jwt.decode(id_token, key_set, algorithms=list(metadata.signing_algorithms) or ["RS256"])
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise IdTokenRejected(f"the ID token's signature does not verify ({type(error).__name__})") from None
    claims = CodeIDToken(
        token.claims,
        token.header,
        {
            "iss": {"essential": True, "value": metadata.issuer},
            "aud": {"essential": True, "value": client_id},
        },
        {"nonce": nonce, "client_id": client_id, "access_token": access_token},
    )
    try:
        claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
    except JoseError as error:
        raise IdTokenRejected(f"the ID token's claims are not valid ({error.error}: {error})") from None
    if not claims.get("nonce"):
        raise IdTokenRejected("the ID token carries no nonce")
    return dict(claims)


def verify_keys_available(http: httpx.Client, metadata: ProviderMetadata) -> int:
    """Fetch the provider's JWKS and return how many keys it holds (raises when none is usable)."""
    keys = _get_json(http, metadata.jwks_uri, "JWKS")
    try:
        key_set = KeySet.import_key_set(keys)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as error:
        raise IdentityProviderAnswerInvalid(f"the JWKS cannot be read ({type(error).__name__})") from None
    if not key_set.keys:
        raise IdentityProviderAnswerInvalid("the JWKS holds no keys")
    return len(key_set.keys)


def fetch_userinfo(http: httpx.Client, metadata: ProviderMetadata, access_token: str) -> dict[str, Any]:
    """The userinfo endpoint's claims, for providers that leave email or groups out of the ID token."""
    if metadata.userinfo_endpoint is None:
        return {}
    return _get_json(
        http, metadata.userinfo_endpoint, "userinfo", headers={"authorization": f"Bearer {access_token}"}
    )
