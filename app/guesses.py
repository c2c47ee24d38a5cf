"""Guessing a secret is slow: wrong class codes and wrong teacher tokens are counted per
client address, and past NNPLAY_GUESSES_PER_MINUTE of them in a moving minute every
further try is a 429 with Retry-After, right or wrong, until the oldest failure leaves the
window. Right answers cost nothing. The counting is the `limits` package's moving window,
kept in memory (one server process holds the class).
"""

from __future__ import annotations

import math
import secrets
import time

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
        key = _address(client)
        if self.limiter.test(self.item, what, key):
            return
        reset = self.limiter.get_window_stats(self.item, what, key).reset_time
        wait = max(1, math.ceil(reset - time.time()))
        raise APIError(
            429,
            "too_many_guesses",
            f"too many wrong {what}s from this address: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )

    def failed(self, what: str, client: HTTPConnection) -> None:
        self.limiter.hit(self.item, what, _address(client))


def _address(client: HTTPConnection) -> str:
    return client.client.host if client.client else "unknown"


def check_class_code(request: HTTPConnection, code: str) -> None:
    """The class's code (any case), or 404, counted as a wrong guess (429 after too many)."""
    guesses, room = request.app.state.guesses, request.app.state.classroom
    guesses.check("class code", request)
    if not secrets.compare_digest(code.upper().encode(), room.code.encode()):
        guesses.failed("class code", request)
        raise APIError(404, "not_found", "no class with this code")
