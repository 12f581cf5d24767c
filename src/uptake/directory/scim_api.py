"""The SCIM 2.0 routes at ``/scim/v2`` (RFC 7644). Answers are ``application/scim+json``; errors too, in SCIM's
own error format (the one place uptake does not answer problem+json, because the standard says so).

Only an API key with the ``scim`` scope may call them (a logged-in browser may not: these routes are exempt from
CSRF checks, so a cookie must never be enough).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from uptake.access.dependencies import ScimClient, SessionDep
from uptake.access.principal import Principal
from uptake.directory import scim, scim_discovery
from uptake.directory.scim import ScimError
from uptake.errors import UptakeError

SCIM_CONTENT_TYPE = "application/scim+json"
SCIM_PREFIX = "/scim/v2"
DISCOVERY_ENDPOINTS = ("ServiceProviderConfig", "ResourceTypes", "Schemas")


class ScimResponse(JSONResponse):
    media_type = SCIM_CONTENT_TYPE


def scim_error_response(error: ScimError) -> Response:
    return ScimResponse(error.body(), status_code=error.status)


class ScimRoute(APIRoute):
    """Turns every failure of a SCIM route, the access check's included, into a SCIM error answer."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def scim_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except ScimError as error:
                return scim_error_response(error)
            except UptakeError as error:
                scim_type = "invalidValue" if error.status in (400, 422) else None
                status = 400 if error.status == 422 else error.status
                response = scim_error_response(ScimError(status, error.detail, scim_type))
                if error.status == 401:
                    response.headers["WWW-Authenticate"] = 'Bearer realm="uptake SCIM"'
                return response
            except RequestValidationError as error:
                first = error.errors()[0] if error.errors() else {}
                where = ".".join(str(part) for part in first.get("loc", ()))
                return scim_error_response(
                    ScimError(400, f"{where}: {first.get('msg', 'is invalid')}", "invalidValue")
                )

        return scim_handler


router = APIRouter(prefix=SCIM_PREFIX, route_class=ScimRoute, include_in_schema=False)


def scim_caller(caller: ScimClient) -> Principal:
    if caller.api_key_id is None:
        raise ScimError(403, "SCIM takes an API key with the 'scim' scope, not a login")
    return caller


ScimCaller = Annotated[Principal, Depends(scim_caller)]


async def scim_payload(request: Request) -> dict[str, Any]:
    body = await request.body()
    try:
        payload = json.loads(body or b"null")
    except ValueError:
        raise ScimError(400, "the body is not JSON", "invalidSyntax") from None
    if not isinstance(payload, dict):
        raise ScimError(400, "the body must be a JSON object", "invalidSyntax")
    return payload


Payload = Annotated[dict[str, Any], Depends(scim_payload)]
IfMatch = Annotated[str | None, Header(alias="If-Match")]
ExcludedAttributes = Annotated[str | None, Query(alias="excludedAttributes")]


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + SCIM_PREFIX


def _resource(resource: dict[str, Any], *, status: int = 200, request: Request | None = None) -> Response:
    response = ScimResponse(resource, status_code=status)
    meta = resource.get("meta") or {}
    if meta.get("version"):
        response.headers["ETag"] = meta["version"]
    if status == 201 and meta.get("location"):
        response.headers["Location"] = meta["location"]
    return response


def _names(value: str | None) -> list[str]:
    return [name for name in (value or "").split(",") if name.strip()]


def _not_modified(request: Request, resource: dict[str, Any]) -> bool:
    wanted = request.headers.get("if-none-match")
    return wanted is not None and resource["meta"]["version"] in {tag.strip() for tag in wanted.split(",")}


# -- discovery --------------------------------------------------------------------------------------------------


@router.get("/ServiceProviderConfig")
def service_provider_config(request: Request, caller: ScimCaller) -> Response:
    return ScimResponse(scim_discovery.service_provider_config(base_url(request)))


@router.get("/ResourceTypes")
def resource_types(request: Request, caller: ScimCaller) -> Response:
    documents = scim_discovery.resource_types(base_url(request), scim.RESOURCE_TYPES)
    return ScimResponse(scim.ListPage(documents, len(documents), 1).body())


@router.get("/ResourceTypes/{resource_type_id}")
def resource_type(resource_type_id: str, request: Request, caller: ScimCaller) -> Response:
    for document in scim_discovery.resource_types(base_url(request), scim.RESOURCE_TYPES):
        if document["id"] == resource_type_id:
            return ScimResponse(document)
    raise ScimError(404, f"there is no resource type {resource_type_id!r}")


@router.get("/Schemas")
def schemas(request: Request, caller: ScimCaller) -> Response:
    documents = scim_discovery.schemas(base_url(request))
    return ScimResponse(scim.ListPage(documents, len(documents), 1).body())


@router.get("/Schemas/{schema_id}")
def schema(schema_id: str, request: Request, caller: ScimCaller) -> Response:
    for document in scim_discovery.schemas(base_url(request)):
        if document["id"] == schema_id:
            return ScimResponse(document)
    raise ScimError(404, f"there is no schema {schema_id!r}")


# -- users and groups: one set of routes per resource type of ``scim.RESOURCE_TYPES`` -------------------------


