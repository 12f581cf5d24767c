"""Jinja2 templates: the shared layout lives here, each domain's pages in ``<domain>/templates/<domain>/``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from uptake.web.csrf import CSRF_FIELD, csrf_token_of
from uptake.web.flash import pop_flashes
from uptake.web.markdown import render_markdown
from uptake.web.navigation import navigation_for

PACKAGE_ROOT = Path(__file__).resolve().parent.parent

# Domains whose templates the pages may render, by name (no scanning).
TEMPLATE_DOMAINS = [
    "web", "app", "workspaces", "auth", "audit", "jobs", "directory", "catalog", "governance", "telemetry", "privacy",
    "rollout", "reports",
    "enablement", "comms", "trust", "surveys", "licences", "discovery", "connectors",
]  # fmt: skip


def build_environment() -> Environment:
    folders = [PACKAGE_ROOT / domain / "templates" for domain in TEMPLATE_DOMAINS]
    environment = Environment(
        loader=FileSystemLoader([str(folder) for folder in folders if folder.is_dir()]),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["datetime"] = _format_datetime
    environment.filters["number"] = _format_number
    environment.filters["markdown"] = render_markdown
    environment.globals["CSRF_FIELD"] = CSRF_FIELD
    return environment


def _format_datetime(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "—"
    return value.strftime(pattern) + (" UTC" if value.utcoffset() is not None and "%H" in pattern else "")


def _format_number(value: float | int | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """Render a page, or only its ``content`` block for an HTMX request."""
    environment: Environment = request.app.state.templates
    principal = getattr(request.state, "principal", None)
    response = HTMLResponse(status_code=status)
    values: dict[str, Any] = {
        "request": request,
        "principal": principal,
        "navigation": navigation_for(principal),
        "csrf_token": csrf_token_of(request),
        "flashes": pop_flashes(request, response),
        "current_path": request.url.path,
        "is_htmx": request.headers.get("hx-request") == "true",
    }
    values.update(context or {})
    response.body = response.render(environment.get_template(template).render(values))
    response.headers["content-length"] = str(len(response.body))
    return response
