"""The app layer. This module builds the FastAPI application: every router mounted here by name, the error
handlers, the middleware, and the shared resources the routes receive as dependencies.

The app layer (this package, with the command line and the demo) is the only place that sees every domain, so
what spans domains lives here: the job list (`jobs.py`), the home page and its cards (`pages.py`, `home.py`),
the catalog's pages that show governance and trust (`use_case_pages.py`), and what the application hands the
domains: the `auth` service as `access`'s authenticator, the demo's logins for the login page. No domain
imports it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException

from uptake import health
from uptake.access.dependencies import Authenticator, LoginRequired, signed_session_checker
from uptake.analytics import api as analytics_api
from uptake.app import pages as app_pages
from uptake.app import use_case_pages
from uptake.app.jobs import job_definitions
from uptake.audit import api as audit_api
from uptake.audit import pages as audit_pages
from uptake.auth import api as auth_api
from uptake.auth import pages as auth_pages
from uptake.auth import service as auth_service
from uptake.auth.pages import DemoLogins
from uptake.catalog import api as catalog_api
from uptake.catalog import pages as catalog_pages
from uptake.comms import api as comms_api
from uptake.comms import pages as comms_pages
from uptake.connectors import api as connectors_api
from uptake.connectors import pages as connectors_pages
from uptake.connectors import service as connectors_service
from uptake.db import make_engine, make_session_factory
from uptake.demo import service as demo_service
from uptake.directory import api as directory_api
from uptake.directory import pages as directory_pages
from uptake.directory import scim_api as directory_scim_api
from uptake.discovery import api as discovery_api
from uptake.discovery import pages as discovery_pages
from uptake.enablement import api as enablement_api
from uptake.enablement import pages as enablement_pages
from uptake.errors import PROBLEM_CONTENT_TYPE, FieldError, Problem, UptakeError, problem_body
from uptake.governance import api as governance_api
from uptake.governance import pages as governance_pages
from uptake.jobs import api as jobs_api
from uptake.jobs import pages as jobs_pages
from uptake.jobs.runner import Worker
from uptake.licences import api as licences_api
from uptake.licences import pages as licences_pages
from uptake.observability import HttpMetrics, RequestContextMiddleware, configure_logging
from uptake.privacy import pages as privacy_pages
from uptake.reports import pages as reports_pages
from uptake.rollout import api as rollout_api
from uptake.rollout import ofrep as rollout_ofrep
from uptake.rollout import pages as rollout_pages
from uptake.settings import Settings
from uptake.surveys import api as surveys_api
from uptake.surveys import pages as surveys_pages
from uptake.telemetry import api as telemetry_api
from uptake.telemetry import import_pages as telemetry_import_pages
from uptake.telemetry import otlp_api as telemetry_otlp_api
from uptake.telemetry import pages as telemetry_pages
from uptake.trust import api as trust_api
from uptake.trust import pages as trust_pages
from uptake.trust import widget as trust_widget
from uptake.web.csrf import CsrfMiddleware
from uptake.web.security_headers import SecurityHeadersMiddleware
from uptake.web.templating import build_environment, render
from uptake.workspaces import api as workspaces_api
from uptake.workspaces import pages as workspaces_pages

log = structlog.get_logger("uptake.app")

STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"
API_PREFIX = "/api/v1"
# Paths called by machines with their own credentials; a browser form never posts there.
MACHINE_PATH_PREFIXES = ("/scim/", "/ofrep/", "/v1/traces", "/widget/")
MACHINE_AND_API_PREFIXES = (API_PREFIX, *MACHINE_PATH_PREFIXES, "/healthz", "/readyz", "/metrics")

API_ROUTERS: list[APIRouter] = [
    workspaces_api.router,
    auth_api.router,
    directory_api.router,
    audit_api.router,
    jobs_api.router,
    catalog_api.router,
    governance_api.use_case_router,
    governance_api.router,
    enablement_api.router,
    comms_api.router,
    analytics_api.router,
    telemetry_api.router,
    rollout_api.router,
    trust_api.router,
    surveys_api.router,
    licences_api.router,
    connectors_api.router,
    discovery_api.router,
]
PAGE_ROUTERS: list[APIRouter] = [
    directory_scim_api.router,
    telemetry_otlp_api.router,
    app_pages.router,
    workspaces_pages.router,
    reports_pages.router,
    auth_pages.router,
    directory_pages.router,
    audit_pages.router,
    jobs_pages.router,
    catalog_pages.router,
    use_case_pages.router,  # after the catalog's: /use-cases/new is not a use case's slug
    governance_pages.router,
    enablement_pages.router,
    comms_pages.router,
    telemetry_pages.router,
    telemetry_import_pages.router,
    privacy_pages.router,
    rollout_ofrep.router,
    rollout_pages.router,
    trust_widget.router,
    trust_pages.router,
    surveys_pages.router,
    licences_pages.router,
    connectors_pages.router,
    discovery_pages.router,
]


def create_app(settings: Settings, *, start_worker: bool | None = None) -> FastAPI:
    """The application for ``settings`` (already prepared: data dir made, secret key loaded, schema migrated)."""
    configure_logging(settings.log_level, settings.log_format)
    run_worker = settings.run_worker if start_worker is None else start_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker: Worker | None = None
        if run_worker:
            worker = Worker(settings, app.state.session_factory, app.state.job_definitions)
            worker.start_in_thread()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            app.state.event_store.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="uptake",
        version="0.1.0",
        description="The uptake API: AI use cases, rollout, usage telemetry and adoption analytics.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = make_engine(settings.effective_database_url)
    app.state.session_factory = make_session_factory(app.state.engine, settings)
    from uptake.telemetry.event_store import EventStore

    app.state.event_store = EventStore(settings.effective_events_url)
    app.state.templates = build_environment()
    app.state.job_definitions = job_definitions()
    app.state.http_metrics = HttpMetrics()
    authenticator: Authenticator = auth_service
    app.state.authenticator = authenticator
    demo_logins: DemoLogins = demo_service.demo_logins
    app.state.demo_logins = demo_logins
    # Who releases and gives vendor seats for the reassignment queue: GitHub's calls for a tool a GitHub
    # connector syncs, else none (each step is recorded with what to do in the vendor's console).
    app.state.seat_administrators = connectors_service.seat_administrators(settings)

    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router)
    app.include_router(health.public_metrics_router if settings.metrics_public else health.metrics_router)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    _document_problems(app)
    _install_error_handlers(app)
    app.add_middleware(
        CsrfMiddleware,
        exempt_prefixes=MACHINE_PATH_PREFIXES,
        secure=settings.effective_secure_cookies,
        is_signed_in=signed_session_checker(settings),
    )
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware, metrics=app.state.http_metrics)
    return app


ERROR_STATUSES = {
    "400": "The request cannot be completed.",
    "401": "Log in or send an API key.",
    "403": "Your role or key does not allow this.",
    "404": "Not found.",
    "409": "This conflicts with what is already stored.",
    "413": "The request is too large.",
    "422": "Some fields are invalid; each is named with the reason.",
    "429": "Too many requests.",
}


def _document_problems(app: FastAPI) -> None:
    """Describe every error answer as problem+json in the OpenAPI document (it is what the handlers send)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Problem"] = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(components["Problem"].pop("$defs", {}))
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        problem = {"content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in ERROR_STATUSES.items():
                    responses[status] = {"description": description, **problem}
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def _wants_page(request: Request) -> bool:
    if request.url.path.startswith(MACHINE_AND_API_PREFIXES):
        return False
    return "text/html" in request.headers.get("accept", "") or request.method == "GET"


def _field_name(location: tuple[Any, ...]) -> str:
    parts = list(
        location[1:]
        if location and location[0] in ("body", "query", "path", "header", "cookie", "form")
        else location
    )
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += f".{part}" if name else str(part)
    return name or str(location[0] if location else "body")


def _problem_response(request: Request, status: int, body: dict[str, Any]) -> Response:
    request_id = request.scope.get("state", {}).get("request_id")
    if request_id:
        body.setdefault("request_id", request_id)
    if _wants_page(request):
        context = {
            "status": status,
            "title": body.get("title", "Error"),
            "detail": body.get("detail", ""),
            "errors": [FieldError(**error) for error in body.get("errors", [])],
            "request_id": request_id,
        }
        return render(request, "error.html", context, status=status)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_CONTENT_TYPE)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, error: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(UptakeError)
    async def uptake_error(request: Request, error: UptakeError) -> Response:
        if error.status >= 500:
            log.error("uptake_error", error=type(error).__name__, detail=error.detail)
        return _problem_response(request, error.status, error.problem(request.url.path))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, error: RequestValidationError) -> Response:
        errors = [
            {"field": _field_name(tuple(item.get("loc", ()))), "reason": str(item.get("msg", "is invalid"))}
            for item in error.errors()
        ]
        body = problem_body(
            422, "Some fields are invalid.", "; ".join(f"{e['field']}: {e['reason']}" for e in errors)
        )
        body["type"] = "/problems/invalid-input"
        body["errors"] = errors
        return _problem_response(request, 422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        titles = {404: "Not found.", 405: "This method is not allowed here."}
        detail = str(error.detail) if error.detail else titles.get(error.status_code, "HTTP error")
        if error.status_code == 404:
            detail = f"nothing is at {request.url.path}"
        body = problem_body(error.status_code, titles.get(error.status_code, "HTTP error."), detail)
        response = _problem_response(request, error.status_code, body)
        for name, value in (error.headers or {}).items():
            response.headers[name] = value
        return response

    @app.exception_handler(IntegrityError)
    async def integrity_error(request: Request, error: IntegrityError) -> Response:
        reason = (
            str(error.orig).splitlines()[0] if error.orig else "a uniqueness or reference rule was broken"
        )
        body = problem_body(409, "This conflicts with what is already stored.", reason)
        return _problem_response(request, 409, body)

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, error: Exception) -> Response:
        log.exception("unhandled_error", path=request.url.path)
        body = problem_body(
            500, "Something went wrong on our side.", "the error was logged with this request's id"
        )
        return _problem_response(request, 500, body)
