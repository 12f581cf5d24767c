"""The application's event store as a route dependency, typed: a route takes ``store: EventStoreDep``; a helper
given the request calls ``get_event_store``. `create_app` opens the one store of the application; a job or a
command opens one with ``telemetry_service.open_event_store``. Other domains name its type ``EventStore`` from
here, and only hand it back to telemetry's service. The ingest routes (events API and OTLP) share one cache of
workspace contexts, ``get_ingest_contexts``."""

from __future__ import annotations

from typing import Annotated, TypeAlias

from fastapi import Depends, Request

from uptake.telemetry import event_store
from uptake.telemetry.service import IngestContexts

EventStore: TypeAlias = event_store.EventStore


def get_event_store(request: Request) -> EventStore:
    store: EventStore = request.app.state.event_store
    return store


EventStoreDep = Annotated[EventStore, Depends(get_event_store)]


def get_ingest_contexts(request: Request) -> IngestContexts:
    """The app's cache of workspace ingest contexts, made on the first batch: an exporter sends a batch every few
    seconds per process, and the directory and catalog need not be read for each."""
    state = request.app.state
    contexts: IngestContexts | None = getattr(state, "ingest_contexts", None)
    if contexts is None:
        contexts = state.ingest_contexts = IngestContexts()
    return contexts
