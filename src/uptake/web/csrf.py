"""CSRF protection for every state-changing request a browser can send.

Double-submit token: a random ``uptake_csrf`` cookie (SameSite=Strict) is set on first visit; every unsafe request
that carries no ``Authorization`` header must repeat it, in the ``X-CSRF-Token`` header (API calls from pages) or in
the ``csrf_token`` form field (plain HTML forms, including uploads). Requests with an Authorization header carry
no ambient credentials and are exempt, as are the machine-to-machine paths listed by the app.

A form is read here, before any route authenticates its sender, to find its token. So the middleware reads nothing
when the request has no CSRF cookie (no token could match), and reads at most ``MAX_ANONYMOUS_FORM_BYTES`` of a
form from a sender without a signed session cookie (a login form is a few hundred bytes); only signed-in people's
forms (uploads) may be buffered up to ``MAX_FORM_BYTES``. A larger anonymous form is answered 413 unread.
"""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Callable, Iterable
from http.cookies import SimpleCookie

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSRF_COOKIE = "uptake_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 64 * 1024 * 1024
MAX_ANONYMOUS_FORM_BYTES = 64 * 1024


def csrf_token_of(request: Request) -> str:
    """The token the current page must embed in its forms."""
    token = request.scope.get("state", {}).get("csrf_token")
    return str(token) if token else ""


class CsrfMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        exempt_prefixes: Iterable[str] = (),
        secure: bool = False,
        is_signed_in: Callable[[SimpleCookie], bool] = lambda cookie: False,
    ) -> None:
        self.app = app
        self.exempt_prefixes = tuple(exempt_prefixes)
        self.secure = secure
        self.is_signed_in = is_signed_in

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        cookie = SimpleCookie()
        cookie.load(headers.get("cookie", ""))
        existing = cookie[CSRF_COOKIE].value if CSRF_COOKIE in cookie else None
        token = existing or secrets.token_urlsafe(32)
        scope.setdefault("state", {})["csrf_token"] = token

        if scope["method"] not in SAFE_METHODS and not self._exempt(scope, headers):
            sent = headers.get(CSRF_HEADER)
            body: bytes | None = None
            if sent is None and _is_form(headers) and existing:
                limit = MAX_FORM_BYTES if self.is_signed_in(cookie) else MAX_ANONYMOUS_FORM_BYTES
                body, sent = await _read_form_token(scope, receive, limit)
                if body is None:
                    await _refuse_too_large(send, limit)
                    return
            if not existing or not sent or not hmac.compare_digest(existing, sent):
                await _refuse(scope, send)
                return
            if body is not None:
                receive = _replay(body)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start" and existing is None:
                attributes = f"{CSRF_COOKIE}={token}; Path=/; SameSite=Strict"
                if self.secure:
                    attributes += "; Secure"
                message.setdefault("headers", []).append((b"set-cookie", attributes.encode("latin-1")))
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    def _exempt(self, scope: Scope, headers: Headers) -> bool:
        if "authorization" in headers:
            return True
        path: str = scope.get("path", "")
        return any(path.startswith(prefix) for prefix in self.exempt_prefixes)


def _is_form(headers: Headers) -> bool:
    content_type = headers.get("content-type", "")
    return content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


async def _read_form_token(scope: Scope, receive: Receive, limit: int) -> tuple[bytes | None, str | None]:
    """The form's body and token; (None, None) as soon as the body passes ``limit`` (the rest is not read)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None, None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    request = Request(scope, _replay(body))
    try:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        await form.close()
    except Exception:  # noqa: BLE001 - a body that is not a form simply carries no token
        value = None
    return body, value if isinstance(value, str) else None


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _refuse_too_large(send: Send, limit: int) -> None:
    body = json.dumps(
        {
            "type": "/problems/form-too-large",
            "title": "The form is too large.",
            "status": 413,
            "detail": f"a form sent before logging in may be at most {limit:,} bytes",
            "limit": limit,
            "unit": "bytes",
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _refuse(scope: Scope, send: Send) -> None:
    wants_html = "text/html" in Headers(scope=scope).get("accept", "")
    if wants_html:
        body = (
            b"<!doctype html><title>Form expired</title><p>This form has expired or was sent from another site. "
            b"Go back, reload the page and send it again.</p>"
        )
        content_type = b"text/html; charset=utf-8"
    else:
        body = json.dumps(
            {
                "type": "/problems/csrf-token-missing",
                "title": "The CSRF token is missing or wrong.",
                "status": 403,
                "detail": "repeat the uptake_csrf cookie in the X-CSRF-Token header or the csrf_token form field",
            }
        ).encode()
        content_type = b"application/problem+json"
    await send({"type": "http.response.start", "status": 403, "headers": [(b"content-type", content_type)]})
    await send({"type": "http.response.body", "body": body})
