"""Sweeps in the background: one per session at a time, run in the heavy-call pool.

POST .../sweep checks the sweep, copies the session's run (a fork with no changes, under
its lock: the sweep starts from the state the session had when it was asked for) and
answers at once; the sweep then waits for a slot of the heavy-call pool (app/heavy.py),
so it never takes a thread the cheap calls need and never runs on the event loop, and
trains its variants there (core/sweep.py) within its own time budget
(NNPLAY_SWEEP_SECONDS). Each socket of the session is told how far it got; GET says the
same and, when it is over, gives the results.

Memory: while a sweep runs, its copy of the run and one variant are counted on top of
the session's cost (Session.borrowed), against the server's budget like a session's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from typing import TYPE_CHECKING, Any

from app.heavy import Budget, HeavyCalls
from app.live import broadcast
from core.errors import ConfigError, StateError
from core.fork import fork_run
from core.plain import plain
from core.sweep import Progress, sweep

if TYPE_CHECKING:
    from app.sessions import Session, SessionManager
    from core.run import Run

log = logging.getLogger("nnplay.sweeps")

CANCELLED = "cancelled"  # why a sweep stopped early: DELETE, or its session went away
PROGRESS_SECONDS = 0.1  # the least time between two progress messages (a finished variant always sends)
DONE = ("done", "stopped", "failed")


@dataclasses.dataclass
class SweepJob:
    """One sweep of one session: what was asked, how far it got, what it found."""

    session_id: str
    field: str
    values: list[Any]
    steps: int
    budget: Budget
    status: str = "queued"  # queued, running, then done, stopped (early) or failed
    done: int = 0
    of: int = 0
    results: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    stopped_early: str | None = None
    error: str | None = None
    task: asyncio.Task | None = None
    sent: float = 0.0  # when the last progress message went out

    def view(self) -> dict[str, Any]:
        """The sweep as GET and the socket's `sweep` message show it (no NaN: plain)."""
        return plain(
            {
                "field": self.field,
                "values": self.values,
                "steps": self.steps,
                "status": self.status,
                "done": self.done,
                "of": self.of,
                "results": self.results,
                "stopped_early": self.stopped_early,
                "error": self.error,
            }
        )


class Sweeps:
    """The sweeps of a server's sessions, by session id."""

    def __init__(self, manager: SessionManager, heavy: HeavyCalls, seconds: float):
        self.manager = manager
        self.heavy = heavy
        self.seconds = seconds
        self.jobs: dict[str, SweepJob] = {}
        self.tasks: set[asyncio.Task] = set()
        manager.on_removed.append(self._removed)

    def get(self, session_id: str) -> SweepJob | None:
        return self.jobs.get(session_id)

    async def start(
        self, session: Session, field: str, values: list[Any], steps: int, memory: int
    ) -> SweepJob:
        """Start a checked sweep of `session` (values as core.sweep.check_sweep gave
        them; `memory`: the bytes it holds at most); 409 while one runs, 503 when its
        memory does not fit."""
        previous = self.jobs.get(session.id)
        if previous is not None and previous.status not in DONE:
            raise StateError("a sweep of this session is running; wait for it or DELETE it first")
        job = SweepJob(session.id, field, values, steps, Budget(self.seconds), of=steps * len(values))
        self.jobs[session.id] = job  # before any await: a second POST meanwhile is a 409
        try:
            await self.manager.make_room(memory, keep=session)
            session.borrowed += memory
            try:
                base = await session.call(fork_run, session.run, {})
            except BaseException:
                session.borrowed -= memory
                raise
        except BaseException:
            if self.jobs.get(session.id) is job:  # the last sweep's results stay readable
                self._put_back(session.id, previous)
            raise
        job.task = asyncio.create_task(self._run(job, session, base, memory))
        self.tasks.add(job.task)  # a strong reference until it ends, however it ends
        job.task.add_done_callback(self.tasks.discard)
        return job

    def _put_back(self, session_id: str, job: SweepJob | None) -> None:
        if job is None:
            self.jobs.pop(session_id, None)
        else:
            self.jobs[session_id] = job

    async def _run(self, job: SweepJob, session: Session, base: Run, memory: int) -> None:
        loop = asyncio.get_running_loop()

        def progress(at: Progress) -> None:  # in the sweep's thread
            loop.call_soon_threadsafe(self._progress, job, session, at)

        def work() -> dict[str, Any]:
            return sweep(
                base, job.field, job.values, job.steps, progress=progress, should_stop=job.budget.should_stop
            )

        try:
            # A slot of the pool: the sweep waits its turn behind the other heavy calls
            # (it has already been answered, so it is never refused as busy).
            async with self.heavy.slots:
                job.status = "running"
                self._tell(session, job)
                job.budget.start()
                result = await self.heavy.in_thread(work, job.budget)
            job.done, job.results = result["done"], result["results"]
            job.stopped_early = job.budget.reason if job.done < job.of else None
            job.status = "done" if job.stopped_early is None else "stopped"
        except asyncio.CancelledError:
            job.status, job.stopped_early = "stopped", job.budget.reason or CANCELLED
        except ConfigError as error:  # a value the run could not take after all (checked first)
            job.status, job.error = "failed", "; ".join(f"{e['field']}: {e['reason']}" for e in error.errors)
        except Exception as error:
            log.exception("sweep of session %s failed", job.session_id)
            job.status, job.error = "failed", f"internal error: {type(error).__name__}"
        finally:
            session.borrowed -= memory
            self._tell(session, job)

    def _progress(self, job: SweepJob, session: Session, at: Progress) -> None:
        finished = len(at.results) > len(job.results)
        job.done, job.results = at.done, at.results
        if finished or time.monotonic() - job.sent >= PROGRESS_SECONDS:
            self._tell(session, job)

    def _tell(self, session: Session, job: SweepJob) -> None:
        job.sent = time.monotonic()
        broadcast(session, {"type": "sweep", **job.view()})

    async def cancel(self, session_id: str) -> bool:
        """Stop the session's sweep and forget it; whether there was one. A running sweep
        stops at its next chunk of steps, and this returns once it has."""
        job = self.jobs.pop(session_id, None)
        if job is None:
            return False
        job.budget.stop(CANCELLED)
        if job.task is not None and not job.task.done():
            if job.status == "queued":  # nothing to stop yet: it stops waiting for a slot
                job.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.shield(job.task)
        return True

    def _removed(self, session_id: str) -> None:
        """The session was deleted or expired: its sweep stops (its thread, at the next chunk)."""
        job = self.jobs.pop(session_id, None)
        if job is not None:
            job.budget.stop(CANCELLED)
            if job.status == "queued" and job.task is not None:
                job.task.cancel()

    async def close(self) -> None:
        """Stop every sweep (the server is stopping) and wait for their threads."""
        for session_id in list(self.jobs):
            await self.cancel(session_id)
