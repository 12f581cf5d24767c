"""The application's event store as a route dependency, typed: a route takes ``store: EventStoreDep``; a helper
given the request calls ``get_event_store``. `create_app` opens the one store of the application; a job or a
command opens one with ``telemetry_service.open_event_store``. Other domains name its type ``EventStore`` from
here, and only hand it back to telemetry's service."""

from __future__ import annotations

from typing import Annotated, TypeAlias

from fastapi import Depends, Request

from uptake.telemetry import event_store

EventStore: TypeAlias = event_store.EventStore


def get_event_store(request: Request) -> EventStore:
    store: EventStore = request.app.state.event_store
    return store


EventStoreDep = Annotated[EventStore, Depends(get_event_store)]
