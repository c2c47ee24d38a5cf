"""Hand-written NumPy training loops for the benchmark cases.

`bare_*`: the engine's maths (the very formulas it evaluates, e.g. the mean as sum / count
and softmax with its log from one pass; same data, initial weights and batch sequence)
written straight down as one loop with in-place updates and nothing else: no phases, no
divergence checks, no history. Engine time / bare time is the engine's own overhead.
`check_against_engine` confirms each loop lands on the engine's numbers.

`naive_keras`: the 784-512-10 RMSProp step as one writes it first in NumPy (dicts of
arrays, a fresh array for every intermediate), the "naive NumPy" reference of case (d).

Every builder takes a fresh core.run.Run (before its first step) and returns steps(n),
with steps.params() giving the current parameters in the engine's order.
"""

from __future__ import annotations

import copy

import numpy as np


def batches(run):
    """The row indices of each step, drawn exactly as the run's Batcher draws them."""
    cfg = run.config["batch"]
    n = len(run.data.x_train)
    size = n if cfg["size"] is None else min(cfg["size"], n)
    rng = copy.deepcopy(run.batcher.rng)  # the same seeded stream, untouched so far
    order = cfg["order"]
    while True:
        if order == "random":
            yield rng.integers(0, n, size=size)
            continue
        perm = rng.permutation(n) if order == "shuffle" else np.arange(n)
        for start in range(0, n, size):
            yield perm[start : start + size]


def _start(run):
    """Copies of the initial (W, b) pairs, the data and the learning rate."""
    params = [(W.copy(), None if b is None else b.copy()) for W, b in run.initial]
    return params, run.data.x_train, run.data.y_train, run.config["optimizer"]


def sigmoid(z):
    """The engine's form of 1 / (1 + e^-z): (1 + tanh(z / 2)) / 2."""
    a = np.tanh(z * 0.5)
    a += 1.0
    a *= 0.5
    return a


def softmax_and_log(z):
    """Softmax a and log a (the log-softmax) from the same max-shifted logits, as the
    engine's softmax layer computes them for cross-entropy."""
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    e /= total
    shifted -= np.log(total)
    return e, shifted


def bare_231(run):
    """seed-2-3-1: x @ W1 -> sigmoid -> @ W2 (linear), mse, SGD, one sample, no biases."""
    ((W1, _), (W2, _)), x, t, opt = _start(run)
    lr = opt["lr"]

    def steps(n):
        for _ in range(n):
            a1 = sigmoid(x @ W1)
            y = a1 @ W2
            _loss = float(np.square(y - t).sum() / y.size)  # the mean, as the engine writes it
            dy = 2.0 * (y - t) / y.size
            dW2 = a1.T @ dy
            dW1 = x.T @ ((dy @ W2.T) * (a1 * (1.0 - a1)))
            for p, g in ((W1, dW1), (W2, dW2)):
                p -= lr * g

    steps.params = lambda: [W1, W2]
    return steps


def bare_tanh_mlp(run):
    """2-8-8-1: tanh, tanh, sigmoid output, binary cross-entropy, SGD, mini-batches."""
    ((W1, b1), (W2, b2), (W3, b3)), X, T, opt = _start(run)
    lr = opt["lr"]
    rows = batches(run)

    def steps(n):
        for _ in range(n):
            r = next(rows)
            x, t = X[r], T[r]
            a1 = np.tanh(x @ W1 + b1)
            a2 = np.tanh(a1 @ W2 + b2)
            z3 = a2 @ W3 + b3
            a3 = sigmoid(z3)
            _loss = float((np.maximum(z3, 0.0) - z3 * t + np.log1p(np.exp(-np.abs(z3)))).sum() / z3.size)
            dz3 = (a3 - t) / a3.size
            dz2 = (dz3 @ W3.T) * (1.0 - a2 * a2)
            dz1 = (dz2 @ W2.T) * (1.0 - a1 * a1)
            for p, g in (
                (W3, a2.T @ dz3),
                (b3, dz3.sum(axis=0)),
                (W2, a1.T @ dz2),
                (b2, dz2.sum(axis=0)),
                (W1, x.T @ dz1),
                (b1, dz1.sum(axis=0)),
            ):
                p -= lr * g

    steps.params = lambda: [W1, b1, W2, b2, W3, b3]
    return steps


