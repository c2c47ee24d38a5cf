"""CPU-heavy calls (many steps, epochs, a gradient check): a time budget each, a few at once.

Such a call runs in a thread of its own limiter, never in anyio's default pool, where
FastAPI runs sync dependencies and the sessions run their cheap calls: those never queue
behind it. At most `slots` heavy calls run at once, one per session; up to `queue` more
wait their turn (each at most WAIT_BUDGETS budgets), and any further one is refused at
once with 503 busy and Retry-After. The engine checks its Budget between slices of work
(whole steps, single parameters of a gradient check), so a call stops early when its
time is up or its client has gone, and says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
import time
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, TypeVar

import anyio

from app.errors import APIError

if TYPE_CHECKING:
    from starlette.requests import Request

    from app.sessions import Session
    from app.settings import Settings

T = TypeVar("T")

TIME_BUDGET = "time budget"  # why a call stopped early, as its reply says
CLIENT_GONE = "client gone"  # nobody reads this reply, but the work stopped for it
WAIT_BUDGETS = 2.0  # a waiting call gives up after this many call budgets
DISCONNECT_POLL = 0.1  # seconds between looks at whether an HTTP client is still there


def longest_call(call_seconds: float) -> float:
    """The longest a heavy call holds its request open: its wait for a turn, then its own
    budget (what a proxy in front of the server must wait for an answer)."""
    return (WAIT_BUDGETS + 1) * call_seconds


class Budget:
    """How long one call may compute, and whether it should stop: the engine asks
    `should_stop()` between slices of its work (it is safe to ask from any thread)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.deadline = math.inf  # the clock starts when the work does, not while it waits
        self.reason: str | None = None

    def start(self) -> None:
        self.deadline = time.monotonic() + self.seconds

    def stop(self, reason: str) -> None:
        """Ask the work to stop at its next slice (the first reason given is kept)."""
        if self.reason is None:
            self.reason = reason

    def should_stop(self) -> bool:
        if self.reason is None and time.monotonic() >= self.deadline:
            self.stop(TIME_BUDGET)
        return self.reason is not None


class HeavyCalls:
    """The slots heavy calls run in, and the bounded line of those waiting for one."""

    def __init__(self, slots: int, queue: int, budget_seconds: float):
        self.slots = anyio.CapacityLimiter(slots)
        # Threads to run the admitted calls in: as many as there are slots, so running one
        # never waits here, and never in the default pool.
        self.threads = anyio.CapacityLimiter(slots)
        self.queue = queue
        self.budget_seconds = budget_seconds
        self.waiting = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> HeavyCalls:
        slots = settings.heavy_calls or os.cpu_count() or 1
        queue = slots if settings.heavy_queue is None else settings.heavy_queue
        return cls(slots, queue, settings.call_seconds)

    def budget(self) -> Budget:
        return Budget(self.budget_seconds)

    def _busy(self) -> APIError:
        retry = max(1, math.ceil(self.budget_seconds))
        return APIError(
            503,
            "busy",
            f"the server is busy with as many long calls as it takes; try again in {retry} s",
            headers={"Retry-After": str(retry)},
        )

    @contextlib.asynccontextmanager
    async def slot(self, session: Session) -> AsyncIterator[None]:
        """Hold one of the slots and the session's own turn; wait for them within the
        bounds, else APIError 503 busy."""
        lock = session.heavy_lock
        at_once = not lock.locked() and self.slots.available_tokens >= 1
        if not at_once and self.waiting >= self.queue:
            raise self._busy()
        if not at_once:
            self.waiting += 1
        try:
            with anyio.fail_after(WAIT_BUDGETS * self.budget_seconds):
                await lock.acquire()
                try:
                    await self.slots.acquire()
                except BaseException:
                    lock.release()
                    raise
        except TimeoutError:
            raise self._busy() from None
        finally:
            if not at_once:
                self.waiting -= 1
        try:
            yield
        finally:
            self.slots.release()
            lock.release()

    async def in_thread(self, work: Callable[[], T], budget: Budget) -> T:
        """work() in one of the heavy threads. Should the caller be cancelled meanwhile (a
        socket that closed), the budget tells the work to stop, and this returns (raising
        the cancellation) only once the thread has: a slot is never freed while its work
        still runs."""

        async def stop_if_cancelled() -> None:
            try:
                await anyio.sleep_forever()
            except anyio.get_cancelled_exc_class():
                if not finished:
                    budget.stop(CLIENT_GONE)
                raise

        finished = False
        failure: Exception | None = None
        async with anyio.create_task_group() as group:
            group.start_soon(stop_if_cancelled)
            try:
                outcome = await anyio.to_thread.run_sync(work, limiter=self.threads)
            except Exception as error:  # raised as it is, not in the group's ExceptionGroup
                failure = error
            finally:
                finished = True
                group.cancel_scope.cancel()
        if failure is not None:
            raise failure
        return outcome


@contextlib.asynccontextmanager
async def stop_when_disconnected(request: Request, budget: Budget) -> AsyncIterator[None]:
    """While the body runs, stop the budget's work as soon as the HTTP client goes away.

    Starlette does not cancel a request whose client left, so this looks every
    DISCONNECT_POLL seconds."""

    async def watch() -> None:
        while not await request.is_disconnected():
            await asyncio.sleep(DISCONNECT_POLL)
        budget.stop(CLIENT_GONE)

    watcher = asyncio.create_task(watch())
    try:
        yield
    finally:
        watcher.cancel()  # it only ever looks: nothing to wait for
