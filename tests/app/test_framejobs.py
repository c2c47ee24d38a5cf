"""Frame jobs render exactly what the engine's live snapshot holds, byte for byte."""
import pickle

import numpy as np
import pytest

from app.framejobs import FrameJob, frame_job, render
from app.grids import quantized_grid
from app.jsonio import dumps
from core.run import Run
from core.snapshot import snapshot

CONFIGS = [
    {"preset": "xor", "layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"]},
    {"preset": "xor", "dtype": "float32"},
    {"preset": "spiral"},
    {"preset": "seed-2-3-1"},          # no biases
    {"preset": "perceptron-and"},      # one layer, the perceptron's own gradient
    {"preset": "two-layer-digits"},    # 64 inputs: no grid
    {"preset": "linear-4-4-4-4"},
    {"preset": "xor", "layers": [2, 4, 1], "activations": ["tanh", "linear"], "loss": "mse"},  # diverges
]
ARRAY_KEYS = ("params", "grads", "probe", "activations", "pending")


def _expected(run, grid, units, grads=True, change=True) -> bytes:
    """What the live frame held when the loop serialized the engine's snapshot itself."""
    snap = snapshot(run, raw=True, max_units=units, grads=grads, pending="light" if change else "none")
    out = {key: snap[key] for key in ARRAY_KEYS if key in snap}
    out["grid"] = quantized_grid(run, grid, max_units=units, axes=False) if grid else None
    return dumps(out)


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


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "-".join(f"{v}" for v in c.values())[:40])
def test_a_job_renders_the_live_snapshot_arrays_and_grid(config):
    states = []
    for state, run in _states(config):
        states.append(state)
        for grid, units in ((None, None), (24, None), (12, 2)):
            for grads, change in ((True, True), (False, False)):
                job = frame_job(run, grid=grid, max_units=units, arrays=True, grads=grads, change=change)
                # Through a pipe and back, as a grid worker gets it.
                assert render(pickle.loads(pickle.dumps(job))) == render(job), state
                assert render(job) == _expected(run, grid, units, grads, change), (state, grid, units)
    if config["preset"] == "xor" and "loss" in config:
        assert states[-1] == "diverged"


def test_a_grid_only_job_and_nothing_to_render():
    run = Run(CONFIGS[0])
    run.step(2)
    assert render(frame_job(run, grid=30)) == dumps({"grid": quantized_grid(run, 30, axes=False)})
    assert frame_job(run) is None
    assert frame_job(Run({"preset": "two-layer-digits"}), grid=30) is None  # no plane to draw


def test_a_job_is_a_copy_the_run_may_train_on_from():
    run = Run(CONFIGS[0])
    run.step(1)
    job = frame_job(run, grid=16, arrays=True)
    before = render(job)
    run.step(5)
    assert render(job) == before != render(frame_job(run, grid=16, arrays=True))


def test_a_job_counts_the_numbers_it_carries():
    run = Run(CONFIGS[0])
    run.step(1)
    params = sum(a.size for a in run.param_arrays())
    probe_rows = run.config["probe"]["size"]
    job = frame_job(run, grid=16, arrays=True)
    assert isinstance(job, FrameJob)
    assert job.values == 3 * params + probe_rows * (2 + 1)  # params, grads, old params, probe x and t
    assert frame_job(run, grid=16).values == params
    assert np.frombuffer(job.params, dtype=job.dtype).size == params
