"""Update rules. Each proposes new parameters without touching the old ones, so a run can
refuse an update that would blow up (divergence) and keep its last finite state.

Parameters and gradients are lists of arrays in the network's order (W1, b1, W2, ...).
An optimizer's state is a dict of lists of arrays (plus counters), so it can be saved.
"""
from __future__ import annotations

import numpy as np


class Optimizer:
    name = ""

    def __init__(self, settings: dict):
        self.settings = dict(settings)
        self.state: dict = {}

    def configure(self, settings: dict) -> None:
        """Take new hyper-parameters (a live learning-rate change) and keep the state."""
        self.settings = dict(settings)

    def propose(self, params: list[np.ndarray], grads: list[np.ndarray]):
        """-> (new_params, new_state); neither the inputs nor self.state change."""
        raise NotImplementedError

    def commit(self, state: dict) -> None:
        self.state = state

    def _slots(self, key: str, params) -> list[np.ndarray]:
        return self.state.get(key) or [np.zeros_like(p) for p in params]


class SGD(Optimizer):
    """w <- w - lr g."""

    name = "sgd"

    def propose(self, params, grads):
        lr = self.settings["lr"]
        return [p - lr * g for p, g in zip(params, grads)], self.state


class Perceptron(SGD):
    """Rosenblatt's rule w <- w + lr (t - o) x, i.e. SGD on the gradient -(t - o) x that
    `core.gradients.perceptron_gradient` supplies in place of backprop."""

    name = "perceptron"


class Momentum(Optimizer):
    """v <- mu v - lr g; w <- w + v."""

    name = "momentum"

    def propose(self, params, grads):
        lr, mu = self.settings["lr"], self.settings["momentum"]
        velocity = [mu * v - lr * g for v, g in zip(self._slots("velocity", params), grads)]
        return [p + v for p, v in zip(params, velocity)], {"velocity": velocity}


class RMSProp(Optimizer):
    """s <- rho s + (1 - rho) g^2; w <- w - lr g / (sqrt(s) + eps), as Keras does it."""

    name = "rmsprop"

    def propose(self, params, grads):
        lr, rho, eps = self.settings["lr"], self.settings["rho"], self.settings["eps"]
        square = [rho * s + (1.0 - rho) * g * g for s, g in zip(self._slots("square", params), grads)]
        new = [p - lr * g / (np.sqrt(s) + eps) for p, g, s in zip(params, grads, square)]
        return new, {"square": square}


class Adam(Optimizer):
    """Adam with bias correction (Kingma and Ba)."""

    name = "adam"

    def propose(self, params, grads):
        lr, eps = self.settings["lr"], self.settings["eps"]
        beta1, beta2 = self.settings["beta1"], self.settings["beta2"]
        t = self.state.get("t", 0) + 1
        m = [beta1 * m + (1.0 - beta1) * g for m, g in zip(self._slots("m", params), grads)]
        v = [beta2 * v + (1.0 - beta2) * g * g for v, g in zip(self._slots("v", params), grads)]
        # A Python float, so float32 arrays stay float32.
        scale = lr * (1.0 - beta2**t) ** 0.5 / (1.0 - beta1**t)
        new = [p - scale * mi / (np.sqrt(vi) + eps) for p, mi, vi in zip(params, m, v)]
        return new, {"t": t, "m": m, "v": v}


OPTIMIZERS = {cls.name: cls for cls in (SGD, Perceptron, Momentum, RMSProp, Adam)}


def make_optimizer(settings: dict) -> Optimizer:
    """settings is the config's `optimizer` section."""
    return OPTIMIZERS[settings["name"]](settings)
