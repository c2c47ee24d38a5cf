"""The documents the server sends: the topology message, snapshot frames, history tails.

Decision-boundary grids travel over the socket as bytes (0..255 between a per-grid
low and high, base64) because a 50x50 grid per neuron as JSON floats is ten times bigger.
"""
from __future__ import annotations

import binascii
import itertools
import math

import numpy as np

from app.sessions import Session
from core.data import DATASETS
from core.plain import plain
from core.snapshot import grid_axes as core_grid_axes
from core.snapshot import grids_values, snapshot

MAX_POINTS = 2000       # 2-D training and test points sent with the topology
MAX_HISTORY_ROWS = 5000  # history rows in one frame; a client missing more fetches /history
UNIT_GRID = 16           # hidden-unit thumbnails: 16x16 is plenty and keeps frames small


def session_snapshot(session: Session, grid: int | None = None, *, params: bool = True,
                     activations: bool = True, max_units: int | None = None,
                     pending: str = "full", raw: bool = False, grads: bool = True) -> dict:
    """The engine's snapshot plus what only the server knows (playing, speed, id)."""
    snap = snapshot(session.run, grid=grid, params=params, activations=activations,
                    max_units=max_units, pending=pending, raw=raw, grads=grads)
    snap["status"] = session.status()
    snap["playing"] = session.playing
    snap["steps_per_second"] = session.steps_per_second
    return snap


def _pack(grids: list[np.ndarray]) -> list[dict]:
    """Unit grids (each (res, res), any res) -> per unit {"low", "high", "data": base64 of
    uint8, rows along y}, 0 standing for low and 255 for high (non-finite values as 0.0).

    All of them in one pass over one flat array, segment by segment: a frame holds a
    dozen small grids, and a NumPy call per grid would cost more than the arithmetic.
    """
    sizes = [g.size for g in grids]
    starts = list(itertools.accumulate(sizes, initial=0))
    flat = np.concatenate([g.ravel() for g in grids])
    low, high = np.minimum.reduceat(flat, starts[:-1]), np.maximum.reduceat(flat, starts[:-1])
    lows, highs = low.tolist(), high.tolist()
    if not all(map(math.isfinite, lows + highs)):  # NaN and inf reach these
        flat = np.where(np.isfinite(flat), flat, 0)
        low, high = np.minimum.reduceat(flat, starts[:-1]), np.maximum.reduceat(flat, starts[:-1])
        lows, highs = low.tolist(), high.tolist()
    scale = [255 / (hi - lo) if hi > lo else 0.0 for lo, hi in zip(lows, highs)]  # flat: all 0
    flat -= np.repeat(low, sizes)
    flat *= np.repeat(np.array(scale, dtype=flat.dtype), sizes)
    data = np.rint(flat, out=flat).astype(np.uint8)
    return [{"low": lo, "high": hi, "data": binascii.b2a_base64(data[a:b], newline=False).decode("ascii")}
            for lo, hi, a, b in zip(lows, highs, starts, starts[1:])]


def quantized_grid(run, resolution: int, unit_resolution: int = UNIT_GRID,
                   max_units: int | None = None, axes: bool = True) -> dict | None:
    """The output at `resolution` and each hidden unit at a coarser `unit_resolution`
    (thumbnails; the first `max_units` of each layer), as bytes: {"encoding": "u8",
    "output": [packed per unit], "layers": [[packed per unit] per hidden layer]} and, with
    `axes`, the grid_axes too. Computed in float32: a picture of 256 levels cannot tell,
    and it costs half as much as in float64."""
    grids = grids_values(run, (resolution, min(unit_resolution, resolution)), dtype=np.float32)
    if grids is None:
        return None
    fine, coarse = grids
    hidden = [layer[:max_units] for layer in coarse["layers"][:-1]]
    packed = _pack([*fine["layers"][-1], *(unit for layer in hidden for unit in layer)])
    outputs = len(fine["layers"][-1])
    bounds = list(itertools.accumulate((len(layer) for layer in hidden), initial=outputs))
    out = {"encoding": "u8", "output": packed[:outputs],
           "layers": [packed[a:b] for a, b in zip(bounds, bounds[1:])]}
    if axes:
        out.update(x=fine["x"], y=fine["y"], unit_x=coarse["x"], unit_y=coarse["y"])
    return out


def grid_axes(run, resolution: int, unit_resolution: int = UNIT_GRID) -> dict | None:
    """The coordinates of quantized_grid's cells: {"x", "y"} of the output grid and
    {"unit_x", "unit_y"} of the thumbnails; None when the inputs are not 2-D. They stay
    the same frame after frame, so a socket gets them only when they change."""
    axes = core_grid_axes(run, (resolution, min(unit_resolution, resolution)))
    if axes is None:
        return None
    (x, y), (unit_x, unit_y) = axes
    return {"x": x, "y": y, "unit_x": unit_x, "unit_y": unit_y}


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
        "dataset": {"name": data.name, "kind": data.kind, "description": info.description,
                    "n_classes": data.n_classes, "domain": data.domain,
                    "image_shape": data.image_shape, "n_train": len(data.x_train),
                    "n_test": len(data.x_test)},
    }
    if run.sizes[0] == 2:
        message["points"] = {
            "train": _points(data.x_train, data.y_train, data.labels_train),
            "test": _points(data.x_test, data.y_test, data.labels_test),
        }
    return message


def _points(x, y, labels) -> dict:
    rows = slice(0, MAX_POINTS)
    return plain({"x": x[rows], "targets": y[rows],
                  "labels": None if labels is None else labels[rows]})


def history_tail(session: Session, after_step: int) -> dict:
    """History rows recorded after `after_step` (at most MAX_HISTORY_ROWS, the newest)."""
    history = session.run.history
    steps = history.steps  # rising
    start = max(int(np.searchsorted(steps, after_step, side="right")), len(steps) - MAX_HISTORY_ROWS)
    return history.rows(start, len(steps))
