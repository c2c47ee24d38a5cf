"""What a run looks like right now, as plain Python ready for JSON.

Shapes in the output: params[l].W is fan_in x fan_out, params[l].b is fan_out (or None);
activations[l].z and .a are probe_rows x units; grid values are resolution x resolution
with rows along y.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import DTypeLike

from core.errors import StateError
from core.plain import finite_or_none, plain

if TYPE_CHECKING:
    from core.network import LayerValues, Network
    from core.run import Run

MAX_GRID = 200
MAX_PENDING_ROWS = 16


@overload
def by_layer(flat: Sequence[Any], bias: bool) -> list[dict[str, Any]]: ...
@overload
def by_layer(flat: Sequence[Any] | None, bias: bool) -> list[dict[str, Any]] | None: ...
def by_layer(flat: Sequence[Any] | None, bias: bool) -> list[dict[str, Any]] | None:
    """[W1, b1, W2, b2, ...] -> [{"W": W1, "b": b1}, ...] (b None without biases)."""
    if flat is None:
        return None
    out, it = [], iter(flat)
    for W in it:
        out.append({"W": W, "b": next(it) if bias else None})
    return out


def layer_values(values: list[LayerValues]) -> list[dict[str, Any]]:
    return [{"z": v.z, "a": v.a} for v in values]


def probe(run: Run) -> tuple[np.ndarray, np.ndarray]:
    """The probe rows: the first training rows, at most probe.size of them."""
    n = run.config["probe"]["size"]
    return run.data.x_train[:n], run.data.y_train[:n]


def snapshot(
    run: Run,
    *,
    grid: int | None = None,
    params: bool = True,
    activations: bool = True,
    max_units: int | None = None,
    pending: str = "full",
    raw: bool = False,
    grads: bool = True,
) -> dict[str, Any]:
    """The run's state after its last step or phase (see the module docstring for shapes).

    `max_units` caps what is sent of each wide layer to its first units (W1 keeps every
    input row so first-layer weights can still be drawn as images); `shown_units` says
    how many units of each layer (0 = inputs) the arrays cover. `pending` is "full" (every
    phase value of the current step), "light" (only the last update's change, enough for
    a live view while training runs) or "none"; `grads` False leaves out the gradients
    (null). With `raw` the arrays stay NumPy arrays
    (C-contiguous) for a serializer that takes them directly and writes NaN as null.
    """
    m = run.metrics()
    cut = Cut(run.sizes, max_units)
    seen = run.batcher.samples_seen
    if run.pending is not None and run.phase not in (None, "update"):
        seen = run.pending.batcher_state["samples_seen"]  # the drawn batch is not yet learned
    out = {
        "step": run.step_count,
        "epoch": seen // run.batcher.n,
        "status": run.status,
        "phase": run.phase,
        "loss": m["loss"],
        "accuracy": m["accuracy"],
        "divergence": run.divergence,
        "shown_units": cut.shown,
    }
    if params:
        out["params"] = cut.params(by_layer(run.param_arrays(), run.bias))
        out["grads"] = cut.params(by_layer(run.last_grads, run.bias)) if grads else None
    if activations:
        out.update(probe_view(run.network, *probe(run), cut))
    if run.pending is not None and run.phase is not None and pending != "none":
        if pending == "full":
            out["pending"] = pending_view(run, cut)
        elif (
            run.phase == "update"
            and run.pending.new_params is not None
            and run.pending.old_params is not None
        ):
            out["pending"] = change_view(run.pending.new_params, run.pending.old_params, run.bias, cut)
    if grid:
        out["grid"] = decision_grid(run, grid, max_units)
    return out if raw else plain(out)


class Cut:
    """Slices per-layer arrays down to the first `max_units` units of each layer."""

    def __init__(self, sizes: list[int], max_units: int | None):
        self.shown = [sizes[0]] + [min(n, max_units) if max_units else n for n in sizes[1:]]
        self.whole = self.shown == sizes  # nothing to cut: skip the slicing (every frame)

    def params(self, layers: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        if layers is None:
            return None
        if self.whole:
            return [{"W": _c(p["W"]), "b": None if p["b"] is None else _c(p["b"])} for p in layers]
        return [
            {
                "W": _c(p["W"][: self.shown[l], : self.shown[l + 1]]),
                "b": None if p["b"] is None else _c(p["b"][: self.shown[l + 1]]),
            }
            for l, p in enumerate(layers)
        ]

    def columns(self, arrays: list[np.ndarray]) -> list[np.ndarray]:
        if self.whole:
            return [_c(a) for a in arrays]
        return [_c(a[:, : self.shown[l + 1]]) for l, a in enumerate(arrays)]

    def values(self, layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.whole:
            return [{"z": _c(v["z"]), "a": _c(v["a"])} for v in layers]
        return [
            {"z": _c(v["z"][:, : self.shown[l + 1]]), "a": _c(v["a"][:, : self.shown[l + 1]])}
            for l, v in enumerate(layers)
        ]


def probe_view(network: Network, x: np.ndarray, t: np.ndarray, cut: Cut) -> dict[str, Any]:
    """{"probe": {"inputs": x (rows, d), "targets": t (rows, k)}, "activations": the
    network's z and a on x per layer (rows, units)}, as snapshots show them."""
    with np.errstate(all="ignore"):
        values = network.forward(x)
    return {"probe": {"inputs": x, "targets": t}, "activations": cut.values(layer_values(values))}


def change_view(new: Sequence[np.ndarray], old: Sequence[np.ndarray], bias: bool, cut: Cut) -> dict[str, Any]:
    """{"update": {"change": new - old per layer as {"W", "b"}}}: what the last update did,
    as a live snapshot shows it. new, old: flat parameter lists [W1, b1, ...]."""
    change = [n - o for n, o in zip(new, old)]
    return {"update": {"change": cut.params(by_layer(change, bias))}}


def _c(array: np.ndarray) -> np.ndarray:
    """C order, as a serializer that takes arrays directly needs (most already are)."""
    return array if array.flags.c_contiguous else np.ascontiguousarray(array)


def pending_view(run: Run, cut: Cut | None = None) -> dict[str, Any]:
    """The current step's phase values, bounded to the first MAX_PENDING_ROWS batch rows."""
    cut = cut or Cut(run.sizes, None)
    p, rows = run.pending, slice(0, MAX_PENDING_ROWS)
    if p is None:
        raise StateError("no step is in progress")
    view = {
        "batch": p.indices[rows].tolist(),
        "batch_size": int(len(p.indices)),
        "inputs": plain(p.x[rows]),
        "targets": plain(p.t[rows]),
        "activations": plain(cut.values([{"z": v.z[rows], "a": v.a[rows]} for v in p.values])),
    }
    if p.loss is not None:
        view["loss"] = finite_or_none(p.loss)
    if p.grads is not None:
        view["grads"] = plain(cut.params(by_layer(p.grads, run.bias)))
        view["evaluations"] = p.evaluations
    if p.deltas is not None:
        view["deltas"] = plain(cut.columns([d[rows] for d in p.deltas]))
    new, old = p.new_params, p.old_params
    if new is not None and old is not None and run.phase == "update":
        view["update"] = {
            "old": plain(cut.params(by_layer(old, run.bias))),
            "change": plain(cut.params(by_layer([n - o for n, o in zip(new, old)], run.bias))),
            "new": plain(cut.params(by_layer(new, run.bias))),
        }
    return view


def grid_values(run: Run, resolution: int) -> dict[str, Any] | None:
    """Every unit's activation over a resolution x resolution grid of the 2-D input domain,
    as arrays: {"x": (res,), "y": (res,), "layers": [(units, res, res) per layer]}, rows
    along y; None when the inputs are not 2-D."""
    grids = grids_values(run, (resolution,))
    return None if grids is None else grids[0]


def has_grid(run: Run) -> bool:
    """Whether the run's inputs are a plane with a plotting box: two inputs and a domain."""
    return grid_domain(run) is not None


def grid_domain(run: Run) -> tuple[tuple[float, float], ...] | None:
    """The plotting box of the run's inputs when they are a plane that has one, else None."""
    return run.data.domain if run.sizes[0] == 2 else None


def grid_axes(run: Run, resolutions: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """(xs (res,), ys (res,)) of the grids grids_values computes at these resolutions;
    None when the inputs are not 2-D. Cached and read-only: the same arrays every call."""
    domain = grid_domain(run)
    if domain is None:
        return None
    return _grid_points(tuple(map(tuple, domain)), _clamped(resolutions), np.dtype(run.dtype).str)[0]


def _clamped(resolutions: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(min(max(r, 2), MAX_GRID)) for r in resolutions)


def grids_values(
    run: Run, resolutions: tuple[int, ...], dtype: DTypeLike | None = None
) -> list[dict[str, Any]] | None:
    """grid_values at several resolutions, in one forward pass over all their points;
    computed in `dtype` (default: the run's own) when given, e.g. float32 for pictures."""
    domain = grid_domain(run)
    if domain is None:
        return None
    return network_grids(run.network, domain, resolutions, dtype)


def network_grids(
    network: Network, domain: tuple[Any, ...], resolutions: tuple[int, ...], dtype: DTypeLike | None = None
) -> list[dict[str, Any]]:
    """What grids_values gives, for a network with two inputs over a plotting box
    ((x_low, x_high), (y_low, y_high)): per resolution {"x": (res,), "y": (res,),
    "layers": [(units, res, res) per layer]}. Without `dtype`, in the network's own
    dtype (its forward pass, exactly); with one, by Network.unit_activations."""
    resolutions = _clamped(resolutions)
    own = network.layers[0].W.dtype
    axes, points = _grid_points(tuple(map(tuple, domain)), resolutions, np.dtype(dtype or own).str)
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


def decision_grid(run: Run, resolution: int, max_units: int | None = None) -> dict[str, Any] | None:
    """grid_values as plain lists: {"x", "y", "layers": hidden layers' [unit grids] (the
    first `max_units` of each), "output": the output layer's [unit grids]}; None when the
    inputs are not 2-D."""
    grid = grid_values(run, resolution)
    if grid is None:
        return None
    layers = [list(layer[:max_units]) for layer in grid["layers"][:-1]] + [list(grid["layers"][-1])]
    return plain({"x": grid["x"], "y": grid["y"], "layers": layers[:-1], "output": layers[-1]})
