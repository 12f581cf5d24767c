"""Forms for pages: a Pydantic model per form, read from the request, and one way to answer a submission.

A page's form is a :class:`FormModel`: text fields are ``str`` (what the browser sends), multi-selects
``list[str]``; limits and checks are the model's (``Field(max_length=...)``, validators). A route receives it with
``Annotated[Submitted[MyForm], Depends(form_of(MyForm))]``: the fields the person sent (``values``, to show again),
the parsed model (``data``, or None) and the errors by field, in words that name the field.

:func:`answer_form` is the one way a form's route ends: when the form or the service refuses it, the unit of work is
rolled back and the form page comes back with the errors beside the fields and everything the person typed
(HTTP 422, nothing lost); when it is saved, a 303 redirect with a flash message.

The CSRF middleware has already read the form to find its token; it replays the body, and Starlette keeps the
parsed form on the request, so reading it again here (or in FastAPI's own ``Form`` parameters) costs nothing.
"""

from __future__ import annotations

import types
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from uptake.errors import UptakeError
from uptake.web.flash import Category, flash

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

FORM_ERROR = "form"


class FormModel(BaseModel):
    """A page form as the browser sends it. Fields the form does not name are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


@dataclass(frozen=True)
class Submitted(Generic[M]):
    """A submitted form: what was sent, the model when it is valid, and the errors by field."""

    values: dict[str, Any]
    data: M | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def is_valid(self) -> bool:
        return self.data is not None


def _is_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    if origin in (Union, types.UnionType):
        return any(_is_list(argument) for argument in get_args(annotation) if argument is not type(None))
    return False


def values_of(form: Any, model: type[BaseModel]) -> dict[str, Any]:
    """The model's fields from a form (Starlette's ``FormData`` or a plain mapping): lists for list fields, text
    for the others; a field the form does not carry is left out, so the model's default applies."""
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if _is_list(info.annotation):
            sent = form.getlist(key) if hasattr(form, "getlist") else list(form.get(key, []))
            values[name] = [item for item in sent if isinstance(item, str)]
        elif key in form:
            item = form[key]
            if isinstance(item, str):
                values[name] = item
    return values


def label_of(model: type[BaseModel], name: str) -> str:
    """How a field is named to people: its ``title``, else its name in words ("owner_email" → "Owner email")."""
    info = model.model_fields.get(name)
    if info is not None and info.title:
        return info.title
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:] if words else "The form"


def _human(model: type[BaseModel], item: Any) -> tuple[str, str]:
    """One Pydantic error as (field, message), the message in words that name the field."""
    location = tuple(str(part) for part in item.get("loc", ()) if not isinstance(part, int))
    name = location[0] if location else FORM_ERROR
    label = label_of(model, name) if location else "The form"
    kind = str(item.get("type", ""))
    context = item.get("ctx") or {}
    message = str(item.get("msg", "is invalid"))
    if kind == "missing":
        text = f"{label} is required."
    elif kind == "string_too_long":
        text = f"{label} may be at most {int(context.get('max_length', 0)):,} characters."
    elif kind == "string_too_short":
        minimum = int(context.get("min_length", 1))
        text = f"{label} is required." if minimum <= 1 else f"{label} needs at least {minimum:,} characters."
    elif kind in {"too_long", "too_short"}:
        text = f"{label}: {message[:1].lower() + message[1:]}."
    elif kind in {"int_parsing", "int_from_float", "float_parsing", "decimal_parsing"}:
        text = f"{label} must be a number."
    elif kind in {"greater_than_equal", "greater_than", "less_than_equal", "less_than"}:
        bound = next(iter(context.values()), "")
        words = {
            "greater_than_equal": "at least",
            "greater_than": "more than",
            "less_than_equal": "at most",
            "less_than": "less than",
        }[kind]
        text = f"{label} must be {words} {bound}."
    elif kind in {"date_parsing", "date_from_datetime_parsing", "date_from_datetime_inexact"}:
        text = f"{label} must be a date (YYYY-MM-DD)."
    elif kind in {"enum", "literal_error"}:
        text = f"{label} must be one of: {context.get('expected', 'the listed choices')}."
    elif kind == "value_error":
        text = f"{label}: {message.removeprefix('Value error, ')}"
    else:
        text = f"{label}: {message[:1].lower() + message[1:]}."
    return name, text


def form_errors(model: type[BaseModel], error: ValidationError) -> dict[str, str]:
    """A form model's validation errors by field, the first error of each field."""
    errors: dict[str, str] = {}
    for item in error.errors():
        name, text = _human(model, item)
        errors.setdefault(name, text)
    return errors


def _shown(model: type[BaseModel], sent: dict[str, Any]) -> dict[str, Any]:
    """What the form shows again: every field, as sent, else empty (or its text default)."""
    shown: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if _is_list(info.annotation):
            shown[name] = []
        else:
            shown[name] = info.default if isinstance(info.default, str) else ""
    return {**shown, **sent}


