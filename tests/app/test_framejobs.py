"""Frame jobs render exactly what the engine's live snapshot holds, byte for byte."""

import pickle

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
    {"preset": "seed-2-3-1"},  # no biases
    {"preset": "perceptron-and"},  # one layer, the perceptron's own gradient
    {"preset": "two-layer-digits"},  # 64 inputs: no grid
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


def test_a_job_holds_the_runs_arrays_and_its_pickled_form_is_a_copy():
    run = Run(CONFIGS[0])
    run.step(1)
    job = frame_job(run, grid=16, arrays=True)
    assert all(a is b for a, b in zip(job.params, run.param_arrays()))  # nothing copied here
    sent = pickle.dumps(job)  # what a grid worker gets
    before = render(job)
    run.step(5)  # the run trains on; the worker's copy stays as it was
    assert render(pickle.loads(sent)) == before != render(frame_job(run, grid=16, arrays=True))


def test_a_job_counts_the_numbers_it_carries():
    run = Run(CONFIGS[0])
    run.step(1)
    params = sum(a.size for a in run.param_arrays())
    probe_rows = run.config["probe"]["size"]
    job = frame_job(run, grid=16, arrays=True)
    assert isinstance(job, FrameJob)
    assert job.values == 3 * params + probe_rows * (2 + 1)  # params, grads, old params, probe x and t
    assert frame_job(run, grid=16).values == params
    copy = pickle.loads(pickle.dumps(job))
    assert copy.values == job.values and [a.shape for a in copy.params] == [a.shape for a in job.params]
