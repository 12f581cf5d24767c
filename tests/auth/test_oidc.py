"""The OpenID Connect protocol pieces: discovery checks and ID token verification.

The provider here is played by ``httpx.MockTransport`` (the outside world, faked at its edge) serving a discovery
document and a JWKS for an RSA key the test holds, so each test can sign exactly the token it needs.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from uptake.auth import oidc

ISSUER = "https://idp.example"
CLIENT_ID = "uptake"


@pytest.fixture(scope="module")
def signing_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "key-1", "use": "sig", "alg": "RS256"})


def provider(signing_key: RSAKey, *, issuer: str = ISSUER, **overrides: Any) -> httpx.Client:
    document = {
        "issuer": issuer,
        "authorization_endpoint": f"{ISSUER}/authorize",
        "token_endpoint": f"{ISSUER}/token",
        "jwks_uri": f"{ISSUER}/jwks",
        "userinfo_endpoint": f"{ISSUER}/userinfo",
        "id_token_signing_alg_values_supported": ["RS256"],
        **overrides,
    }
    jwks = KeySet([signing_key]).as_dict(private=False)

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=document)
        if request.url.path == "/jwks":
            return httpx.Response(200, json=jwks)
        return httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(answer))


def id_token(key: RSAKey, **claims: Any) -> str:
    now = int(time.time())
    payload = {"iss": ISSUER, "aud": CLIENT_ID, "sub": "alice", "iat": now, "exp": now + 300, "nonce": "n-1"}
    payload.update(claims)
    return jwt.encode(
        {"alg": "RS256", "kid": key.kid}, {k: v for k, v in payload.items() if v is not None}, key
    )


def verify(http: httpx.Client, token: str, nonce: str = "n-1") -> dict[str, Any]:
    metadata = oidc.discover_provider(http, ISSUER)
    return oidc.verify_id_token(http, metadata, token, client_id=CLIENT_ID, nonce=nonce, access_token=None)


def test_a_well_signed_token_gives_its_claims(signing_key: RSAKey) -> None:
    claims = verify(provider(signing_key), id_token(signing_key, email="alice@acme.example"))
    assert claims["sub"] == "alice"
    assert claims["email"] == "alice@acme.example"


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"nonce": "replayed"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"aud": "another-client"}, "aud"),
        ({"iss": "https://evil.example"}, "iss"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "exp"),
    ],
)
def test_a_token_with_a_wrong_claim_is_rejected(
    signing_key: RSAKey, claims: dict[str, Any], reason: str
) -> None:
    with pytest.raises(oidc.IdTokenRejected) as rejected:
        verify(provider(signing_key), id_token(signing_key, **claims))
    assert reason in str(rejected.value) or "nonce" in str(rejected.value)


def test_a_token_signed_by_another_key_is_rejected(signing_key: RSAKey) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "key-1"})
    with pytest.raises(oidc.IdTokenRejected, match="signature"):
        verify(provider(signing_key), id_token(stranger))


def test_an_unsigned_token_is_rejected(signing_key: RSAKey) -> None:
    header = jwt.encode({"alg": "RS256"}, {"sub": "x"}, signing_key).split(".")[0]
    import base64
    import json

    unsigned_header = base64.urlsafe_b64encode(json.dumps({"alg": "none"}).encode()).rstrip(b"=").decode()
    payload = id_token(signing_key).split(".")[1]
    assert header
    with pytest.raises(oidc.IdTokenRejected):
        verify(
            provider(signing_key, id_token_signing_alg_values_supported=["none", "RS256"]),
            f"{unsigned_header}.{payload}.",
        )


def test_discovery_must_name_the_configured_issuer(signing_key: RSAKey) -> None:
    with pytest.raises(oidc.IdentityProviderAnswerInvalid, match="names the issuer"):
        oidc.discover_provider(provider(signing_key, issuer="https://other.example"), ISSUER)


def test_discovery_tolerates_a_trailing_slash(signing_key: RSAKey) -> None:
    metadata = oidc.discover_provider(provider(signing_key), ISSUER + "/")
    assert metadata.token_endpoint == f"{ISSUER}/token"


def test_plain_http_endpoints_are_refused_unless_on_this_machine(signing_key: RSAKey) -> None:
    with pytest.raises(oidc.IdentityProviderAnswerInvalid, match="token_endpoint"):
        oidc.discover_provider(provider(signing_key, token_endpoint="http://idp.example/token"), ISSUER)
    assert oidc.is_allowed_url("https://idp.example")
    assert oidc.is_allowed_url("http://127.0.0.1:8080")
    assert oidc.is_allowed_url("http://localhost:8080")
    assert oidc.is_allowed_url("http://[::1]:8080")
    assert not oidc.is_allowed_url("http://idp.example")
    assert not oidc.is_allowed_url("ftp://idp.example")
    assert not oidc.is_allowed_url("not a url")


def test_the_authorization_url_carries_pkce_state_and_nonce(signing_key: RSAKey) -> None:
    metadata = oidc.discover_provider(provider(signing_key), ISSUER)
    request = oidc.new_authorization_request()
    url = oidc.authorization_url(
        metadata,
        client_id=CLIENT_ID,
        redirect_uri="https://uptake.example/cb",
        scopes="openid email",
        request=request,
    )
    query = {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
    assert url.startswith(f"{ISSUER}/authorize?")
    assert query == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": "https://uptake.example/cb",
        "scope": "openid email",
        "state": request.state,
        "nonce": request.nonce,
        "code_challenge": create_s256_code_challenge(request.code_verifier),
        "code_challenge_method": "S256",
    }
    assert 43 <= len(request.code_verifier) <= 128
    assert len({request.state, request.nonce, oidc.new_authorization_request().state}) == 3


def test_an_unreachable_provider_is_named(signing_key: RSAKey) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(oidc.IdentityProviderUnreachable, match="did not answer"):
        oidc.discover_provider(httpx.Client(transport=httpx.MockTransport(refuse)), ISSUER)
