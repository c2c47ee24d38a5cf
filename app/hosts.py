"""Requests are answered under the server's own names only: the defence against DNS rebinding.

A page on evil.example can make its name resolve to the class server's address; the
browser then sends that page's requests, and opens its sockets, to the server as
evil.example's own, same origin and all, so neither CORS nor the WebSocket origin check
stops them. What gives them away is the Host header, which says evil.example. So an HTTP
request or a WebSocket handshake is answered only when its Host (the port aside) is

- an IP address, any: a rebinding needs a name the attacker's DNS answers for, never an
  address; and a server in a container cannot know the host machine's LAN address, which
  a class types in;
- one of the machine's own names: the loopback names, its host name, its fully qualified
  name, and the host name under .local (mDNS);
- a name in NNPLAY_ALLOWED_HOSTS (a reverse proxy's name, a DNS alias, the host machine's
  name when the server runs in a container), or under a "*.domain" there;
- or missing: no browser sends a request without one.

NNPLAY_ALLOWED_HOSTS=* answers any name. Any other request is a 400 with the error body
naming the Host header; a WebSocket handshake is refused the same way (or with a 403 from
a server that cannot send a body with its refusal).
"""

from __future__ import annotations

import logging
import socket
from functools import lru_cache

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import error_body
from app.responses import JSONBody
from app.settings import is_address

log = logging.getLogger("nnplay")

LOOPBACK_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
ANY = "*"


def normal(name: str) -> str:
    """A host name as it is compared: lower case, without the root's trailing dot."""
    return name.strip().lower().removesuffix(".")


@lru_cache
def own_names() -> frozenset[str]:
    """The loopback names and this machine's names (asked once: getfqdn may ask DNS)."""
    names = set(LOOPBACK_NAMES)
    try:
        hostname = socket.gethostname()
        names.update((hostname, f"{hostname.split('.')[0]}.local", socket.getfqdn(hostname)))
    except OSError as error:  # the loopback names still work
        log.warning(
            "cannot tell this machine's names (%s): only localhost and addresses "
            "are answered, and names in NNPLAY_ALLOWED_HOSTS",
            error,
        )
    return frozenset(normal(name) for name in names if name)


def host_of(header: str) -> str | None:
    """The name or address in a Host header, without its port; None if it has none."""
    text = header.strip()
    if text.startswith("["):  # [IPv6]:port
        end = text.find("]")
        return normal(text[1:end]) if end > 1 else None
    name = text.rsplit(":", 1)[0] if text.count(":") == 1 else text
    return normal(name) or None


class AllowedHosts:
    """ASGI middleware: HTTP requests and WebSocket handshakes whose Host is not one this
    server answers to are refused (the module's docstring says which are)."""

    def __init__(self, app: ASGIApp, allowed: list[str]):
        self.app = app
        self.any = ANY in allowed
        listed = {normal(name) for name in allowed}
        self.names = own_names() | {name for name in listed if not name.startswith("*.")}
        self.domains = tuple(name[1:] for name in listed if name.startswith("*."))  # ".school.lan"

    def allows(self, host: str) -> bool:
        return is_address(host) or host in self.names or host.endswith(self.domains)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.any or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = next((value for name, value in scope["headers"] if name == b"host"), None)
        if header is None:
            await self.app(scope, receive, send)
            return
        host = host_of(header.decode("latin-1"))
        if host is not None and self.allows(host):
            await self.app(scope, receive, send)
            return
        reason = (
            f"this server does not answer to the name {host!r}: open it by its address, "
            "or list the name in NNPLAY_ALLOWED_HOSTS"
            if host
            else "is not a host name"
        )
        if scope["type"] == "websocket" and "websocket.http.response" not in scope.get("extensions", {}):
            await send({"type": "websocket.close", "code": 1008, "reason": "bad_host"})  # a 403
            return
        # (Starlette sends a response to a WebSocket handshake as its refusal.)
        response = JSONBody(
            error_body("bad_host", f"Host: {reason}", [{"field": "Host", "reason": reason}]), status_code=400
        )
        await response(scope, receive, send)
