"""Backprop against an independent finite-difference oracle, for every sensible pairing."""

import numpy as np
import pytest

from core.activations import get_activation
from core.gradients import Objective, backprop, gradient_check, numeric_gradient
from core.losses import get_loss
from core.network import build_network


def oracle_loss(params, acts, loss_name, x, t, reg=("none", 0.0)):
    """A plain re-implementation of forward + loss, written separately from the engine."""
    a = x
    for (W, b), name in zip(params, acts):
        z = a @ W + (0 if b is None else b)
        if name == "sigmoid":
            a = 1 / (1 + np.exp(-z))
        elif name == "tanh":
            a = np.tanh(z)
        elif name == "relu":
            a = np.maximum(z, 0)
        elif name == "linear":
            a = z
        elif name == "softmax":
            e = np.exp(z - z.max(axis=1, keepdims=True))
            a = e / e.sum(axis=1, keepdims=True)
    if loss_name == "mse":
        value = np.mean((a - t) ** 2)
    elif loss_name == "sse":
        value = np.sum((a - t) ** 2)
    elif loss_name == "bce":
        value = -np.mean(t * np.log(a) + (1 - t) * np.log(1 - a))
    else:
        value = -np.sum(t * np.log(a)) / len(x)
    kind, rate = reg
    for W, _ in params:
        value += rate * (0.5 * np.sum(W * W) if kind == "l2" else np.sum(np.abs(W)) if kind == "l1" else 0)
    return value


def oracle_gradient(params, acts, loss_name, x, t, reg, eps=1e-3):
    """Five-point central differences: truncation error O(eps^4), so rounding stays tiny."""
    grads = []
    for W, b in params:
        for array in (W, b):
            if array is None:
                continue
            g = np.zeros_like(array)
            for index in np.ndindex(array.shape):
                old = array[index]
                values = []
                for k in (2, 1, -1, -2):
                    array[index] = old + k * eps
                    values.append(oracle_loss(params, acts, loss_name, x, t, reg))
                array[index] = old
                g[index] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * eps)
            grads.append(g)
    return grads


def make_case(hidden, output, loss_name, bias, seed=1):
    rng = np.random.default_rng(seed)
    sizes = [3, 4, 3, 2 if output != "softmax" else 3]
    if output == "softmax":
        sizes[-1] = 3
    params = [
        (rng.normal(0, 0.8, (a, b)), rng.normal(0, 0.3, b) if bias else None)
        for a, b in zip(sizes, sizes[1:])
    ]
    x = rng.normal(0, 1, (5, sizes[0]))
    if loss_name == "cce":
        t = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 5)]
    elif loss_name == "bce":
        t = rng.integers(0, 2, (5, sizes[-1])).astype(float)
    else:
        t = rng.normal(0, 1, (5, sizes[-1]))
    acts = [hidden, hidden, output]
    if "relu" in acts and not away_from_kinks(params, acts, x):
        # Finite differences across a ReLU kink measure the kink, not the gradient.
        return make_case(hidden, output, loss_name, bias, seed + 100)
    return sizes, params, acts, x, t


def away_from_kinks(params, acts, x, margin=0.05):
    a = x
    for (W, b), name in zip(params, acts):
        z = a @ W + (0 if b is None else b)
        if name == "relu" and np.min(np.abs(z)) < margin:
            return False
        a = (
            np.maximum(z, 0)
            if name == "relu"
            else np.tanh(z)
            if name == "tanh"
            else (1 / (1 + np.exp(-z)) if name == "sigmoid" else z)
        )
    return True


PAIRINGS = [
    (out, loss)
    for out, loss in [
        ("linear", "mse"),
        ("linear", "sse"),
        ("sigmoid", "mse"),
        ("tanh", "mse"),
        ("relu", "sse"),
        ("sigmoid", "bce"),
        ("softmax", "cce"),
        ("softmax", "mse"),
    ]
]