def parse_values(model: type[M], values: dict[str, Any]) -> Submitted[M]:
    """Validate a form's fields (text, and lists for list fields) against ``model``."""
    shown = _shown(model, values)
    try:
        return Submitted(values=shown, data=model.model_validate(values))
    except ValidationError as error:
        return Submitted(values=shown, errors=form_errors(model, error))


async def parse_form(request: Request, model: type[M]) -> Submitted[M]:
    """Read the request's form (once: Starlette keeps it) into ``model``."""
    form = await request.form()
    return parse_values(model, values_of(form, model))


def form_of(model: type[M]) -> Callable[[Request], Awaitable[Submitted[M]]]:
    """A FastAPI dependency giving a route its submitted ``model``: ``Depends(form_of(MyForm))``."""

    async def submitted(request: Request) -> Submitted[M]:
        return await parse_form(request, model)

    submitted.__name__ = f"form_of_{model.__name__}"
    return submitted


def errors_of(error: ValidationError | UptakeError) -> dict[str, str]:
    """A refusal (a service schema's validation or an :class:`UptakeError`) as errors by field."""
    if isinstance(error, ValidationError):
        return {
            ".".join(str(part) for part in item["loc"]) or FORM_ERROR: str(item["msg"])
            for item in error.errors()
        }
    if error.errors:
        return {item.field: item.reason for item in error.errors}
    return {FORM_ERROR: error.detail}


def problem_of(error: ValidationError | UptakeError) -> str:
    """A refusal in one line, for a flash message."""
    if isinstance(error, ValidationError):
        return "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or FORM_ERROR}: {item['msg']}"
            for item in error.errors()
        )
    if error.errors:
        return "; ".join(f"{item.field}: {item.reason}" for item in error.errors)
    return error.detail or error.title


def reasons_of(error: Exception) -> str:
    """A refusal as its detail and then its reasons by field ("The seat is taken. — person: has left"), the style of
    the discovery and licence pages' flashes."""
    if isinstance(error, ValidationError):
        return "; ".join(str(item["msg"]) for item in error.errors())
    detail = error.detail if isinstance(error, UptakeError) else str(error)
    reasons = "; ".join(f"{item.field}: {item.reason}" for item in getattr(error, "errors", []))
    return f"{detail}{' — ' + reasons if reasons else ''}"


def redirect_with_flash(request: Request, url: str, message: str, category: Category = "success") -> Response:
    """A 303 to ``url`` that shows ``message`` there."""
    response = RedirectResponse(url, status_code=303)
    flash(request, response, message, category)
    return response


def answer_form(
    request: Request,
    session: Session,
    submitted: Submitted[M],
    save: Callable[[M], T],
    *,
    again: Callable[[dict[str, Any], dict[str, str]], Response],
    redirect: str | Callable[[T], str],
    message: str | Callable[[T], str],
    category: Category = "success",
) -> Response:
    """Validate, save, then redirect with a flash, or show the form again with its errors and values.

    ``save`` gets the valid form and does the work (its ValidationError or UptakeError refuses the form);
    ``again(values, errors)`` renders the form page (answered with 422); ``redirect`` and ``message`` may read
    what ``save`` returned. A refused form leaves nothing behind: the session is rolled back before the page
    is rendered again, so the page reads the stored state.
    """
    if submitted.data is None:
        return _again(again, submitted.values, submitted.errors)
    try:
        result = save(submitted.data)
    except (ValidationError, UptakeError) as error:
        session.rollback()
        return _again(again, submitted.values, errors_of(error))
    url = redirect(result) if callable(redirect) else redirect
    text = message(result) if callable(message) else message
    return redirect_with_flash(request, url, text, category)


def _again(
    again: Callable[[dict[str, Any], dict[str, str]], Response],
    values: dict[str, Any],
    errors: dict[str, str],
) -> Response:
    response = again(dict(values), errors)
    response.status_code = 422
    return response


def act(
    request: Request,
    session: Session,
    action: Callable[[], T],
    *,
    redirect: str | Callable[[T], str],
    message: str | Callable[[T], str],
    refused: str | None = None,
    category: Category = "success",
    describe: Callable[[Any], str] = problem_of,
    refusals: tuple[type[Exception], ...] = (ValidationError, UptakeError),
) -> Response:
    """Do what a page's button (or a small form with no page of its own) asks, then redirect with a flash.

    When ``action`` is refused (one of ``refusals``: a ValidationError or an UptakeError), the session is rolled
    back and the person is sent to ``refused`` (or to ``redirect``, when it is a plain address) with the reason,
    in the words of ``describe``, as an error flash.
    """
    try:
        result = action()
    except refusals as error:
        session.rollback()
        back = refused if refused is not None else redirect
        if not isinstance(back, str):
            raise
        return redirect_with_flash(request, back, describe(error), "error")
    url = redirect(result) if callable(redirect) else redirect
    text = message(result) if callable(message) else message
    return redirect_with_flash(request, url, text, category)