def _integer(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ScimError(400, f"{value!r} is not a whole number", "invalidValue") from None


def _attribute_lists(parameters: dict[str, Any]) -> tuple[list[str], list[str]]:
    def as_list(value: Any) -> list[str]:
        return [str(item) for item in value] if isinstance(value, list) else _names(value)

    return as_list(parameters.get("attributes")), as_list(parameters.get("excludedAttributes"))


def _list(
    kind: scim.ResourceType, request: Request, session: Session, caller: Principal, parameters: dict[str, Any]
) -> Response:
    attributes, excluded = _attribute_lists(parameters)
    page = kind.list_page(
        session,
        caller.workspace_id,
        base_url(request),
        filter_text=parameters.get("filter"),
        start_index=_integer(parameters.get("startIndex")),
        count=_integer(parameters.get("count")),
        **kind.list_options(attributes, excluded),
    )
    page = scim.ListPage(
        [scim.project(item, attributes, excluded) for item in page.resources], page.total, page.start_index
    )
    return ScimResponse(page.body())


def _add_resource_routes(kind: scim.ResourceType) -> None:
    """GET (list), POST .search, POST (create), and GET, PUT, PATCH, DELETE of one resource, for ``kind``."""
    collection = f"/{kind.endpoint}"
    id_name = f"{kind.id.lower()}_id"  # /Users/{user_id}, /Groups/{group_id}
    one = f"/{kind.endpoint}/{{{id_name}}}"
    name = kind.endpoint.lower()

    def resource_id(request: Request) -> str:
        return str(request.path_params[id_name])

    def list_resources(request: Request, session: SessionDep, caller: ScimCaller) -> Response:
        return _list(kind, request, session, caller, dict(request.query_params))

    def search(request: Request, session: SessionDep, caller: ScimCaller, payload: Payload) -> Response:
        return _list(kind, request, session, caller, payload)

    def create(request: Request, session: SessionDep, caller: ScimCaller, payload: Payload) -> Response:
        resource = kind.create(session, caller.workspace_id, payload, base_url(request), actor=caller.actor)
        return _resource(resource, status=201)

    def get(
        request: Request,
        session: SessionDep,
        caller: ScimCaller,
        attributes: str | None = None,
        excluded_attributes: ExcludedAttributes = None,
    ) -> Response:
        resource = kind.get(session, caller.workspace_id, resource_id(request), base_url(request))
        if _not_modified(request, resource):
            return Response(status_code=304, headers={"ETag": resource["meta"]["version"]})
        return _resource(scim.project(resource, _names(attributes), _names(excluded_attributes)))

    def replace(
        request: Request,
        session: SessionDep,
        caller: ScimCaller,
        payload: Payload,
        if_match: IfMatch = None,
    ) -> Response:
        resource = kind.replace(
            session,
            caller.workspace_id,
            resource_id(request),
            payload,
            base_url(request),
            actor=caller.actor,
            if_match=if_match,
        )
        return _resource(resource)

    def patch(
        request: Request,
        session: SessionDep,
        caller: ScimCaller,
        payload: Payload,
        if_match: IfMatch = None,
    ) -> Response:
        resource = kind.patch(
            session,
            caller.workspace_id,
            resource_id(request),
            payload,
            base_url(request),
            actor=caller.actor,
            if_match=if_match,
        )
        return _resource(resource)

    def delete(
        request: Request,
        session: SessionDep,
        caller: ScimCaller,
        if_match: IfMatch = None,
    ) -> Response:
        kind.delete(
            session,
            caller.workspace_id,
            resource_id(request),
            base_url(request),
            actor=caller.actor,
            if_match=if_match,
        )
        return Response(status_code=204)

    router.add_api_route(collection, list_resources, methods=["GET"], name=f"list_{name}")
    router.add_api_route(f"{collection}/.search", search, methods=["POST"], name=f"search_{name}")
    router.add_api_route(collection, create, methods=["POST"], name=f"create_{name}")
    router.add_api_route(one, get, methods=["GET"], name=f"get_{name}")
    router.add_api_route(one, replace, methods=["PUT"], name=f"replace_{name}")
    router.add_api_route(one, patch, methods=["PATCH"], name=f"patch_{name}")
    router.add_api_route(one, delete, methods=["DELETE"], name=f"delete_{name}")


for _kind in scim.RESOURCE_TYPES:
    _add_resource_routes(_kind)


# -- everything else under /scim/v2 -----------------------------------------------------------------------------


@router.post("/.search")
def search_everything(caller: ScimCaller) -> Response:
    raise ScimError(
        501, "searching Users and Groups at once is not supported; use /Users/.search or /Groups/.search"
    )


@router.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def nothing_here(rest: str, request: Request, caller: ScimCaller) -> Response:
    endpoints = {*DISCOVERY_ENDPOINTS, *(kind.endpoint for kind in scim.RESOURCE_TYPES)}
    if rest.split("/")[0] in endpoints:
        raise ScimError(405, f"{request.method} is not allowed on {SCIM_PREFIX}/{rest}")
    raise ScimError(404, f"nothing is at {SCIM_PREFIX}/{rest}")
