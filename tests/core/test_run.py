"""Stepping, phases, reset, live changes, divergence and determinism of a run."""

import numpy as np
import pytest

from core.errors import ConfigError, StateError
from core.run import Run
from core.snapshot import snapshot
from core.state import export_state, import_state


def params_of(run):
    return [a.copy() for a in run.param_arrays()]


def test_same_seed_gives_identical_snapshots_and_a_new_seed_does_not():
    config = {"preset": "xor", "seed": 7}
    a, b = Run(config), Run(config)
    a.step(25)
    b.step(25)
    assert snapshot(a, grid=10) == snapshot(b, grid=10)
    assert a.history.as_dict() == b.history.as_dict()
    c = Run({"preset": "xor", "seed": 8})
    c.step(25)
    assert snapshot(c)["params"] != snapshot(a)["params"]


def test_batch_settings_do_not_change_data_or_initial_weights():
    a = Run({"preset": "xor", "batch": {"size": 5}})
    b = Run({"preset": "xor", "batch": {"size": 20, "order": "random"}})
    assert np.array_equal(a.data.x_train, b.data.x_train)
    assert all(np.array_equal(p, q) for p, q in zip(a.param_arrays(), b.param_arrays()))


def test_phases_run_in_order_and_a_full_step_equals_four_phases():
    stepped = Run({"preset": "seed-2-3-1"})
    stepped.step(1)
    phased = Run({"preset": "seed-2-3-1"})
    names = [phased.step_phase() for _ in range(4)]
    assert names == ["forward", "loss", "backward", "update"]
    assert phased.step_count == 1
    for p, q in zip(params_of(stepped), params_of(phased)):
        assert np.array_equal(p, q)


def test_each_phase_exposes_its_values():
    run = Run({"preset": "seed-2-3-1"})
    run.step_phase()
    view = snapshot(run)["pending"]
    assert np.round(view["activations"][0]["z"][0], 4).tolist() == [1.0, 1.3, 0.8]
    assert "loss" not in view
    run.step_phase()
    assert round(snapshot(run)["pending"]["loss"], 4) == 1.5208
    run.step_phase()
    view = snapshot(run)["pending"]
    assert round(view["grads"][0]["W"][0][0], 5) == 0.14548
    assert len(view["deltas"]) == 2
    run.step_phase()
    update = snapshot(run)["pending"]["update"]
    old, change, new = (update[k][0]["W"][0][0] for k in ("old", "change", "new"))
    assert old == 0.8
    assert change == pytest.approx(-0.01 * 0.14548, abs=1e-7)
    assert new == pytest.approx(old + change)
    assert snapshot(run)["grads"][0]["W"][0][0] == pytest.approx(0.14548, abs=1e-5)


def test_step_finishes_a_step_in_progress():
    run = Run({"preset": "xor"})
    run.step_phase()
    run.step_phase()
    assert run.step(2) == 2
    assert run.step_count == 2
    reference = Run({"preset": "xor"})
    reference.step(2)
    assert all(np.array_equal(p, q) for p, q in zip(run.param_arrays(), reference.param_arrays()))


def test_epochs_count_rows_seen():
    run = Run(
        {
            "preset": "xor",
            "data": {"name": "xor", "n": 100, "test_fraction": 0.5},
            "batch": {"size": 15, "order": "shuffle"},
        }
    )
    assert run.step_epochs(1) == 4  # 50 rows: 15 + 15 + 15 + 5
    assert snapshot(run)["epoch"] == 1
    run.step_epochs(2)
    assert run.step_count == 12 and run.batcher.epoch == 3


def test_reset_returns_to_the_exact_initial_parameters_and_clears_history():
    run = Run({"preset": "circle"})
    initial = params_of(run)
    first = snapshot(run)
    run.step(30)
    run.reset()
    assert all(np.array_equal(p, q) for p, q in zip(initial, run.param_arrays()))
    assert run.history.as_dict()["step"] == [0]
    assert snapshot(run) == first
    run.step(30)
    again = Run({"preset": "circle"})
    again.step(30)
    assert snapshot(run) == snapshot(again)


def test_live_learning_rate_change_keeps_parameters():
    run = Run({"preset": "xor"})
    run.step(5)
    before = params_of(run)
    run.patch({"optimizer": {"lr": 0.5}})
    assert run.config["optimizer"]["lr"] == 0.5
    assert all(np.array_equal(p, q) for p, q in zip(before, run.param_arrays()))
    assert run.step_count == 5
    with pytest.raises(ConfigError) as error:
        run.patch({"layers": [2, 3, 1]})
    assert error.value.errors[0]["field"] == "layers"
    with pytest.raises(ConfigError) as error:
        run.patch({"optimizer": {"lr": -1}})
    assert error.value.errors[0]["field"] == "optimizer.lr"
    assert run.config["optimizer"]["lr"] == 0.5