def bare_sigmoid_softmax(run):
    """784-50-10: sigmoid, softmax output, cross-entropy, SGD, random batches."""
    ((W1, b1), (W2, b2)), X, T, opt = _start(run)
    lr = opt["lr"]
    rows = batches(run)

    def steps(n):
        for _ in range(n):
            r = next(rows)
            x, t = X[r], T[r]
            a1 = sigmoid(x @ W1 + b1)
            a2, log_a2 = softmax_and_log(a1 @ W2 + b2)
            _loss = float(-np.sum(t * log_a2) / x.shape[0])
            dz2 = (a2 - t) / x.shape[0]
            dz1 = (dz2 @ W2.T) * (a1 * (1.0 - a1))
            for p, g in ((W2, a1.T @ dz2), (b2, dz2.sum(axis=0)), (W1, x.T @ dz1), (b1, dz1.sum(axis=0))):
                p -= lr * g

    steps.params = lambda: [W1, b1, W2, b2]
    return steps


def bare_relu_rmsprop(run):
    """784-512-10: relu, softmax output, cross-entropy, RMSProp, shuffled batches."""
    ((W1, b1), (W2, b2)), X, T, opt = _start(run)
    lr, rho, eps = opt["lr"], opt["rho"], opt["eps"]
    params = [W1, b1, W2, b2]
    squares = [np.zeros_like(p) for p in params]
    rows = batches(run)

    def steps(n):
        for _ in range(n):
            r = next(rows)
            x, t = X[r], T[r]
            z1 = x @ W1 + b1
            a1 = np.maximum(z1, 0.0)
            a2, log_a2 = softmax_and_log(a1 @ W2 + b2)
            _loss = float(-np.sum(t * log_a2) / x.shape[0])
            dz2 = (a2 - t) / x.shape[0]
            dz1 = np.where(z1 > 0, dz2 @ W2.T, 0.0)
            grads = (x.T @ dz1, dz1.sum(axis=0), a1.T @ dz2, dz2.sum(axis=0))
            for p, g, s in zip(params, grads, squares):
                s *= rho
                s += (1.0 - rho) * g * g
                p -= lr * g / (np.sqrt(s) + eps)

    steps.params = lambda: params
    return steps


def naive_keras(run):
    """784-512-10 relu/softmax, RMSProp, as a first NumPy version: dicts, fresh arrays."""
    ((W1, b1), (W2, b2)), X, T, opt = _start(run)
    lr, rho, eps = opt["lr"], opt["rho"], opt["eps"]
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    cache = {key: np.zeros_like(value) for key, value in params.items()}
    rows = batches(run)

    def steps(n):
        for _ in range(n):
            r = next(rows)
            x, t = X[r], T[r]
            z1 = np.dot(x, params["W1"]) + params["b1"]
            a1 = np.maximum(0, z1)
            z2 = np.dot(a1, params["W2"]) + params["b2"]
            exp = np.exp(z2 - np.max(z2, axis=1, keepdims=True))
            y = exp / np.sum(exp, axis=1, keepdims=True)
            _loss = -np.mean(np.sum(t * np.log(y + 1e-7), axis=1))
            dz2 = (y - t) / x.shape[0]
            grads = {"W2": np.dot(a1.T, dz2), "b2": np.sum(dz2, axis=0)}
            dz1 = np.dot(dz2, params["W2"].T) * (z1 > 0)
            grads["W1"] = np.dot(x.T, dz1)
            grads["b1"] = np.sum(dz1, axis=0)
            for key in params:
                cache[key] = rho * cache[key] + (1 - rho) * grads[key] ** 2
                params[key] = params[key] - lr * grads[key] / (np.sqrt(cache[key]) + eps)

    steps.params = lambda: [params[key] for key in ("W1", "b1", "W2", "b2")]
    return steps


def check_against_engine(make_run, build, steps: int = 20) -> float:
    """Largest relative difference between the engine's parameters and a loop's after
    `steps` steps from the same start; a loop doing the same maths gives ~0."""
    run, loop = make_run(), None
    loop = build(make_run())
    taken = run.step(steps)
    loop(steps)
    if taken != steps:
        raise RuntimeError(f"the engine stopped after {taken} of {steps} steps: {run.divergence}")
    worst = 0.0
    for ours, theirs in zip(run.param_arrays(), loop.params()):
        scale = max(float(np.max(np.abs(ours))), 1e-30)
        worst = max(worst, float(np.max(np.abs(ours - theirs))) / scale)
    return worst
