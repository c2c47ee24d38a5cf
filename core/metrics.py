"""Loss and accuracy of a network on its evaluation sets."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.losses import Loss
from core.network import Network
from core.plain import finite_or_none

# The evaluation schedule's cost model (evaluation_every). A pass of r rows through a
# layer costs its r * fan_in * fan_out multiply-adds plus a fixed cost per call (NumPy's
# dispatch, the activation's temporaries), here about as much as LAYER_CALL_MACS of them;
# a training step is three passes over its batch (forward, then two matmuls a layer back).
LAYER_CALL_MACS = 7_500
STEP_PASSES = 3
# The most of a run's time that evaluation may take, over the steps between two.
EVALUATION_SHARE = 1 / 10


def evaluation_every(sizes: list[int], batch_rows: int, eval_rows: list[int], every: int) -> int:
    """How many steps apart the full train/test evaluations fall: a multiple of `every`
    (a history row each `every` steps) so that a forward pass over each evaluation set
    (`eval_rows` each; none when every set is free) costs at most EVALUATION_SHARE of the
    training in between, by the cost model above. Worked out from the config alone, so a
    run's rows carry evaluations at the same steps every time.

    sizes: units per layer; batch_rows: rows a training step passes.
    """
    if every <= 0 or not eval_rows:
        return max(every, 1)
    layers = len(sizes) - 1
    macs = sum(a * b for a, b in zip(sizes, sizes[1:]))  # per row, one pass through every layer

    def cost(rows: int) -> int:
        return layers * LAYER_CALL_MACS + rows * macs

    evaluation = sum(cost(rows) for rows in eval_rows)
    training = STEP_PASSES * cost(batch_rows) * every * EVALUATION_SHARE
    return every * max(1, math.ceil(evaluation / training))


def predicted_classes(a: np.ndarray) -> np.ndarray:
    """Output a (n, k) -> class index (n,): argmax for k > 1, a > 0.5 for one output unit."""
    if a.shape[1] == 1:
        return (a[:, 0] > 0.5).astype(np.int64)
    return a.argmax(axis=1)


def accuracy(a: np.ndarray, labels: np.ndarray) -> float:
    """Fraction of rows whose predicted class equals the label; a (n, k), labels (n,)."""
    # A count over n, not np.mean: the same number (both exact until the one division),
    # at a fraction of the cost on the small sets a live view evaluates every step.
    # int(): NumPy 2 counts in np.int64, and a NumPy scalar would leak into comparisons
    # (np.bool) that no JSON encoder but orjson takes.
    return int(np.count_nonzero(predicted_classes(a) == labels)) / len(labels)


def evaluate(
    network: Network,
    loss: Loss,
    sets: dict[str, Any],
    n_classes: int | None,
    forwards: dict[str, Any] | None = None,
    names: tuple[str, ...] = ("train", "test"),
) -> dict[str, Any]:
    """sets: {"train": (x, y, labels), "test": (...)}; -> {"loss": {...}, "accuracy": {...}}.

    The loss is the data loss (no regularization penalty); values that are not finite,
    and sets with no rows, give None. `forwards`, when given, receives each set's forward
    pass and its loss as computed ({name: (values, loss)}): a full-batch step on the same
    rows, at the same parameters, would compute exactly these (core/run.py reuses them).
    Only the sets in `names` are evaluated; the others are None.
    """
    out: dict[str, dict[str, float | None]] = {"loss": {}, "accuracy": {}}
    for name, (x, y, labels) in sets.items():
        if name not in names:
            out["loss"][name] = out["accuracy"][name] = None
            continue
        if len(x) == 0:
            out["loss"][name] = out["accuracy"][name] = None
            continue
        values = network.forward(x)
        last = values[-1]
        value = loss.value_of(last, y)
        if forwards is not None:
            forwards[name] = (values, value)
        out["loss"][name] = finite_or_none(value)
        out["accuracy"][name] = (
            accuracy(last.a, labels) if n_classes is not None and labels is not None else None
        )
    return out