def test_editing_a_weight_changes_the_output():
    run = Run({"preset": "seed-2-3-1"})
    values = [{"W": [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]], "b": None}, {"W": [[0.0], [0.5], [0.9]], "b": None}]
    run.set_params(values)
    out = snapshot(run)["activations"][1]["a"][0][0]
    assert out == pytest.approx(0.7858 * 0.5 + 0.6900 * 0.9, abs=1e-4)
    with pytest.raises(ConfigError) as error:
        run.set_params([{"W": [[1.0]], "b": None}, values[1]])
    assert error.value.errors[0]["field"] == "params[0].W"


def test_divergence_keeps_the_last_finite_parameters_and_names_the_array():
    run = Run(
        {
            "preset": "xor",
            "layers": [2, 4, 1],
            "activations": ["tanh", "linear"],
            "loss": "mse",
            "optimizer": {"name": "sgd", "lr": 100},
        }
    )
    run.step(500)
    assert run.status == "diverged"
    assert run.divergence["array"] in run.param_names + ["loss"]
    assert all(np.isfinite(a).all() for a in run.param_arrays())
    snap = snapshot(run, grid=8)
    assert snap["status"] == "diverged" and "learning rate" in snap["divergence"]["hint"]
    with pytest.raises(StateError):
        run.step(1)
    run.patch({"optimizer": {"lr": 0.01}})
    assert run.status == "paused"
    assert run.step(1) == 1


def test_restoring_a_diverged_run_continues_from_its_last_good_step():
    config = {
        "preset": "xor",
        "layers": [2, 4, 1],
        "activations": ["tanh", "linear"],
        "loss": "mse",
        "optimizer": {"name": "sgd", "lr": 100},
    }
    run = Run(config)
    with pytest.raises(StateError):
        run.restore_last_good()  # nothing to restore yet
    run.step(500)
    assert run.status == "diverged"
    good = run.step_count
    assert run.divergence["step"] == good + 1  # the step whose update failed
    run.restore_last_good()
    assert run.status == "paused" and run.divergence is None and run.step_count == good
    assert run.pending is None and run.phase is None
    # The state is the one an uninterrupted run had after `good` steps, bit for bit.
    same = Run(config)
    same.step(good)
    assert [a.tobytes() for a in run.param_arrays()] == [a.tobytes() for a in same.param_arrays()]
    assert run.metrics() == same.metrics()
    run.patch({"optimizer": {"lr": 0.01}})
    assert run.step(3) == 3 and run.status != "diverged"


def test_export_and_import_continue_bit_for_bit():
    run = Run({"preset": "spiral", "seed": 3})
    run.step(17)
    run.step_phase()
    doc = export_state(run)
    copy = import_state(doc)
    run.step(9)
    copy.step(9)
    assert snapshot(run) == snapshot(copy)
    assert run.history.as_dict() == copy.history.as_dict()


def test_linear_4_4_4_4_loss_falls():
    run = Run({"preset": "linear-4-4-4-4"})
    start = snapshot(run)["loss"]["train"]
    run.step(200)
    end = snapshot(run)["loss"]["train"]
    assert start > 10 and end < start / 100


def test_two_layer_digits_reaches_90_percent_test_accuracy():
    # The source's TwoLayerNet trains for thousands of random batches; so does this.
    run = Run({"preset": "two-layer-digits", "metrics": {"every": 500}})
    run.step(3000)
    assert snapshot(run, params=False, activations=False)["accuracy"]["test"] > 0.9


def test_float32_runs_in_float32():
    run = Run({"preset": "xor", "dtype": "float32"})
    run.step(3)
    assert all(a.dtype == np.float32 for a in run.param_arrays())


def test_a_full_batch_step_takes_its_forward_pass_from_the_evaluation_before_it():
    # Sequential full batches: each step's batch is the training set, in order, so the
    # evaluation after an update already ran the next step's forward pass and loss.
    config = {
        "preset": "xor",
        "data": {"name": "xor", "n": 40, "test_fraction": 0.5},
        "batch": {"size": None, "order": "sequential"},
    }
    run = Run(config)
    for _ in range(5):
        recorded = run.history.last()["train_loss"]
        run.step_phase()
        run.step_phase()  # forward, loss
        assert run.pending.data_loss == recorded  # the same number, bit for bit
        fresh = run.loss.value_of(run.network.forward(run.pending.x)[-1], run.pending.t)
        assert run.pending.data_loss == fresh
        run.step(1)
