"""A frame's arrays: what a snapshot shows of a run's parameters, gradients, probe rows and
decision grid, rendered by one function from the run's arrays alone.

frame_arrays() takes what a frame needs of a run at one instant (its own arrays, no
copies: a FrameArrays); frame_members() renders them into the snapshot's members. The
snapshot of core/snapshot.py is made with them, and so is each live frame, whether the
server renders it itself or a frame worker (app/framepool.py) renders it from a pickled
copy: the one function gives the same values, so the same bytes, wherever it runs.

Shapes: params[l].W is fan_in x fan_out, params[l].b is fan_out (or None);
activations[l].z and .a are probe_rows x units.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, overload

import numpy as np

from core.features import IDENTITY
from core.grids import grid_domain, grid_view
from core.network import build_network

if TYPE_CHECKING:
    from core.network import LayerValues, Network
    from core.run import Run


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
    """The probe rows: the first training rows, at most probe.size of them, as the network
    sees them (through the features). Snapshots show the network on them, and the explain
    routes and figures work them by hand."""
    n = run.config["probe"]["size"]
    data = run.network_data
    return data.x_train[:n], data.y_train[:n]


class Cut:
    """Slices per-layer arrays down to the first `max_units` units of each layer."""

    def __init__(self, sizes: Sequence[int], max_units: int | None):
        self.shown = [sizes[0]] + [min(n, max_units) if max_units else n for n in sizes[1:]]
        self.whole = self.shown == list(sizes)  # nothing to cut: skip the slicing (every frame)

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


def _c(array: np.ndarray) -> np.ndarray:
    """C order, as a serializer that takes arrays directly needs (most already are)."""
    return array if array.flags.c_contiguous else np.ascontiguousarray(array)


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


@dataclass(slots=True)
class FrameArrays:
    """What frame_members() needs of a run at one instant. It holds the run's own arrays,
    not copies: it must be rendered, or pickled (which copies them), before the run trains
    on. Pickled, the arrays travel as bytes in `dtype`, all in one piece."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    bias: bool
    dtype: str
    params: tuple[np.ndarray, ...]  # W1, b1, W2, ... (b only with biases)
    max_units: int | None = None
    grid: tuple[Any, ...] | None = None  # (domain, resolution) of the decision grid; None: none
    encoding: str = "u8"  # the grid's (core/grids.py)
    axes: bool = False  # the grid's coordinates inside it (live frames send them apart)
    shows_params: bool = False  # the members carry the parameters and gradients
    grads: tuple[np.ndarray, ...] | None = None  # the last gradients (None: none yet, or left out)
    old_params: tuple[np.ndarray, ...] | None = None  # before the last update, to show its change
    probe: tuple[np.ndarray, np.ndarray] | None = None  # the probe rows' inputs and targets, to show
    features: tuple[str, ...] = IDENTITY  # what the network's inputs are, for the grid

    def __reduce__(self) -> tuple[Any, ...]:
        # The arrays as bytes, all of them in one piece (the gradients and old parameters
        # are shaped like the parameters): pickling arrays one by one costs several times
        # more, on the event loop, for every frame.
        lists = [arrays for arrays in (self.params, self.grads, self.old_params) if arrays is not None]
        data = np.concatenate([a.ravel() for arrays in lists for a in arrays]).tobytes()
        probe = None if self.probe is None else [(a.tobytes(), a.dtype.str, a.shape) for a in self.probe]
        head = (self.sizes, self.activations, self.bias, self.dtype, self.max_units, self.grid, self.features)
        flags = (self.encoding, self.axes, self.shows_params)
        return _unpacked, (head, flags, data, self.grads is not None, self.old_params is not None, probe)

    @property
    def values(self) -> int:
        """Numbers the arrays hold (what they cost to send to another process)."""
        lists = [self.params, self.grads, self.old_params, self.probe]
        return sum(a.size for arrays in lists if arrays is not None for a in arrays)

    @property
    def empty(self) -> bool:
        """Whether the members are only {"grid": null}: nothing to render."""
        return not self.shows_params and self.probe is None and self.grid is None


