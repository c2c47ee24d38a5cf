"""A request body over NNPLAY_MAX_BODY_BYTES is refused with 413 before it is read whole.

A body that declares its length is refused at once, unread; one sent in chunks is counted
as it arrives and refused at the chunk that passes the limit. Either way the server never
holds more than the limit of it (a JSON body is parsed only once it is whole).
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_body
from app.responses import JSONBody


def too_large(limit: int) -> str:
    return f"the request body is larger than {limit:,} bytes (NNPLAY_MAX_BODY_BYTES)"


class BodyLimit:
    """ASGI middleware: 413 for an HTTP request body longer than `limit` bytes."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            response = JSONBody(
                error_body(
                    "too_large", too_large(self.limit), [{"field": "body", "reason": too_large(self.limit)}]
                ),
                status_code=413,
                headers={"Connection": "close"},
            )
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    # The route's body reader lets an HTTPException through as it is, and
                    # the app's handler gives it the error body (app/errors.py).
                    raise HTTPException(413, too_large(self.limit))
            return message

        await self.app(scope, counted, send)
