"""Decision grids: every unit's activation over the input plane of a network fed from a
plane's two inputs (x1, x2), directly or through features (core/features.py): the grid's
points are the raw plane's, mapped through the features before the network sees them.

One function, grid_view, draws a grid in either of its two encodings: "floats", the exact
values in the network's own dtype as plain lists (the REST snapshots), or "u8", the output
and the hidden units' thumbnails as bytes (0..255 between a per-grid low and high, base64),
computed in float32 (the live frames, and the snapshots of the past), because a 50x50 grid
per neuron as JSON floats is ten times bigger.

The frame workers (app/framepool.py) use this module by way of core/frame.py: it needs
NumPy and the engine's network, nothing of a run.
"""

from __future__ import annotations

import binascii
import functools
import itertools
import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import DTypeLike

from core.features import FEATURES, IDENTITY, network_inputs
from core.plain import plain

if TYPE_CHECKING:
    from core.network import Network
    from core.run import Run

MAX_GRID = 200
UNIT_GRID = 16  # hidden-unit thumbnails of the u8 grid: 16x16 is plenty and keeps frames small
ENCODINGS = ("floats", "u8")


def has_grid(run: Run) -> bool:
    """Whether the run's raw inputs are a plane with a plotting box: two inputs and a domain."""
    return grid_domain(run) is not None


def grid_domain(run: Run) -> tuple[tuple[float, float], ...] | None:
    """The plotting box of the run's raw inputs when they are a plane that has one, else None."""
    return run.data.domain if run.data.x_train.shape[1] == 2 else None


def grid_values(run: Run, resolution: int) -> dict[str, Any] | None:
    """Every unit's activation over a resolution x resolution grid of the 2-D input domain,
    as arrays: {"x": (res,), "y": (res,), "layers": [(units, res, res) per layer]}, rows
    along y; None when the inputs are not 2-D."""
    grids = grids_values(run, (resolution,))
    return None if grids is None else grids[0]


def grids_values(
    run: Run, resolutions: tuple[int, ...], dtype: DTypeLike | None = None
) -> list[dict[str, Any]] | None:
    """grid_values at several resolutions, in one forward pass over all their points;
    computed in `dtype` (default: the run's own) when given, e.g. float32 for pictures."""
    domain = grid_domain(run)
    if domain is None:
        return None
    return network_grids(run.network, domain, resolutions, dtype, tuple(run.config["features"]))


def network_grids(
    network: Network,
    domain: tuple[Any, ...],
    resolutions: tuple[int, ...],
    dtype: DTypeLike | None = None,
    features: tuple[str, ...] = IDENTITY,
) -> list[dict[str, Any]]:
    """What grids_values gives, for a network fed from a plane's two inputs through
    `features`, over a plotting box ((x_low, x_high), (y_low, y_high)) of the raw plane:
    per resolution {"x": (res,), "y": (res,), "layers": [(units, res, res) per layer]}.
    Without `dtype`, in the network's own dtype (its forward pass, exactly); with one,
    by Network.unit_activations."""
    resolutions = _clamped(resolutions)
    own = network.layers[0].W.dtype
    axes, raw = _grid_points(tuple(map(tuple, domain)), resolutions, np.dtype(dtype or own).str)
    points = network_inputs(features, raw)
    with np.errstate(all="ignore"):
        if dtype is None:
            values = [v.a.T for v in network.forward(points)]
        else:
            values = network.unit_activations(points, dtype)
    grids, start = [], 0
    for (xs, ys), r in zip(axes, resolutions):
        cells = slice(start, start + r * r)
        grids.append({"x": xs, "y": ys, "layers": [a[:, cells].reshape(-1, r, r) for a in values]})
        start += r * r
    return grids


def decision_grid(
    run: Run,
    resolution: int,
    max_units: int | None = None,
    encoding: str = "floats",
    unit_resolution: int = UNIT_GRID,
    axes: bool = True,
) -> dict[str, Any] | None:
    """grid_view of the run's network over its plotting box; None when the inputs are not 2-D."""
    domain = grid_domain(run)
    if domain is None:
        return None
    features = tuple(run.config["features"])
    return grid_view(run.network, domain, resolution, max_units, encoding, unit_resolution, axes, features)


