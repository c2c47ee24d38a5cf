"""Frame jobs: the heavy part of a live frame, made from a copy of the run's arrays.

While a session plays, most of the work of each frame is serializing its arrays (the
parameters, gradients, the last update's change), a forward pass over the probe rows, and
the decision grid. None of it needs the run itself, only a copy of its arrays taken under
the session's lock: a FrameJob. render() turns a job into the JSON members the frame
carries, the same bytes wherever it runs, in a grid worker (app/gridpool.py) or in the
server's own process; the frame splices them after the members the loop wrote itself.

A job without `arrays` draws only the decision grid (a paused session's frame, whose
arrays and phase values the loop writes in full).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.grids import quantize
from app.jsonio import dumps
from core.network import build_network
from core.snapshot import Cut, by_layer, change_view, has_grid, probe, probe_view


@dataclass(frozen=True, slots=True)
class FrameJob:
    """What render() needs, copied out of the run (so the run may train on meanwhile) and
    small enough to hand to another process. Arrays travel as bytes in `dtype`: W1, b1,
    W2, ... (b only with biases), each flattened, one after another."""

    sizes: tuple[int, ...]
    activations: tuple[str, ...]
    bias: bool
    dtype: str
    params: bytes
    max_units: int | None = None
    grid: tuple | None = None        # (domain, resolution) of the decision grid, None: no grid
    arrays: bool = False             # the frame's parameters, gradients and probe values too
    grads: bytes | None = None       # the last update's gradients (None: none yet, or left out)
    old_params: bytes | None = None  # the parameters before the last update, to show its change
    probe: tuple | None = None       # the probe rows: (x bytes, x dtype, x shape, t bytes, t dtype, t shape)

    def __reduce__(self):
        # As a plain tuple: pickling a frozen dataclass field by field costs several
        # times more, on the event loop, for every frame.
        return FrameJob, tuple(getattr(self, name) for name in self.__slots__)

    @property
    def values(self) -> int:
        """Numbers the job carries (what it costs to send to another process)."""
        blobs = [self.params, self.grads, self.old_params]
        if self.probe is not None:
            blobs += [self.probe[0], self.probe[3]]
        return sum(len(b) for b in blobs if b) // np.dtype(self.dtype).itemsize


def frame_job(run, *, grid: int | None = None, max_units: int | None = None, arrays: bool = False,
              grads: bool = True, change: bool = True) -> FrameJob | None:
    """A job for the run's live frame: with `arrays`, its parameters, probe values, the
    gradients (`grads`) and the last update's change (`change`, when the run has just
    updated), as core.snapshot.snapshot(run, pending="light") shows them; the decision
    grid at `grid` when its inputs are 2-D. None when there is nothing to render."""
    grid = (tuple(map(tuple, run.data.domain)), grid) if grid and has_grid(run) else None
    if grid is None and not arrays:
        return None
    extra = {}
    if arrays:
        pending = run.pending
        changed = (change and pending is not None and run.phase == "update"
                   and pending.new_params is not None)
        x, t = probe(run)
        extra = {"arrays": True,
                 "grads": _flat(run.last_grads) if grads and run.last_grads is not None else None,
                 # In the update phase the run's parameters are the update's new ones.
                 "old_params": _flat(pending.old_params) if changed else None,
                 "probe": (x.tobytes(), x.dtype.str, x.shape, t.tobytes(), t.dtype.str, t.shape)}
    return FrameJob(tuple(run.sizes), tuple(run.config["activations"]), run.bias, run.dtype.str,
                    _flat(run.param_arrays()), max_units, grid, **extra)


def render(job: FrameJob) -> bytes:
    """The job's frame members as a JSON object: {"params", "grads", "probe",
    "activations", ["pending",] "grid"} with `arrays`, else {"grid"} (null without one)."""
    params = _unflatten(job.params, job)
    network = build_network(list(job.sizes), list(job.activations), params)
    out = {}
    if job.arrays:
        cut = Cut(list(job.sizes), job.max_units)
        flat = network.arrays()
        grads = None if job.grads is None else _split(job.grads, job)
        x_bytes, x_dtype, x_shape, t_bytes, t_dtype, t_shape = job.probe
        x = np.frombuffer(x_bytes, dtype=x_dtype).reshape(x_shape)
        t = np.frombuffer(t_bytes, dtype=t_dtype).reshape(t_shape)
        out = {"params": cut.params(by_layer(flat, job.bias)),
               "grads": cut.params(by_layer(grads, job.bias)), **probe_view(network, x, t, cut)}
        if job.old_params is not None:
            out["pending"] = change_view(flat, _split(job.old_params, job), job.bias, cut)
    grid = None
    if job.grid is not None:
        domain, resolution = job.grid
        grid = quantize(network, domain, resolution, max_units=job.max_units, axes=False)
    out["grid"] = grid
    return dumps(out)


def _flat(arrays: list[np.ndarray]) -> bytes:
    return np.concatenate([a.ravel() for a in arrays]).tobytes()


def _split(blob: bytes, job: FrameJob) -> list[np.ndarray]:
    """Flat parameter-shaped bytes -> [W1, b1, W2, ...] (read-only views of the bytes)."""
    return [a for W, b in _unflatten(blob, job) for a in ((W,) if b is None else (W, b))]


def _unflatten(blob: bytes, job: FrameJob) -> list[tuple[np.ndarray, np.ndarray | None]]:
    flat = np.frombuffer(blob, dtype=job.dtype)
    params, start = [], 0
    for fan_in, fan_out in zip(job.sizes, job.sizes[1:]):
        W = flat[start:start + fan_in * fan_out].reshape(fan_in, fan_out)
        start += fan_in * fan_out
        b = None
        if job.bias:
            b, start = flat[start:start + fan_out], start + fan_out
        params.append((W, b))
    return params
