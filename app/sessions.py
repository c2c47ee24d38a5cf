"""Sessions: one engine run each, reached by an unguessable id, with the sockets watching it.

All engine work on a session happens under its lock, on the event loop when it is
cheap and in a worker thread when it is not, so no request holds the loop for long; long
step calls and gradient checks are heavy calls, bounded in time and in number
(app/heavy.py).
"""
from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import anyio

from app.errors import APIError, not_found
from app.heavy import Budget, HeavyCalls
from app.settings import Settings
from core.run import Run
from core.timeline import Timeline

INLINE_SECONDS = 0.004  # engine work expected to take longer than this goes to a thread
# A heavy step call looks at its budget between slices of about this long: short enough
# to stop soon after its time is up, long enough that looking costs nothing.
SLICE_SECONDS = 0.02

T = TypeVar("T")


class Stepped(NamedTuple):
    """What a step call did: the steps it took, and why it stopped before all were taken
    (None when it did not, or when the run diverged: its status says so)."""

    steps_taken: int
    stopped_early: str | None


class Session:
    def __init__(self, session_id: str, run: Run, max_fps: float = 30.0,
                 unwatched_seconds: float = 15.0):
        self.id = session_id
        self.run = run
        self.lock = asyncio.Lock()
        self.heavy_lock = asyncio.Lock()  # one heavy call at a time (app/heavy.py)
        self.created = time.time()
        self.last_used = time.monotonic()
        self.playing = False
        self.steps_per_second = 30.0
        self.play_task: asyncio.Task | None = None
        self.subscribers: set = set()
        self.step_seconds = 1e-4      # running estimate of one step's cost
        self.generation = 0          # bumped whenever the history is replaced (reset, import)
        self.version = 0             # bumped by every engine call: cached frames go stale
        self.max_fps = max_fps
        self.frames: dict = {}       # serialized snapshot per view, shared by all sockets
        # Training that waits for a watcher: set when the server stopped while it played, or
        # when nobody watched it for `unwatched_seconds`; the next socket starts it again.
        self.resume_playing = False
        self.unwatched_seconds = unwatched_seconds
        self.student: str | None = None  # the nickname, for a session that joined the class
        # The browser it was made in (a random key the page keeps): one student, one row on
        # the board, however many sessions their reloads and rebuilds have made.
        self.seat: str | None = None
        self.timeline = Timeline(run)  # every earlier step, for scrubbing back

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def replace_run(self, run: Run) -> None:
        """Continue from another state of this session (an earlier step, say)."""
        self.run = run
        self.generation += 1  # every socket drops its curves and takes the new history
        self.frames.clear()

    def wants_to_play(self) -> bool:
        """Playing, or waiting for a watcher to play again (what a restart must keep)."""
        return self.playing or self.resume_playing

    def status(self) -> str:
        return "running" if self.playing and self.run.status != "diverged" else self.run.status

    async def call(self, fn: Callable[..., Any], *args, cost: float | None = None, **kwargs) -> Any:
        """Run fn(*args) on the engine under the session lock; `cost` is its expected seconds."""
        self.touch()
        async with self.lock:
            try:
                if cost is not None and cost < INLINE_SECONDS:
                    return fn(*args, **kwargs)
                return await anyio.to_thread.run_sync(lambda: fn(*args, **kwargs))
            finally:
                self.version += 1

    async def call_heavy(self, heavy: HeavyCalls, budget: Budget, fn: Callable[..., T], *args) -> T:
        """Run fn(*args) on the engine as a CPU-heavy call: in one of heavy's slots (waiting
        within its bounds, else 503 busy), under the session lock, in a thread of heavy's
        own. The budget's clock starts when the work does; fn is to check it."""
        async with heavy.slot(self):
            self.touch()
            async with self.lock:
                try:
                    budget.start()
                    return await heavy.in_thread(lambda: fn(*args), budget)
                finally:
                    self.version += 1

    async def step(self, steps: int = 0, epochs: int = 0, *, heavy: HeavyCalls | None = None,
                   budget: Budget | None = None) -> Stepped:
        """Take steps (or epochs), timing them to keep the cost estimate honest.

        With `heavy` and a `budget`, a call not cheap enough to run inline is a heavy call
        (see call_heavy), taken in slices of about SLICE_SECONDS: between two it stops if
        the budget says so, at a step boundary, so continuing later gives the same numbers
        as never having stopped. Without them (the play loop's ticks) it runs as a whole.
        """
        run = self.run
        stopped: list[str] = []  # why the work stopped early, if it did (read in the thread)

        def take(count: int) -> int:
            """`count` steps in chunks that end where the timeline keeps a checkpoint
            (and, with a budget, each about SLICE_SECONDS long)."""
            size = count if budget is None else max(1, int(SLICE_SECONDS / self.step_seconds))
            taken = 0
            while taken < count:
                if budget is not None and budget.should_stop():
                    stopped.append(budget.reason)
                    break
                chunk = min(count - taken, size, self.timeline.until_due(run.step_count))
                started = time.perf_counter()
                done = run.step(chunk)  # a diverged run refuses here (StateError)
                taken += done
                self.timeline.record(run)
                if done < chunk:
                    break
                if budget is not None:  # the slices follow what a step really costs now
                    per_step = (time.perf_counter() - started) / done
                    size = max(1, min(2 * size, int(SLICE_SECONDS / max(per_step, 1e-9))))
            return taken

        def work() -> Stepped:
            started = time.perf_counter()
            taken = run.step_epochs(epochs, take=take) if epochs else take(steps)
            if taken:
                per_step = (time.perf_counter() - started) / taken
                self.step_seconds = 0.7 * self.step_seconds + 0.3 * per_step
            return Stepped(taken, stopped[0] if stopped else None)

        expected = self.step_seconds * (steps or epochs * run.batcher.steps_to_epoch_end())
        if heavy is None or budget is None or expected < INLINE_SECONDS:
            budget = None  # a tick of the play loop, or too little work to stop halfway
            return await self.call(work, cost=expected)
        return await self.call_heavy(heavy, budget, work)


