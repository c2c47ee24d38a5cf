"""Export as code: each script, run in a subprocess, trains exactly as the session's own
next steps do; exporting never moves the session; what a framework cannot say is refused."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import numpy as np
import pytest

from app.codegen import MAX_NUMBERS, CodeError, script
from app.codegen.script import next_batches, rows_ahead
from core.run import Run

STEPS = 6

CONFIGS = {
    "seed-2-3-1": {"preset": "seed-2-3-1"},
    "xor, batches, adam": {
        "data": {"name": "xor", "n": 60},
        "layers": [2, 5, 1],
        "activations": ["tanh", "sigmoid"],
        "optimizer": {"name": "adam", "lr": 0.05},
        "batch": {"size": 8, "order": "shuffle"},
    },
    "softmax classifier, momentum, l2": {
        "layers": [64, 16, 10],
        "activations": ["relu", "softmax"],
        "loss": "cce",
        "data": {"name": "digits", "n": 200},
        "optimizer": {"name": "momentum", "lr": 0.1},
        "regularization": {"kind": "l2", "rate": 0.01},
        "batch": {"size": 32},
    },
    "float32, rmsprop, l1": {
        "dtype": "float32",
        "optimizer": {"name": "rmsprop", "lr": 0.01},
        "regularization": {"kind": "l1", "rate": 0.001},
        "data": {"name": "circle", "n": 80},
    },
    "features, sse, random batches, no bias": {
        "layers": [5, 3, 1],
        "features": ["x1", "x2", "x1^2", "x2^2", "x1*x2"],
        "activations": ["tanh", "linear"],
        "loss": "sse",
        "data": {"name": "plane", "n": 40},
        "batch": {"order": "random", "size": 7},
        "bias": False,
        "optimizer": {"name": "sgd", "lr": 0.001},
    },
}


def started(config: dict) -> Run:
    """A run some steps in, so the optimizer has state and the batch order has moved."""
    run = Run(config)
    run.step(3)
    return run


def run_script(text: str, tmp_path) -> list[float]:
    path = tmp_path / "exported.py"
    path.write_text(text)
    done = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 1, done.stdout
    return json.loads(lines[0])["train_loss"]


def engine_losses(run: Run, steps: int) -> list[float]:
    """The run's own next steps: its data loss over all the training rows after each."""
    losses = []
    data = run.network_data
    for _ in range(steps):
        assert run.step(1) == 1
        losses.append(run.objective.data_loss(data.x_train, data.y_train))
    # The same number the history's train_loss carries when the evaluation set is every row.
    assert run.metrics()["loss"]["train"] == losses[-1]
    return losses


def state_of(run: Run) -> tuple:
    """What an export must leave as it was: parameters, optimizer state, batch order."""
    return (
        [a.copy() for a in run.param_arrays()],
        json.dumps(run.batcher.state()),
        {k: [a.copy() for a in v] if isinstance(v, list) else v for k, v in run.optimizer.state.items()},
        run.step_count,
        run.phase,
    )


def assert_same_state(before: tuple, after: tuple) -> None:
    params, batches, optimizer, steps, phase = before
    assert all(np.array_equal(a, b) for a, b in zip(params, after[0]))
    assert (batches, steps, phase) == (after[1], after[3], after[4])
    assert optimizer.keys() == after[2].keys()
    for key, value in optimizer.items():
        if isinstance(value, list):
            assert all(np.array_equal(a, b) for a, b in zip(value, after[2][key]))
        else:
            assert value == after[2][key]


def tolerance(run: Run, float64: float) -> dict:
    # float32 arithmetic rounds at about 6e-8: a relative bound for it.
    return {"abs": float64} if run.dtype == np.float64 else {"rel": 1e-6}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_numpy_script_trains_as_the_session_does(name, tmp_path):
    run = started(CONFIGS[name])
    before = state_of(run)
    text = script(run, "numpy", STEPS, "abcdefgh12345")
    assert_same_state(before, state_of(run))
    got = run_script(text, tmp_path)
    want = engine_losses(run, STEPS)
    assert len(got) == STEPS
    assert got == pytest.approx(want, **tolerance(run, 1e-9))
    assert len(set(want)) > 1 or name.startswith("features")  # the steps did train


