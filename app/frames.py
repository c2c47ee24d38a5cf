"""The documents the server sends: the topology message, snapshots, and the snapshot
frames of the sockets, assembled from pieces serialized once per view and state.

A frame is a head (the frame's type, the history rows a socket has not seen yet, the
grid's axes when it needs them) and the members of its view: the session's snapshot,
written on the event loop under the session's lock, and its arrays and decision grid
(core.frame.frame_members), rendered by a frame worker (app/framepool.py) or here.
"""

from __future__ import annotations

import time

import numpy as np

from app.framepool import FramePool
from app.jsonio import dumps
from app.sessions import Session
from app.streaming import owned
from core.data import DATASETS
from core.data.load import fixed_rows
from core.frame import Cut, frame_arrays
from core.grids import grid_axes
from core.plain import plain
from core.snapshot import snapshot

MAX_POINTS = 2000  # 2-D training and test points sent with the topology
MAX_HISTORY_ROWS = 5000  # history rows in one frame; a client missing more fetches /history
MAX_SHARED = 4  # frames kept per view and state, for sockets at different history positions
LIGHT_LIMIT = 500  # shown parameters above which frames leave out gradients while playing


def session_snapshot(
    session: Session,
    grid: int | None = None,
    *,
    params: bool = True,
    activations: bool = True,
    max_units: int | None = None,
    pending: str = "full",
    raw: bool = False,
    grads: bool = True,
) -> dict:
    """The engine's snapshot plus what only the server knows (playing, speed, id)."""
    snap = snapshot(
        session.run,
        grid=grid,
        params=params,
        activations=activations,
        max_units=max_units,
        pending=pending,
        raw=raw,
        grads=grads,
    )
    snap["status"] = session.status()
    snap["playing"] = session.playing
    # Where play pauses by itself, as it was asked ({"epochs": 100}; null: none): a page
    # that connects later, or another page on the session, shows the same target.
    snap["until"] = None if session.until is None else session.until.asked
    snap["steps_per_second"] = session.steps_per_second
    snap["earliest_step"] = session.timeline.earliest  # time travel reaches back this far
    return snap


def owned_snapshot(session: Session, grid: int | None = None, **options) -> dict:
    """session_snapshot(raw) with every array a copy: it stays as it is once the session's
    lock is let go, to be written at leisure (app/streaming.py)."""
    return owned(session_snapshot(session, grid, raw=True, **options))


def snapshot_numbers(session: Session) -> int:
    """About how many numbers a snapshot copies: the parameters and the gradients."""
    return 2 * sum(a.size for a in session.run.param_arrays())


def topology_message(session: Session) -> dict:
    run = session.run
    data = run.data
    info = DATASETS[data.name]
    message = {
        "type": "topology",
        "session": session.id,
        "layers": run.sizes,
        "activations": run.config["activations"],
        "bias": run.bias,
        "loss": run.config["loss"],
        "param_names": run.param_names,
        "config": run.config,
        "dataset": {
            "name": data.name,
            "kind": data.kind,
            "description": info.description,
            "n_classes": data.n_classes,
            "domain": data.domain,
            "image_shape": data.image_shape,
            "class_names": data.class_names,  # a CSV's words, in class order; else null
            "n_train": len(data.x_train),
            "n_test": len(data.x_test),
            # Why "new data" would give the same rows (the page greys its button), or null.
            "fixed_rows": fixed_rows(run.config["data"]),
        },
        "data_changes": run.data_changes,  # where the curves mark a change of the data
    }
    if data.x_train.shape[1] == 2:  # the plane's own points, whatever features the network sees
        message["points"] = {
            "train": _points(data.x_train, data.y_train, data.labels_train),
            "test": _points(data.x_test, data.y_test, data.labels_test),
        }
    return message


def _points(x, y, labels) -> dict:
    rows = slice(0, MAX_POINTS)
    return plain({"x": x[rows], "targets": y[rows], "labels": None if labels is None else labels[rows]})


def history_tail(session: Session, after_step: int, rows: int | None = None) -> dict:
    """History rows recorded after `after_step` (at most MAX_HISTORY_ROWS, the newest),
    among its first `rows` rows (default: all of them)."""
    history = session.run.history
    steps = history.steps[:rows]  # rising
    start = max(int(np.searchsorted(steps, after_step, side="right")), len(steps) - MAX_HISTORY_ROWS)
    return history.rows(start, len(steps))


class View:
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


async def frame_view(
    session: Session, grid: int | None, units: int | None, pool: FramePool
) -> tuple[View, int | None]:
    """The View of the session's current state with this grid and units, and the history
    rows that state had (None: the view was cached; its state is the one of every row).

    The view is cached on the session, so a hundred sockets watching one session cost
    one snapshot; and the frames made of it are kept with it, one for each history
    position, so sockets that have seen the same rows (the usual case) are sent the same
    bytes object: a big frame is not copied for each socket.
    """
    cache = session.frames
    key = (grid, units, session.version, session.playing, session.until)
    view = cache.get(key)
    if view is not None:
        return view, None
    async with session.lock:  # never read the parameters halfway through a step
        run = session.run  # read under the lock: a rewind replaces it
        if session.playing:
            # While training runs, the phase-by-phase values would only be stale noise,
            # and a big net's gradients (and last changes) would double every frame: those
            # come with the frames sent when it pauses or steps. The arrays, the probe's
            # values and the grid are rendered from the run's arrays, by a frame worker
            # while the loop serves others.
            busy = _shown_parameters(run.sizes, units) > LIGHT_LIMIT
            snap = session_snapshot(
                session, max_units=units, raw=True, params=False, activations=False, pending="none"
            )
            arrays = frame_arrays(
                run, grid=grid, max_units=units, params=True, probe_rows=True, grads=not busy, change=not busy
            )
        else:
            snap = session_snapshot(session, max_units=units, raw=True)
            arrays = frame_arrays(run, grid=grid, max_units=units)  # the grid only
        # Serialized here: the snapshot's arrays are the run's own, and once the lock is
        # let go the run may train on.
        body = dumps(snap)
        rows = len(run.history)  # training may go on while the arrays are rendered
    # Nothing runs between the lock and this call, which renders the arrays, or pickles
    # them for a worker, before it waits for anything (FramePool.render).
    members = b'{"grid":null}' if arrays.empty else await pool.render(arrays)
    if cache and next(iter(cache))[2:] != key[2:]:
        cache.clear()  # an older state: never sent again
    view = cache[key] = View(body[:-1] + b"," + members[1:])
    return view, rows


def frame_head(
    session: Session, grid: int | None, reset: bool, after: int, rows: int | None, with_axes: bool
) -> tuple[bytes, int]:
    """A frame's head, serialized, for a socket that has seen the history rows up to step
    `after` (all of them again with `reset`), among the first `rows`; with `with_axes`, the
    grid's coordinates. And the last history step it carries."""
    tail = history_tail(session, after, rows)
    # `sent` (server clock, seconds) lets a client measure how late a frame arrives.
    head: dict[str, object] = {
        "type": "snapshot",
        "session": session.id,
        "sent": time.time(),
        "history": {"reset": reset, **tail},
    }
    if with_axes:
        head["grid_axes"] = grid_axes(session.run, grid) if grid else None
    return dumps(head), tail["step"][-1] if tail["step"] else after


def _shown_parameters(sizes: list[int], units: int | None) -> int:
    shown = Cut(sizes, units).shown
    return sum(a * b for a, b in zip(shown, shown[1:]))
