"""Which history rows carry the train/test evaluation, that they carry exactly what an
evaluation at their step gives, and that whatever is shown is measured."""

import pytest

from core.metrics import EVALUATION_SHARE, LAYER_CALL_MACS, STEP_PASSES, evaluation_every
from core.run import Run

# The benchmark's case (b): evaluating 500 + 500 rows costs many steps of 10 rows.
XOR_1000 = {
    "layers": [2, 8, 8, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "loss": "bce",
    "data": {"name": "xor", "n": 1000, "noise": 0.0, "test_fraction": 0.5},
    "optimizer": {"name": "sgd", "lr": 0.1},
    "batch": {"size": 10, "order": "shuffle"},
}
VALUES = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


def measured_at(config, step):
    """The metrics of a separate run of `config` after `step` steps, which records no rows."""
    run = Run({**config, "metrics": {"every": 0}})
    run.step(step)
    m = run.metrics()
    return {
        "train_loss": m["loss"]["train"],
        "test_loss": m["loss"]["test"],
        "train_accuracy": m["accuracy"]["train"],
        "test_accuracy": m["accuracy"]["test"],
    }


def test_rows_carry_the_evaluation_on_a_schedule_and_exactly_its_numbers():
    run = Run(XOR_1000)
    k = run._evaluate_every
    assert k > 1
    run.step(3 * k + 2)
    rows = run.history.as_dict()
    assert rows["step"] == list(range(3 * k + 3))  # a row every step, as metrics.every asks
    assert rows["evaluated"] == [s % k == 0 for s in rows["step"]]
    for i, step in enumerate(rows["step"]):
        if rows["evaluated"][i]:
            assert {name: rows[name][i] for name in VALUES} == measured_at(XOR_1000, step)
        else:
            assert all(rows[name][i] is None for name in VALUES)
        if step:  # every row has its step's batch loss and gradient norms
            assert rows["batch_loss"][i] is not None and len(rows["grad_norm"][i]) == 3


def test_the_same_config_and_seed_give_the_same_rows():
    a, b = Run(XOR_1000), Run(XOR_1000)
    a.step(40)
    b.step(40)
    assert a.history.as_dict() == b.history.as_dict()


def test_what_is_shown_is_measured_and_kept_in_the_last_row():
    run = Run(XOR_1000)
    run.step(1)
    assert run.history.last()["evaluated"] is False
    shown = run.metrics()
    last = run.history.last()
    assert last["evaluated"] is True
    assert last["train_loss"] == shown["loss"]["train"] and last["test_accuracy"] == shown["accuracy"]["test"]
    assert {name: last[name] for name in VALUES} == measured_at(XOR_1000, 1)
    # New weights at the same step: the row was recorded at the old ones and keeps none.
    run.step(1)
    run.set_params([{"W": layer.W * 0.5, "b": layer.b} for layer in run.network.layers])
    run.metrics()
    assert run.history.last()["evaluated"] is False and run.history.last()["train_loss"] is None


def test_a_full_batch_run_has_its_training_loss_in_every_row_and_the_rest_on_schedule():
    config = {
        "preset": "xor",
        "data": {"name": "xor", "n": 400, "test_fraction": 0.5},
        "batch": {"size": None, "order": "sequential"},
    }
    run = Run(config)
    k = run._evaluate_every
    assert k > 1  # the test set costs a forward pass the step does not make
    run.step(2 * k)
    rows = run.history.as_dict()
    assert all(loss is not None for loss in rows["train_loss"])
    assert rows["evaluated"] == [s % k == 0 for s in rows["step"]]
    assert [t is not None for t in rows["test_loss"]] == rows["evaluated"]
    for step in (1, k - 1, k):
        assert rows["train_loss"][step] == measured_at(config, step)["train_loss"]


@pytest.mark.parametrize("preset", ["seed-2-3-1", "seed-2-3-1-train", "linear-4-4-4-4"])
def test_the_seed_systems_evaluate_every_row_for_free(preset):
    run = Run({"preset": preset})
    assert run._evaluate_every == 1
    run.step(5)
    assert run.history.column("evaluated") == [True] * 6


def cost_share(sizes, batch, eval_rows, every, k):
    """The share of the run's time evaluation takes under core.metrics' cost model."""
    layers, macs = len(sizes) - 1, sum(a * b for a, b in zip(sizes, sizes[1:]))
    evaluation = sum(layers * LAYER_CALL_MACS + rows * macs for rows in eval_rows)
    return evaluation / (k * STEP_PASSES * (layers * LAYER_CALL_MACS + batch * macs))


@pytest.mark.parametrize(
    "sizes, batch, eval_rows, every",
    [
        ([2, 8, 8, 1], 10, [500, 500], 1),
        ([784, 50, 10], 100, [2000, 2000], 1),
        ([784, 512, 10], 128, [2000, 2000], 1),
        ([2, 4, 2, 1], 10, [100, 100], 3),
        ([2, 4, 1], 1, [4], 1),
    ],
)
def test_the_schedule_is_the_sparsest_that_keeps_evaluation_within_its_share(sizes, batch, eval_rows, every):
    k = evaluation_every(sizes, batch, eval_rows, every)
    assert k % every == 0
    assert cost_share(sizes, batch, eval_rows, 1, k) <= EVALUATION_SHARE + 1e-12
    if k > every:  # one row's steps fewer would go over it
        assert cost_share(sizes, batch, eval_rows, 1, k - every) > EVALUATION_SHARE
    assert evaluation_every(sizes, 2 * batch, eval_rows, every) <= k
    assert evaluation_every(sizes, batch, [2 * r for r in eval_rows], every) >= k


def test_nothing_to_evaluate_or_no_rows_at_all():
    assert evaluation_every([2, 3, 1], 1, [], 1) == 1
    assert evaluation_every([2, 3, 1], 1, [], 4) == 4
    assert evaluation_every([2, 3, 1], 1, [10], 0) == 1  # metrics.every 0: no rows to carry it


DIVERGING = {
    "preset": "xor",
    "layers": [2, 4, 1],
    "activations": ["tanh", "linear"],
    "loss": "mse",
    "optimizer": {"name": "sgd", "lr": 100},
}


@pytest.mark.parametrize("seed", [0, 15])
def test_a_run_leaping_to_a_divergence_is_measured_after_each_leap(seed):
    # Off the schedule the training loss is not measured, but updates that move the
    # parameters by more than BIG_UPDATE of their size are: the update that leaves the
    # loss not finite is caught and undone, so the restored run can go on.
    run = Run({**DIVERGING, "seed": seed})
    k = run._evaluate_every
    assert k > 1
    run.step(500)
    assert run.status == "diverged"
    rows = run.history.as_dict()
    off_schedule = [s for s, e in zip(rows["step"], rows["evaluated"]) if e and s % k]
    assert off_schedule  # the leaps were measured
    run.restore_last_good()
    assert run.metrics()["loss"]["train"] is not None
    run.patch({"optimizer": {"lr": 0.01}})
    assert run.step(3) == 3 and run.status == "paused"


def test_small_updates_are_not_measured_off_the_schedule():
    run = Run({**XOR_1000, "optimizer": {"name": "sgd", "lr": 0.001}})
    run.step(3 * run._evaluate_every)
    rows = run.history.as_dict()
    assert rows["evaluated"] == [s % run._evaluate_every == 0 for s in rows["step"]]
