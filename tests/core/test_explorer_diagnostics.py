"""The explorers' curves and the plain-words diagnostics."""

import numpy as np
import pytest

from core.diagnostics import diagnose
from core.explorer import activation_curve, loss_comparison
from core.run import Run


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "linear", "step", "softmax"])
def test_activation_curves_match_their_derivatives(name):
    curve = activation_curve(name, -4, 4, 801)
    z, a, da = (np.array(curve[k]) for k in ("z", "a", "da"))
    assert len(z) == len(a) == len(da) == 801 and curve["formula"]
    if name not in ("relu", "step"):  # kinks: the slope is one-sided there
        assert np.allclose(np.gradient(a, z)[1:-1], da[1:-1], atol=1e-3)
    assert curve["name"] == name


def test_loss_comparison_gives_each_loss_and_its_gradient():
    out = loss_comparison([0.7, 0.2, 0.1], [1, 0, 0])
    by = {row["name"]: row for row in out["losses"]}
    assert by["mse"]["value"] == pytest.approx(((0.3) ** 2 + 0.2**2 + 0.1**2) / 3)
    assert by["cce"]["value"] == pytest.approx(-np.log(0.7))
    assert by["bce"]["value"] == pytest.approx(-(np.log(0.7) + np.log(0.8) + np.log(0.9)) / 3)
    assert by["cce"]["grad_output"][0] == pytest.approx(-1 / 0.7)
    assert by["cce"]["shortcut"]["grad_logits"] == pytest.approx([-0.3, 0.2, 0.1])


def test_saturated_sigmoids_are_named():
    run = Run(
        {
            "preset": "xor",
            "activations": ["sigmoid", "sigmoid", "sigmoid"],
            "init": {"scheme": "normal", "std": 30.0},
        }
    )
    kinds = {f["kind"]: f for f in diagnose(run)}
    assert "saturated" in kinds and kinds["saturated"]["units"]
    assert "vanishing gradient" in kinds["saturated"]["message"]


def test_dead_relus_are_named():
    run = Run({"preset": "xor", "activations": ["relu", "relu", "sigmoid"]})
    run.set_params(
        [
            {"W": np.full((2, 4), 0.0).tolist(), "b": [-1.0, -1.0, 0.5, 0.5]},
            {"W": np.full((4, 2), 0.1).tolist(), "b": [0.1, 0.1]},
            {"W": [[0.1], [0.1]], "b": [0.0]},
        ]
    )
    dead = [f for f in diagnose(run) if f["kind"] == "dead_relu"]
    assert dead and dead[0]["units"] == [[1, 0], [1, 1]]


def test_a_rising_loss_and_overfitting_are_reported():
    run = Run(
        {
            "preset": "xor",
            "layers": [2, 4, 1],
            "activations": ["tanh", "linear"],
            "loss": "mse",
            "optimizer": {"lr": 0.9},
        }
    )
    run.step(40)
    kinds = [f["kind"] for f in diagnose(run)]
    assert "rising_loss" in kinds or run.status == "diverged"
    small = Run(
        {
            "preset": "circle",
            "data": {"name": "circle", "n": 20, "noise": 0.5, "test_fraction": 0.5},
            "layers": [2, 32, 32, 1],
            "activations": ["relu", "relu", "sigmoid"],
            "optimizer": {"name": "adam", "lr": 0.01},
            "batch": {"size": None},
        }
    )
    small.step(600)
    assert "overfitting" in [f["kind"] for f in diagnose(small)]
