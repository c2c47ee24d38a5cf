"""Error bodies: every 4xx says what was wrong, naming the field and the reason.

Shape: {"error": {"code": "...", "message": "...", "fields": [{"field", "reason"}]}}
(`ErrorBody`); `documented(...)` describes it in OpenAPI for the statuses a route can
answer with, from the one table `STATUSES`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.responses import JSONBody
from core.errors import ConfigError, StateError


class APIError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: list[dict] | None = None,
        headers: dict | None = None,
    ):
        self.status, self.code, self.message = status, code, message
        self.fields = fields or []
        self.headers = headers


class FieldProblem(BaseModel):
    field: str = Field(
        description="the input's dotted path: optimizer.lr, layers[1], params[0].W, "
        "a query parameter; `body` for the whole body"
    )
    reason: str


class ErrorDetail(BaseModel):
    code: str = Field(
        description="invalid_input (422), not_found (404), unauthorized (401), "
        "forbidden (403), conflict (409), too_many_guesses (429), "
        "busy (503), elsewhere (503), not_ready (503), "
        "method_not_allowed (405), too_large (413: a body over "
        "NNPLAY_MAX_BODY_BYTES), http_error (400: a body that "
        "cannot be read), bad_host (400: a Host header naming a "
        "server this is not, NNPLAY_ALLOWED_HOSTS)"
    )
    message: str = Field(description="one line for people")
    fields: list[FieldProblem] = Field(description="each input to blame; [] when none is")


class ErrorBody(BaseModel):
    """Every error response."""

    error: ErrorDetail


# What each status means, and the headers it comes with.
STATUSES: dict[int, dict[str, Any]] = {
    401: {
        "description": "no teacher token",
        "headers": {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}},
    },
    403: {"description": "a teacher token that does not open the board"},
    404: {"description": "not found"},
    409: {
        "description": "the run's state does not allow it: stepping a diverged run (until it "
        "is reset, restored, given new weights or a lower learning rate), "
        "restoring one that has not diverged, going back before the "
        "earliest step the session keeps, or deleting with `unwatched_only` "
        "a session a socket still watches"
    },
    422: {
        "description": "a bad body, query or path parameter or config field; `fields` names "
        "each with the reason"
    },
    429: {
        "description": "too many wrong class codes or teacher tokens from this address "
        "(NNPLAY_GUESSES_PER_MINUTE a minute)",
        "headers": {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "schema": {"type": "integer"},
            }
        },
    },
    503: {
        "description": "the server holds as many sessions as it may (NNPLAY_MAX_SESSIONS), "
        "or as much memory as its sessions may use (NNPLAY_MEMORY_MB) with "
        "none idle to move to the store; or (`elsewhere`) another server process holds the "
        "session (NNPLAY_PROCESS_NAME)",
        "headers": {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "schema": {"type": "integer"},
            }
        },
    },
}
NOT_FOUND_SESSION = "no session with this id: it never existed, was deleted or expired"
BUSY_HEAVY = (
    "the server runs and queues as many long calls (steps, epochs, gradient checks, landscapes) "
    "as it may (NNPLAY_HEAVY_CALLS, NNPLAY_HEAVY_QUEUE), or this session's last one "
    "has not ended in time"
)
BOARD_OFF = "the teacher board is off (NNPLAY_TEACHER_TOKEN is not set)"


def documented(
    *statuses: int, not_found: str | None = None, busy: str | None = None
) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for these error statuses, each with the ErrorBody; `not_found`
    says what a 404 means on this route, `busy` what a 503 does."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted(statuses):
        response = {**STATUSES[status], "model": ErrorBody}
        if status == 404 and not_found:
            response["description"] = not_found
        if status == 503 and busy:
            response["description"] = busy
        responses[status] = response
    return responses


def error_body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def not_found() -> APIError:
    # The same body whether the id never existed or has expired: ids are not to be probed.
    return APIError(404, "not_found", "no session with this id (it may have expired)")


def invalid(
    fields: list[dict[str, Any]] | str, reason: str | None = None, message: str | None = None
) -> APIError:
    """The 422 for bad input, naming each field with its reason: `invalid("step", "must be
    ...")` for one, `invalid([{"field", "reason"}, ...])` for several (as ConfigError
    takes them). `message`, the one line for people, is "field: reason; ..." unless given."""
    if isinstance(fields, str):
        fields = [{"field": fields, "reason": reason or "is invalid"}]
    text = message or "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
    return APIError(422, "invalid_input", text, fields)


def config_error(error: ConfigError) -> APIError:
    return invalid(error.errors)


def validation_fields(errors) -> list[dict]:
    """pydantic errors -> [{"field": "optimizer.lr", "reason": "..."}]."""
    out = []
    for e in errors:
        loc = [p for p in e.get("loc", ()) if p not in ("body", "query", "path")]
        field = ""
        for part in loc:
            if isinstance(part, int):
                field += f"[{part}]"
            elif not (isinstance(part, str) and ("[" in part or part in ("function-after",))):
                field += ("." if field else "") + str(part)
        reason = e.get("msg", "is invalid")
        if e.get("type") == "value_error":  # our own validators' words, without pydantic's prefix
            reason = reason.removeprefix("Value error, ")
        if e.get("type") == "extra_forbidden":
            reason = "unknown field"
        elif e.get("type") == "missing":
            reason = "is required"
        out.append({"field": field or "body", "reason": reason})
    return out


def install(app: FastAPI) -> None:
    """The handlers that give every error its ErrorBody, and the OpenAPI that says so."""
    _document_framework_errors(app)

    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError):
        return JSONBody(
            error_body(exc.code, exc.message, exc.fields), status_code=exc.status, headers=exc.headers
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        error = invalid(validation_fields(exc.errors()))
        return JSONBody(error_body(error.code, error.message, error.fields), status_code=422)

    @app.exception_handler(ConfigError)
    async def _config(request: Request, exc: ConfigError):
        error = config_error(exc)
        return JSONBody(error_body(error.code, error.message, error.fields), status_code=422)

    @app.exception_handler(StateError)
    async def _state(request: Request, exc: StateError):
        return JSONBody(error_body("conflict", str(exc)), status_code=409)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(
            exc.status_code, "http_error"
        )
        fields = [{"field": "body", "reason": str(exc.detail)}] if exc.status_code == 413 else []
        return JSONBody(
            error_body(code, str(exc.detail), fields),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )


def _document_framework_errors(app: FastAPI) -> None:
    """What FastAPI itself answers, as the ErrorBody it gets from the handlers above.

    It documents a 422 with its own {"detail": [...]} body on every operation with
    parameters, a body this API never sends: routes document their 422 themselves
    (`documented(422)`), and FastAPI's is dropped where it is left, on a route whose only
    parameter is a free-form id in the path, which no value fails. And it answers 400 to
    a request body it cannot read (not UTF-8, say), which it does not document; and every
    route with a body may meet app/limits.py's 413. Every route answers 400 to a Host
    header that names another server (app/hosts.py)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        schema = app.openapi_schema
        if schema is None:
            schema = generate()  # which FastAPI keeps as app.openapi_schema
            body = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
            bad_host = "a Host header naming a server this is not (NNPLAY_ALLOWED_HOSTS)"
            unreadable = {
                "description": f"a request body that cannot be read (not UTF-8, say), or {bad_host}",
                "content": body,
            }
            too_large = {
                "description": "a request body over NNPLAY_MAX_BODY_BYTES, refused before it is read whole",
                "content": body,
            }
            for operations in schema.get("paths", {}).values():
                for operation in operations.values():
                    responses = operation.get("responses", {})
                    if "HTTPValidationError" in str(responses.get("422", {}).get("content", {})):
                        del responses["422"]
                    if "requestBody" in operation:
                        responses.setdefault("400", unreadable)
                        responses.setdefault("413", too_large)
                    responses.setdefault("400", {"description": bad_host, "content": body})
                    operation["responses"] = dict(sorted(responses.items()))
            for name in ("HTTPValidationError", "ValidationError"):
                schema.get("components", {}).get("schemas", {}).pop(name, None)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
