"""A frame's arrays render the run's own numbers, the same bytes from a pickled copy (as a
frame worker gets them), and what the engine's snapshot shows."""

import pickle

import numpy as np
import orjson
import pytest

from app.framepool import render
from app.jsonio import dumps
from core.frame import FrameArrays, frame_arrays, probe
from core.grids import decision_grid
from core.run import Run
from core.snapshot import snapshot

CONFIGS = [
    {"preset": "xor", "layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"]},
    {"preset": "xor", "dtype": "float32"},
    {"preset": "spiral"},
    {"preset": "seed-2-3-1"},  # no biases
    {"preset": "perceptron-and"},  # one layer, the perceptron's own gradient
    {"preset": "two-layer-digits"},  # 64 inputs: no grid
    {"preset": "linear-4-4-4-4"},
    {"preset": "xor", "layers": [2, 4, 1], "activations": ["tanh", "linear"], "loss": "mse"},  # diverges
]
ARRAY_KEYS = ("params", "grads", "probe", "activations", "pending")


def _states(config):
    """A run at step 0, after whole steps, halfway through a step, and diverged (when a
    learning rate of 100 makes it)."""
    run = Run(config)
    yield "step 0", run
    run.step(3)
    yield "after an update", run
    run.step_phase()
    yield "halfway through a step", run
    run.step_phase(), run.step_phase(), run.step_phase()
    if run.optimizer.name != "perceptron":
        run.patch({"optimizer": {"lr": 100}})
        for _ in range(500):
            if run.status == "diverged":
                yield "diverged", run
                break
            run.step(1)


def _json(value):
    """What a client reads of `value` sent as JSON."""
    return orjson.loads(dumps(value))


def _check_numbers(run, members: dict, units, grads: bool, change: bool) -> None:
    """The rendered members (as a client reads them) against the run's own arrays and its
    network's forward pass on the probe rows, each cut to the first `units` units."""
    shown = [run.sizes[0]] + [min(n, units) if units else n for n in run.sizes[1:]]
    weights = run.param_arrays()[:: 1 + run.bias]
    assert [layer["W"] for layer in members["params"]] == [
        _json(W[: shown[l], : shown[l + 1]].copy()) for l, W in enumerate(weights)
    ]
    if grads and run.last_grads is not None:
        dW = run.last_grads[0]
        assert members["grads"][0]["W"] == _json(dW[: shown[0], : shown[1]].copy())
    else:
        assert members["grads"] is None
    x, t = probe(run)
    assert members["probe"] == _json({"inputs": x, "targets": t})
    with np.errstate(all="ignore"):
        values = run.network.forward(x)
    assert [layer["a"] for layer in members["activations"]] == [
        _json(v.a[:, : shown[l + 1]].copy()) for l, v in enumerate(values)
    ]
    pending = run.pending
    if change and pending is not None and run.phase == "update" and pending.new_params is not None:
        new, old = pending.new_params[0], pending.old_params[0]
        expected = _json((new - old)[: shown[0], : shown[1]].copy())
        assert members["pending"]["update"]["change"][0]["W"] == expected
    else:
        assert "pending" not in members


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{v}" for v in c.values())[:40])
def test_frame_arrays_render_the_runs_numbers_the_same_wherever_they_are_rendered(config):
    states = []
    for state, run in _states(config):
        states.append(state)
        for grid, units in ((None, None), (24, None), (12, 2)):
            for grads, change in ((True, True), (False, False)):
                arrays = frame_arrays(
                    run, grid=grid, max_units=units, params=True, probe_rows=True, grads=grads, change=change
                )
                body = render(arrays)
                # Through a pipe and back, as a frame worker gets them: the same bytes.
                assert render(pickle.loads(pickle.dumps(arrays))) == body, state
                members = orjson.loads(body)
                assert list(members)[-1] == "grid"
                _check_numbers(
                    run, {key: members[key] for key in ARRAY_KEYS if key in members}, units, grads, change
                )
                # The engine's snapshot shows the same arrays (it renders them with the same function).
                light = snapshot(
                    run, raw=True, max_units=units, grads=grads, pending="light" if change else "none"
                )
                assert dumps({key: light[key] for key in ARRAY_KEYS if key in light}) == dumps(
                    {key: members[key] for key in ARRAY_KEYS if key in members}
                )
                packed = decision_grid(run, grid, units, "u8", axes=False) if grid else None
                assert dumps(members["grid"]) == dumps(packed), (state, grid, units)
    if config["preset"] == "xor" and "loss" in config:
        assert states[-1] == "diverged"


def test_grid_only_arrays_and_nothing_to_render():
    run = Run(CONFIGS[0])
    run.step(2)
    assert render(frame_arrays(run, grid=30)) == dumps(
        {"grid": decision_grid(run, 30, encoding="u8", axes=False)}
    )
    assert frame_arrays(run).empty and not frame_arrays(run, grid=30).empty
    assert frame_arrays(Run({"preset": "two-layer-digits"}), grid=30).empty  # no plane to draw


def test_frame_arrays_hold_the_runs_arrays_and_their_pickled_form_is_a_copy():
    run = Run(CONFIGS[0])
    run.step(1)
    arrays = frame_arrays(run, grid=16, params=True, probe_rows=True, change=True)
    assert all(a is b for a, b in zip(arrays.params, run.param_arrays()))  # nothing copied here
    sent = pickle.dumps(arrays)  # what a frame worker gets
    before = render(arrays)
    run.step(5)  # the run trains on; the worker's copy stays as it was
    after = frame_arrays(run, grid=16, params=True, probe_rows=True, change=True)
    assert render(pickle.loads(sent)) == before != render(after)


def test_frame_arrays_count_the_numbers_they_carry():
    run = Run(CONFIGS[0])
    run.step(1)
    params = sum(a.size for a in run.param_arrays())
    probe_rows = run.config["probe"]["size"]
    arrays = frame_arrays(run, grid=16, params=True, probe_rows=True, change=True)
    assert isinstance(arrays, FrameArrays)
    assert arrays.values == 3 * params + probe_rows * (2 + 1)  # params, grads, old params, probe x and t
    assert frame_arrays(run, grid=16).values == params
    copy = pickle.loads(pickle.dumps(arrays))
    assert copy.values == arrays.values and [a.shape for a in copy.params] == [a.shape for a in arrays.params]


def test_the_rest_snapshot_grid_is_the_one_grid_function_in_floats():
    run = Run(CONFIGS[0])
    run.step(4)
    grid = snapshot(run, grid=7, max_units=3)["grid"]
    assert grid == decision_grid(run, 7, 3)  # floats: the documented REST shape
    assert [len(layer) for layer in grid["layers"]] == [3, 3] and len(grid["output"]) == 1
    values = run.network.forward(np.array([[grid["x"][2], grid["y"][5]]]))[-1].a
    assert grid["output"][0][5][2] == pytest.approx(float(values[0, 0]), abs=1e-12)
    with pytest.raises(ValueError, match="encoding"):
        decision_grid(run, 7, encoding="png")
