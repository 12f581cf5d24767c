"""Liveness, readiness (both stores answer) and Prometheus metrics: what operators probe and scrape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from uptake.access.dependencies import MetricsScraper, Public
from uptake.errors import PROBLEM_CONTENT_TYPE, problem_body
from uptake.telemetry.dependencies import get_event_store

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="Liveness: the process answers")
def healthz(caller: Public) -> dict[str, str]:
    return {"status": "ok"}


def check_stores(request: Request) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as error:  # noqa: BLE001 - any failure means not ready; the reason is reported
        checks["database"] = {"ok": False, "reason": str(error).splitlines()[0][:300]}
    try:
        get_event_store(request).ping()
        checks["events"] = {"ok": True}
    except Exception as error:  # noqa: BLE001 - any failure means not ready; the reason is reported
        checks["events"] = {"ok": False, "reason": str(error).splitlines()[0][:300]}
    return checks


@router.get("/readyz", summary="Readiness: the application database and the events store both answer")
def readyz(request: Request, caller: Public) -> Response:
    checks = check_stores(request)
    if all(check["ok"] for check in checks.values()):
        return JSONResponse({"status": "ready", "checks": checks})
    failing = ", ".join(name for name, check in checks.items() if not check["ok"])
    body = problem_body(503, "Not ready.", f"these stores do not answer: {failing}", checks=checks)
    return JSONResponse(body, status_code=503, media_type=PROBLEM_CONTENT_TYPE)


# /metrics names routes and their traffic: by default only a key with metrics:read (or an admin) scrapes it; with
# the setting metrics_public the app mounts the open router instead (a scrape from a private network).
metrics_router = APIRouter(tags=["operations"])
public_metrics_router = APIRouter(tags=["operations"])


def _metrics(request: Request) -> Response:
    return Response(generate_latest(request.app.state.http_metrics.registry), media_type=CONTENT_TYPE_LATEST)


@metrics_router.get(
    "/metrics", summary="Prometheus metrics (a key with metrics:read)", response_class=Response
)
def metrics(request: Request, scraper: MetricsScraper) -> Response:
    return _metrics(request)


@public_metrics_router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def public_metrics(request: Request, anyone: Public) -> Response:
    return _metrics(request)
