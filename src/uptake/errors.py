"""UptakeError, the one base of every expected failure, and its problem+json (RFC 9457) form.

A service raises a subclass that states its HTTP status and title as data; ``uptake.app`` renders every error,
including request validation errors, as ``application/problem+json``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

PROBLEM_CONTENT_TYPE = "application/problem+json"


@dataclass(frozen=True)
class FieldError:
    """One invalid input: where it is (``waves[2].percentage``) and why (``must be between 1 and 100``)."""

    field: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "reason": self.reason}


class UptakeError(Exception):
    """An expected failure with its HTTP status; subclasses set ``status`` and ``title``."""

    status: ClassVar[int] = 400
    title: ClassVar[str] = "The request cannot be completed."

    def __init__(
        self, detail: str | None = None, *, errors: list[FieldError] | None = None, **context: Any
    ) -> None:
        self.detail = detail or self.title
        self.errors = errors or []
        self.context = context
        super().__init__(self.detail)

    @property
    def type_slug(self) -> str:
        name = type(self).__name__
        return "".join(f"-{c.lower()}" if c.isupper() else c for c in name).lstrip("-")

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"/problems/{self.type_slug}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [error.as_dict() for error in self.errors]
        for key, value in self.context.items():
            if isinstance(value, str | int | float | bool | list) or value is None:
                body.setdefault(key, value)
        return body


class InvalidInput(UptakeError):
    status = 422
    title = "Some fields are invalid."


class NotFound(UptakeError):
    status = 404
    title = "Not found."


class Conflict(UptakeError):
    status = 409
    title = "This conflicts with what is already stored."


class NotAuthenticated(UptakeError):
    status = 401
    title = "Log in or send an API key."


class Forbidden(UptakeError):
    status = 403
    title = "Your role does not allow this."


class PayloadTooLarge(UptakeError):
    status = 413
    title = "The request is too large."


class ServiceUnavailable(UptakeError):
    """Something this installation lacks (a renderer, a library) keeps the request from being served."""

    status = 503
    title = "This installation cannot do this right now."


def problem_body(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    """A problem+json body for errors that are not UptakeErrors (HTTP errors raised by the framework)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    body.update(extra)
    return body


class ProblemFieldError(BaseModel):
    field: str
    reason: str


class Problem(BaseModel):
    """The problem+json body (RFC 9457) of every error answer; documented in the OpenAPI description."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[ProblemFieldError] | None = None
