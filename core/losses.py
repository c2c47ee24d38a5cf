"""Loss functions with their gradients beside them.

Shapes: z and a are the output layer's pre-activation and activation, (n, k); t, the
targets, is (n, k) too (class labels arrive already one-hot). Every loss returns a Python
float; every gradient has the shape of z.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from core.activations import Activation

if TYPE_CHECKING:
    from core.network import LayerValues


class Loss:
    name = ""
    formula = ""
    # The output activation whose pairing gives the (a - t) shortcut, if any.
    fused_with: str | None = None

    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        """The loss over the n samples, a float."""
        raise NotImplementedError

    def grad_a(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        """dL/da (n, k)."""
        raise NotImplementedError

    def per_sample(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Each row's share before the reduction, (n,): value = weight(n) * per_sample.sum()."""
        raise NotImplementedError

    def weight(self, n: int) -> float:
        """How a sum of per-sample terms becomes the loss: 1/n for means, 1 for sums."""
        return 1.0 / n

    def value_of(self, out: LayerValues, t: np.ndarray) -> float:
        """value() from the output layer's LayerValues `out`, which may carry more of what
        the loss needs (see CategoricalCrossEntropy)."""
        return self.value(out.z, out.a, t)

    def grad_z(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation) -> np.ndarray:
        """dL/dz (n, k) for the output layer, through its activation."""
        return activation.backward(z, a, self.grad_a(a, t))


class MeanSquaredError(Loss):
    """mean over samples and outputs of (a - t)^2 (seed 000's feed_forward)."""

    name = "mse"
    formula = "mean((y_hat - y)^2)"

    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        # The mean as sum / count: the same number as np.mean (which divides the same sum),
        # without np.mean's Python-level wrapper, which outweighs the sum on small batches.
        return float(np.square(a - t).sum() / a.size)

    def per_sample(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        return np.mean(np.square(a - t), axis=1)

    def grad_a(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        return 2.0 * (a - t) / a.size


class SumSquaredError(Loss):
    """sum over samples and outputs of (a - t)^2 (seed 004)."""

    name = "sse"
    formula = "sum((y_hat - y)^2)"

    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        return float(np.sum(np.square(a - t)))

    def per_sample(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        return np.sum(np.square(a - t), axis=1)

    def weight(self, n: int) -> float:
        return 1.0

    def grad_a(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        return 2.0 * (a - t)


class BinaryCrossEntropy(Loss):
    """mean over samples and outputs of -(t log p + (1 - t) log(1 - p)), p = sigmoid(z)."""

    name = "bce"
    formula = "-mean(y log(y_hat) + (1 - y) log(1 - y_hat))"
    fused_with = "sigmoid"

    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        # Written in z (the logit) so log never sees 0: log(1 + e^-|z|) is bounded.
        return float(self._elementwise(z, t).sum() / z.size)  # the mean; see MSE

    def per_sample(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        return np.mean(self._elementwise(z, t), axis=1)

    @staticmethod
    def _elementwise(z: np.ndarray, t: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0.0) - z * t + np.log1p(np.exp(-np.abs(z)))

    def grad_a(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (a - t) / (a * (1.0 - a)) / a.size

    def grad_z(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation) -> np.ndarray:
        # Sigmoid and BCE cancel: dL/dz = (p - t) / (n k), finite for any z.
        return (a - t) / a.size


class CategoricalCrossEntropy(Loss):
    """mean over samples of -sum_c t_c log p_c, p = softmax(z)."""

    name = "cce"
    formula = "-mean(sum_c y_c log(y_hat_c))"
    fused_with = "softmax"

    def value(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> float:
        # log-softmax by log-sum-exp, so a zero probability never reaches log.
        return float(-np.sum(t * self._log_p(z)) / z.shape[0])

    def value_of(self, out: LayerValues, t: np.ndarray) -> float:
        if out.log_a is None:
            return self.value(out.z, out.a, t)
        # The softmax forward pass kept log a: the very numbers _log_p(z) works out.
        return float(-np.sum(t * out.log_a) / out.z.shape[0])

    def per_sample(self, z: np.ndarray, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        return -np.sum(t * self._log_p(z), axis=1)

    @staticmethod
    def _log_p(z: np.ndarray) -> np.ndarray:
        shifted = z - z.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    def grad_a(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return -t / a / a.shape[0]

    def grad_z(self, z: np.ndarray, a: np.ndarray, t: np.ndarray, activation: Activation) -> np.ndarray:
        # Softmax and cross-entropy cancel: dL/dz = (y - t) / n (seed 003's SoftmaxWithLoss).
        return (a - t) / a.shape[0]


LOSSES: dict[str, Loss] = {
    cls.name: cls()
    for cls in (MeanSquaredError, SumSquaredError, BinaryCrossEntropy, CategoricalCrossEntropy)
}


def get_loss(name: str) -> Loss:
    """Look up a loss by its config name."""
    return LOSSES[name]
