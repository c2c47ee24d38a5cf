"""The function data sets (a class on each side of a curve) and the data's own seed."""

import numpy as np
import pytest

from core.data import DATASETS, load_dataset
from core.data.base import PLANE_DOMAIN
from core.data.functions import CURVES
from core.errors import ConfigError
from core.run import Run
from core.state import export_state, import_state
from core.timeline import Timeline

CURVE_SETS = ["sine", "cubic", "abs"]
# The curves as their descriptions state them, worked out here independently.
FORMULAS = {
    "sine": lambda x: 3.0 * np.sin(np.pi * x / 3.0),
    "cubic": lambda x: (x**3 - 25.0 * x) / 20.0,
    "abs": lambda x: np.abs(x) - 3.0,
}


def rows(name, seed=0, **params):
    """x (n, 2) and labels (n,) of train and test together."""
    d = load_dataset({"name": name, **params}, np.random.default_rng(seed))
    return np.concatenate([d.x_train, d.x_test]), np.concatenate([d.labels_train, d.labels_test])


def params_of(run):
    return [a.copy() for a in run.param_arrays()]


def same_arrays(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


@pytest.mark.parametrize("name", CURVE_SETS)
def test_registered_as_plane_classification_sets(name):
    info = DATASETS[name]
    assert info.kind == "classification" and info.input_dim == 2 and set(CURVES) == set(CURVE_SETS)
    assert {"n", "noise", "test_fraction", "seed"} <= set(info.params)
    d = load_dataset({"name": name}, np.random.default_rng(0))
    assert d.domain == PLANE_DOMAIN and d.n_classes == 2
    assert (len(d.x_train), len(d.x_test)) == (100, 100)  # n 200, test_fraction 0.5 as the others


@pytest.mark.parametrize("name", CURVE_SETS)
def test_without_noise_points_above_the_curve_are_class_1(name):
    x, labels = rows(name, n=2000)
    low, high = PLANE_DOMAIN[0]
    assert x.min() >= low and x.max() <= high
    above = x[:, 1] > FORMULAS[name](x[:, 0])
    assert np.array_equal(labels, above.astype(np.int64))
    assert 0.4 < labels.mean() < 0.6  # both sides of the box are about equally large


@pytest.mark.parametrize("name", CURVE_SETS)
def test_noise_flips_only_points_near_the_curve(name):
    noise = 0.2
    x, labels = rows(name, n=4000, noise=noise)
    height = x[:, 1] - FORMULAS[name](x[:, 0])
    far = np.abs(height) > 6.0 * noise
    assert np.array_equal(labels[far], (height[far] > 0).astype(np.int64))
    near = ~far
    flipped = labels[near] != (height[near] > 0)
    assert 0 < flipped.sum() < near.sum()  # some near the curve change sides, not all


@pytest.mark.parametrize("name", CURVE_SETS)
def test_deterministic_per_seed(name):
    a, la = rows(name, seed=5, noise=0.1)
    b, lb = rows(name, seed=5, noise=0.1)
    c, _ = rows(name, seed=6, noise=0.1)
    assert np.array_equal(a, b) and np.array_equal(la, lb)
    assert not np.array_equal(a, c)


# ---------------------------------------------------------------- the data seed


def sine_run(**over):
    config = {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "data": {"name": "sine"}}
    return Run({**config, **over})


def test_a_config_without_data_seed_resolves_without_one():
    run = sine_run(seed=3)
    assert "seed" not in run.config["data"]


def test_data_seed_k_draws_what_seed_k_draws():
    derived = sine_run(seed=7)
    pinned = sine_run(seed=7, data={"name": "sine", "seed": 7})
    assert np.array_equal(derived.data.x_train, pinned.data.x_train)
    assert np.array_equal(derived.data.x_test, pinned.data.x_test)


def test_another_data_seed_gives_other_points_and_the_same_initial_weights():
    first = sine_run(seed=1)
    other = sine_run(seed=1, data={"name": "sine", "seed": 99})
    assert not np.array_equal(first.data.x_train, other.data.x_train)
    assert same_arrays(params_of(first), params_of(other))


def test_new_weights_with_the_data_seed_pinned_keep_the_data():
    first = sine_run(seed=1)
    again = sine_run(seed=2, data={"name": "sine", "seed": 1})
    assert np.array_equal(first.data.x_train, again.data.x_train)
    assert np.array_equal(first.data.y_test, again.data.y_test)
    assert not same_arrays(params_of(first), params_of(again))


def test_export_import_carries_the_data_seed():
    run = sine_run(seed=4, data={"name": "sine", "seed": 12, "noise": 0.1})
    run.step(5)
    back = import_state(export_state(run))
    assert back.config["data"]["seed"] == 12
    assert np.array_equal(back.data.x_train, run.data.x_train)
    assert same_arrays(params_of(back), params_of(run))


def test_new_data_keeps_the_weights_and_the_optimizer_going():
    run = sine_run(seed=4, optimizer={"name": "adam"})
    run.step(6)
    weights, x_before, rows_before = params_of(run), run.data.x_train.copy(), len(run.data.x_train)
    loss_before = run.metrics()["loss"]["train"]
    run.new_data(31)
    assert run.config["data"]["seed"] == 31 and run.step_count == 6
    assert same_arrays(params_of(run), weights)
    assert len(run.data.x_train) == rows_before and not np.array_equal(run.data.x_train, x_before)
    assert run.metrics()["loss"]["train"] != loss_before  # measured on the new rows
    assert np.array_equal(run.data.x_train, sine_run(seed=0, data={"name": "sine", "seed": 31}).data.x_train)
    run.step(3)
    assert run.step_count == 9
    run.reset()  # back to the seed's initial weights, on the new data
    assert same_arrays(params_of(run), params_of(sine_run(seed=4)))
    assert run.config["data"]["seed"] == 31


def test_new_data_mid_step_abandons_the_step():
    run = sine_run()
    run.step_phase()
    assert run.phase == "forward"
    run.new_data(2)
    assert run.phase is None and run.pending is None


def test_new_data_refuses_a_bad_seed_and_changes_nothing():
    run = sine_run()
    x = run.data.x_train.copy()
    with pytest.raises(ConfigError) as err:
        run.new_data(-1)
    assert err.value.errors[0]["field"] == "data.seed"
    assert "seed" not in run.config["data"] and np.array_equal(run.data.x_train, x)


def test_a_replay_after_new_data_uses_the_new_data():
    run = sine_run(seed=2)
    timeline = Timeline(run)
    run.step(5)
    timeline.record(run, pinned=True)
    run.new_data(8)
    timeline.record(run, pinned=True)
    run.step(4)
    past = timeline.state_at(run, 7)
    reference = sine_run(seed=2)
    reference.step(5)
    reference.new_data(8)
    reference.step(2)
    assert same_arrays(params_of(past), params_of(reference))
    assert np.array_equal(past.data.x_train, reference.data.x_train)
