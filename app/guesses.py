"""Guessing a secret is slow: wrong class codes and wrong teacher tokens are counted per
client address, and past NNPLAY_GUESSES_PER_MINUTE of them in a moving minute every
further try is a 429 with Retry-After, right or wrong, until the oldest failure leaves the
window. Right answers cost nothing. The counting is the `limits` package's moving window,
kept in memory (one server process holds the class); with several processes sharing a
PostgreSQL database, app/classroom_pg.py's SharedGuesses counts in the database instead.
"""

from __future__ import annotations

import math
import secrets
import time

import anyio
from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.requests import HTTPConnection

from app.errors import APIError


class Guesses:
    def __init__(self, per_minute: int):
        self.item = RateLimitItemPerMinute(per_minute)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    def check(self, what: str, client: HTTPConnection) -> None:
        """Refuse (429) a client that has used up its failures of `what` for now."""
        key = address(client)
        if self.limiter.test(self.item, what, key):
            return
        reset = self.limiter.get_window_stats(self.item, what, key).reset_time
        raise retry_after(what, reset - time.time())

    def failed(self, what: str, client: HTTPConnection) -> None:
        self.limiter.hit(self.item, what, address(client))

    # What a coroutine calls: these counts are in memory, so on the event loop at once.
    async def check_soon(self, what: str, client: HTTPConnection) -> None:
        self.check(what, client)

    async def failed_soon(self, what: str, client: HTTPConnection) -> None:
        self.failed(what, client)


class BlockingGuesses(Guesses):
    """Guesses whose check and failed wait for something else (a database): coroutines
    call them in a thread, so the event loop never waits."""

    async def check_soon(self, what: str, client: HTTPConnection) -> None:
        await anyio.to_thread.run_sync(self.check, what, client)

    async def failed_soon(self, what: str, client: HTTPConnection) -> None:
        await anyio.to_thread.run_sync(self.failed, what, client)


def retry_after(what: str, wait: float) -> APIError:
    """The 429 for a client that must wait `wait` seconds before its next try of `what`."""
    seconds = max(1, math.ceil(wait))
    return APIError(
        429,
        "too_many_guesses",
        f"too many wrong {what}s from this address: try again in {seconds} s",
        headers={"Retry-After": str(seconds)},
    )


def address(client: HTTPConnection) -> str:
    return client.client.host if client.client else "unknown"


async def check_class_code(request: HTTPConnection, code: str) -> None:
    """The class's code (any case), or 404, counted as a wrong guess (429 after too many)."""
    guesses, room = request.app.state.guesses, request.app.state.classroom
    await guesses.check_soon("class code", request)
    if not secrets.compare_digest(code.upper().encode(), room.code.encode()):
        await guesses.failed_soon("class code", request)
        raise APIError(404, "not_found", "no class with this code")
