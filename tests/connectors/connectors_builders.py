"""Fakes of the vendors' APIs on a real HTTP server the test starts (pytest-httpserver, 127.0.0.1), and a
workspace with the catalog tools the connectors write to.

The fakes answer every path from one handler, so a test states the vendor's data (seats, report files, users)
and the failures it wants first (`fail_next`), and reads back the calls made."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from fixtures_path import require_shared_fixtures
from support import World
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.connectors import schemas, service
from uptake.db import session_scope

GITHUB_FIXTURES = require_shared_fixtures() / "github-copilot-metrics"
TOKEN = "ghp_fake_token_for_tests"


def fixture(name: str) -> Any:
    return json.loads((GITHUB_FIXTURES / name).read_text())


def user_day(
    login: str, day: date, *, prompts: int = 2, generated: int = 3, accepted: int = 1
) -> dict[str, Any]:
    """One user's day in a users-1-day NDJSON file (the fields the importer reads)."""
    return {
        "day": day.isoformat(),
        "user_id": abs(hash(login)) % 10_000_000,
        "user_login": login,
        "user_initiated_interaction_count": prompts,
        "code_generation_activity_count": generated,
        "code_acceptance_activity_count": accepted,
        "used_chat": prompts > 0,
        "used_agent": False,
    }


def ndjson(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(record) + "\n" for record in records).encode()


def seat(
    login: str, *, created_at: str = "2025-01-06T10:00:00Z", pending: str | None = None
) -> dict[str, Any]:
    return {
        "created_at": created_at,
        "pending_cancellation_date": pending,
        "last_activity_at": None,
        "plan_type": "business",
        "assignee": {"login": login, "id": abs(hash(login)) % 10_000_000, "type": "User"},
    }


