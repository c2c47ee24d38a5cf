"""The gradient check of a run: backprop against finite differences at the current
parameters, with what each method cost, so a student sees why backprop wins."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import ConfigError
from core.frame import by_layer
from core.gradients import backprop, gradient_check, numeric_gradient_until, relative_difference

if TYPE_CHECKING:
    from core.run import Run

MAX_SECONDS = 30.0  # refuse a numeric gradient expected to take longer than this


def estimate_numeric_seconds(run: Run, x: np.ndarray, t: np.ndarray, method: str) -> float:
    """Loss evaluations the method needs times the measured cost of one forward pass."""
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        run.objective.value(x, t)
    one = time.perf_counter() - started
    evaluations = run.network.parameter_count() * (2 if method == "numeric-central" else 1)
    # A nudge recomputes only the layers above it: about half a forward pass on average.
    return evaluations * one * 0.5


def check_gradients(
    run: Run,
    method: str = "numeric-central",
    epsilon: float = 1e-4,
    samples: int | None = None,
    max_seconds: float = MAX_SECONDS,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Gradients of the training objective over the first `samples` training rows (all by
    default). -> {"loss", "samples", "backprop": [{W, b}], "numeric": [{W, b}], "relative":
    [{W, b}] (each entry's |bp - num| / (|bp| + |num|)),
    "check": [{"W": {max_abs, max_rel, rel_norm}, "b": ... or None}], "checked", "cost": {...}},
    arrays as numpy (see core.gradients.gradient_check for the measures).

    `should_stop()`, asked before each parameter's finite difference, can end the numeric
    gradient early (a time budget): "checked" says how many parameters (in parameter
    order, row by row) it worked out; the others' numeric and relative entries are NaN,
    and an array's measures are over its checked entries (all NaN when it has none).
    """
    if method not in ("numeric-forward", "numeric-central"):
        raise ConfigError("method", "must be numeric-forward or numeric-central")
    if not 0 < epsilon <= 1:
        raise ConfigError("epsilon", f"must be in (0, 1], got {epsilon}")
    data = run.network_data
    n = len(data.x_train) if samples is None else min(samples, len(data.x_train))
    x, t = data.x_train[:n], data.y_train[:n]
    expected = estimate_numeric_seconds(run, x, t, method)
    if expected > max_seconds:
        raise ConfigError(
            "samples",
            f"the numeric gradient of {run.network.parameter_count():,} "
            f"parameters over {n} rows would take about "
            f"{expected:.0f} s; ask for fewer samples",
        )
    with np.errstate(all="ignore"):
        started = time.perf_counter()
        bp = backprop(run.objective, x, t)
        bp_seconds = time.perf_counter() - started
        started = time.perf_counter()
        result = numeric_gradient_until(run.objective, x, t, method, epsilon, should_stop)
        numeric, evaluations = result.grads, result.evaluations
        numeric_seconds = time.perf_counter() - started
        # A tiny epsilon can make the numeric gradient huge: its norms overflow to inf
        # (reported as null), which must not escape as a RuntimeWarning.
        counts = _checked_counts(numeric, result.checked)
        report = gradient_check(*_checked_parts(bp.grads, numeric, counts), run.param_names)
        relative = [relative_difference(a, b) for a, b in zip(bp.grads, numeric)]
        for rel, count in zip(relative, counts):
            rel.reshape(-1)[count:] = np.nan  # not worked out: no difference to speak of
    measures = [
        {k: (r[k] if count else math.nan) for k in ("max_abs", "max_rel", "rel_norm")}
        for r, count in zip(report, counts)
    ]
    check = by_layer(measures, run.bias)
    return {
        "loss": bp.data_loss + run.objective.penalty(),
        "samples": n,
        "method": method,
        "epsilon": epsilon,
        "parameters": run.network.parameter_count(),
        "backprop": by_layer(bp.grads, run.bias),
        "numeric": by_layer(numeric, run.bias),
        "relative": by_layer(relative, run.bias),
        "check": check,
        "checked": result.checked,
        "cost": {
            "backprop": {"seconds": bp_seconds, "loss_evaluations": 1, "passes": "1 forward + 1 backward"},
            "numeric": {"seconds": numeric_seconds, "loss_evaluations": evaluations},
        },
    }


def _checked_counts(arrays: list[np.ndarray], checked: int) -> list[int]:
    """How many entries of each array (in order, each row by row) the first `checked`
    parameters are."""
    counts = []
    for array in arrays:
        counts.append(min(array.size, checked))
        checked -= counts[-1]
    return counts


def _checked_parts(
    reference: list[np.ndarray], other: list[np.ndarray], counts: list[int]
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The two gradients, each array cut to its checked entries (as it is when whole)."""

    def part(array: np.ndarray, count: int) -> np.ndarray:
        return array if count == array.size else array.reshape(-1)[:count]

    return ([part(a, c) for a, c in zip(reference, counts)], [part(b, c) for b, c in zip(other, counts)])
