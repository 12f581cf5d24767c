"""Flash messages: one-time notices shown on the next page, kept in a signed cookie."""

from __future__ import annotations

import json
from typing import Literal

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

FLASH_COOKIE = "uptake_flash"
Category = Literal["success", "info", "warning", "error"]


def _serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.effective_secret_key, salt="uptake.flash")


def flash(request: Request, response: Response, message: str, category: Category = "info") -> None:
    pending = list(request.state.flash_pending) if hasattr(request.state, "flash_pending") else []
    pending.append([category, message])
    request.state.flash_pending = pending
    response.set_cookie(
        FLASH_COOKIE, _serializer(request).dumps(json.dumps(pending)), httponly=True, samesite="lax", path="/"
    )


def pop_flashes(request: Request, response: Response | None = None) -> list[tuple[str, str]]:
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return []
    try:
        messages = json.loads(_serializer(request).loads(raw))
    except (BadSignature, ValueError):
        messages = []
    if response is not None:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return [(str(category), str(text)) for category, text in messages]
