"""The embeddable feedback widget: its script, and the endpoint it posts to from another origin.

`/widget/feedback.js` is a plain script file (no inline code, no eval), so a page with a strict content security
policy embeds it by allowing uptake's origin in `script-src` and `connect-src`. The widget posts JSON to
`/widget/{key}/feedback` with a public key that can only write feedback for its one use case; the browser's
preflight (OPTIONS) and the POST are answered with CORS headers only for the origins the key lists. These paths
carry no cookies (`credentials: "omit"`), so they are exempt from CSRF checks like the other machine paths.
Posts are rate-limited per client address and per key; an incident the widget opens waits in triage and counts
toward the trust score and the gates only once a person triages it (``trust/incidents.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import JSONResponse, Response

from uptake.access.dependencies import Public, SessionDep, SettingsDep
from uptake.analytics.dependencies import get_analytics
from uptake.settings import Settings
from uptake.trust import schemas, service
from uptake.trust.models import WidgetKey
from uptake.web.rate_limit import RateLimiter

router = APIRouter(tags=["trust"], include_in_schema=False)

SCRIPT_FILE = FilePath(__file__).resolve().parent / "static" / "feedback.js"
PREFLIGHT_MAX_AGE_SECONDS = 600
RATE_WINDOW_SECONDS = 600
KeyPath = Annotated[str, Path(min_length=1, max_length=64)]


@cache
def widget_script() -> bytes:
    return SCRIPT_FILE.read_bytes()


def cors_headers(key: WidgetKey, origin: str | None) -> dict[str, str]:
    """The CORS answer for `origin`: allowed only when the key lists it (nothing otherwise)."""
    if not service.is_origin_allowed(key, origin):
        return {"Vary": "Origin"}
    return {
        "Access-Control-Allow-Origin": str(origin),
        "Access-Control-Allow-Methods": "POST",
        "Access-Control-Allow-Headers": "Content-Type",
        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE_SECONDS),
        "Vary": "Origin",
    }


@dataclass
class WidgetRateLimits:
    """The posts counted per client address and per widget key (see ``web/rate_limit.py``)."""

    per_address: RateLimiter
    per_key: RateLimiter


def rate_limits(request: Request, settings: Settings) -> WidgetRateLimits:
    """The application's widget rate limits, made on first use from the settings."""
    limits: WidgetRateLimits | None = getattr(request.app.state, "widget_rate_limits", None)
    if limits is None:
        limits = WidgetRateLimits(
            per_address=RateLimiter(settings.widget_posts_per_address, RATE_WINDOW_SECONDS),
            per_key=RateLimiter(settings.widget_posts_per_key, RATE_WINDOW_SECONDS),
        )
        request.app.state.widget_rate_limits = limits
    return limits


def _too_many(request: Request, headers: dict[str, str], retry_after: int, what: str) -> JSONResponse:
    error = service.TooManyWidgetPosts(
        f"too many feedback posts {what}; try again in {retry_after} seconds", retry_after=retry_after
    )
    return JSONResponse(
        error.problem(request.url.path),
        status_code=error.status,
        media_type="application/problem+json",
        headers={**headers, "Retry-After": str(retry_after)},
    )


@router.get("/widget/feedback.js")
def feedback_script(anyone: Public) -> Response:
    return Response(
        widget_script(),
        media_type="text/javascript",
        headers={
            "Cache-Control": "public, max-age=300",
            "Cross-Origin-Resource-Policy": "cross-origin",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.options("/widget/{key}/feedback")
def feedback_preflight(key: KeyPath, request: Request, session: SessionDep, anyone: Public) -> Response:
    widget_key = service.widget_key_for(session, key)
    origin = request.headers.get("origin")
    status = 204 if service.is_origin_allowed(widget_key, origin) else 403
    return Response(status_code=status, headers=cors_headers(widget_key, origin))


@router.post("/widget/{key}/feedback", status_code=201)
def post_feedback(
    key: KeyPath,
    body: schemas.WidgetFeedbackCreate,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    anyone: Public,
) -> JSONResponse:
    """Record the widget's feedback: at most ``widget_posts_per_address`` posts per client address and
    ``widget_posts_per_key`` per key in 10 minutes (429 with ``Retry-After`` beyond)."""
    widget_key = service.widget_key_for(session, key)
    origin = request.headers.get("origin")
    if not service.is_origin_allowed(widget_key, origin):
        raise service.OriginNotAllowed(f"origin {origin or '(none)'} is not one this key accepts")
    limits = rate_limits(request, settings)
    address = request.client.host if request.client else "unknown"
    headers = cors_headers(widget_key, origin)
    retry_after = limits.per_address.hit(address)
    if retry_after is not None:
        return _too_many(request, headers, retry_after, "from your address")
    retry_after = limits.per_key.hit(str(widget_key.id))
    if retry_after is not None:
        return _too_many(request, headers, retry_after, "for this widget")
    feedback, incident = service.record_widget_feedback(
        session, widget_key, body, analytics=get_analytics(request)
    )
    answer = schemas.FeedbackRecorded(id=feedback.id, incident_id=incident.id if incident else None)
    return JSONResponse(answer.model_dump(), status_code=201, headers=cors_headers(widget_key, origin))
