"""The engine's speed shortcuts give exactly what the plain way gives.

The finiteness check (a sum of squares first), the whole-step loop, the batch order's
cheap marks and the optimizers' work arrays each stand in for something simpler; these
tests hold them to it.
"""

import numpy as np
import pytest

from core.batches import Batcher
from core.metrics import accuracy, predicted_classes
from core.optimizers import make_optimizer
from core.run import Run, _all_finite
from core.snapshot import snapshot


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (3,), (2, 3), (7, 5), (17,), (64, 9), (1000,)])
def test_all_finite_finds_any_bad_entry(dtype, shape):
    array = np.linspace(-3, 3, int(np.prod(shape))).astype(dtype).reshape(shape)
    assert _all_finite(array)
    for bad in (np.nan, np.inf, -np.inf):
        for index in range(array.size):
            broken = array.copy()
            broken.flat[index] = bad
            assert not _all_finite(broken), (bad, index)


@pytest.mark.parametrize("dtype, big", [(np.float32, 1e30), (np.float64, 1e200)])
def test_all_finite_is_not_fooled_by_an_overflowing_sum_of_squares(dtype, big):
    array = np.full((4, 3), big, dtype=dtype)
    assert _all_finite(array)
    array[2, 1] = np.nan
    assert not _all_finite(array)


def _one_unit(dtype, inputs, targets, w, lr):
    return Run(
        {
            "layers": [1, 1],
            "activations": ["linear"],
            "loss": "sse",
            "dtype": dtype,
            "batch": {"size": None},
            "metrics": {"every": 0},
            "data": {"name": "inline", "inputs": inputs, "targets": targets},
            "init": {"scheme": "explicit", "params": [{"W": [[w]], "b": [0.0]}]},
            "optimizer": {"name": "sgd", "lr": lr},
        }
    )


@pytest.mark.parametrize(
    "dtype, x_new, t_loss, t_bias", [("float64", 1e153, -1e155, -7.5e307), ("float32", 2e18, -1e20, -1.5e38)]
)
def test_divergence_names_the_first_culprit_in_order(dtype, x_new, t_loss, t_bias):
    # Only the new W overflows.
    run = _one_unit(dtype, [[x_new]], [[0.0]], 1.0, 100)
    assert run.step(3) == 0
    assert run.divergence["array"] == "W1" and run.divergence["reason"] == "W1 is not finite"
    # The batch loss overflows; the gradients and the update stay finite.
    run = _one_unit(dtype, [[1.0]], [[t_loss]], 0.0, 0.01)
    assert run.step(3) == 0
    assert run.divergence["reason"] == "the batch loss is not finite"
    assert run.pending.new_params is None
    # Only b1's gradient overflows (two rows add up); W1's cancels. The loss overflows
    # too, but the gradient is checked first.
    run = _one_unit(dtype, [[1.0], [-1.0]], [[t_bias], [t_bias]], 0.0, 0.01)
    assert run.step(3) == 0
    assert run.divergence["array"] == "b1"
    assert run.divergence["reason"] == "the gradient of b1 is not finite"
    assert run.pending.new_params is None
    assert run.phase == "backward" and run.step_count == 0


def test_whole_steps_equal_single_phases():
    stepped, phased = Run({"preset": "spiral"}), Run({"preset": "spiral"})
    stepped.step(7)
    for _ in range(28):
        phased.step_phase()
    assert snapshot(stepped) == snapshot(phased)
    assert stepped.history.as_dict() == phased.history.as_dict()


def test_step_zero_leaves_a_step_in_progress_alone():
    run = Run({"preset": "xor"})
    run.step_phase()
    assert run.step(0) == 0
    assert run.phase == "forward" and run.step_count == 0


@pytest.mark.parametrize("order", ["shuffle", "sequential", "random"])
def test_batcher_marks_give_the_state_at_the_time(order):
    batcher = Batcher(23, 5, order, np.random.default_rng(3))
    marks, states, drawn = [], [], []
    for _ in range(12):
        marks.append(batcher.mark())
        states.append(batcher.state())
        drawn.append(batcher.next().tolist())
    assert [batcher.state(mark) for mark in marks] == states
    # Going back to any of them replays the same batches.
    for start in (0, 4, 5, 11):
        batcher.load_state(states[start])
        assert [batcher.next().tolist() for _ in range(12 - start)] == drawn[start:]


