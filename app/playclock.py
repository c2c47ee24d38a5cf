"""The play clock: a playing session trains in ticks at its speed, and after each tick its
sockets are told that a new snapshot exists (their frames are paced by app/routes/socket.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import zlib

from app.live import broadcast
from app.sessions import Session
from core.errors import StateError
from core.targets import Target

log = logging.getLogger("nnplay.play")


def _phase(session_id: str) -> float:
    """A fraction in [0, 1) spread evenly over session ids, the same every time."""
    return zlib.crc32(session_id.encode()) / 2**32


def start_playing(session: Session, steps_per_second: float, until: Target | None = None) -> None:
    """Play at this speed; with `until`, pause by itself once it is reached. Without one,
    a run already playing keeps its target: a new speed is not a new experiment."""
    session.steps_per_second = steps_per_second
    if until is not None or not session.playing:
        session.until = until
    if session.playing and session.play_task is not None and not session.play_task.done():
        return
    session.playing = True
    session.play_task = asyncio.create_task(_play(session, max_fps=session.max_fps))


async def stop_playing(session: Session) -> None:
    """Stop training (a pause, a step, an edit): it no longer waits for a watcher either,
    nor keeps its target."""
    session.playing = False
    session.until = None
    session.resume_playing = False
    task = session.play_task
    session.play_task = None
    if task is not None and task is not asyncio.current_task() and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


def _reached_message(session: Session, target: Target | None, words: str) -> dict:
    """To every watcher: play paused by itself, at the target it was given."""
    return {
        "type": "reached",
        "until": None if target is None else target.asked,
        "step": session.run.step_count,
        "message": f"paused: {words}",
    }


async def _play(session: Session, max_fps: float) -> None:
    """Train in ticks: each tick takes its share of steps, then tells the watchers."""
    carry = 0.0
    last = time.monotonic()
    unwatched_since: float | None = None  # since when no socket has watched it
    # The first tick at once, the second a fraction of a tick later that depends on the
    # session: a class that presses play together (a broadcast, a load test) does not
    # keep every session ticking at the same instant, which would make the loop train
    # all of them in one burst and leave each frame waiting behind the others.
    next_tick = last - (1.0 - _phase(session.id)) / min(max_fps, session.steps_per_second)
    try:
        while session.playing:
            started = time.monotonic()
            ticks = min(max_fps, session.steps_per_second)
            # Steps owed for the time that really passed, so a late wake-up is made up
            # (up to two ticks' worth); and no more than fits in one tick: a slow network
            # trains slower than asked, but frames keep coming and the lock is never held
            # for seconds.
            owed = session.steps_per_second * min(started - last, 2.0 / ticks)
            last = started
            affordable = max(1.0, 0.8 / ticks / max(session.step_seconds, 1e-6))
            carry = min(carry + owed, affordable)
            steps = int(carry)
            carry -= steps
            target = session.until
            reached = None
            if steps:
                # Not a heavy call (app/heavy.py): a tick is a short slice already, so it
                # neither takes one of their few slots nor waits behind them. With a
                # target, the tick ends at the step that reaches it.
                with contextlib.suppress(StateError):
                    reached = (await session.step(steps=steps, target=target)).reached
            if reached is not None and target is session.until:  # not replaced meanwhile
                session.playing = False
                session.until = None
                broadcast(session, _reached_message(session, target, reached))
            if session.run.status == "diverged":
                session.playing = False
                session.until = None
                broadcast(session, {"type": "diverged", **(session.run.divergence or {})})
            broadcast(session)
            if session.subscribers:
                unwatched_since = None
            elif unwatched_since is None:
                unwatched_since = started
            elif session.playing and started - unwatched_since >= session.unwatched_seconds:
                # Every page on it closed (a student gone, a tab shut): nobody's run trains
                # for nobody. The next socket starts it again.
                session.playing = False
                session.resume_playing = True
                break
            # Ticks keep to a fixed clock: a wake-up that comes late (a busy loop with many
            # sessions) shortens the next wait instead of slowing every tick after it. More
            # than a tick behind, the clock starts again from now rather than rushing.
            now = time.monotonic()
            next_tick = max(next_tick + 1.0 / ticks, now - 0.5 / ticks)
            await asyncio.sleep(max(0.0, next_tick - now))
    except asyncio.CancelledError:
        raise
    except Exception:  # never let one session's failure go unnoticed, nor take others down
        log.exception("play loop of session %s failed", session.id)
        session.playing = False
        session.until = None  # paused, so no target: pages show none (app/frames.py)
        broadcast(
            session,
            {"type": "error", "code": "internal", "message": "training stopped because of an internal error"},
        )
        broadcast(session)
    finally:
        if session.play_task is asyncio.current_task():
            session.play_task = None
