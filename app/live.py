"""Live delivery: a mailbox per watching socket, and the play loop that trains a session.

Snapshots are newest-wins: a socket that reads slowly gets the latest state, never a
growing queue, and a stalled send holds up only its own socket. Control messages
(errors, divergence, topology) wait in a short queue of their own. A frame costs a socket
at most its byte budget (`max_frame_bytes`): a bigger one is not sent, and the socket is
told why once.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import time
import zlib
from collections.abc import Callable

from app.framejobs import frame_job
from app.frames import history_tail, session_snapshot
from app.gridpool import GridPool
from app.grids import grid_axes
from app.jsonio import dumps
from app.sessions import Session
from core.errors import StateError

log = logging.getLogger("nnplay.live")

MAX_CONTROL = 64
NOT_READING = "the client is not reading its messages"  # the reason of its 1008 close
MAX_SHARED = 4  # frames kept per view and state, for sockets at different history positions
LIGHT_LIMIT = 500  # shown parameters above which frames leave out gradients while playing


def _shown_parameters(run, units: int | None) -> int:
    shown = [run.sizes[0]] + [min(n, units) if units else n for n in run.sizes[1:]]
    return sum(a * b for a, b in zip(shown, shown[1:]))


class Subscriber:
    """One socket's view of a session: what to send next, and how it likes its frames."""

    def __init__(
        self,
        session: Session,
        grid: int | None = None,
        units: int | None = None,
        grids: GridPool | None = None,
        max_frame_bytes: int | None = None,
    ):
        self.session = session
        self.grid = grid
        self.units = units
        self.grids = grids or GridPool(0)
        self.max_frame_bytes = max_frame_bytes
        self.refused = False  # the last frame was over the budget (and the socket was told)
        self.control: collections.deque[bytes] = collections.deque()
        self.frame_pending = False
        self.wakeup = asyncio.Event()
        self.closed: str | None = None
        self.cancel: Callable[[], object] | None = (
            None  # set by the socket: ends it even while a send is stuck
        )
        # Which history rows this socket has already been sent, and of which history.
        self.history_step = -1
        self.generation = -1
        self.axes_key: tuple[int, object] | None = None  # the grid axes this socket was last sent

    def send(self, message: dict) -> None:
        if len(self.control) >= MAX_CONTROL:
            # Its send may be stuck for good: end the socket rather than wait for it.
            self.close(NOT_READING, force=True)
            return
        self.control.append(dumps(message))
        self.wakeup.set()

    def notify(self) -> None:
        """A new snapshot exists; the sender builds this socket's frame when it gets to it."""
        self.frame_pending = True
        self.wakeup.set()

    def close(self, reason: str, force: bool = False) -> None:
        if self.closed is not None:
            return
        self.closed = reason
        self.wakeup.set()
        if force and self.cancel is not None:
            self.cancel()

    async def frame(self) -> bytes | None:
        """This socket's snapshot frame, with the history rows it has not seen yet; None
        when it is over the socket's byte budget (the socket is sent an error instead, once
        until a frame fits again, and the rows wait for the next frame that does).

        The serialized snapshot is cached on the session per view, so a hundred sockets
        watching one session cost one snapshot; and the frames made of it are kept with it,
        one for each history position, so sockets that have seen the same rows (the usual
        case) are sent the same bytes object: a big frame is not copied for each socket,
        even while sends to sockets that stopped reading wait with it.
        """
        session = self.session
        cache = session.frames
        key = (self.grid, self.units, session.version, session.playing)
        view = cache.get(key)
        rows = None  # the history as it stands (the body, cached or not, is of this state)
        if view is None:
            async with session.lock:  # never read the parameters halfway through a step
                run = session.run  # read under the lock: a rewind replaces it
                if session.playing:
                    # While training runs, the phase-by-phase values would only be stale
                    # noise, and a big net's gradients (and last changes) would double every
                    # frame: those come with the frames sent when it pauses or steps. The
                    # arrays, the probe's values and the grid are rendered from a copy
                    # (a frame job), by a grid worker while the loop serves others.
                    busy = _shown_parameters(run, self.units) > LIGHT_LIMIT
                    snap = session_snapshot(
                        session,
                        max_units=self.units,
                        raw=True,
                        params=False,
                        activations=False,
                        pending="none",
                    )
                    job = frame_job(
                        run,
                        grid=self.grid,
                        max_units=self.units,
                        arrays=True,
                        grads=not busy,
                        change=not busy,
                    )
                else:
                    snap = session_snapshot(session, max_units=self.units, raw=True)
                    job = frame_job(run, grid=self.grid, max_units=self.units)  # the grid only
                # Serialized here: the snapshot's arrays are the run's own, and once the lock
                # is let go the run may train on.
                body = dumps(snap)
                rows = len(run.history)  # training may go on while the job is rendered
            members = b'{"grid":null}' if job is None else await self.grids.draw(job)
            if cache and next(iter(cache))[2:] != key[2:]:
                cache.clear()  # an older state: never sent again
            view = cache[key] = _View(body[:-1] + b"," + members[1:])
        reset = self.generation != session.generation
        after = -1 if reset else self.history_step
        # The grid's coordinates only when this socket does not have them yet: they are
        # the same every frame, and a tenth of a frame's bytes.
        axes_key = (self.grid, session.run.data.domain) if self.grid else None
        with_axes = axes_key != self.axes_key
        share = (reset, after, with_axes)  # what the frame's head depends on
        entry = view.frames.get(share)  # (frame, the last history step it carries)
        if entry is None:
            tail = history_tail(session, after, rows)
            # `sent` (server clock, seconds) lets a client measure how late a frame arrives.
            head: dict[str, object] = {
                "type": "snapshot",
                "session": session.id,
                "sent": time.time(),
                "history": {"reset": reset, **tail},
            }
            if with_axes:
                head["grid_axes"] = grid_axes(session.run, self.grid) if self.grid else None
            encoded = dumps(head)
            if self._over_budget(len(encoded) + len(view.members)):
                return None  # not made at all
            entry = view.add(share, encoded, tail["step"][-1] if tail["step"] else after)
        elif self._over_budget(len(entry[0])):
            return None
        # What this socket has from here on (only once the frame is really made for it).
        self.refused = False
        self.axes_key = axes_key
        if reset:
            self.generation = session.generation
        frame, self.history_step = entry
        return frame

    def _over_budget(self, size: int) -> bool:
        """Whether a frame of `size` bytes is over this socket's budget; the socket is told
        (once until a frame fits again)."""
        if self.max_frame_bytes is None or size <= self.max_frame_bytes:
            return False
        self._refuse(size)
        return True

    def _refuse(self, size: int) -> None:
        if self.refused:
            return
        self.refused = True
        self.send(
            {
                "type": "error",
                "code": "frame_too_large",
                "message": f"this view's snapshot frame has {size:,} bytes, more than the "
                f"{self.max_frame_bytes:,} a socket is sent "
                "(NNPLAY_MAX_FRAME_BYTES): ask for fewer units a layer, e.g. "
                '{"type": "view", "units": 32}',
                "fields": [],
            }
        )


