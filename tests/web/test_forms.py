"""The forms layer: a form model read from the request (after the CSRF middleware has read it too), errors by field
in words that name the field, a refused form shown again with everything typed (422, the session rolled back), a
saved one redirected with a flash."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.testclient import TestClient
from pydantic import Field

from uptake.errors import Conflict, FieldError, InvalidInput
from uptake.web.csrf import CsrfMiddleware
from uptake.web.flash import FLASH_COOKIE, pop_flashes
from uptake.web.forms import FormModel, Submitted, answer_form, errors_of, form_of, parse_values, problem_of


class ToolForm(FormModel):
    name: Annotated[str, Field(min_length=1, max_length=20)]
    seats: Annotated[int, Field(ge=0)] = 0
    renewal_on: str = ""
    models: list[str] = Field(default_factory=list)
    owner_email: Annotated[str, Field(max_length=5, title="Owner's email")] = ""


class FakeSession:
    def __init__(self) -> None:
        self.rollbacks = 0

    def rollback(self) -> None:
        self.rollbacks += 1


def test_a_valid_form_parses_into_its_model() -> None:
    submitted = parse_values(ToolForm, {"name": "Copilot", "seats": "12", "models": ["gpt-4o", "o3"]})
    assert submitted.is_valid
    assert submitted.errors == {}
    assert submitted.data == ToolForm(name="Copilot", seats=12, models=["gpt-4o", "o3"])
    assert submitted.values == {
        "name": "Copilot",
        "seats": "12",
        "renewal_on": "",
        "models": ["gpt-4o", "o3"],
        "owner_email": "",
    }


def test_errors_name_the_field_in_words() -> None:
    submitted = parse_values(ToolForm, {"name": "", "seats": "many", "owner_email": "someone@example.com"})
    assert submitted.data is None
    assert submitted.errors == {
        "name": "Name is required.",
        "seats": "Seats must be a number.",
        "owner_email": "Owner's email may be at most 5 characters.",
    }
    assert parse_values(ToolForm, {"name": "x", "seats": "-1"}).errors == {
        "seats": "Seats must be at least 0."
    }
    assert parse_values(ToolForm, {}).errors == {"name": "Name is required."}
    assert parse_values(ToolForm, {"name": "x" * 21}).errors == {"name": "Name may be at most 20 characters."}


def test_service_refusals_become_errors_by_field_or_one_line() -> None:
    refused = InvalidInput(errors=[FieldError("slug", "is taken"), FieldError("owner_email", "is unknown")])
    assert errors_of(refused) == {"slug": "is taken", "owner_email": "is unknown"}
    assert errors_of(Conflict("the tool is retired")) == {"form": "the tool is retired"}
    assert problem_of(refused) == "slug: is taken; owner_email: is unknown"
    assert problem_of(Conflict("the tool is retired")) == "the tool is retired"


@pytest.fixture
def forms_app() -> tuple[FastAPI, FakeSession, list[Any]]:
    """A bare app with the CSRF middleware in front, a form route saving through ``answer_form``."""
    app = FastAPI()
    app.state.settings = SimpleNamespace(effective_secret_key="a-test-secret")
    session = FakeSession()
    saved: list[Any] = []

    def again(values: dict[str, Any], errors: dict[str, str]) -> Response:
        rows = "".join(f"<p data-value='{key}'>{value}</p>" for key, value in sorted(values.items()))
        rows += "".join(f"<p data-error='{key}'>{text}</p>" for key, text in sorted(errors.items()))
        return HTMLResponse(rows)

    @app.post("/tools")
    def create_tool(
        request: Request, submitted: Annotated[Submitted[ToolForm], Depends(form_of(ToolForm))]
    ) -> Response:
        def save(form: ToolForm) -> str:
            if form.name == "taken":
                raise InvalidInput(errors=[FieldError("name", "another tool has this name")])
            saved.append(form)
            return form.name

        return answer_form(
            request,
            session,  # type: ignore[arg-type]
            submitted,
            save,
            again=again,
            redirect=lambda name: f"/tools/{name}",
            message=lambda name: f"Tool “{name}” registered.",
        )

    @app.post("/both")
    async def both(
        request: Request,
        name: Annotated[str, Form()],
        submitted: Annotated[Submitted[ToolForm], Depends(form_of(ToolForm))],
    ) -> dict[str, Any]:
        return {"name": name, "model": submitted.data.name if submitted.data else None}

    @app.get("/flashes")
    def flashes(request: Request) -> dict[str, Any]:
        return {"flashes": pop_flashes(request)}

    wrapped = CsrfMiddleware(app)
    return wrapped, session, saved  # type: ignore[return-value]


def _client(app: Any) -> TestClient:
    client = TestClient(app)
    client.cookies.set("uptake_csrf", "token")
    return client


def test_a_saved_form_redirects_with_a_flash(forms_app) -> None:
    app, session, saved = forms_app
    client = _client(app)
    response = client.post(
        "/tools",
        data={"csrf_token": "token", "name": "Copilot", "seats": "3", "models": ["a", "b"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/tools/Copilot"
    assert saved == [ToolForm(name="Copilot", seats=3, models=["a", "b"])]
    assert session.rollbacks == 0
    assert FLASH_COOKIE in response.cookies
    assert client.get("/flashes").json() == {"flashes": [["success", "Tool “Copilot” registered."]]}


def test_an_invalid_form_comes_back_with_its_values_and_errors(forms_app) -> None:
    app, session, saved = forms_app
    response = _client(app).post(
        "/tools", data={"csrf_token": "token", "name": "", "seats": "lots", "models": ["a", "b"]}
    )
    assert response.status_code == 422
    assert "<p data-value='seats'>lots</p>" in response.text
    assert "<p data-value='models'>['a', 'b']</p>" in response.text
    assert "<p data-error='name'>Name is required.</p>" in response.text
    assert "<p data-error='seats'>Seats must be a number.</p>" in response.text
    assert saved == []
    assert session.rollbacks == 0  # nothing was tried, nothing to undo


def test_a_refused_save_rolls_back_and_comes_back_with_the_services_errors(forms_app) -> None:
    app, session, saved = forms_app
    response = _client(app).post("/tools", data={"csrf_token": "token", "name": "taken", "seats": "2"})
    assert response.status_code == 422
    assert "<p data-value='name'>taken</p>" in response.text
    assert "<p data-error='name'>another tool has this name</p>" in response.text
    assert session.rollbacks == 1
    assert saved == []


def test_the_form_is_read_by_the_middleware_fastapi_and_the_model_alike(forms_app) -> None:
    app, _, _ = forms_app
    response = _client(app).post("/both", data={"csrf_token": "token", "name": "Copilot"})
    assert response.status_code == 200
    assert response.json() == {"name": "Copilot", "model": "Copilot"}
    multipart = _client(app).post(
        "/both", data={"csrf_token": "token", "name": "Copilot"}, files={"upload": ("a.txt", b"x")}
    )
    assert multipart.json() == {"name": "Copilot", "model": "Copilot"}
    refused = _client(app).post("/both", data={"csrf_token": "wrong", "name": "Copilot"})
    assert refused.status_code == 403