class SessionManager:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.sessions: dict[str, Session] = {}
        self.on_removed: list[Callable[[str], None]] = []  # e.g. drop it from the store

    def _check_capacity(self) -> None:
        if len(self.sessions) >= self.settings.max_sessions:
            raise APIError(503, "busy", "the server holds as many sessions as it may; "
                                        "try again later", headers={"Retry-After": "30"})

    async def create(self, build: Callable[[], Run]) -> Session:
        """Build a run (in a thread: data sets may take a moment) and register it."""
        self._check_capacity()
        run = await anyio.to_thread.run_sync(build)
        self._check_capacity()
        session = self.new_session(secrets.token_urlsafe(16), run)  # 128 random bits
        self.sessions[session.id] = session
        return session

    def new_session(self, session_id: str, run: Run) -> Session:
        """A session as the settings make it (not yet registered)."""
        return Session(session_id, run, self.settings.max_fps, self.settings.unwatched_seconds)

    def get(self, session_id: str) -> Session:
        session = self.sessions.get(session_id)
        if session is None:
            raise not_found()
        session.touch()
        return session

    async def delete(self, session_id: str) -> None:
        session = self.sessions.pop(session_id, None)
        if session is None:
            raise not_found()
        await self._stop(session)
        self._removed(session_id)

    def _removed(self, session_id: str) -> None:
        for callback in self.on_removed:
            callback(session_id)

    async def _stop(self, session: Session) -> None:
        session.playing = False
        task = session.play_task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # it is going away either way
                pass
        for subscriber in list(session.subscribers):
            subscriber.close("the session was deleted or expired")

    async def expire_idle(self) -> int:
        """Drop sessions idle longer than the setting, unless someone is watching."""
        limit = self.settings.session_idle_seconds
        now = time.monotonic()
        stale = [s for s in self.sessions.values()
                 if now - s.last_used > limit and not s.subscribers and not s.playing]
        for session in stale:
            self.sessions.pop(session.id, None)
            await self._stop(session)
            self._removed(session.id)
        return len(stale)

    async def close(self) -> None:
        """Stop every session; one that was training trains again after a restart, when its
        page reconnects."""
        for session in list(self.sessions.values()):
            session.resume_playing = session.wants_to_play()
            await self._stop(session)
