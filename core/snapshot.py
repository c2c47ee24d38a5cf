"""What a run looks like right now, as plain Python ready for JSON.

Shapes in the output: params[l].W is fan_in x fan_out, params[l].b is fan_out (or None);
activations[l].z and .a are probe_rows x units; grid values are resolution x resolution
with rows along y. The arrays are rendered by core/frame.py, as the live frames' are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from core.errors import StateError
from core.frame import Cut, by_layer, frame_arrays, frame_members
from core.plain import finite_or_none, plain

if TYPE_CHECKING:
    from core.run import Run

MAX_PENDING_ROWS = 16


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
    grid_encoding: str = "floats",
) -> dict[str, Any]:
    """The run's state after its last step or phase (see the module docstring for shapes).

    `max_units` caps what is sent of each wide layer to its first units (W1 keeps every
    input row so first-layer weights can still be drawn as images); `shown_units` says
    how many units of each layer (0 = inputs) the arrays cover. `pending` is "full" (every
    phase value of the current step), "light" (only the last update's change, enough for
    a live view while training runs) or "none"; `grads` False leaves out the gradients
    (null). The decision grid at `grid` comes in `grid_encoding` (core/grids.py), with
    its axes. With `raw` the arrays stay NumPy arrays (C-contiguous) for a serializer
    that takes them directly and writes NaN as null.
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
    # The arrays as a frame shows them: the light pending view is the last update's change.
    # (None asked for, as in a playing frame's head: nothing to render.)
    grid_member = None
    if params or activations or grid or pending == "light":
        arrays = frame_arrays(
            run,
            grid=grid,
            max_units=max_units,
            params=params,
            probe_rows=activations,
            grads=grads,
            change=pending == "light",
            encoding=grid_encoding,
            axes=True,
        )
        members = frame_members(arrays, run.network)
        grid_member = members.pop("grid")
        out.update(members)
    if pending == "full" and run.pending is not None and run.phase is not None:
        out["pending"] = pending_view(run, cut)
    if grid:
        out["grid"] = grid_member
    return out if raw else plain(out)


def pending_view(run: Run, cut: Cut | None = None) -> dict[str, Any]:
    """The current step's phase values, bounded to the first MAX_PENDING_ROWS batch rows,
    as NumPy arrays (snapshot() makes them plain, or leaves them raw for a serializer that
    writes arrays: a 1M-parameter network's gradients and update as Python floats would
    take four times their bytes)."""
    cut = cut or Cut(run.sizes, None)
    p, rows = run.pending, slice(0, MAX_PENDING_ROWS)
    if p is None:
        raise StateError("no step is in progress")
    view = {
        "batch": p.indices[rows].tolist(),
        "batch_size": int(len(p.indices)),
        "inputs": p.x[rows],
        "targets": p.t[rows],
        "activations": cut.values([{"z": v.z[rows], "a": v.a[rows]} for v in p.values]),
    }
    if p.loss is not None:
        view["loss"] = finite_or_none(p.loss)
    if p.grads is not None:
        view["grads"] = cut.params(by_layer(p.grads, run.bias))
        view["evaluations"] = p.evaluations
    if p.deltas is not None:
        view["deltas"] = cut.columns([d[rows] for d in p.deltas])
    new, old = p.new_params, p.old_params
    if new is not None and old is not None and run.phase == "update":
        view["update"] = {
            "old": cut.params(by_layer(old, run.bias)),
            "change": cut.params(by_layer([n - o for n, o in zip(new, old)], run.bias)),
            "new": cut.params(by_layer(new, run.bias)),
        }
    return view
