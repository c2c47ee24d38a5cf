"""Sweeps: each variant is the fork trained on its own, the run is untouched, a diverged
variant is a result, the work goes in chunks that report and can stop."""

import numpy as np
import pytest

from core.errors import ConfigError
from core.fork import fork_run
from core.run import Run
from core.sweep import SWEEPABLE, changes, check_sweep, sweep, value_range

DIVERGING = {"preset": "seed-2-3-1", "activations": ["linear", "linear"], "optimizer": {"lr": 10}}


def started(config: dict | None = None, steps: int = 5) -> Run:
    run = Run(config or {"preset": "xor", "regularization": {"kind": "l2"}})
    run.step(steps)
    return run


def test_each_variant_is_the_fork_with_its_value_trained_the_same_steps():
    run = started()
    out = sweep(run, "optimizer.lr", [0.01, 0.3], 40)
    for value, result in zip([0.01, 0.3], out["results"]):
        twin = fork_run(run, {"optimizer": {"lr": value}})
        twin.step(40)
        metrics = twin.metrics()
        assert result["value"] == value and result["diverged_at"] is None
        assert result["train_loss"] == metrics["loss"]["train"]
        assert result["test_loss"] == metrics["loss"]["test"]
        assert result["test_accuracy"] == metrics["accuracy"]["test"]
    assert out["results"][1]["train_loss"] < out["results"][0]["train_loss"]  # the larger rate learns faster
    assert (out["done"], out["of"]) == (80, 80)


def test_the_run_is_untouched_and_the_same_sweep_gives_the_same_numbers_bit_for_bit():
    run = started()
    params = [p.copy() for p in run.param_arrays()]
    config, steps, rows = run.config.copy(), run.step_count, len(run.history)
    first = sweep(run, "batch.size", [1, 20, None], 30)
    assert run.step_count == steps and len(run.history) == rows and run.config == config
    assert all(np.array_equal(a, b) for a, b in zip(params, run.param_arrays()))
    assert sweep(run, "batch.size", [1, 20, None], 30) == first


def test_a_variant_that_diverges_is_a_result_with_the_step_it_diverged_at():
    run = Run(DIVERGING)
    out = sweep(run, "optimizer.lr", [0.001, 10.0], 20)
    calm, wild = out["results"]
    assert calm["diverged_at"] is None and calm["train_loss"] is not None
    assert wild["diverged_at"] == 5  # linear units at lr 10 blow up at the 5th step
    assert wild["train_loss"] is None and wild["test_loss"] is None
    assert out["done"] == out["of"] == 40


def test_progress_is_told_after_each_chunk_and_a_stop_keeps_the_finished_variants():
    run = started()
    seen = []
    out = sweep(run, "regularization.rate", [0.0, 0.5, 0.9], 25, chunk=10, progress=seen.append)
    assert [p.done for p in seen] == [10, 20, 25, 35, 45, 50, 60, 70, 75]
    assert all(p.of == 75 for p in seen) and [len(p.results) for p in seen][2::3] == [1, 2, 3]
    asked = []
    stopped = sweep(
        run,
        "regularization.rate",
        [0.0, 0.5, 0.9],
        25,
        chunk=10,
        should_stop=lambda: len(asked) > 3 or asked.append(1),
    )
    assert stopped["results"] == out["results"][:1] and stopped["done"] < stopped["of"]


def test_the_sweepable_settings_come_from_the_field_table():
    assert {
        "optimizer.lr",
        "optimizer.momentum",
        "optimizer.name",
        "batch.size",
        "seed",
        "data.noise",
    } <= set(SWEEPABLE)
    assert not {"layers", "activations", "init.scheme", "probe.size", "metrics.every"} & set(SWEEPABLE)
    assert changes("seed", 3) == {"seed": 3} and changes("optimizer.lr", 0.1) == {"optimizer": {"lr": 0.1}}


@pytest.mark.parametrize(
    "field, values, steps, named, words",
    [
        ("layers", [1], 10, "field", "cannot be swept"),
        ("optimizer.momentum", [0.5], 10, "field", "used only when optimizer.name is momentum"),
        ("optimizer.lr", [0.1, 0], 10, "values", "values[1] = 0: optimizer.lr: must be in (0, 100]"),
        ("optimizer.name", ["sgd", "nope"], 10, "values", "must be one of"),
        ("optimizer.lr", [], 10, "values", "at least one"),
        ("optimizer.lr", [0.1], 0, "steps", ">= 1"),
    ],
)
def test_a_sweep_that_cannot_run_names_its_field(field, values, steps, named, words):
    with pytest.raises(ConfigError) as caught:
        check_sweep(Run({"preset": "xor"}), field, values, steps)
    assert caught.value.errors[0]["field"] == named and words in caught.value.errors[0]["reason"]


def test_a_log_range_runs_from_its_first_to_its_last_value_evenly_on_a_log_scale():
    values = value_range(0.001, 1, 8)
    assert values[0] == 0.001 and values[-1] == 1 and len(values) == 8
    assert np.allclose(np.diff(np.log10(values)), 3 / 7, rtol=1e-2)
    assert value_range(0, 1, 3, "linear") == [0, 0.5, 1]
    with pytest.raises(ConfigError, match="from"):
        value_range(0, 1, 3, "log")
