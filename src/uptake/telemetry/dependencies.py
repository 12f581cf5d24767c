"""The application's event store as a route dependency, typed: a route takes ``store: EventStoreDep``; a helper
given the request calls ``get_event_store``. `create_app` opens the one store of the application."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from uptake.telemetry.event_store import EventStore


def get_event_store(request: Request) -> EventStore:
    store: EventStore = request.app.state.event_store
    return store


EventStoreDep = Annotated[EventStore, Depends(get_event_store)]
