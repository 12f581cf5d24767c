"""OFREP, the OpenFeature Remote Evaluation Protocol: any OpenFeature SDK asks uptake for entitlements.

    POST /ofrep/v1/evaluate/flags/{key}   one flag: {"context": {"targetingKey": "jane@example.org"}}
    POST /ofrep/v1/evaluate/flags         every flag of the workspace for that context, with an ETag

The flag key is the use case's slug, ``targetingKey`` is the person (email or external id); values are
booleans (entitled or not), variants ``on`` / ``off``. Reasons follow OpenFeature: ``TARGETING_MATCH`` (a wave
grants it), ``DISABLED`` (the use case is paused, retired or not live), ``DEFAULT`` (no wave covers the
person, or a wave covers them but a requirement is missing: ``metadata.uptakeReason`` says
``REQUIREMENT_NOT_MET`` and ``metadata.missing`` names what). ``metadata.wave`` names the wave behind the
answer. Errors use the protocol's bodies, not problem+json: 400 with ``errorCode`` ``PARSE_ERROR`` (the body
is not a JSON object), ``INVALID_CONTEXT`` (``context`` is not an object) or ``TARGETING_KEY_MISSING``; 404
``FLAG_NOT_FOUND`` for an unknown slug; 401/403 from the access rule: an API key with ``entitlements:read``, a
program lead or a reviewer asks about anyone; any other person only about themself and the teams they lead, as
``GET /api/v1/entitlements``.
Every call reads the current state, so pausing a use case flips the next answer.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response

from uptake.access.dependencies import EntitlementsReader, SessionDep
from uptake.rollout import service
from uptake.rollout.api import may_ask_about
from uptake_sdk.local_evaluation import Decision, Reason

# The protocol publishes its own OpenAPI document (open-feature/protocol, service/openapi.yaml); its error bodies
# are application/json, not uptake's problem+json, so these routes stay out of uptake's document.
router = APIRouter(prefix="/ofrep/v1", tags=["ofrep"], include_in_schema=False)

MAX_BODY_BYTES = 64 * 1024


class OfrepRequestError(Exception):
    def __init__(self, error_code: str, details: str) -> None:
        super().__init__(details)
        self.error_code = error_code
        self.details = details


async def request_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(request_body)]


def targeting_key(body: bytes) -> str:
    """The ``context.targetingKey`` of an evaluation request; OfrepRequestError naming the protocol's code."""
    if len(body) > MAX_BODY_BYTES:
        raise OfrepRequestError("PARSE_ERROR", f"the request body is larger than {MAX_BODY_BYTES} bytes")
    try:
        request = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError) as error:
        raise OfrepRequestError("PARSE_ERROR", f"the request body is not JSON ({error})") from None
    if not isinstance(request, dict):
        raise OfrepRequestError("PARSE_ERROR", "the request body must be a JSON object")
    context = request.get("context")
    if context is None:
        raise OfrepRequestError(
            "TARGETING_KEY_MISSING", "context.targetingKey names the person; it is missing"
        )
    if not isinstance(context, dict):
        raise OfrepRequestError("INVALID_CONTEXT", "context must be a JSON object")
    key = context.get("targetingKey")
    if key is None or (isinstance(key, str) and not key.strip()):
        raise OfrepRequestError(
            "TARGETING_KEY_MISSING", "context.targetingKey names the person; it is missing"
        )
    if not isinstance(key, str) or len(key) > 320:
        raise OfrepRequestError(
            "INVALID_CONTEXT", "context.targetingKey must be a string of at most 320 characters"
        )
    return key


def evaluation(key: str, decision: Decision) -> dict[str, Any]:
    """One flag's OFREP evaluation from an entitlement decision."""
    metadata: dict[str, Any] = {}
    if decision.wave is not None:
        metadata["wave"] = decision.wave
    reason = decision.reason
    if reason == Reason.REQUIREMENT_NOT_MET:
        metadata["uptakeReason"] = reason
        metadata["missing"] = ",".join(decision.missing)
        reason = Reason.DEFAULT
    return {
        "key": key,
        "value": decision.entitled,
        "reason": str(reason),
        "variant": "on" if decision.entitled else "off",
        "metadata": metadata,
    }


def _failure(status: int, body: dict[str, Any]) -> JSONResponse:
    return JSONResponse(body, status_code=status)


@router.post("/evaluate/flags/{key}")
def evaluate_flag(key: str, body: RawBody, session: SessionDep, reader: EntitlementsReader) -> Response:
    """Evaluate one use case (the flag key is its slug) for the context's targetingKey."""
    try:
        person = targeting_key(body)
    except OfrepRequestError as error:
        return _failure(400, {"key": key, "errorCode": error.error_code, "errorDetails": error.details})
    may_ask_about(session, reader, person)
    decision = service.check_entitlement(session, reader.workspace_id, person, key)
    if decision.reason == Reason.UNKNOWN_USE_CASE:
        return _failure(
            404,
            {"key": key, "errorCode": "FLAG_NOT_FOUND", "errorDetails": f"no use case has the slug {key!r}"},
        )
    return JSONResponse(evaluation(key, decision))


@router.post("/evaluate/flags")
def evaluate_flags(
    body: RawBody,
    session: SessionDep,
    reader: EntitlementsReader,
    if_none_match: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Evaluate every use case for the context's targetingKey; ``If-None-Match`` with the last ETag gives a
    304 while no answer changed."""
    try:
        person = targeting_key(body)
    except OfrepRequestError as error:
        return _failure(400, {"errorCode": error.error_code, "errorDetails": error.details})
    may_ask_about(session, reader, person)
    evaluator = service.person_evaluator(session, reader.workspace_id, person)
    flags = [evaluation(slug, evaluator.check(person, slug)) for slug in evaluator.use_case_slugs()]
    content = json.dumps({"flags": flags}, separators=(",", ":")).encode()
    etag = '"' + hashlib.sha256(content).hexdigest()[:32] + '"'
    if if_none_match is not None and etag in [tag.strip() for tag in if_none_match.split(",")]:
        return Response(status_code=304, headers={"ETag": etag})
    return Response(content, media_type="application/json", headers={"ETag": etag})
