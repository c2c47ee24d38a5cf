"""Update rules. Each proposes new parameters without touching the old ones, so a run can
refuse an update that would blow up (divergence) and keep its last finite state.

Parameters and gradients are lists of arrays in the network's order (W1, b1, W2, ...),
all of the run's dtype. An optimizer's state is a dict of lists of arrays (plus
counters), so it can be saved.

Momentum, RMSProp and Adam write their arithmetic out operation by operation, in the
order of the formula (so the numbers are those of the formula as written), to put the
intermediate results into a work array kept from step to step instead of a fresh array
each: on a big layer a fresh array costs more than the arithmetic (its memory is faulted
in page by page). The new parameters and the new state are always fresh arrays; the work
arrays are never handed out.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# What propose() gives: the new parameters, and the state that commit() takes if they are kept.
Proposal = tuple[list[np.ndarray], dict[str, Any]]


class Optimizer:
    name = ""
    reads: tuple[str, ...] = ("lr",)  # the config's optimizer settings the rule uses

    def __init__(self, settings: dict[str, Any]):
        self.settings = dict(settings)
        self.state: dict[str, Any] = {}
        self._work: dict[int, np.ndarray] = {}

    def configure(self, settings: dict[str, Any]) -> None:
        """Take new hyper-parameters (a live learning-rate change) and keep the state."""
        self.settings = dict(settings)

    def propose(self, params: list[np.ndarray], grads: list[np.ndarray]) -> Proposal:
        """-> (new_params, new_state); neither the inputs nor self.state change."""
        raise NotImplementedError

    def commit(self, state: dict[str, Any]) -> None:
        self.state = state

    def _slots(self, key: str, params: list[np.ndarray]) -> list[np.ndarray]:
        return self.state.get(key) or [np.zeros_like(p) for p in params]

    def _work_like(self, index: int, like: np.ndarray) -> np.ndarray:
        """The work array for parameter `index`: shaped like `like`, contents undefined."""
        work = self._work.get(index)
        if work is None or work.shape != like.shape or work.dtype != like.dtype:
            work = self._work[index] = np.empty_like(like)
        return work


class SGD(Optimizer):
    """w <- w - lr g."""

    name = "sgd"

    def propose(self, params: list[np.ndarray], grads: list[np.ndarray]) -> Proposal:
        lr = self.settings["lr"]
        # One temporary (lr g) per parameter: not worth a work array.
        return [p - lr * g for p, g in zip(params, grads)], self.state


class Perceptron(SGD):
    """Rosenblatt's rule w <- w + lr (t - o) x, i.e. SGD on the gradient -(t - o) x that
    `core.gradients.perceptron_gradient` supplies in place of backprop."""

    name = "perceptron"


class Momentum(Optimizer):
    """v <- mu v - lr g; w <- w + v."""

    name = "momentum"
    reads = ("lr", "momentum")

    def propose(self, params: list[np.ndarray], grads: list[np.ndarray]) -> Proposal:
        lr, mu = self.settings["lr"], self.settings["momentum"]
        velocity, new = [], []
        for i, (p, g, v) in enumerate(zip(params, grads, self._slots("velocity", params))):
            v = np.multiply(v, mu)  # mu v
            v -= np.multiply(g, lr, out=self._work_like(i, g))  # mu v - lr g
            velocity.append(v)
            new.append(np.add(p, v))  # w + v
        return new, {"velocity": velocity}


class RMSProp(Optimizer):
    """s <- rho s + (1 - rho) g^2; w <- w - lr g / (sqrt(s) + eps), as Keras does it."""

    name = "rmsprop"
    reads = ("lr", "rho", "eps")

    def propose(self, params: list[np.ndarray], grads: list[np.ndarray]) -> Proposal:
        lr, rho, eps = self.settings["lr"], self.settings["rho"], self.settings["eps"]
        square, new = [], []
        for i, (p, g, s) in enumerate(zip(params, grads, self._slots("square", params))):
            work = self._work_like(i, g)
            s = np.multiply(s, rho)  # rho s
            np.multiply(g, 1.0 - rho, out=work)  # (1 - rho) g
            work *= g  # (1 - rho) g g
            s += work  # s' = rho s + (1 - rho) g g
            w = np.sqrt(s)  # sqrt(s')
            w += eps  # sqrt(s') + eps
            np.multiply(g, lr, out=work)  # lr g
            np.divide(work, w, out=w)  # lr g / (sqrt(s') + eps)
            np.subtract(p, w, out=w)  # w - lr g / (sqrt(s') + eps)
            square.append(s)
            new.append(w)
        return new, {"square": square}


class Adam(Optimizer):
    """Adam with bias correction (Kingma and Ba)."""

    name = "adam"
    reads = ("lr", "beta1", "beta2", "eps")

    def propose(self, params: list[np.ndarray], grads: list[np.ndarray]) -> Proposal:
        lr, eps = self.settings["lr"], self.settings["eps"]
        beta1, beta2 = self.settings["beta1"], self.settings["beta2"]
        t = self.state.get("t", 0) + 1
        # A Python float, so float32 arrays stay float32.
        scale = lr * (1.0 - beta2**t) ** 0.5 / (1.0 - beta1**t)
        ms, vs, new = [], [], []
        for i, (p, g, m, v) in enumerate(
            zip(params, grads, self._slots("m", params), self._slots("v", params))
        ):
            work = self._work_like(i, g)
            m = np.multiply(m, beta1)  # beta1 m
            m += np.multiply(g, 1.0 - beta1, out=work)  # m' = beta1 m + (1 - beta1) g
            v = np.multiply(v, beta2)  # beta2 v
            np.multiply(g, 1.0 - beta2, out=work)  # (1 - beta2) g
            work *= g  # (1 - beta2) g g
            v += work  # v' = beta2 v + (1 - beta2) g g
            w = np.sqrt(v)  # sqrt(v')
            w += eps  # sqrt(v') + eps
            np.multiply(m, scale, out=work)  # scale m'
            np.divide(work, w, out=w)  # scale m' / (sqrt(v') + eps)
            np.subtract(p, w, out=w)  # w - scale m' / (sqrt(v') + eps)
            ms.append(m)
            vs.append(v)
            new.append(w)
        return new, {"t": t, "m": ms, "v": vs}


# In the order the page offers them: the perceptron's rule, for a single step layer, last.
OPTIMIZERS = {cls.name: cls for cls in (SGD, Momentum, RMSProp, Adam, Perceptron)}


def make_optimizer(settings: dict[str, Any]) -> Optimizer:
    """settings is the config's `optimizer` section."""
    return OPTIMIZERS[settings["name"]](settings)
