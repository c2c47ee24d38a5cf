"""The numbers of the source material, reproduced by the engine (../shared/docs/seeds.md)."""

import numpy as np
import pytest

from core.explain import explain_neuron, explain_weight
from core.run import Run
from core.snapshot import snapshot


def test_worked_forward_pass_of_the_2_3_1_network():
    run = Run({"preset": "seed-2-3-1"})
    snap = snapshot(run)
    hidden, output = snap["activations"]
    assert hidden["z"][0] == pytest.approx([1.0, 1.3, 0.8])
    assert np.round(hidden["a"][0], 4).tolist() == [0.7311, 0.7858, 0.69]
    assert round(output["a"][0][0], 4) == 1.2332
    assert round(snap["loss"]["train"], 4) == 1.5208


def test_neuron_arithmetic_is_data():
    run = Run({"preset": "seed-2-3-1"})
    info = explain_neuron(run.network, run.data.x_train[0], layer=1, unit=0)
    assert [(t["input"], t["input_value"], t["weight"], t["weight_value"]) for t in info["terms"]] == [
        ("x1", 1.0, "w1_11", 0.8),
        ("x2", 1.0, "w1_21", 0.2),
    ]
    assert info["z"] == pytest.approx(1.0)
    assert info["activation"] == "sigmoid"
    assert round(info["a"], 4) == 0.7311
    assert info["bias"] is None


def test_chain_rule_for_w11():
    run = Run({"preset": "seed-2-3-1"})
    info = explain_weight(run.network, run.loss, run.data.x_train, run.data.y_train, layer=1, i=0, j=0)
    values = [round(f["value"], 4) for f in info["factors"]]
    assert values == [2.4664, 0.3, 0.1966, 1.0]
    assert [f["symbol"] for f in info["factors"]] == [
        "dL/dy_hat",
        "dy_hat/da1_1",
        "da1_1/dz1_1",
        "dz1_1/dw1_11",
    ]
    assert round(info["product"], 5) == 0.14548
    assert info["gradient"] == pytest.approx(info["product"], rel=1e-12)


def test_finite_difference_training_run():
    run = Run({"preset": "seed-2-3-1-train"})
    assert run.config["gradient"]["method"] == "numeric-forward"
    run.step(100)
    history = run.history.as_dict()
    assert history["step"][:2] == [0, 1]
    assert round(history["train_loss"][0], 5) == 0.33455
    assert round(history["train_loss"][1], 5) == 0.31208
    # The article's 3.28e-4 is the loss computed at the start of its 100th update.
    assert history["train_loss"][99] == pytest.approx(3.28e-4, abs=5e-7)
    assert history["train_loss"][100] == pytest.approx(3.05e-4, abs=5e-7)
    prediction = run.network.predict(run.data.x_train)[0, 0]
    assert prediction == pytest.approx(-0.0175, abs=5e-5)


def test_perceptron_learns_and():
    run = Run({"preset": "perceptron-and"})
    run.step_epochs(10)
    assert run.step_count == 40
    W, b = run.network.layers[0].W, run.network.layers[0].b
    assert W[:, 0] == pytest.approx([0.1, 0.2])
    assert b == pytest.approx([-0.2])
    x = np.array([[1, 1], [1, 0], [0, 1], [0, 0]], dtype=float)
    assert run.network.predict(x)[:, 0].tolist() == [1.0, 0.0, 0.0, 0.0]
    assert snapshot(run)["accuracy"]["train"] == 1.0
