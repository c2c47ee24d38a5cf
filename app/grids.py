"""Decision grids as the live frames carry them: every unit's activation over the input
plane, as bytes (0..255 between a per-grid low and high, base64), because a 50x50 grid per
neuron as JSON floats is ten times bigger.

The grid workers (app/gridpool.py) import this module, by way of app/framejobs.py: it
needs NumPy and the engine, nothing of the sessions or the routes.
"""

from __future__ import annotations

import binascii
import itertools
import math

import numpy as np

from core.snapshot import grid_axes as core_grid_axes
from core.snapshot import has_grid, network_grids

UNIT_GRID = 16  # hidden-unit thumbnails: 16x16 is plenty and keeps frames small


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
    return [
        {"low": lo, "high": hi, "data": binascii.b2a_base64(data[a:b], newline=False).decode("ascii")}
        for lo, hi, a, b in zip(lows, highs, starts, starts[1:])
    ]


def quantized_grid(
    run, resolution: int, unit_resolution: int = UNIT_GRID, max_units: int | None = None, axes: bool = True
) -> dict | None:
    """The output at `resolution` and each hidden unit at a coarser `unit_resolution`
    (thumbnails; the first `max_units` of each layer), as bytes: {"encoding": "u8",
    "output": [packed per unit], "layers": [[packed per unit] per hidden layer]} and, with
    `axes`, the grid_axes too; None when the inputs are not 2-D."""
    if not has_grid(run):
        return None
    return quantize(run.network, run.data.domain, resolution, unit_resolution, max_units, axes)


def quantize(
    network,
    domain,
    resolution: int,
    unit_resolution: int = UNIT_GRID,
    max_units: int | None = None,
    axes: bool = True,
) -> dict:
    """quantized_grid of a network with two inputs over a plotting box. Computed in
    float32: a picture of 256 levels cannot tell, and it costs half as much as float64."""
    fine, coarse = network_grids(
        network, domain, (resolution, min(unit_resolution, resolution)), dtype=np.float32
    )
    hidden = [layer[:max_units] for layer in coarse["layers"][:-1]]
    packed = _pack([*fine["layers"][-1], *(unit for layer in hidden for unit in layer)])
    outputs = len(fine["layers"][-1])
    bounds = list(itertools.accumulate((len(layer) for layer in hidden), initial=outputs))
    out = {
        "encoding": "u8",
        "output": packed[:outputs],
        "layers": [packed[a:b] for a, b in zip(bounds, bounds[1:])],
    }
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
