"""A fully connected network: an ordered list of dense layers, walked forward then back.

A layer holds W (fan_in, fan_out) and b (fan_out,) or None, so z = a_prev @ W + b, as in
the source material; its activation turns z into a. Layers are numbered from 1 (layer 0
is the input), and parameter arrays are named W1, b1, W2, ... after them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from core.activations import Activation, get_activation
from core.losses import Loss


@dataclass(slots=True)
class LayerValues:
    """What one layer computed on a batch: z and a, both (n, fan_out); and log a (n,
    fan_out) when the activation gives it along with a (softmax), for cross-entropy."""

    z: np.ndarray
    a: np.ndarray
    log_a: np.ndarray | None = None


class Dense:
    """z = a_prev @ W + b; a = f(z)."""

    def __init__(self, W: np.ndarray, b: np.ndarray | None, activation: Activation):
        self.W = W
        self.b = b
        self.activation = activation

    @property
    def fan_in(self) -> int:
        return self.W.shape[0]

    @property
    def fan_out(self) -> int:
        return self.W.shape[1]

    # The matrix products are ndarray.dot, not @: for 2-D arrays both make the same BLAS
    # call (the same bits), but @ dispatches as a generalized ufunc, and on a small
    # network's arrays that takes about three times as long as the whole .dot call.
    def forward(self, a_prev: np.ndarray) -> LayerValues:
        """a_prev (n, fan_in) -> z, a (n, fan_out)."""
        z = a_prev.dot(self.W)
        if self.b is not None:
            z += self.b
        if self.activation.gives_log:
            return LayerValues(z, *self.activation.forward_with_log(z))
        return LayerValues(z, self.activation.forward(z))

    def backward(
        self, a_prev: np.ndarray, dz: np.ndarray, need_da_prev: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """dL/dz (n, fan_out) -> (dW (fan_in, fan_out), db (fan_out,) or None,
        dL/da_prev (n, fan_in) or None)."""
        dW = a_prev.T.dot(dz)
        db = dz.sum(axis=0) if self.b is not None else None
        da_prev = dz.dot(self.W.T) if need_da_prev else None
        return dW, db, da_prev


class Network:
    """Dense layers in order; `layers[0]` maps the inputs to the first hidden layer."""

    def __init__(self, layers: list[Dense]):
        self.layers = layers

    @property
    def sizes(self) -> list[int]:
        return [self.layers[0].fan_in] + [layer.fan_out for layer in self.layers]

    def parameters(self) -> list[tuple[str, np.ndarray]]:
        """(name, array) for every parameter array, in order W1, b1, W2, b2, ..."""
        out = []
        for index, layer in enumerate(self.layers, start=1):
            out.append((f"W{index}", layer.W))
            if layer.b is not None:
                out.append((f"b{index}", layer.b))
        return out

    def arrays(self) -> list[np.ndarray]:
        """Every parameter array in the order of parameters(), without the names."""
        out = []
        for layer in self.layers:
            out.append(layer.W)
            if layer.b is not None:
                out.append(layer.b)
        return out

    def parameter_count(self) -> int:
        return sum(array.size for _, array in self.parameters())

    def forward(self, x: np.ndarray) -> list[LayerValues]:
        """x (n, d) -> one LayerValues per layer; the last one's a is the output (n, k)."""
        values = []
        a = x
        for layer in self.layers:
            out = layer.forward(a)
            values.append(out)
            a = out.a
        return values

    def unit_activations(self, x: np.ndarray, dtype: DTypeLike) -> list[np.ndarray]:
        """x (n, d) -> every layer's a, one row per unit (fan_out, n), computed with the
        parameters cast to `dtype`. For pictures of the network: float32 makes tanh and
        exp several times cheaper, far below what an 8-bit image can show; and in this
        layout the bias is added along rows of n, not n times along rows of fan_out."""
        a = np.ascontiguousarray(x.T, dtype=dtype)
        out = []
        for layer in self.layers:
            z = layer.W.T.astype(dtype, copy=False) @ a
            if layer.b is not None:
                z += layer.b.astype(dtype, copy=False)[:, None]
            f = layer.activation
            a = f.forward(z) if f.elementwise else np.ascontiguousarray(f.forward(z.T).T)
            out.append(a)
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        """x (n, d) -> output a (n, k)."""
        a = x
        for layer in self.layers:
            a = layer.forward(a).a
        return a

    def output_gradient(self, values: list[LayerValues], t: np.ndarray, loss: Loss) -> np.ndarray:
        """dL/dz of the output layer (n, k) for targets t (n, k)."""
        last = values[-1]
        return loss.grad_z(last.z, last.a, t, self.layers[-1].activation)

    def backward(
        self, x: np.ndarray, values: list[LayerValues], dz_out: np.ndarray
    ) -> tuple[list[tuple[np.ndarray, np.ndarray | None]], list[np.ndarray]]:
        """Walk the layers in reverse from dL/dz of the output (n, k).

        Returns (grads, deltas): grads is a list per layer of (dW, db or None); deltas is a
        list per layer of dL/dz (n, fan_out), which the teaching views show.
        """
        grads: list[Any] = [None] * len(self.layers)
        deltas: list[Any] = [None] * len(self.layers)
        dz = dz_out
        for index in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[index]
            a_prev = values[index - 1].a if index > 0 else x
            deltas[index] = dz
            dW, db, da_prev = layer.backward(a_prev, dz, need_da_prev=index > 0)
            grads[index] = (dW, db)
            if da_prev is not None:  # every layer but the first
                below = values[index - 1]
                dz = self.layers[index - 1].activation.backward(below.z, below.a, da_prev)
        return grads, deltas

    def copy_params(self) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """A deep copy of every layer's (W, b)."""
        return [(layer.W.copy(), None if layer.b is None else layer.b.copy()) for layer in self.layers]

    def load_params(self, params: list[tuple[np.ndarray, np.ndarray | None]]) -> None:
        """Copy (W, b) pairs into the layers in place (shapes must match)."""
        for layer, (W, b) in zip(self.layers, params):
            layer.W[...] = W
            if layer.b is not None:
                layer.b[...] = b


def build_network(
    sizes: list[int], activations: list[str], params: list[tuple[np.ndarray, np.ndarray | None]]
) -> Network:
    """sizes [d, h1, ..., k]; activations one per weight layer; params [(W, b or None)]."""
    return Network([Dense(W, b, get_activation(name)) for (W, b), name in zip(params, activations)])
