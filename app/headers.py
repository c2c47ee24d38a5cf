"""Response headers that keep a browser from being turned against the playground.

Every HTTP response says what it is (`X-Content-Type-Options: nosniff`: a JSON body or an
uploaded figure is never run as a script) and may not be framed by another site
(`X-Frame-Options: DENY`, for browsers that predate CSP's frame-ancestors). The pages
built from templates also carry PAGE_POLICY: scripts only from the server's own files (the
pages have no inline script), sockets only to the server itself. Styles may be inline:
plotly.js writes style attributes and style elements as it draws.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERY_RESPONSE = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
)

PAGE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",  # 'self' takes in ws:// and wss:// to the same host
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    )
)


class SecurityHeaders:
    """ASGI middleware: EVERY_RESPONSE's headers on every HTTP response (a header the
    response set itself is left as it is)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in EVERY_RESPONSE if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