def frame_arrays(
    run: Run,
    *,
    grid: int | None = None,
    max_units: int | None = None,
    params: bool = False,
    probe_rows: bool = False,
    grads: bool = True,
    change: bool = False,
    encoding: str = "u8",
    axes: bool = False,
) -> FrameArrays:
    """What a frame shows of the run now: with `params`, its parameters and, with `grads`,
    the last gradients; with `probe_rows`, the probe rows (the network's values on them);
    with `change`, the last update's change when the run has just updated; the decision
    grid at `grid` in `encoding` (with its `axes`) when its inputs are a plane."""
    domain = grid_domain(run)
    box = (tuple(map(tuple, domain)), grid) if grid and domain is not None else None
    pending = run.pending
    # In the update phase the run's parameters are the update's new ones.
    old = None
    if change and pending is not None and run.phase == "update" and pending.new_params is not None:
        old = pending.old_params
    return FrameArrays(
        tuple(run.sizes),
        tuple(run.config["activations"]),
        run.bias,
        run.dtype.str,
        tuple(run.param_arrays()),
        max_units,
        box,
        encoding,
        axes,
        shows_params=params,
        grads=tuple(run.last_grads) if params and grads and run.last_grads is not None else None,
        old_params=None if old is None else tuple(old),
        probe=probe(run) if probe_rows else None,
        features=tuple(run.config["features"]),
    )


def frame_members(arrays: FrameArrays, network: Network | None = None) -> dict[str, Any]:
    """The frame's members, its arrays as NumPy arrays (C order): "params" and "grads"
    (with shows_params), "probe" and "activations" (with probe rows), "pending" (with
    old parameters: {"update": {"change"}}) and "grid" (None without one), in this order.

    The probe's values and the grid come from the network the arrays make; rendered
    beside the run, `network` is the run's own (made of the very same arrays), not built
    again."""
    layers = by_layer(list(arrays.params), arrays.bias)
    cut = Cut(arrays.sizes, arrays.max_units)
    if network is None and (arrays.probe is not None or arrays.grid is not None):
        network = build_network(
            list(arrays.sizes), list(arrays.activations), [(l["W"], l["b"]) for l in layers]
        )
    out: dict[str, Any] = {}
    if arrays.shows_params:
        out["params"] = cut.params(layers)
        out["grads"] = cut.params(by_layer(None if arrays.grads is None else list(arrays.grads), arrays.bias))
    if arrays.probe is not None and network is not None:
        out.update(probe_view(network, *arrays.probe, cut))
    if arrays.old_params is not None:
        out["pending"] = change_view(arrays.params, arrays.old_params, arrays.bias, cut)
    grid = None
    if arrays.grid is not None and network is not None:
        domain, resolution = arrays.grid
        grid = grid_view(
            network,
            domain,
            resolution,
            arrays.max_units,
            arrays.encoding,
            axes=arrays.axes,
            features=arrays.features,
        )
    out["grid"] = grid
    return out


def _unpacked(
    head: tuple[Any, ...],
    flags: tuple[Any, ...],
    data: bytes,
    grads: bool,
    old_params: bool,
    probe: list[tuple[bytes, str, tuple[int, ...]]] | None,
) -> FrameArrays:
    """FrameArrays back from their pickled form (FrameArrays.__reduce__)."""
    sizes, activations, bias, dtype, max_units, grid, features = head
    encoding, axes, shows_params = flags
    shapes = [
        shape
        for fan_in, fan_out in zip(sizes, sizes[1:])
        for shape in ((fan_in, fan_out), (fan_out,))[: 1 + bias]
    ]
    flat, start, lists = np.frombuffer(data, dtype=dtype), 0, []
    for _ in range(1 + grads + old_params):
        one = []
        for shape in shapes:
            size = math.prod(shape)
            one.append(flat[start : start + size].reshape(shape))
            start += size
        lists.append(tuple(one))
    rows = None
    if probe is not None:
        x, t = (np.frombuffer(raw, dtype=kind).reshape(shape) for raw, kind, shape in probe)
        rows = (x, t)
    return FrameArrays(
        sizes,
        activations,
        bias,
        dtype,
        lists[0],
        max_units,
        grid,
        encoding,
        axes,
        shows_params,
        grads=lists[1] if grads else None,
        old_params=lists[-1] if old_params else None,
        probe=rows,
        features=features,
    )
