"""The administrator's page for a person's rights: look a person up, see and download everything held about
them, and erase them."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from uptake.access.dependencies import AdminPage, SessionDep
from uptake.errors import NotFound
from uptake.privacy import service
from uptake.telemetry.dependencies import EventStore, get_event_store
from uptake.web.flash import flash
from uptake.web.templating import render

router = APIRouter(include_in_schema=False)

SHOWN_EVENTS = 200


def _store(request: Request) -> EventStore:
    store = get_event_store(request)
    return store


@router.get("/settings/people-rights")
def people_rights_page(
    request: Request,
    session: SessionDep,
    admin: AdminPage,
    person: Annotated[str | None, Query(max_length=320)] = None,
) -> Response:
    wanted = (person or "").strip()
    export, not_found = None, None
    if wanted:
        try:
            export = service.export_personal_data(
                session, _store(request), admin.workspace_id, wanted, actor=admin.actor
            )
        except NotFound as error:
            not_found = error.detail
    return render(
        request,
        "privacy/people_rights.html",
        {"person": wanted, "export": export, "not_found": not_found, "shown_events": SHOWN_EVENTS},
        status=404 if not_found else 200,
    )


@router.get("/settings/people-rights/export")
def download_personal_data(
    request: Request,
    session: SessionDep,
    admin: AdminPage,
    person: Annotated[str, Query(min_length=1, max_length=320)],
) -> Response:
    export = service.export_personal_data(
        session, _store(request), admin.workspace_id, person, actor=admin.actor
    )
    return Response(
        json.dumps(export, indent=2, ensure_ascii=False),
        media_type="application/json",
        headers={
            "Content-Disposition": f'attachment; filename="personal-data-{export["person"]["id"]}.json"'
        },
    )


@router.post("/settings/people-rights/erasure")
def erase_person(
    request: Request,
    session: SessionDep,
    admin: AdminPage,
    person: Annotated[str, Form(min_length=1, max_length=320)],
    confirmation: Annotated[str, Form(max_length=320)] = "",
    keep_aggregates: Annotated[str | None, Form()] = None,
) -> Response:
    if confirmation.strip().lower() != person.strip().lower():
        response = RedirectResponse(f"/settings/people-rights?person={person}", status_code=303)
        flash(
            request, response, "Nothing was erased: type the person's email or id again to confirm.", "error"
        )
        return response
    report = service.erase_person(
        session,
        _store(request),
        admin.workspace_id,
        person,
        actor=admin.actor,
        keep_aggregates=keep_aggregates == "on",
    )
    response = RedirectResponse("/settings/people-rights", status_code=303)
    what = (
        f"{report.events_rekeyed:,} events made unlinkable"
        if keep_aggregates == "on"
        else f"{report.events_deleted:,} events deleted"
    )
    flash(
        request,
        response,
        f"Person {report.person_id} was erased: directory record removed, {what}, "
        f"{report.feedback_deleted:,} feedback deleted, {report.texts_redacted:,} texts they wrote redacted."
        + (
            " Delete the Parquet exports of events made before, or export again: "
            + ", ".join(report.parquet_exports)
            if report.parquet_exports
            else ""
        ),
        "success",
    )
    return response
