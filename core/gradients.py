"""The objective and its gradient three ways: backprop, forward and central differences,
plus the perceptron's update direction and the gradient check.

Gradients are lists of arrays in the network's parameter order (W1, b1, W2, ...), each
shaped like its parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.losses import Loss
from core.network import LayerValues, Network


class Objective:
    """Data loss plus an optional L1 or L2 penalty on the weights (never the biases).

    l2: rate * 0.5 * sum(W^2), gradient rate * W;  l1: rate * sum|W|, gradient rate * sign(W).
    """

    def __init__(self, network: Network, loss: Loss, reg_kind: str = "none", reg_rate: float = 0.0):
        self.network = network
        self.loss = loss
        self.reg_kind = reg_kind
        self.reg_rate = reg_rate

    def entry_penalty(self, w: Any) -> Any:
        """The penalty of one weight value (or an array of them), elementwise."""
        if self.reg_kind == "l2":
            return self.reg_rate * 0.5 * w * w
        if self.reg_kind == "l1":
            return self.reg_rate * np.abs(w)
        return 0.0 * w

    def penalty(self) -> float:
        if self.reg_kind == "none" or self.reg_rate == 0:
            return 0.0
        return float(sum(np.sum(self.entry_penalty(layer.W)) for layer in self.network.layers))

    def penalty_grad(self, W: np.ndarray) -> np.ndarray | None:
        if self.reg_kind == "l2":
            return self.reg_rate * W
        if self.reg_kind == "l1":
            return self.reg_rate * np.sign(W)
        return None

    def data_loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """The loss of the current parameters on x (n, d) with targets t (n, k)."""
        return self.loss.value_of(self.network.forward(x)[-1], t)

    def value(self, x: np.ndarray, t: np.ndarray) -> float:
        return self.data_loss(x, t) + self.penalty()


@dataclass(slots=True)
class Backprop:
    """One forward and backward pass over a batch."""

    values: list[LayerValues]  # per layer z, a (n, fan_out)
    deltas: list[np.ndarray]  # per layer dL/dz (n, fan_out)
    grads: list[np.ndarray]  # flat, in parameter order
    data_loss: float


def backprop(
    objective: Objective,
    x: np.ndarray,
    t: np.ndarray,
    values: list[LayerValues] | None = None,
    data_loss: float | None = None,
) -> Backprop:
    """Gradients of objective.value(x, t) by the chain rule, layer by layer in reverse.

    `values`, when given, is the forward pass already computed for x at these parameters,
    and `data_loss`, when given, the loss already computed from them.
    """
    network = objective.network
    if values is None:
        values = network.forward(x)
    last = values[-1]
    if data_loss is None:
        data_loss = objective.loss.value_of(last, t)
    layer_grads, deltas = network.backward(x, values, network.output_gradient(values, t, objective.loss))
    grads = []
    penalized = objective.reg_kind != "none"
    for layer, (dW, db) in zip(network.layers, layer_grads):
        grads.append(dW + objective.penalty_grad(layer.W) if penalized else dW)
        if db is not None:
            grads.append(db)
    return Backprop(values, deltas, grads, data_loss)


def numeric_gradient(
    objective: Objective, x: np.ndarray, t: np.ndarray, method: str = "numeric-central", epsilon: float = 1e-4
) -> tuple[list[np.ndarray], int]:
    """Finite differences over every parameter; returns (grads, loss evaluations used).
    See numeric_gradient_until."""
    result = numeric_gradient_until(objective, x, t, method, epsilon)
    return result.grads, result.evaluations


@dataclass(slots=True)
class NumericGradient:
    grads: list[np.ndarray]  # NaN where a parameter was not worked out (it stopped early)
    evaluations: int  # loss evaluations used
    checked: int  # parameters worked out, in parameter order (row by row)


def numeric_gradient_until(
    objective: Objective,
    x: np.ndarray,
    t: np.ndarray,
    method: str = "numeric-central",
    epsilon: float = 1e-4,
    should_stop: Callable[[], bool] | None = None,
) -> NumericGradient:
    """Finite differences over the parameters, in parameter order, until `should_stop()`
    (asked before each one) says to stop, e.g. when a time budget runs out.

    `numeric-forward` is the source's (L(w + eps) - L(w)) / eps; `numeric-central` is
    (L(w + eps) - L(w - eps)) / (2 eps). Nudging W[i, j] of layer l only moves column j
    of that layer's z, by eps * a_prev[:, i], and only in the rows where a_prev[:, i] is
    not zero; so the layers below are not recomputed, and the loss difference is summed
    over the rows that moved. The result is the same difference of losses, without the
    rounding noise of the rows that did not move (which would swamp tiny gradients).
    """
    network, loss = objective.network, objective.loss
    values = network.forward(x)
    inputs = [x] + [v.a for v in values[:-1]]
    base_rows = loss.per_sample(values[-1].z, values[-1].a, t)
    weight = loss.weight(len(x))
    central = method == "numeric-central"
    per_parameter = 2 if central else 1
    all_rows = np.arange(len(x))
    grads = [np.full_like(array, np.nan) for array in network.arrays()]
    result = NumericGradient(grads, 1, 0)

    def moved(layer_index: int, column: int, rows: np.ndarray, shift: float) -> float:
        """Sum over `rows` of the per-sample loss after z[rows, column] += shift."""
        z = values[layer_index].z[rows]
        z[:, column] += shift
        a = network.layers[layer_index].activation.forward(z)
        for upper in network.layers[layer_index + 1 :]:
            z = a @ upper.W
            if upper.b is not None:
                z += upper.b
            a = upper.activation.forward(z)
        return float(np.sum(loss.per_sample(z, a, t[rows])))

    def difference(
        layer_index: int, column: int, rows: np.ndarray, shift: float, penalty_up: float, penalty_down: float
    ) -> float:
        if central:
            change = moved(layer_index, column, rows, shift) - moved(layer_index, column, rows, -shift)
            return (weight * change + penalty_up - penalty_down) / (2 * epsilon)
        change = moved(layer_index, column, rows, shift) - float(np.sum(base_rows[rows]))
        return (weight * change + penalty_up) / epsilon

    def stop() -> bool:
        if should_stop is not None and should_stop():
            return True
        result.checked += 1
        result.evaluations += per_parameter
        return False

    arrays = iter(grads)
    for index, layer in enumerate(network.layers):
        a_prev = inputs[index]
        dW = next(arrays)
        for i in range(layer.fan_in):
            rows = np.flatnonzero(a_prev[:, i])
            for j in range(layer.fan_out):
                if stop():
                    return result
                w = layer.W[i, j]
                up = objective.entry_penalty(w + epsilon) - objective.entry_penalty(w)
                down = objective.entry_penalty(w - epsilon) - objective.entry_penalty(w)
                if rows.size:
                    dW[i, j] = difference(index, j, rows, a_prev[rows, i] * epsilon, up, down)
                else:  # the input on this edge is 0 for every row: only the penalty moves
                    dW[i, j] = (up - down) / (2 * epsilon) if central else up / epsilon
        if layer.b is not None:
            db = next(arrays)
            for j in range(layer.fan_out):
                if stop():
                    return result
                db[j] = difference(index, j, all_rows, epsilon, 0.0, 0.0)
    return result


def perceptron_gradient(
    network: Network, x: np.ndarray, t: np.ndarray
) -> tuple[list[np.ndarray], list[LayerValues]]:
    """The direction that makes SGD apply Rosenblatt's rule: dW = -x^T (t - o), db = -sum(t - o).

    x (n, d), t (n, k); the network has one step layer. Returns (grads, values).
    """
    values = network.forward(x)
    error = t - values[-1].a
    grads = [-(x.T @ error)]
    if network.layers[0].b is not None:
        grads.append(-error.sum(axis=0))
    return grads, values


def relative_difference(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|a - b| / (|a| + |b|) entry by entry (same shape as a), 0 where both are 0."""
    diff = np.abs(a - b)
    scale = np.abs(a) + np.abs(b)
    return np.divide(diff, scale, out=np.zeros_like(diff), where=scale > 0)


def gradient_check(
    reference: list[np.ndarray], other: list[np.ndarray], names: list[str]
) -> list[dict[str, Any]]:
    """Per parameter array: how far two gradients are apart.

    max_abs  = max |a - b|
    max_rel  = max |a - b| / (|a| + |b|), the symmetric relative difference of each entry
               (0 where both are exactly 0; at most 1, when they disagree in sign)
    rel_norm = ||a - b|| / (||a|| + ||b||), the same for the array as a whole
    Both relative measures treat the two gradients alike, so neither is "the truth".
    """
    report = []
    for name, a, b in zip(names, reference, other):
        diff = np.abs(a - b)
        rel = relative_difference(a, b)
        norm = float(np.linalg.norm(a) + np.linalg.norm(b))
        report.append(
            {
                "name": name,
                "max_abs": float(diff.max()) if diff.size else 0.0,
                "max_rel": float(rel.max()) if rel.size else 0.0,
                "rel_norm": float(np.linalg.norm(a - b)) / norm if norm > 0 else 0.0,
            }
        )
    return report
