"""Sessions: one engine run each, reached by an unguessable id, with the sockets watching it.

All engine work on a session happens under its lock, on the event loop when it is
cheap and in a worker thread when it is not, so no request holds the loop for long; long
step calls and gradient checks are heavy calls, bounded in time and in number
(app/heavy.py).

Memory has a budget: each session costs what core.memory works out from its config
(at most NNPLAY_SESSION_MEMORY_MB), and together they stay under NNPLAY_MEMORY_MB. A new
session that does not fit first moves the least recently used idle sessions (no socket,
not training, unused for EVICT_IDLE_SECONDS) to the store; they come back, exactly, when
a request or a socket asks for them. Without a store, or with nothing idle, it is a 503.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar

import anyio

from app.errors import APIError, invalid, not_found
from app.heavy import Budget, HeavyCalls
from app.owners import named_id
from app.settings import Settings
from core.config import resolve_config
from core.memory import estimate, too_big
from core.run import Run
from core.targets import Target
from core.timeline import Timeline

INLINE_SECONDS = 0.004  # engine work expected to take longer than this goes to a thread
# A heavy step call looks at its budget between slices of about this long: short enough
# to stop soon after its time is up, long enough that looking costs nothing.
SLICE_SECONDS = 0.02

if TYPE_CHECKING:
    from app.owners import Owners

T = TypeVar("T")


class Stepped(NamedTuple):
    """What a step call did: the steps it took, why it stopped before all were taken
    (None when it did not, or when the run diverged: its status says so), and the words
    that say its target was reached (None without a target, or before it)."""

    steps_taken: int
    stopped_early: str | None
    reached: str | None = None


# A session unused for less than this is never evicted: a request that has just found it
# is about to use it.
EVICT_IDLE_SECONDS = 10.0
RETRY_SECONDS = "30"
MB = 2**20


CGROUP_LIMIT = Path("/sys/fs/cgroup/memory.max")  # a container's memory limit (cgroup v2)


def machine_memory_mb() -> int:
    """Half of the machine's physical memory, or of the container's limit when it has a
    smaller one, in MB: the default NNPLAY_MEMORY_MB. The rest is for the frame workers,
    the data sets' shared files and the system."""
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = CGROUP_LIMIT.read_text().strip()
    except OSError:
        limit = "max"
    if limit.isdigit():
        physical = min(physical, int(limit))
    return max(1, physical // 2 // MB)


class Session:
    def __init__(self, session_id: str, run: Run, max_fps: float = 30.0, unwatched_seconds: float = 15.0):
        self.id = session_id
        self.run = run
        self.lock = asyncio.Lock()
        self.heavy_lock = asyncio.Lock()  # one heavy call at a time (app/heavy.py)
        self.created = time.time()
        self.last_used = time.monotonic()
        self.playing = False
        self.steps_per_second = 30.0
        self.play_task: asyncio.Task | None = None
        self.until: Target | None = None  # where play pauses by itself (core/targets.py)
        self.subscribers: set = set()
        self.step_seconds = 1e-4  # running estimate of one step's cost
        self.generation = 0  # bumped whenever the history is replaced (reset, import)
        self.version = 0  # bumped by every engine call: cached frames go stale
        self.max_fps = max_fps
        self.frames: dict = {}  # serialized snapshot per view, shared by all sockets
        # Training that waits for a watcher: set when the server stopped while it played, or
        # when nobody watched it for `unwatched_seconds`; the next socket starts it again.
        self.resume_playing = False
        self.unwatched_seconds = unwatched_seconds
        self.student: str | None = None  # the nickname, for a session that joined the class
        # The browser it was made in (a random key the page keeps): one student, one row on
        # the board, however many sessions their reloads and rebuilds have made.
        self.seat: str | None = None
        self.on_grown: Callable[[Session], Awaitable[None]] | None = None  # the manager's
        self.timeline = Timeline(run)  # every earlier step, for scrubbing back
        self.memory = estimate(run.config)["total"]  # the most it may need, in bytes
        self.memory_limit: int | None = None  # the most it may grow to (set by the manager)
        # Bytes its background work holds besides (a sweep's copies of the run, app/sweeps.py):
        # counted against the server's memory like the session's own; never evicted meanwhile.
        self.borrowed = 0

    def grow_check(self, config: dict) -> None:
        """Refuse (422, naming the field) a change to `config` that would take this session
        past its memory limit; otherwise take the new cost. Call under the lock."""
        if self.memory_limit is not None:
            problem = too_big(config, self.memory_limit, before=self.run.config)
            if problem is not None:
                raise invalid(*problem)
        self.memory = estimate(config)["total"]

    def touch(self) -> None:
        self.last_used = time.monotonic()

    def replace_run(self, run: Run) -> None:
        """Continue from another state of this session (an earlier step, say)."""
        self.run = run
        self.memory = estimate(run.config)["total"]  # its settings may be older ones
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

    async def step(
        self,
        steps: int = 0,
        epochs: int = 0,
        *,
        heavy: HeavyCalls | None = None,
        budget: Budget | None = None,
        target: Target | None = None,
    ) -> Stepped:
        """Take steps (or epochs), timing them to keep the cost estimate honest; with a
        `target` (core/targets.py), stop at the step that reaches it.

        With `heavy` and a `budget`, a call not cheap enough to run inline is a heavy call
        (see call_heavy), taken in slices of about SLICE_SECONDS: between two it stops if
        the budget says so, at a step boundary, so continuing later gives the same numbers
        as never having stopped. Without them (the play loop's ticks) it runs as a whole.
        """
        run = self.run
        stopped: list[str] = []  # why the work stopped early, if it did (read in the thread)
        reached: list[str] = []  # the words that say the target was reached, once it is

        def take(count: int) -> int:
            """`count` steps in chunks that end where the timeline keeps a checkpoint
            (and, with a budget, each about SLICE_SECONDS long)."""
            size = count if budget is None else max(1, int(SLICE_SECONDS / self.step_seconds))
            taken = 0
            while taken < count:
                reason = budget.reason if budget is not None and budget.should_stop() else None
                if reason is not None:
                    stopped.append(reason)
                    break
                chunk = min(count - taken, size, self.timeline.until_due(run.step_count))
                if target is not None:  # never past a step where the target may be reached
                    chunk = min(chunk, target.steps_before_check(run))
                started = time.perf_counter()
                done = run.step(chunk)  # a diverged run refuses here (StateError)
                taken += done
                self.timeline.record(run)
                if done < chunk:
                    break
                if target is not None and (words := target.reached(run)) is not None:
                    reached.append(words)
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
            return Stepped(taken, stopped[0] if stopped else None, reached[0] if reached else None)

        expected = self.step_seconds * (steps or epochs * run.batcher.steps_to_epoch_end())
        if heavy is None or budget is None or expected < INLINE_SECONDS:
            budget = None  # a tick of the play loop, or too little work to stop halfway
            return await self.call(work, cost=expected)
        return await self.call_heavy(heavy, budget, work)


def busy(why: str) -> APIError:
    return APIError(503, "busy", f"{why}; try again later", headers={"Retry-After": RETRY_SECONDS})


class Evictor(Protocol):
    """Where idle sessions go to free memory, and come back from (app.persistence)."""

    async def evict(self, session: Session) -> bool:
        """Save the session and drop it from memory if it is still idle; whether it was."""

    async def bring_back(self, session_id: str) -> Session | None:
        """The session as it was evicted, or None when the store no longer has it."""


class SessionManager:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.sessions: dict[str, Session] = {}
        self.on_removed: list[Callable[[str], None]] = []  # e.g. drop it from the store
        self.on_let_go: list[Callable[[str], None]] = []  # another process holds it now
        self.session_limit = settings.session_memory_mb * MB
        self.total = (settings.memory_mb or machine_memory_mb()) * MB
        # What the server holds without any session (the interpreter, its libraries, the
        # frame workers): the sessions get the rest of the total. Measured at start
        # (app/main.py) unless the settings say.
        self.base = (settings.memory_base_mb or 0) * MB
        self.evictor: Evictor | None = None  # set when there is a store to evict to
        self.evicted: dict[str, float] = {}  # in the store, not in memory: id -> last used
        self._returning: dict[str, asyncio.Future] = {}  # evicted sessions being loaded
        # The leases of a process among several (app/owners.py); None for one alone.
        self.owners: Owners | None = None

    def memory_in_use(self) -> int:
        """The sum of the sessions' costs in memory, in bytes."""
        return sum(session.memory + session.borrowed for session in list(self.sessions.values()))

    def room(self) -> int:
        """The most the sessions may need together, in bytes: the total less the base."""
        return max(0, self.total - self.base)

    def _check_capacity(self) -> None:
        if len(self.sessions) >= self.settings.max_sessions:
            raise busy("the server holds as many sessions as it may")

    def check_config(self, raw: Any) -> int:
        """The cost of a new session from this config (as the user sent it); a 422 naming
        the field when it is more than one session may have. Run in a thread."""
        config = resolve_config(raw)  # a bad config is the ConfigError the build would raise
        problem = too_big(config, self.session_limit)
        if problem is not None:
            raise invalid(*problem)
        return estimate(config)["total"]

    async def create(self, build: Callable[[], Run], config: Any = None) -> Session:
        """Build a run (in a thread: data sets may take a moment) and register it. With
        `config` (the raw config the run is built from), its memory is checked first."""
        self._check_capacity()
        if config is not None:
            await self.make_room(await anyio.to_thread.run_sync(self.check_config, config))
        run = await anyio.to_thread.run_sync(build)
        self._check_capacity()
        session_id = named_id(self.settings.process_name, secrets.token_urlsafe(16))  # 128 random bits
        if self.owners is not None:
            await self.owners.claim(session_id)
        session = self.new_session(session_id, run)
        await self.make_room(session.memory)  # others may have come meanwhile
        self.add(session)
        return session

    def add(self, session: Session) -> None:
        session.memory_limit = max(self.session_limit, session.memory)  # (a limit lowered since)
        session.on_grown = self._grown
        self.sessions[session.id] = session

    async def make_room(self, needed: int, keep: Session | None = None) -> None:
        """Evict idle sessions, least recently used first, until `needed` more bytes fit
        under the total; 503 when they cannot (nothing idle, or no store)."""
        tried: set[str] = set()
        while self.memory_in_use() + needed > self.room():
            now = time.monotonic()
            idle = [
                s
                for s in self.sessions.values()
                if s is not keep
                and s.id not in tried
                and not s.subscribers
                and not s.playing
                and not s.lock.locked()
                and not s.borrowed
                and now - s.last_used >= EVICT_IDLE_SECONDS
            ]
            if self.evictor is None or not idle:
                raise busy(
                    f"the server's sessions use {self.memory_in_use() / MB:,.0f} of the "
                    f"{self.room() / MB:,.0f} MB of memory left to them ({self.total / MB:,.0f} MB "
                    f"less {self.base / MB:,.0f} MB the server holds without any)"
                )
            victim = min(idle, key=lambda s: s.last_used)
            tried.add(victim.id)
            await self.evictor.evict(victim)

    async def _grown(self, session: Session) -> None:
        """A session grew (another optimizer, say): make room for it if it can be made."""
        # The change itself was within the session's limit; new sessions wait.
        with contextlib.suppress(APIError):
            await self.make_room(0, keep=session)

    def new_session(self, session_id: str, run: Run) -> Session:
        """A session as the settings make it (not yet registered)."""
        return Session(session_id, run, self.settings.max_fps, self.settings.unwatched_seconds)

    async def get(self, session_id: str) -> Session:
        """The session, brought back from the store if it was evicted; 404 if there is
        none, 503 if it cannot come back for lack of memory."""
        session = self.sessions.get(session_id)
        if session is None and session_id not in self.evicted and session_id not in self._returning:
            # Saved by another server process, maybe, whose lease ran out: this one's now.
            if self.owners is None or not await self.owners.adopt(session_id):
                raise not_found()
            session = self.sessions.get(session_id)  # (another request may have loaded it meanwhile)
            if session is None and session_id not in self._returning:
                self.evicted[session_id] = time.monotonic()
        if session is None:
            if session_id not in self.evicted and session_id not in self._returning:
                raise not_found()
            session = await self._bring_back(session_id)
        session.touch()
        return session

    async def _bring_back(self, session_id: str) -> Session:
        waiting = self._returning.get(session_id)
        if waiting is not None:  # another request is loading it: the same session for both
            return await asyncio.shield(waiting)
        future = self._returning[session_id] = asyncio.get_running_loop().create_future()
        try:
            if self.evictor is None:  # nothing is evicted without a store to evict to
                raise not_found()
            session = await self.evictor.bring_back(session_id)
            if session is None:
                self.evicted.pop(session_id, None)
                raise not_found()
            await self.make_room(session.memory)
            self.evicted.pop(session_id, None)
            self.add(session)
            future.set_result(session)
            return session
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: no "never retrieved" warning when none waits
            raise
        finally:
            del self._returning[session_id]

    async def delete(self, session_id: str) -> None:
        session = self.sessions.pop(session_id, None)
        if session is None:
            raise not_found()
        await self._stop(session)
        self._removed(session_id)

    async def stop(self, session: Session, why: str) -> None:
        """Stop a session's training and close its sockets, saying why (it stays)."""
        session.playing = False
        task = session.play_task
        if task is not None and task is not asyncio.current_task():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # it stops either way
                await task
        for subscriber in list(session.subscribers):
            subscriber.close(why)

    async def let_go(self, session_id: str, why: str) -> None:
        """Forget a session another server process holds now, leaving the store as it is
        (unlike delete): its sockets close, saying why, and their pages reconnect there."""
        self.evicted.pop(session_id, None)
        session = self.sessions.pop(session_id, None)
        if session is not None:
            await self.stop(session, why)
        for callback in self.on_let_go:
            callback(session_id)

    def _removed(self, session_id: str) -> None:
        for callback in self.on_removed:
            callback(session_id)

    async def _stop(self, session: Session) -> None:
        await self.stop(session, "the session was deleted or expired")

    async def expire_idle(self) -> int:
        """Drop sessions idle longer than the setting, unless someone is watching; evicted
        ones too (from the store)."""
        limit = self.settings.session_idle_seconds
        now = time.monotonic()
        stale = [
            s
            for s in self.sessions.values()
            if now - s.last_used > limit and not s.subscribers and not s.playing
        ]
        for session in stale:
            self.sessions.pop(session.id, None)
            await self._stop(session)
            self._removed(session.id)
        gone = [
            sid for sid, used in self.evicted.items() if now - used > limit and sid not in self._returning
        ]
        for session_id in gone:
            del self.evicted[session_id]
            self._removed(session_id)
        return len(stale) + len(gone)

    async def close(self) -> None:
        """Stop every session; one that was training trains again after a restart, when its
        page reconnects."""
        for session in list(self.sessions.values()):
            session.resume_playing = session.wants_to_play()
            await self._stop(session)
