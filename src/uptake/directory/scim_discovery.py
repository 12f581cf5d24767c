"""What the SCIM endpoint says about itself (RFC 7643 §5–7, RFC 7644 §4): the service provider configuration,
the resource types and the schemas, generated from ``scim2-models`` and trimmed to what uptake stores.

uptake keeps a person's other SCIM attributes as sent (see ``scim.py``), but publishes only the attributes listed
in ``USER_ATTRIBUTES``/``ENTERPRISE_ATTRIBUTES``/``GROUP_ATTRIBUTES``: those it reads back exactly as written.
Two choices differ from the core schema on purpose: ``emails`` and ``emails.value`` are required (every person
in the directory has an email), and a group's members are users only (a team's subteams are not members).

uptake's own extension, ``UPTAKE_SCHEMA``, carries a person's accounts at AI vendors (``githubLogin``,
``microsoftUpn``): each one sent links the account to the person in the directory (``service.vendor_accounts``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Protocol

from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Extension,
    Filter,
    Group,
    Patch,
    ResourceType,
    Schema,
    SchemaExtension,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
    User,
)
from scim2_models import Pagination as ScimPagination

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
UPTAKE_SCHEMA = "urn:ietf:params:scim:schemas:extension:uptake:2.0:User"
LIST_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
MAX_RESULTS = 1000

# attribute -> the sub-attributes published (None: a simple attribute)
USER_ATTRIBUTES: dict[str, tuple[str, ...] | None] = {
    "userName": None,
    "name": ("formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"),
    "displayName": None,
    "nickName": None,
    "title": None,
    "userType": None,
    "preferredLanguage": None,
    "locale": None,
    "timezone": None,
    "active": None,
    "emails": ("value", "type", "primary"),
    "phoneNumbers": ("value", "type", "primary"),
    "groups": ("value", "$ref", "display"),
}
ENTERPRISE_ATTRIBUTES: dict[str, tuple[str, ...] | None] = {
    "employeeNumber": None,
    "costCenter": None,
    "organization": None,
    "division": None,
    "department": None,
    "manager": ("value", "$ref"),
}
# uptake's extension attribute -> the vendor whose account it names (directory.service.vendor_accounts.VENDORS)
UPTAKE_ATTRIBUTES: dict[str, str] = {"githubLogin": "github", "microsoftUpn": "microsoft"}
GROUP_ATTRIBUTES: dict[str, tuple[str, ...] | None] = {
    "displayName": None,
    "members": ("value", "$ref", "type"),
}
REQUIRED = {"emails", "emails.value"}
MEMBER_REFERENCE_TYPES = ["User"]


class UptakeUser(Extension):
    """The person's accounts at AI vendors, so the usage and seats a vendor reports by account count for them."""

    __schema__ = URN(UPTAKE_SCHEMA)

    github_login: Annotated[str | None, Uniqueness.server] = None
    """The person's GitHub login (GitHub Copilot's seats and usage name it)."""

    microsoft_upn: Annotated[str | None, Uniqueness.server] = None
    """The person's Microsoft Entra user principal name, when it is not their email."""


def _trim(schema: Schema, published: dict[str, tuple[str, ...] | None]) -> dict[str, Any]:
    document: dict[str, Any] = schema.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    attributes = []
    for attribute in document.get("attributes", []):
        name = attribute["name"]
        if name not in published:
            continue
        if name in REQUIRED:
            attribute["required"] = True
        sub_names = published[name]
        if sub_names is not None:
            subs = [sub for sub in attribute.get("subAttributes", []) if sub["name"] in sub_names]
            for sub in subs:
                if f"{name}.{sub['name']}" in REQUIRED:
                    sub["required"] = True
                if name == "members" and sub["name"] in ("$ref", "type"):
                    if sub["name"] == "$ref":
                        sub["referenceTypes"] = MEMBER_REFERENCE_TYPES
                    else:
                        sub["canonicalValues"] = MEMBER_REFERENCE_TYPES
            attribute["subAttributes"] = subs
        attributes.append(attribute)
    document["attributes"] = attributes
    return document


def _location(base_url: str, kind: str, identifier: str) -> str:
    return f"{base_url}/{kind}/{identifier}"


def schemas(base_url: str) -> list[dict[str, Any]]:
    """Every schema the endpoint serves: User, the enterprise extension, Group, and the three that describe the
    endpoint itself."""
    documents = [
        _trim(User.to_schema(), USER_ATTRIBUTES),
        _trim(EnterpriseUser.to_schema(), ENTERPRISE_ATTRIBUTES),
        _trim(UptakeUser.to_schema(), dict.fromkeys(UPTAKE_ATTRIBUTES)),
        _trim(Group.to_schema(), GROUP_ATTRIBUTES),
    ]
    for model in (ResourceType, ServiceProviderConfig, Schema):
        documents.append(model.to_schema().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    for document in documents:
        document["meta"] = {
            "resourceType": "Schema",
            "location": _location(base_url, "Schemas", document["id"]),
        }
    return documents


class DescribedResourceType(Protocol):
    """What discovery says of a resource type (``scim.ResourceType`` is one: the table of Users and Groups)."""

    @property
    def id(self) -> str: ...
    @property
    def endpoint(self) -> str: ...
    @property
    def description(self) -> str: ...
    @property
    def schema(self) -> str: ...
    @property
    def extensions(self) -> tuple[str, ...]: ...


def resource_types(base_url: str, kinds: Iterable[DescribedResourceType]) -> list[dict[str, Any]]:
    described = [
        ResourceType(
            id=kind.id,
            name=kind.id,
            description=kind.description,
            endpoint=f"/{kind.endpoint}",
            schema_=URN(kind.schema),
            schema_extensions=[SchemaExtension(schema_=URN(uri), required=False) for uri in kind.extensions]
            or None,
        )
        for kind in kinds
    ]
    documents = []
    for resource_type in described:
        document: dict[str, Any] = resource_type.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
        document["meta"] = {
            "resourceType": "ResourceType",
            "location": _location(base_url, "ResourceTypes", str(resource_type.id)),
        }
        documents.append(document)
    return documents


def service_provider_config(base_url: str, documentation_url: str | None = None) -> dict[str, Any]:
    config = ServiceProviderConfig(
        documentation_uri=documentation_url,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=True),
        pagination=ScimPagination(
            cursor=False,
            index=True,
            default_pagination_method="index",
            default_page_size=100,
            max_page_size=MAX_RESULTS,
        ),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="API key",
                description="An uptake API key with the 'scim' scope, sent as 'Authorization: Bearer <key>'",
                primary=True,
            )
        ],
    )
    document: dict[str, Any] = config.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    document["meta"] = {
        "resourceType": "ServiceProviderConfig",
        "location": f"{base_url}/ServiceProviderConfig",
    }
    return document
