"""The loss landscape: its grid against the run's own loss, its directions, its path."""

import numpy as np
import pytest

from core.config import resolve_config
from core.errors import ConfigError
from core.landscape import checkpoint_path, landscape, random_directions
from core.run import Run
from core.timeline import Timeline

XOR_2881 = {
    "layers": [2, 8, 8, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "loss": "bce",
    "data": {"name": "xor", "n": 200, "noise": 0.0, "test_fraction": 0.5},
    "optimizer": {"name": "sgd", "lr": 0.1},
    "batch": {"size": 10, "order": "shuffle"},
}


def trained(config: dict, steps: int = 30) -> Run:
    run = Run(resolve_config(config))
    run.step(steps)
    return run


def train_loss(run: Run) -> float:
    run._forget_metrics()  # measured afresh at the parameters as they are now
    return run.metrics()["loss"]["train"]


@pytest.mark.parametrize("config", [XOR_2881, {"preset": "xor"}, {"preset": "two-layer-digits"}])
def test_the_centre_of_the_grid_is_the_current_training_loss_bit_for_bit(config):
    run = trained(config, 5)
    out = landscape(run, "random", seed=3, resolution=5)
    assert out["loss"][2, 2] == train_loss(run)
    assert out["center_loss"] == out["loss"][2, 2]
    assert out["points"] == 25 and np.isfinite(out["loss"]).all()


def test_a_softmax_network_on_stacked_parameters_gives_the_loss_of_each_point():
    """Softmax (not elementwise) and categorical cross-entropy over a stack of grid points:
    each point's loss is what the run computes with its parameters moved there by hand."""
    run = trained({"preset": "two-layer-digits"}, 5)
    out = landscape(run, "weights", weights=["W2[1,0]", "b1[3]"], span=0.5, resolution=5)
    W2, b1 = run.network.layers[1].W, run.network.layers[0].b
    W2[1, 0] += 0.25  # alpha = axis[3] along W2[1,0], beta = axis[0] along b1[3]
    b1[3] -= 0.5
    assert out["loss"][0, 3] == pytest.approx(train_loss(run), rel=1e-12)


def test_along_a_weight_direction_a_grid_point_is_the_loss_with_that_weight_changed_by_hand():
    run = trained(XOR_2881)
    out = landscape(run, "weights", weights=["W1[0,2]", "b2[5]"], span=1.0, resolution=5)
    assert list(out["axis"]) == [-1.0, -0.5, 0.0, 0.5, 1.0]
    layer1, layer2 = run.network.layers[0], run.network.layers[1]
    layer1.W[0, 2] += -1.0  # column j = 0: alpha = -1
    layer2.b[5] += 0.5  # row i = 3: beta = 0.5
    assert out["loss"][3, 0] == pytest.approx(train_loss(run), rel=1e-12)


def test_random_directions_are_filter_normalized_with_zero_bias_directions():
    run = trained(XOR_2881)
    d1, d2 = random_directions(run, seed=7)
    for direction in (d1, d2):
        for name, d, w in zip(run.param_names, direction, run.param_arrays()):
            if name.startswith("W"):
                # each unit's incoming weights are a column of W (z = a @ W)
                np.testing.assert_allclose(np.linalg.norm(d, axis=0), np.linalg.norm(w, axis=0), rtol=1e-12)
            else:
                assert not d.any()
    assert not np.array_equal(d1[0], d2[0])


def test_the_same_seed_gives_the_same_landscape_and_another_seed_another():
    run = trained(XOR_2881)
    first = landscape(run, "random", seed=11, resolution=7)
    again = landscape(run, "random", seed=11, resolution=7)
    other = landscape(run, "random", seed=12, resolution=7)
    assert np.array_equal(first["loss"], again["loss"])
    assert not np.array_equal(first["loss"], other["loss"])


def test_the_path_projects_the_checkpoints_and_ends_at_the_origin():
    run = Run(resolve_config(XOR_2881))
    timeline = Timeline(run)
    for _ in range(40):
        run.step()
        timeline.record(run)
    path = checkpoint_path(timeline.checkpoints, run.bias)
    assert [step for step, _ in path] == [0, 8, 16, 24, 32, 40]
    out = landscape(run, "weights", weights=["W1[0,0]", "W1[1,0]"], resolution=3, path=path)
    assert out["path"]["steps"] == [0, 8, 16, 24, 32, 40]  # the checkpoint at 40 is the run now
    assert out["path"]["alpha"][-1] == out["path"]["beta"][-1] == 0.0
    # Along two weights the projection is how far each was from its value now.
    start = path[0][1][0]
    assert out["path"]["alpha"][0] == pytest.approx(start[0, 0] - run.network.layers[0].W[0, 0])
    assert out["path"]["beta"][0] == pytest.approx(start[1, 0] - run.network.layers[0].W[1, 0])


def test_a_landscape_told_to_stop_keeps_the_points_it_worked_out(monkeypatch):
    run = trained(XOR_2881)
    asked = []

    def should_stop() -> bool:
        asked.append(True)
        return len(asked) > 1  # one batch, then stop

    monkeypatch.setattr("core.landscape.BATCH_NUMBERS", 8 * 100 * 3)  # 3 points of 100 rows, 8 wide
    out = landscape(run, "random", resolution=5, should_stop=should_stop)
    assert out["points"] == 3
    flat = out["loss"].reshape(-1)
    assert np.isfinite(flat[:3]).all() and np.isnan(flat[3:]).all()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"resolution": 4}, "resolution"),
        ({"resolution": 1}, "resolution"),
        ({"resolution": 103}, "resolution"),
        ({"span": 0.0}, "span"),
        ({"span": float("nan")}, "span"),
        ({"directions": "diagonal"}, "directions"),
        ({"directions": "weights", "weights": ["W1[0,0]"]}, "weights"),
        ({"directions": "weights", "weights": ["W1[0,0]", "W1[0,0]"]}, "weights"),
        ({"directions": "weights", "weights": ["W1[0,0]", "W9[0,0]"]}, "weights"),
        ({"directions": "weights", "weights": ["W1[0,0]", "W1[2,0]"]}, "weights"),
        ({"directions": "weights", "weights": ["W1[0,0]", "b1[0,0]"]}, "weights"),
        ({"directions": "weights", "weights": ["W1[0,0]", "weight"]}, "weights"),
        ({"resolution": 41, "max_work": 1000}, "resolution"),
    ],
)
def test_bad_arguments_are_refused_naming_the_field(kwargs, field):
    run = trained(XOR_2881, 1)
    with pytest.raises(ConfigError) as caught:
        landscape(run, **kwargs)
    assert caught.value.errors[0]["field"] == field
