"""Request parameters every API shares, typed once so each route validates them the same way."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request

from uptake.errors import FieldError, InvalidInput, UptakeError

# The largest id both SQLite and PostgreSQL (bigint) store; larger numbers are a 422, never a driver error.
MAX_ID = 2**63 - 1

ResourceId = Annotated[int, Path(ge=1, le=MAX_ID, description="A positive id")]


class CsvBodyTooLarge(UptakeError):
    status = 413
    title = "The file is too large."


MAX_CSV_BYTES = 20 * 1024 * 1024

CSV_REQUEST_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The CSV file itself as the body (UTF-8), header row first.",
    }
}
"""`openapi_extra` of a route whose body is a CSV file (people and seats imports)."""


async def read_csv_body(request: Request, max_bytes: int = MAX_CSV_BYTES) -> str:
    """A CSV file sent as the request body, decoded; refused above `max_bytes` or when it is not UTF-8."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise CsvBodyTooLarge(f"the file is larger than {max_bytes:,} bytes; split it", limit=max_bytes)
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise CsvBodyTooLarge(f"the file is larger than {max_bytes:,} bytes; split it", limit=max_bytes)
        parts.append(chunk)
    try:
        return b"".join(parts).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "the file is not UTF-8 text; save it as 'CSV UTF-8' and send it again",
            errors=[FieldError("body", "is not UTF-8 text")],
        ) from None