@dataclass
class FakeGitHub:
    """GitHub's Copilot seat list and usage reports for one organization."""

    server: HTTPServer
    organization: str = "acme"
    token: str = TOKEN
    seat_pages: list[list[dict[str, Any]]] = field(default_factory=list)
    reports: dict[tuple[str, str], list[bytes]] = field(default_factory=dict)
    """(report, day) → its NDJSON files; a day not here answers 404."""
    failures: dict[str, list[tuple[int, dict[str, str], Any]]] = field(default_factory=dict)
    """Path → answers given before the normal one, each once."""
    calls: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)
    answers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    saml: list[tuple[str, str]] | None = None
    """(login, SAML name id) of the organization's single sign-on; None: the organization has no SAML."""

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def serve_answer(self, report: str, answer: dict[str, Any], files: list[bytes]) -> None:
        """A documented report answer as it is, its download links moved to this server, each serving a file."""
        links = []
        for link, content in zip(answer["download_links"], files, strict=True):
            path = "/" + link.split("://", 1)[1].split("/", 1)[1]
            self.files[path] = content
            links.append(f"{self.base_url}{path}")
        self.answers[(report, answer["report_day"])] = {**answer, "download_links": links}

    def add_day(self, day: date, records: list[dict[str, Any]], *, files: int = 1) -> None:
        """The users report of `day` in `files` files (records split between them), and an organization day."""
        chunks = [records[n::files] for n in range(files)]
        self.reports[("users-1-day", day.isoformat())] = [ndjson(chunk) for chunk in chunks]
        totals = {"day": day.isoformat(), "daily_active_users": len({r["user_login"] for r in records})}
        self.reports[("organization-1-day", day.isoformat())] = [ndjson([totals])]

    def fail_next(
        self, path: str, status: int, headers: dict[str, str] | None = None, body: Any = None
    ) -> None:
        self.failures.setdefault(path, []).append((status, headers or {}, body or {"message": "failure"}))

    def paths_called(self) -> list[str]:
        return [path.rstrip("?") for _, path, _ in self.calls]

    def _saml_page(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.saml is None:
            return {"data": {"organization": {"samlIdentityProvider": None}}}
        start = int(body["variables"].get("after") or 0)
        page = self.saml[start : start + 100]
        nodes = [{"samlIdentity": {"nameId": name_id}, "user": {"login": login}} for login, name_id in page]
        more = start + 100 < len(self.saml)
        info = {"hasNextPage": more, "endCursor": str(start + 100) if more else None}
        return {
            "data": {
                "organization": {
                    "samlIdentityProvider": {"externalIdentities": {"pageInfo": info, "nodes": nodes}}
                }
            }
        }

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
        return Response(
            json.dumps(body), status=status, headers=headers or {}, content_type="application/json"
        )

    def handle(self, request: Request) -> Response:
        path = request.path
        self.calls.append((request.method, request.full_path, dict(request.headers)))
        if self.failures.get(path):
            status, headers, body = self.failures[path].pop(0)
            return self._json(status, body, headers)
        if path in self.files:
            return Response(self.files[path], content_type="application/x-ndjson")
        if path.startswith("/files/"):
            _, _, report, day, number = path.split("/")
            return Response(self.reports[(report, day)][int(number)], content_type="application/x-ndjson")
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._json(401, {"message": "Bad credentials"})
        prefix = f"/orgs/{self.organization}/copilot"
        query = parse_qs(request.query_string.decode())
        if path == "/graphql" and request.method == "POST":
            return self._json(200, self._saml_page(request.get_json()))
        if path == f"{prefix}/billing":
            total = sum(len(page) for page in self.seat_pages)
            return self._json(200, {"seat_breakdown": {"total": total}, "plan_type": "business"})
        if path == f"{prefix}/billing/seats":
            number = int(query.get("page", ["1"])[0])
            page = self.seat_pages[number - 1] if number <= len(self.seat_pages) else []
            headers = {}
            if number < len(self.seat_pages):
                headers["Link"] = f'<{self.base_url}{path}?page={number + 1}&per_page=100>; rel="next"'
            total = sum(len(page) for page in self.seat_pages)
            return self._json(200, {"total_seats": total, "seats": page}, headers)
        match = re.fullmatch(rf"{prefix}/metrics/reports/([a-z0-9-]+)", path)
        if match:
            report, day = match.group(1), query.get("day", [""])[0]
            if (report, day) in self.answers:
                return self._json(200, self.answers[(report, day)])
            files = self.reports.get((report, day))
            if files is None:
                return self._json(404, {"message": "Not Found"})
            links = [f"{self.base_url}/files/{report}/{day}/{n}" for n in range(len(files))]
            return self._json(200, {"download_links": links, "report_day": day})
        return self._json(404, {"message": "Not Found"})


@dataclass
class FakeMicrosoft:
    """Microsoft's token endpoint (client credentials) and Graph's Copilot usage user-detail report."""

    server: HTTPServer
    tenant_id: str = "contoso-tenant"
    client_id: str = "app-id"
    client_secret: str = "app-secret"
    rows: list[dict[str, Any]] = field(default_factory=list)
    page_size: int = 100
    expires_in: int = 3600
    tokens_issued: list[str] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    pages_per_token: int | None = None
    """After serving this many report pages with one token, the fake treats it as expired (401)."""
    failures: list[tuple[int, dict[str, str], Any]] = field(default_factory=list)
    """Answers the report gives before its normal one, each once."""
    _served: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.server.expect_request(re.compile(".*")).respond_with_handler(self.handle)

    @property
    def base_url(self) -> str:
        return self.server.url_for("").rstrip("/")

    def handle(self, request: Request) -> Response:
        self.calls.append(request.full_path)
        if request.path == f"/{self.tenant_id}/oauth2/v2.0/token":
            form = request.form
            if form.get("client_secret") != self.client_secret or form.get("client_id") != self.client_id:
                body = {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret.",
                }
                return Response(json.dumps(body), status=401, content_type="application/json")
            token = f"token-{len(self.tokens_issued) + 1}"
            self.tokens_issued.append(token)
            body = {"token_type": "Bearer", "expires_in": self.expires_in, "access_token": token}
            return Response(json.dumps(body), content_type="application/json")
        authorization = request.headers.get("Authorization", "")
        token = authorization.removeprefix("Bearer ")
        if token not in self.tokens_issued or token in self.revoked:
            body = {"error": {"code": "InvalidAuthenticationToken", "message": "Access token has expired."}}
            return Response(json.dumps(body), status=401, content_type="application/json")
        if "getMicrosoft365CopilotUsageUserDetail" in request.path:
            if self.failures:
                status, headers, failure = self.failures.pop(0)
                return Response(
                    json.dumps(failure), status=status, headers=headers, content_type="application/json"
                )
            self._served[token] = self._served.get(token, 0) + 1
            if self.pages_per_token is not None and self._served[token] >= self.pages_per_token:
                self.revoked.add(token)
            skip = int(request.args.get("$skiptoken", "0"))
            page = self.rows[skip : skip + self.page_size]
            body: dict[str, Any] = {"value": page}
            if skip + self.page_size < len(self.rows):
                body["@odata.nextLink"] = (
                    f"{self.base_url}{request.path}?$format=application/json&$skiptoken={skip + self.page_size}"
                )
            return Response(json.dumps(body), content_type="application/json")
        return Response(
            json.dumps({"error": {"message": "not found"}}), status=404, content_type="application/json"
        )


def make_workspace(world: World, *, timezone: str = "UTC") -> int:
    """A workspace with the catalog tools `github-copilot` (19 USD a seat) and `m365-copilot` (30 USD)."""
    workspace_id = world.workspace(timezone=timezone)
    with session_scope(world.factory, workspace_id) as session:
        for slug, name, vendor, cost in (
            ("github-copilot", "GitHub Copilot", "GitHub", 19.0),
            ("m365-copilot", "Microsoft 365 Copilot", "Microsoft", 30.0),
        ):
            catalog_service.create_tool(
                session,
                workspace_id,
                catalog_schemas.ToolCreate(
                    slug=slug, name=name, vendor=vendor, cost_per_seat_month=cost, currency="USD"
                ),
                actor="test",
            )
    return workspace_id


def add_github_connector(world: World, workspace_id: int, fake: FakeGitHub, **fields: Any) -> int:
    body = schemas.ConnectorCreate(
        name=fields.pop("name", "github"),
        kind="github_copilot",
        secret=fields.pop("secret", TOKEN),
        organization=fake.organization,
        base_url=fake.base_url,
        backfill_days=fields.pop("backfill_days", 3),
        **fields,
    )
    with session_scope(world.factory, workspace_id) as session:
        return service.create_connector(
            session, workspace_id, body, installation_key=world.settings.effective_secret_key, actor="test"
        ).id


def add_microsoft_connector(world: World, workspace_id: int, fake: FakeMicrosoft, **fields: Any) -> int:
    body = schemas.ConnectorCreate(
        name=fields.pop("name", "m365"),
        kind="microsoft_365_copilot",
        secret=fields.pop("secret", fake.client_secret),
        tenant_id=fake.tenant_id,
        client_id=fake.client_id,
        base_url=fake.base_url,
        login_url=fake.base_url,
        **fields,
    )
    with session_scope(world.factory, workspace_id) as session:
        return service.create_connector(
            session, workspace_id, body, installation_key=world.settings.effective_secret_key, actor="test"
        ).id


def sample_path() -> Path:
    return Path(__file__).resolve().parents[1] / "telemetry" / "samples"
