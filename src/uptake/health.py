"""Liveness, readiness (both stores answer) and Prometheus metrics: what operators probe and scrape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from uptake.access.dependencies import Public
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


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
def metrics(request: Request, caller: Public) -> Response:
    return Response(generate_latest(request.app.state.http_metrics.registry), media_type=CONTENT_TYPE_LATEST)
