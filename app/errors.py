"""Error bodies: every 4xx says what was wrong, naming the field and the reason.

Shape: {"error": {"code": "...", "message": "...", "fields": [{"field", "reason"}]}}.
"""
from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.responses import JSONBody
from core.errors import ConfigError, StateError


class APIError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: list[dict] | None = None,
                 headers: dict | None = None):
        self.status, self.code, self.message = status, code, message
        self.fields = fields or []
        self.headers = headers


def error_body(code: str, message: str, fields: list[dict] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def not_found() -> APIError:
    # The same body whether the id never existed or has expired: ids are not to be probed.
    return APIError(404, "not_found", "no session with this id (it may have expired)")


def config_error(error: ConfigError) -> APIError:
    return APIError(422, "invalid_input", str(error), error.errors)


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
        if e.get("type") == "extra_forbidden":
            reason = "unknown field"
        elif e.get("type") == "missing":
            reason = "is required"
        out.append({"field": field or "body", "reason": reason})
    return out


def install(app: FastAPI) -> None:
    @app.exception_handler(APIError)
    async def _api_error(request: Request, exc: APIError):
        return JSONBody(error_body(exc.code, exc.message, exc.fields), status_code=exc.status,
                        headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        fields = validation_fields(exc.errors())
        message = "; ".join(f"{f['field']}: {f['reason']}" for f in fields)
        return JSONBody(error_body("invalid_input", message, fields), status_code=422)

    @app.exception_handler(ConfigError)
    async def _config(request: Request, exc: ConfigError):
        error = config_error(exc)
        return JSONBody(error_body(error.code, error.message, error.fields), status_code=422)

    @app.exception_handler(StateError)
    async def _state(request: Request, exc: StateError):
        return JSONBody(error_body("conflict", str(exc)), status_code=409)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONBody(error_body(code, str(exc.detail)), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))
