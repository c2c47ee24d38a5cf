"""Saving a run as a plain document and bringing it back, bit for bit.

The document holds the resolved config (the data and the initial weights follow from it
and its seed), the current parameters, the optimizer's and the batch order's state, the
step counters and the history. Loading it gives a run that continues exactly as the
original would have.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np

from core.errors import ConfigError
from core.fields import MAX_SEED
from core.frame import by_layer
from core.plain import plain
from core.run import MAX_DATA_CHANGES, Run

FORMAT = "nnplay-run/1"


def export_state(
    run: Run,
    *,
    arrays: bool = False,
    history: bool = True,
    config: dict[str, Any] | None = None,
    share: bool = False,
) -> dict[str, Any]:
    """The run as plain Python (JSON-ready). An unfinished step is left out.

    With `arrays`, parameters and optimizer state stay NumPy copies and the batch order's
    permutation its (never changed) array, compact for keeping in memory; the config is a
    deep copy, or `config` when given (a copy equal to the run's, shared between
    documents); with `share` too, the arrays are the run's own, not copies (for a caller
    that serializes the document at once). `history` False leaves the history out (None).
    """
    batcher = run.batcher.state(arrays=arrays)
    if run.pending is not None and run.phase not in (None, "update"):
        batcher = run.pending.batcher_state_as(arrays)
    convert = (_same if share else _copies) if arrays else plain
    # Only a run that draws its batches from another seed's streams (a twin, core/fork.py)
    # says which: every other document stays as it was.
    streams = {} if run.streams_seed is None else {"streams": run.streams_seed}
    return {
        "format": FORMAT,
        "config": (config if config is not None else copy.deepcopy(run.config)) if arrays else run.config,
        "params": convert(by_layer(run.param_arrays(), run.bias)),
        "history": run.history.as_dict() if history else None,
        "step": run.step_count,
        "status": run.status,
        "divergence": run.divergence,
        # repr-exact floats: JSON round-trips float64 without loss.
        "optimizer": {key: convert(value) for key, value in run.optimizer.state.items()},
        "batcher": batcher,
        "last_grads": convert(by_layer(run.last_grads, run.bias)),
        "data_changes": [dict(mark) for mark in run.data_changes],
        **streams,
    }


def _same(value: Any) -> Any:
    return value


def _copies(value: Any) -> Any:
    """Nested lists and dicts of arrays -> the same structure of array copies."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {k: _copies(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copies(v) for v in value]
    return value


def import_state(
    doc: dict[str, Any], *, mnist_dir: str | os.PathLike[str] | None = None, own: bool = False
) -> Run:
    """A new run in the state `doc` describes; raises ConfigError on a bad document.

    `own`: the document is one the engine made itself (a time-travel checkpoint), whose
    weights may have grown past what a user may type in on the way to diverging.
    """
    if not isinstance(doc, dict) or "config" not in doc or "params" not in doc:
        raise ConfigError("", "an exported run needs at least config and params")
    run = Run(doc["config"], mnist_dir=mnist_dir)
    streams = doc.get("streams")
    if streams is not None:
        if not _count(streams, 0) or streams > MAX_SEED:
            raise ConfigError("streams", f"must be a seed from 0 to {MAX_SEED}, got {streams!r}")
        run.follow_seed(streams)
    run.set_params(doc["params"], bounded=not own)
    field = ""
    try:  # each part named, so that a damaged one is reported as itself
        field = "history"
        if doc.get("history") is not None:
            run.history.load(doc["history"])
        field = "optimizer"
        if doc.get("optimizer"):
            run.optimizer.commit(_arrays_state(doc["optimizer"], run.dtype))
        field = "batcher"
        if doc.get("batcher"):
            run.batcher.load_state(doc["batcher"])
        field = "data_changes"
        run.data_changes = _data_changes(doc.get("data_changes") or [])
        field = "step"
        last = run.history.last()
        run.step_count = int(doc.get("step", 0 if last is None else last["step"]))
        field = "last_grads"
        if doc.get("last_grads"):
            grads = [
                np.array(a, dtype=run.dtype)
                for layer in doc["last_grads"]
                for a in (layer["W"], layer["b"])
                if a is not None
            ]
            shapes = [a.shape for a in run.param_arrays()]
            if [g.shape for g in grads] != shapes:
                raise ValueError(f"the gradients must have the parameters' shapes {shapes}")
            run.last_grads = grads
    except (KeyError, TypeError, ValueError, IndexError) as error:
        raise ConfigError(field, f"the exported run is damaged here: {error}") from None
    status = doc.get("status", "paused")
    run.status = status if status in ("ready", "paused", "diverged") else "paused"
    if run.status == "ready" and run.step_count > 0:
        run.status = "paused"
    run.divergence = doc.get("divergence") if run.status == "diverged" else None
    return run


def _data_changes(marks: Any) -> list[dict[str, int]]:
    """An export's data changes checked: a list of {"step", "rows"} counts, steps rising."""
    if not isinstance(marks, list) or len(marks) > MAX_DATA_CHANGES:
        raise ValueError(f"must be a list of at most {MAX_DATA_CHANGES} {{step, rows}} marks")
    out: list[dict[str, int]] = []
    for mark in marks:
        step, rows = (mark.get("step"), mark.get("rows")) if isinstance(mark, dict) else (None, None)
        if not (_count(step, 0) and _count(rows, 1) and set(mark) == {"step", "rows"}):
            raise ValueError(f"each mark must be {{step: a count, rows: at least 1}}, got {mark!r}")
        checked = {"step": int(step or 0), "rows": int(rows or 0)}  # counts, as just checked
        if out and checked["step"] <= out[-1]["step"]:
            raise ValueError("the marks' steps must rise")
        out.append(checked)
    return out


def _count(value: Any, least: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= least


def _arrays_state(state: dict[str, Any], dtype: np.dtype[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in state.items():
        if isinstance(value, list):
            out[key] = [np.array(v, dtype=dtype) for v in value]  # copies: never share state
        else:
            out[key] = int(value)
    return out