class _View:
    """One view of one state of a session: its snapshot's members, serialized once, and
    the frames made of them for each history position sockets were at.

    The first frame takes the place of the body: the members are read out of it (they
    end every frame), so a paused session keeps one copy of them, not two.
    """

    def __init__(self, body: bytes):
        self.members = memoryview(body)[1:]  # `"key":value,...}`, after the opening brace
        self.frames: dict = {}

    def add(self, share, head: bytes, last_step: int) -> tuple[bytes, int]:
        """The frame {...head, ...members} (made in one copy), kept for sockets at `share`."""
        frame = b"".join((memoryview(head)[:-1], b",", self.members))
        if not self.frames:
            self.members = memoryview(frame)[len(head) :]  # the body is let go
        elif len(self.frames) >= MAX_SHARED:
            del self.frames[next(iter(self.frames))]  # the oldest position: likely passed
        self.frames[share] = (frame, last_step)
        return self.frames[share]


def broadcast(session: Session, message: dict | None = None) -> None:
    """Tell every socket of the session: a control message, or that a new snapshot exists."""
    for subscriber in list(session.subscribers):
        if message is None:
            subscriber.notify()
        else:
            subscriber.send(message)


def _phase(session_id: str) -> float:
    """A fraction in [0, 1) spread evenly over session ids, the same every time."""
    return zlib.crc32(session_id.encode()) / 2**32


def start_playing(session: Session, steps_per_second: float) -> None:
    session.steps_per_second = steps_per_second
    if session.playing and session.play_task is not None and not session.play_task.done():
        return
    session.playing = True
    session.play_task = asyncio.create_task(_play(session, max_fps=session.max_fps))


async def stop_playing(session: Session) -> None:
    """Stop training (a pause, a step, an edit): it no longer waits for a watcher either."""
    session.playing = False
    session.resume_playing = False
    task = session.play_task
    session.play_task = None
    if task is not None and task is not asyncio.current_task() and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


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
            if steps:
                # Not a heavy call (app/heavy.py): a tick is a short slice already, so it
                # neither takes one of their few slots nor waits behind them.
                with contextlib.suppress(StateError):
                    await session.step(steps=steps)
            if session.run.status == "diverged":
                session.playing = False
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
        broadcast(
            session,
            {"type": "error", "code": "internal", "message": "training stopped because of an internal error"},
        )
        broadcast(session)
    finally:
        if session.play_task is asyncio.current_task():
            session.play_task = None