def grid_view(
    network: Network,
    domain: tuple[Any, ...],
    resolution: int,
    max_units: int | None = None,
    encoding: str = "floats",
    unit_resolution: int = UNIT_GRID,
    axes: bool = True,
    features: tuple[str, ...] = IDENTITY,
) -> dict[str, Any]:
    """The decision grid of a network fed from a plane through `features`, over a plotting
    box of the plane, the first `max_units` units of each hidden layer with it, in one of
    ENCODINGS:

    "floats": {"x", "y", "layers": hidden layers' [unit grids], "output": the output
    layer's [unit grids]}, each grid res x res in the network's dtype, as plain lists.

    "u8": the output at `resolution` and each hidden unit at a coarser `unit_resolution`
    (thumbnails), packed: {"encoding": "u8", "output": [packed per unit], "layers":
    [[packed per unit] per hidden layer]} and, with `axes`, grid_axes's coordinates and
    feature thumbnails too. Computed in float32: a picture of 256 levels cannot tell, and it
    costs half as much.
    """
    if encoding == "floats":
        (grid,) = network_grids(network, domain, (resolution,), features=features)
        layers = [list(layer[:max_units]) for layer in grid["layers"][:-1]] + [list(grid["layers"][-1])]
        out: dict[str, Any] = plain(
            {"x": grid["x"], "y": grid["y"], "layers": layers[:-1], "output": layers[-1]}
        )
        return out
    if encoding != "u8":
        raise ValueError(f"a grid's encoding is one of {', '.join(ENCODINGS)}, not {encoding!r}")
    fine, coarse = network_grids(
        network, domain, (resolution, min(unit_resolution, resolution)), np.float32, features
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
        out.update(axes_view(domain, resolution, unit_resolution))
    return out


def grid_axes(run: Run, resolution: int, unit_resolution: int = UNIT_GRID) -> dict[str, Any] | None:
    """The coordinates of a u8 grid's cells and the feature thumbnails (axes_view); None
    when the raw inputs are not 2-D. They stay the same frame after frame, so a socket gets
    them only when they change."""
    domain = grid_domain(run)
    if domain is None:
        return None
    return axes_view(domain, resolution, unit_resolution)


def axes_view(domain: tuple[Any, ...], resolution: int, unit_resolution: int = UNIT_GRID) -> dict[str, Any]:
    """{"x", "y"}: the coordinates of the output grid's cells; {"unit_x", "unit_y"}: the
    thumbnails'; "features": every feature of the table by name, each a packed thumbnail
    of its value over the plane (on the thumbnails' cells), as the diagram's input nodes
    and feature switches show them. None of them depends on the network."""
    resolutions = _clamped((resolution, min(unit_resolution, resolution)))
    return dict(_axes_view(tuple(map(tuple, domain)), *resolutions))


@functools.lru_cache(maxsize=32)
def _axes_view(domain: tuple[Any, ...], resolution: int, unit_resolution: int) -> dict[str, Any]:
    """axes_view, cached (read-only: shared): a live view asks for the same every frame."""
    axes, points = _grid_points(domain, (resolution, unit_resolution), np.dtype(np.float32).str)
    (x, y), (unit_x, unit_y) = axes
    cells = points[resolution * resolution :]  # the thumbnails' points, after the output grid's
    shape = (unit_resolution, unit_resolution)
    packed = _pack([function(cells).reshape(shape) for function in FEATURES.values()])
    return {"x": x, "y": y, "unit_x": unit_x, "unit_y": unit_y, "features": dict(zip(FEATURES, packed))}


def _clamped(resolutions: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(min(max(r, 2), MAX_GRID)) for r in resolutions)


@functools.lru_cache(maxsize=32)
def _grid_points(
    domain: tuple[Any, ...], resolutions: tuple[int, ...], dtype: str
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """((xs, ys) per resolution, all their grid points stacked (sum of res^2, 2)); cached
    because a live view asks for the same grids every frame. Read-only: shared."""
    axes, blocks = [], []
    for r in resolutions:
        xs = np.linspace(domain[0][0], domain[0][1], r)
        ys = np.linspace(domain[1][0], domain[1][1], r)
        gx, gy = np.meshgrid(xs, ys)  # row i is y = ys[i]
        axes.append((xs, ys))
        blocks.append(np.column_stack([gx.ravel(), gy.ravel()]))
    points = np.concatenate(blocks).astype(dtype)
    for array in [points, *(a for pair in axes for a in pair)]:
        array.flags.writeable = False
    return axes, points


def _pack(grids: list[np.ndarray]) -> list[dict[str, Any]]:
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