@pytest.mark.parametrize("hidden", ["sigmoid", "tanh", "relu", "linear"])
@pytest.mark.parametrize("output,loss_name", PAIRINGS)
@pytest.mark.parametrize("bias", [True, False])
def test_backprop_matches_central_differences(hidden, output, loss_name, bias):
    sizes, params, acts, x, t = make_case(hidden, output, loss_name, bias)
    network = build_network(sizes, acts, [(W.copy(), None if b is None else b.copy()) for W, b in params])
    objective = Objective(network, get_loss(loss_name))
    result = backprop(objective, x, t)
    expected = oracle_gradient(params, acts, loss_name, x, t, ("none", 0.0))
    for got, want in zip(result.grads, expected):
        denom = np.maximum(np.abs(got) + np.abs(want), 1e-5)
        assert np.max(np.abs(got - want) / denom) < 1e-6
    assert result.data_loss == pytest.approx(oracle_loss(params, acts, loss_name, x, t), rel=1e-12)


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_regularization_gradient(kind):
    sizes, params, acts, x, t = make_case("tanh", "linear", "mse", True, seed=3)
    network = build_network(sizes, acts, [(W.copy(), b.copy()) for W, b in params])
    objective = Objective(network, get_loss("mse"), kind, 0.05)
    got = backprop(objective, x, t).grads
    want = oracle_gradient(params, acts, "mse", x, t, (kind, 0.05))
    for g, w in zip(got, want):
        assert np.allclose(g, w, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("method", ["numeric-forward", "numeric-central"])
def test_engine_numeric_gradient_agrees_with_backprop(method):
    sizes, params, acts, x, t = make_case("sigmoid", "softmax", "cce", True, seed=5)
    network = build_network(sizes, acts, params)
    objective = Objective(network, get_loss("cce"), "l2", 0.01)
    numeric, evaluations = numeric_gradient(
        objective, x, t, method, 1e-5 if method.endswith("central") else 1e-7
    )
    count = sum(W.size + b.size for W, b in params)
    assert evaluations == 1 + count * (2 if method.endswith("central") else 1)
    bp = backprop(objective, x, t).grads
    report = gradient_check(bp, numeric, ["W1", "b1", "W2", "b2", "W3", "b3"])
    limit = 1e-7 if method.endswith("central") else 1e-4
    assert [r["name"] for r in report] == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert all(r["max_rel"] < limit for r in report), report


def test_gradient_check_on_a_small_softmax_net_reports_per_array():
    # Seed 003's check: three samples, numeric vs backprop, differences around 1e-10.
    rng = np.random.default_rng(0)
    params = [
        (0.01 * rng.standard_normal((6, 5)), np.zeros(5)),
        (0.01 * rng.standard_normal((5, 3)), np.zeros(3)),
    ]
    network = build_network([6, 5, 3], ["sigmoid", "softmax"], params)
    x = rng.random((3, 6))
    t = np.eye(3)[[0, 2, 1]]
    objective = Objective(network, get_loss("cce"))
    numeric, _ = numeric_gradient(objective, x, t, "numeric-central", 1e-4)
    report = gradient_check(backprop(objective, x, t).grads, numeric, ["W1", "b1", "W2", "b2"])
    for row in report:
        assert row["max_abs"] < 1e-8
        assert row["max_rel"] < 1e-5


def test_gradient_check_handles_exact_zeros_and_flags_a_wrong_gradient():
    zero = [np.zeros((2, 2))]
    assert gradient_check(zero, zero, ["W1"]) == [
        {"name": "W1", "max_abs": 0.0, "max_rel": 0.0, "rel_norm": 0.0}
    ]
    wrong = gradient_check([np.array([1.0, 2.0])], [np.array([1.0, 2.2])], ["b1"])[0]
    assert wrong["max_abs"] == pytest.approx(0.2)
    assert wrong["max_rel"] == pytest.approx(0.2 / 4.2)
    assert wrong["rel_norm"] == pytest.approx(0.2 / (np.sqrt(5) + np.sqrt(5.84)))
    opposite = gradient_check([np.array([1e-3])], [np.array([-1e-3])], ["b2"])[0]
    assert opposite["max_rel"] == 1.0


def test_stable_losses_and_activations_raise_no_warnings():
    z = np.array([[-1000.0, 0.0, 1000.0]])
    a = get_activation("sigmoid").forward(z)
    assert a.tolist() == [[0.0, 0.5, 1.0]]
    bce = get_loss("bce").value(z, a, np.array([[1.0, 0.0, 0.0]]))
    assert np.isfinite(bce) and bce == pytest.approx((1000 + np.log(2) + 1000) / 3)
    soft = get_activation("softmax").forward(z)
    assert np.isfinite(soft).all()
    cce = get_loss("cce").value(z, soft, np.array([[1.0, 0.0, 0.0]]))
    assert cce == pytest.approx(2000.0)
