"""The documents the server sends: the topology message, snapshot frames, history tails
(the decision grids they carry are drawn in app/grids.py)."""

from __future__ import annotations

import numpy as np

from app.sessions import Session
from app.streaming import owned
from core.data import DATASETS
from core.plain import plain
from core.snapshot import snapshot

MAX_POINTS = 2000  # 2-D training and test points sent with the topology
MAX_HISTORY_ROWS = 5000  # history rows in one frame; a client missing more fetches /history


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
            "n_train": len(data.x_train),
            "n_test": len(data.x_test),
        },
    }
    if run.sizes[0] == 2:
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
