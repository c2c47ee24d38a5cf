"""Loss and accuracy of a network on its evaluation sets."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.losses import Loss
from core.network import Network
from core.plain import finite_or_none


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
) -> dict[str, Any]:
    """sets: {"train": (x, y, labels), "test": (...)}; -> {"loss": {...}, "accuracy": {...}}.

    The loss is the data loss (no regularization penalty); values that are not finite,
    and sets with no rows, give None. `forwards`, when given, receives each set's forward
    pass and its loss as computed ({name: (values, loss)}): a full-batch step on the same
    rows, at the same parameters, would compute exactly these (core/run.py reuses them).
    """
    out: dict[str, dict[str, float | None]] = {"loss": {}, "accuracy": {}}
    for name, (x, y, labels) in sets.items():
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