def test_sequential_batches_cannot_be_written_through():
    batcher = Batcher(10, 4, "sequential", np.random.default_rng(0))
    rows = batcher.next()
    with pytest.raises(ValueError):
        rows[0] = 5


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_optimizers_leave_inputs_and_state_alone_and_hand_out_fresh_arrays(name):
    rng = np.random.default_rng(0)
    params = [rng.standard_normal((4, 3)), rng.standard_normal(3)]
    settings = {
        "name": name,
        "lr": 0.1,
        "momentum": 0.9,
        "rho": 0.9,
        "beta1": 0.9,
        "beta2": 0.999,
        "eps": 1e-7,
    }
    optimizer = make_optimizer(settings)
    for _ in range(3):
        grads = [rng.standard_normal(p.shape) for p in params]
        before = (
            [p.copy() for p in params],
            [g.copy() for g in grads],
            {k: [a.copy() for a in v] if isinstance(v, list) else v for k, v in optimizer.state.items()},
        )
        new, state = optimizer.propose(params, grads)
        again, _ = optimizer.propose(params, grads)
        assert all(np.array_equal(a, b) for a, b in zip(new, again))
        assert all(a is not b for a, b in zip(new, again))
        assert all(np.array_equal(a, b) for a, b in zip(params, before[0]))
        assert all(np.array_equal(a, b) for a, b in zip(grads, before[1]))
        for key, value in before[2].items():
            current = optimizer.state[key]
            assert (
                current == value
                if not isinstance(value, list)
                else all(np.array_equal(a, b) for a, b in zip(current, value))
            )
        optimizer.commit(state)
        params = new


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_log_a_is_what_cross_entropy_works_out(dtype):
    from core.activations import get_activation
    from core.losses import get_loss
    from core.network import LayerValues

    rng = np.random.default_rng(1)
    z = (rng.standard_normal((37, 10)) * 30).astype(dtype)
    z[3] = [-200.0] * 9 + [200.0]  # probabilities that round to 0 and 1
    t = np.eye(10, dtype=dtype)[rng.integers(0, 10, 37)]
    softmax, cce = get_activation("softmax"), get_loss("cce")
    a, log_a = softmax.forward_with_log(z)
    assert np.array_equal(a, softmax.forward(z))
    assert np.array_equal(log_a, cce._log_p(z))
    assert cce.value_of(LayerValues(z, a, log_a), t) == cce.value(z, a, t)
    assert cce.value_of(LayerValues(z, a), t) == cce.value(z, a, t)
    assert get_activation("tanh").forward_with_log(z)[1] is None


@pytest.mark.parametrize(
    "preset, overrides",
    [
        ("xor", {"layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"]}),
        ("two-layer-digits", {}),
        ("circle", {"bias": False}),
    ],
)
def test_unit_activations_are_the_forward_pass_one_row_per_unit(preset, overrides):
    run = Run({"preset": preset, **overrides})
    run.step(3)
    x = run.data.x_train[:50]
    plain = [v.a.T for v in run.network.forward(x)]
    wide = run.network.unit_activations(x, np.float64)
    narrow = run.network.unit_activations(x, np.float32)
    for a, a64, a32 in zip(plain, wide, narrow):
        assert a64.shape == a.shape and a32.dtype == np.float32
        np.testing.assert_allclose(a64, a, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(a32, a, rtol=1e-5, atol=1e-5)
    if run.config["activations"][-1] == "softmax":  # across the units of each point
        np.testing.assert_allclose(wide[-1].sum(axis=0), 1.0, rtol=1e-12)


def test_grids_at_several_resolutions_are_each_grid_on_its_own():
    from core.grids import grid_values, grids_values

    run = Run({"preset": "xor", "layers": [2, 5, 1]})
    run.step(10)
    both = grids_values(run, (12, 5))
    for grid, resolution in zip(both, (12, 5)):
        alone = grid_values(run, resolution)
        np.testing.assert_array_equal(grid["x"], alone["x"])
        np.testing.assert_array_equal(grid["y"], alone["y"])
        for layer, single in zip(grid["layers"], alone["layers"]):
            assert layer.shape == single.shape == (len(single), resolution, resolution)
            np.testing.assert_allclose(layer, single, rtol=1e-12, atol=1e-15)
    # Row i of a grid is y = y[i], column j is x = x[j]: the output there is the network's.
    grid = both[0]
    point = np.array([[grid["x"][3], grid["y"][7]]])
    assert grid["layers"][-1][0, 7, 3] == pytest.approx(run.network.predict(point)[0, 0], rel=1e-12)


@pytest.mark.parametrize("outputs", [1, 3])
def test_accuracy_by_count_is_the_mean_as_a_python_float(outputs):
    rng = np.random.default_rng(5)
    a, labels = rng.random((37, outputs)), rng.integers(0, max(2, outputs), 37)
    value = accuracy(a, labels)
    # A plain float, not a NumPy scalar: it meets comparisons and JSON encoders as one.
    assert type(value) is float and value == float(np.mean(predicted_classes(a) == labels))
    metrics = Run({"preset": "xor"}).metrics()
    assert all(type(v) is float for part in ("loss", "accuracy") for v in metrics[part].values())
