"""Activation functions, each with its forward rule and its derivative side by side.

Shapes: every function maps z of shape (n, units) to a of the same shape.
"""

from __future__ import annotations

import numpy as np


class Activation:
    """a = f(z), elementwise unless stated otherwise."""

    name = ""
    formula = ""  # how a front end writes f(z)
    derivative_formula = ""
    gives_log = False  # forward_with_log gives log a too (softmax)
    elementwise = True  # each a depends on its own z only (so any array shape will do)
    output_only = False  # allowed on the output layer only (softmax: its units share one sum)
    trains = True  # gradient descent can train through it (step's derivative is 0)

    def forward(self, z: np.ndarray) -> np.ndarray:
        """z (n, units) -> a (n, units)."""
        raise NotImplementedError

    def forward_with_log(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """(a, log a) when log a comes almost free with a (softmax), else (a, None)."""
        return self.forward(z), None

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """da/dz elementwise, (n, units); uses whichever of z or a is cheaper."""
        raise NotImplementedError

    def backward(self, z: np.ndarray, a: np.ndarray, da: np.ndarray) -> np.ndarray:
        """dL/da (n, units) -> dL/dz (n, units)."""
        return da * self.derivative(z, a)


class Sigmoid(Activation):
    name = "sigmoid"
    formula = "1 / (1 + e^(-z))"
    derivative_formula = "a (1 - a)"

    def forward(self, z: np.ndarray) -> np.ndarray:
        # sigmoid(z) = (1 + tanh(z / 2)) / 2 exactly: like the piecewise form it never
        # overflows (tanh saturates at +-1), and it costs one transcendental, not three.
        a = np.multiply(z, 0.5)
        np.tanh(a, out=a)
        a += 1.0
        a *= 0.5
        return a

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return a * (1.0 - a)


class Tanh(Activation):
    name = "tanh"
    formula = "(e^z - e^(-z)) / (e^z + e^(-z))"
    derivative_formula = "1 - a^2"

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.tanh(z)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return 1.0 - a * a


class ReLU(Activation):
    name = "relu"
    formula = "max(0, z)"
    derivative_formula = "1 if z > 0 else 0"

    def forward(self, z: np.ndarray) -> np.ndarray:
        return np.maximum(z, 0.0).astype(z.dtype, copy=False)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)

    def backward(self, z: np.ndarray, a: np.ndarray, da: np.ndarray) -> np.ndarray:
        # The mask form (seed 003's Relu layer): no multiplication by a 0/1 array.
        return np.where(z > 0, da, 0.0).astype(da.dtype, copy=False)


class Linear(Activation):
    name = "linear"
    formula = "z"
    derivative_formula = "1"

    def forward(self, z: np.ndarray) -> np.ndarray:
        return z

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        return np.ones_like(z)

    def backward(self, z: np.ndarray, a: np.ndarray, da: np.ndarray) -> np.ndarray:
        return da


class Step(Activation):
    """The perceptron's threshold unit: 1 if z > 0 else 0 (seed 001)."""

    name = "step"
    formula = "1 if z > 0 else 0"
    trains = False  # the perceptron rule trains it, without a gradient
    derivative_formula = "0 (almost everywhere)"

    def forward(self, z: np.ndarray) -> np.ndarray:
        return (z > 0).astype(z.dtype)

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        # Zero almost everywhere: why the perceptron needs its own update rule.
        return np.zeros_like(z)


class Softmax(Activation):
    """Row-wise softmax over the units of the output layer."""

    name = "softmax"
    formula = "e^(z_j) / sum_k e^(z_k)"
    output_only = True
    derivative_formula = "a_j (delta_jk - a_k)"
    gives_log = True
    elementwise = False

    def forward(self, z: np.ndarray) -> np.ndarray:
        # Max-shifted so the largest exponent is e^0 = 1.
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def forward_with_log(self, z: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The same a as forward, and log a = shifted - log(sum e): the log-softmax that
        cross-entropy needs, from the same shifted logits and sum, so the loss need not
        work them out again (and never takes the log of a probability that rounded to 0)."""
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        total = e.sum(axis=1, keepdims=True)
        e /= total  # a
        shifted -= np.log(total)  # log a
        return e, shifted

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """The Jacobian's diagonal only; `backward` uses the full Jacobian."""
        return a * (1.0 - a)

    def backward(self, z: np.ndarray, a: np.ndarray, da: np.ndarray) -> np.ndarray:
        # Jacobian-vector product: dz_j = a_j (da_j - sum_k a_k da_k).
        return a * (da - (da * a).sum(axis=1, keepdims=True))


ACTIVATIONS: dict[str, Activation] = {cls.name: cls() for cls in (Sigmoid, Tanh, ReLU, Linear, Step, Softmax)}


def get_activation(name: str) -> Activation:
    """Look up an activation by its config name."""
    return ACTIVATIONS[name]