def test_a_step_in_progress_is_finished_first(tmp_path):
    """Mid-step, the session's next step finishes the one under way, on its batch."""
    run = started(CONFIGS["xor, batches, adam"])
    run.step_phase()  # forward: the batch is drawn
    run.step_phase()  # loss
    text = script(run, "numpy", STEPS)
    assert run.phase == "loss"
    assert run_script(text, tmp_path) == pytest.approx(engine_losses(run, STEPS), abs=1e-9)


def test_the_perceptron_rule(tmp_path):
    run = started({"preset": "perceptron-and"})
    assert run_script(script(run, "numpy", 8), tmp_path) == engine_losses(run, 8)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_pytorch_script_trains_as_the_session_does(name, tmp_path):
    pytest.importorskip("torch")
    run = started(CONFIGS[name])
    before = state_of(run)
    text = script(run, "pytorch", STEPS)
    assert_same_state(before, state_of(run))
    assert "nn.Sequential(" in text
    assert run_script(text, tmp_path) == pytest.approx(engine_losses(run, STEPS), **tolerance(run, 1e-6))


@pytest.mark.parametrize("name", list(CONFIGS))
def test_keras_script_is_python_and_runs_where_keras_is(name, tmp_path):
    run = Run(CONFIGS[name])  # a fresh optimizer: Keras takes no optimizer state (see below)
    text = script(run, "keras", STEPS)
    tree = ast.parse(text)
    compile(tree, "exported.py", "exec")
    assert "keras.Sequential(" in text
    try:
        import keras  # noqa: F401
    except ImportError:
        return
    # Keras's RMSprop puts epsilon under the square root: its losses differ slightly.
    near = {"rel": 1e-3} if run.config["optimizer"]["name"] == "rmsprop" else tolerance(run, 1e-6)
    assert run_script(text, tmp_path) == pytest.approx(engine_losses(run, STEPS), **near)


def refusal(run: Run, framework: str, steps: int = STEPS) -> CodeError:
    with pytest.raises(CodeError) as caught:
        script(run, framework, steps)
    assert caught.value.reason
    return caught.value


def test_what_a_framework_cannot_say_is_refused_by_field():
    perceptron = Run({"preset": "perceptron-and"})
    assert refusal(perceptron, "pytorch").field == "optimizer.name"
    numeric = Run({"gradient": {"method": "numeric-central"}})
    assert all(refusal(numeric, f).field == "gradient.method" for f in ("numpy", "pytorch", "keras"))
    step_unit = Run({"preset": "perceptron-and", "optimizer": {"name": "sgd"}})
    assert refusal(step_unit, "keras").field == "activations[0]"
    assert script(step_unit, "numpy", 2)  # NumPy writes out the engine's own arithmetic
    adam = started(CONFIGS["xor, batches, adam"])
    assert refusal(adam, "keras").field == "optimizer.name"


def test_too_many_numbers_are_refused():
    wide = Run({"layers": [2, 512, 512, 1], "activations": ["tanh", "tanh", "sigmoid"]})
    assert wide.network.parameter_count() > MAX_NUMBERS
    assert refusal(wide, "numpy").field == "layers"
    full_batch = Run(
        {
            "data": {"name": "digits"},
            "layers": [64, 10],
            "activations": ["softmax"],
            "loss": "cce",
            "batch": {"size": None, "order": "sequential"},
        }
    )
    assert refusal(full_batch, "numpy", 1000).field == "steps"


def test_small_arrays_are_readable_literals():
    text = script(Run({"preset": "seed-2-3-1"}), "numpy", 2)
    assert 'unpack("' not in text  # every array of the 2-3-1 is small
    assert "W1 = np.array([\n    [0.8, 0.4, 0.3],\n    [0.2, 0.9, 0.5],\n]" in text  # a row per line


@pytest.mark.parametrize("order", ["shuffle", "sequential", "random"])
def test_rows_ahead_counts_the_rows_the_batches_hold(order):
    """The size check counts without drawing: the same count as the batches drawn."""
    run = Run({"data": {"name": "xor", "n": 50}, "batch": {"size": 7, "order": order}})
    for steps_taken in (0, 4):
        run.step(steps_taken)
        assert rows_ahead(run, 13) == sum(len(rows) for rows in next_batches(run, 13))
