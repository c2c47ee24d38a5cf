"""Frame jobs: the heavy part of a live frame, made from the run's arrays alone.

While a session plays, most of the work of each frame is serializing its arrays (the
parameters, gradients, the last update's change), a forward pass over the probe rows, and
the decision grid. None of it needs the run itself, only its arrays as they are under the
session's lock: a FrameJob. render() turns a job into the JSON members the frame carries,
the same bytes wherever it runs, in a grid worker (app/gridpool.py), which gets a pickled
copy, or in the server's own process; the frame splices them after the members the loop
wrote itself.

A job without `arrays` draws only the decision grid (a paused session's frame, whose
arrays and phase values the loop writes in full).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from app.grids import quantize
from app.jsonio import dumps
from core.network import build_network
from core.snapshot import Cut, by_layer, change_view, grid_domain, probe, probe_view

if TYPE_CHECKING:  # the grid workers import this module and need no more of the engine
    from core.run import Run


@dataclass(frozen=True, slots=True)
class FrameJob:
    """What render() needs of a run at one instant. It holds the run's own arrays, not
    copies: it must be rendered, or pickled (which copies them), before the event loop
    runs anything else, since the run trains on once its lock is let go (GridPool.draw
    does one or the other at once). Pickled, the arrays travel as bytes in `dtype`, and
    a large network's job is rendered in the server without being copied at all."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    bias: bool
    dtype: str
    params: tuple[np.ndarray, ...]  # W1, b1, W2, ... (b only with biases)
    max_units: int | None = None
    grid: tuple[Any, ...] | None = None  # (domain, resolution) of the decision grid, None: none
    arrays: bool = False  # the frame's parameters, gradients and probe values too
    grads: tuple[np.ndarray, ...] | None = None  # the last gradients (None: none yet, or left out)
    old_params: tuple[np.ndarray, ...] | None = None  # before the last update, to show its change
    probe: tuple[np.ndarray, np.ndarray] | None = None  # the probe rows' inputs and targets

    def __reduce__(self):
        # The arrays as bytes, all of them in one piece (the gradients and old parameters
        # are shaped like the parameters): pickling arrays one by one costs several times
        # more, on the event loop, for every frame.
        lists = [arrays for arrays in (self.params, self.grads, self.old_params) if arrays is not None]
        data = np.concatenate([a.ravel() for arrays in lists for a in arrays]).tobytes()
        probe = None if self.probe is None else [(a.tobytes(), a.dtype.str, a.shape) for a in self.probe]
        return _unpacked, (
            self.sizes,
            self.activations,
            self.bias,
            self.dtype,
            self.max_units,
            self.grid,
            self.arrays,
            data,
            self.grads is not None,
            self.old_params is not None,
            probe,
        )

    @property
    def values(self) -> int:
        """Numbers the job carries (what it costs to send to another process)."""
        lists = [self.params, self.grads, self.old_params, self.probe]
        return sum(a.size for arrays in lists if arrays is not None for a in arrays)


def frame_job(
    run: Run,
    *,
    grid: int | None = None,
    max_units: int | None = None,
    arrays: bool = False,
    grads: bool = True,
    change: bool = True,
) -> FrameJob | None:
    """A job for the run's live frame: with `arrays`, its parameters, probe values, the
    gradients (`grads`) and the last update's change (`change`, when the run has just
    updated), as core.snapshot.snapshot(run, pending="light") shows them; the decision
    grid at `grid` when its inputs are 2-D. None when there is nothing to render."""
    domain = grid_domain(run)
    box = (tuple(map(tuple, domain)), grid) if grid and domain is not None else None
    if box is None and not arrays:
        return None
    extra: dict[str, Any] = {}
    if arrays:
        pending = run.pending
        # In the update phase the run's parameters are the update's new ones.
        old = None
        if change and pending is not None and run.phase == "update" and pending.new_params is not None:
            old = pending.old_params
        extra = {
            "arrays": True,
            "grads": tuple(run.last_grads) if grads and run.last_grads is not None else None,
            "old_params": None if old is None else tuple(old),
            "probe": probe(run),
        }
    return FrameJob(
        tuple(run.sizes),
        tuple(run.config["activations"]),
        run.bias,
        run.dtype.str,
        tuple(run.param_arrays()),
        max_units,
        box,
        **extra,
    )


def render(job: FrameJob) -> bytes:
    """The job's frame members as a JSON object: {"params", "grads", "probe",
    "activations", ["pending",] "grid"} with `arrays`, else {"grid"} (null without one)."""
    layers = by_layer(list(job.params), job.bias)
    network = build_network(list(job.sizes), list(job.activations), [(l["W"], l["b"]) for l in layers])
    out: dict[str, Any] = {}
    if job.arrays:
        if job.probe is None:
            raise ValueError("a job with arrays carries the probe rows too")
        cut = Cut(list(job.sizes), job.max_units)
        out = {
            "params": cut.params(layers),
            "grads": cut.params(by_layer(None if job.grads is None else list(job.grads), job.bias)),
            **probe_view(network, *job.probe, cut),
        }
        if job.old_params is not None:
            out["pending"] = change_view(job.params, job.old_params, job.bias, cut)
    grid = None
    if job.grid is not None:
        domain, resolution = job.grid
        grid = quantize(network, domain, resolution, max_units=job.max_units, axes=False)
    out["grid"] = grid
    return dumps(out)


def _unpacked(sizes, activations, bias, dtype, max_units, grid, arrays, data, grads, old_params, probe):
    """A FrameJob back from its pickled form (FrameJob.__reduce__)."""
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
    params = lists.pop(0)
    grads = lists.pop(0) if grads else None
    old_params = lists.pop(0) if old_params else None
    if probe is not None:
        probe = tuple(np.frombuffer(rows, dtype=kind).reshape(shape) for rows, kind, shape in probe)
    return FrameJob(
        sizes, activations, bias, dtype, params, max_units, grid, arrays, grads, old_params, probe
    )
