"""Live delivery: a mailbox per watching socket (the play clock that trains a session and
tells its sockets is app/playclock.py).

Snapshots are newest-wins: a socket that reads slowly gets the latest state, never a
growing queue, and a stalled send holds up only its own socket. Control messages
(errors, divergence, topology) wait in a short queue of their own. A frame costs a socket
at most its byte budget (`max_frame_bytes`): a bigger one is not sent, and the socket is
told why once.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable

from app.framepool import FramePool
from app.frames import frame_head, frame_view
from app.jsonio import dumps
from app.sessions import Session

MAX_CONTROL = 64
NOT_READING = "the client is not reading its messages"  # the reason of its 1008 close


class Subscriber:
    """One socket's view of a session: what to send next, and how it likes its frames."""

    def __init__(
        self,
        session: Session,
        grid: int | None = None,
        units: int | None = None,
        pool: FramePool | None = None,
        max_frame_bytes: int | None = None,
    ):
        self.session = session
        self.grid = grid
        self.units = units
        self.pool = pool or FramePool(0)
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

        Sockets with the same view share its members and, at the same history position,
        the frame itself (app/frames.py): a big frame is not copied for each socket, even
        while sends to sockets that stopped reading wait with it.
        """
        session = self.session
        view, rows = await frame_view(session, self.grid, self.units, self.pool)
        reset = self.generation != session.generation
        after = -1 if reset else self.history_step
        # The grid's coordinates only when this socket does not have them yet: they are
        # the same every frame, and a tenth of a frame's bytes.
        axes_key = (self.grid, session.run.data.domain) if self.grid else None
        with_axes = axes_key != self.axes_key
        share = (reset, after, with_axes)  # what the frame's head depends on
        entry = view.frames.get(share)  # (frame, the last history step it carries)
        if entry is None:
            head, last_step = frame_head(session, self.grid, reset, after, rows, with_axes)
            if self._over_budget(len(head) + len(view.members)):
                return None  # not made at all
            entry = view.add(share, head, last_step)
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


def broadcast(session: Session, message: dict | None = None) -> None:
    """Tell every socket of the session: a control message, or that a new snapshot exists."""
    for subscriber in list(session.subscribers):
        if message is None:
            subscriber.notify()
        else:
            subscriber.send(message)
