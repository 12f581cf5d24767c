"""The application's analytics engine as a route dependency, typed: a route takes ``analytics: AnalyticsDep``; a
helper given the request calls ``get_analytics``. There is one engine per application, kept on the state that
`create_app` builds and opened on first use, so every page, route and job of the process shares its cache."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from uptake.analytics.service import Analytics, app_analytics


def get_analytics(request: Request) -> Analytics:
    return app_analytics(request.app.state)


AnalyticsDep = Annotated[Analytics, Depends(get_analytics)]
