"""Twin runs (core/fork.py): what a fork copies, what each kind of change keeps or re-makes,
and the words that name the difference."""

import numpy as np
import pytest

from core.errors import ConfigError
from core.fork import difference, difference_words, fork_run
from core.run import Run
from core.state import export_state, import_state


def params_of(run):
    return [a.copy() for a in run.param_arrays()]


def same_arrays(a, b):
    return len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b))


def batch_rows(run, steps):
    """The training rows each of the next `steps` steps takes."""
    rows = []
    for _ in range(steps):
        run.step(1)
        rows.append(run.pending.indices.tolist())
    return rows


@pytest.fixture
def trained():
    """An xor run some way into training, mid-pass, with momentum in its optimizer's slots."""
    run = Run({"preset": "xor", "optimizer": {"name": "momentum", "lr": 0.1}, "batch": {"size": 8}})
    run.step(13)
    return run


def test_an_empty_change_is_an_exact_copy_that_steps_on_bit_for_bit(trained):
    twin = fork_run(trained, {})
    assert twin is not trained and twin.config == trained.config
    assert twin.step_count == trained.step_count == 13
    assert same_arrays(params_of(twin), params_of(trained))
    assert twin.history.as_dict() == trained.history.as_dict()
    trained.step(40)
    twin.step(40)
    assert same_arrays(params_of(twin), params_of(trained))
    assert twin.history.as_dict() == trained.history.as_dict()
    assert same_arrays(twin.optimizer.state["velocity"], trained.optimizer.state["velocity"])


def test_forking_leaves_the_original_untouched(trained):
    before = (params_of(trained), trained.history.as_dict(), trained.batcher.state(), trained.step_count)
    twin = fork_run(trained, {"optimizer": {"lr": 0.5}})
    twin.step(20)
    twin.param_arrays()[0][...] = 7.0  # the twin's arrays are its own
    after = (params_of(trained), trained.history.as_dict(), trained.batcher.state(), trained.step_count)
    assert same_arrays(before[0], after[0]) and before[1:] == after[1:]
    assert trained.config["optimizer"]["lr"] == 0.1


@pytest.mark.parametrize(
    "changes",
    [
        {"optimizer": {"lr": 0.3}},
        {"optimizer": {"momentum": 0.5}},
        {"activations": ["relu", "relu", "sigmoid"]},
        {"regularization": {"kind": "l2", "rate": 0.01}},
        {"loss": "mse"},
    ],
)
def test_changes_that_keep_shapes_keep_weights_slots_history_and_batch_order(trained, changes):
    twin = fork_run(trained, changes)
    assert twin.step_count == 13
    assert same_arrays(params_of(twin), params_of(trained))
    assert same_arrays(twin.optimizer.state["velocity"], trained.optimizer.state["velocity"])
    assert twin.history.as_dict() == trained.history.as_dict()
    assert batch_rows(twin, 30) == batch_rows(trained, 30)
    assert not same_arrays(params_of(twin), params_of(trained))  # the change made a difference


def test_a_new_optimizer_starts_with_empty_slots_from_the_same_weights(trained):
    twin = fork_run(trained, {"optimizer": {"name": "adam"}})
    assert twin.optimizer.name == "adam" and twin.optimizer.state.get("t", 0) == 0
    assert same_arrays(params_of(twin), params_of(trained))
    assert twin.config["optimizer"]["lr"] == 0.1  # the other settings carry over


def test_another_batch_size_keeps_weights_and_goes_on_through_the_same_pass(trained):
    twin = fork_run(trained, {"batch": {"size": 4}})
    assert same_arrays(params_of(twin), params_of(trained))
    assert twin.batcher.state() == trained.batcher.state()
    rows = batch_rows(twin, 2)
    assert [len(r) for r in rows] == [4, 4]


@pytest.mark.parametrize("changes", [{"seed": 5}, {"init": {"scheme": "he"}}])
def test_another_seed_or_scheme_remakes_the_weights_on_the_same_data_and_batches(trained, changes):
    twin = fork_run(trained, changes)
    fresh = Run(trained.config)
    assert twin.step_count == 0 and len(twin.history) == 1
    assert not same_arrays(params_of(twin), [a for W, b in fresh.initial for a in (W, b)])
    assert np.array_equal(twin.data.x_train, trained.data.x_train)
    assert np.array_equal(twin.data.y_train, trained.data.y_train)
    trained.reset()
    assert batch_rows(twin, 30) == batch_rows(trained, 30)
    twin.reset()  # a reset keeps the original's batch order
    trained.reset()
    assert batch_rows(twin, 5) == batch_rows(trained, 5)


def test_a_twin_with_another_seed_keeps_the_originals_batches_when_saved_and_loaded():
    run = Run({"preset": "xor", "batch": {"size": 8}})
    twin = fork_run(run, {"seed": 5})
    twin.step(3)
    back = import_state(export_state(twin))
    assert "streams" not in export_state(run)  # only a twin that follows another seed says it
    assert batch_rows(back, 10) == batch_rows(twin, 10)
    back.reset()
    assert batch_rows(back, 10) == batch_rows(Run(run.config), 10)
    # A twin of the twin, with weights of its own again, still takes the first run's batches.
    third = fork_run(twin, {"init": {"scheme": "he"}})
    assert batch_rows(third, 10) == batch_rows(Run(run.config), 10)
    with pytest.raises(ConfigError) as caught:
        import_state({**export_state(twin), "streams": -1})
    assert caught.value.errors[0]["field"] == "streams"


def test_another_seed_draws_the_new_seeds_weights():
    run = Run({"preset": "xor"})
    twin = fork_run(run, {"seed": 5})
    assert same_arrays(params_of(twin), params_of(Run({"preset": "xor", "seed": 5})))
    assert twin.config["data"]["seed"] == 0  # pinned: the data stays the run's
    assert difference(run.config, twin.config) == ("seed 0", "seed 5")
    same = fork_run(run, {"seed": 0})  # the seed it has: an exact copy, nothing pinned
    assert same.config == run.config and same.data_changes == []


def test_another_noise_keeps_the_weights_and_redraws_the_same_points_noisier(trained):
    twin = fork_run(trained, {"data": {"noise": 0.3}})
    assert same_arrays(params_of(twin), params_of(trained))
    assert twin.history.as_dict() == trained.history.as_dict()
    # xor's noise flips the labels of points near the axes: the points stay where they are.
    assert np.array_equal(twin.data.x_train, trained.data.x_train)
    assert not np.array_equal(twin.data.y_train, trained.data.y_train)
    assert twin.data_changes == [{"step": 13, "rows": len(twin.data.x_train)}]
    assert batch_rows(twin, 10) == batch_rows(trained, 10)


def test_another_row_count_keeps_the_weights_and_starts_a_pass_of_the_new_rows(trained):
    twin = fork_run(trained, {"data": {"n": 100}})
    assert len(twin.data.x_train) == 50 and twin.batcher.n == 50
    assert twin.batcher.epoch == trained.batcher.epoch
    assert same_arrays(params_of(twin), params_of(trained))
    twin.step(10)


def test_another_shape_remakes_the_network_and_carries_the_activation_over(trained):
    twin = fork_run(trained, {"layers": [2, 8, 1]})
    assert twin.sizes == [2, 8, 1] and twin.config["activations"] == ["tanh", "sigmoid"]
    assert twin.step_count == 0
    assert batch_rows(twin, 5) == batch_rows(Run(trained.config), 5)


def test_a_diverged_run_forks_into_a_twin_that_may_go_on():
    run = Run(
        {
            "preset": "xor",
            "layers": [2, 4, 1],
            "activations": ["tanh", "linear"],
            "loss": "mse",
            "optimizer": {"lr": 100},
        }
    )
    run.step(500)
    assert run.status == "diverged"
    assert fork_run(run, {}).status == "diverged"
    twin = fork_run(run, {"optimizer": {"lr": 0.1}})
    assert twin.status == "paused" and twin.step(3) == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"optimizer": {"lr": -1}}, "optimizer.lr"),
        ({"activations": ["tanh", "bogus", "sigmoid"]}, "activations[1]"),
        ({"batch": {"size": 1000}}, "batch.size"),
        ({"preset": "circle"}, "preset"),
        ({"nonsense": 1}, "nonsense"),
        ([1, 2], ""),
    ],
)
def test_bad_changes_raise_the_config_error_naming_the_field(trained, changes, field):
    with pytest.raises(ConfigError) as caught:
        fork_run(trained, changes)
    assert field in [e["field"] for e in caught.value.errors]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"optimizer": {"lr": 0.3}}, "lr 0.1 vs lr 0.3"),
        ({"optimizer": {"name": "adam"}}, "optimizer sgd vs optimizer adam"),
        ({"activations": ["relu", "relu", "sigmoid"]}, "act tanh vs act relu"),
        ({"batch": {"size": None}}, "batch 10 vs batch full"),
        ({"regularization": {"kind": "l2", "rate": 0.01}}, "reg none vs reg l2, reg rate 0.01"),
        ({"data": {"noise": 0.2}}, "noise 0 vs noise 0.2"),
        ({"optimizer": {"lr": 0.3}, "seed": 2}, "lr 0.1, seed 0 vs lr 0.3, seed 2"),
        ({}, "this run vs its copy"),
    ],
)
def test_the_difference_is_named_in_the_field_tables_words(changes, words):
    run = Run({"preset": "xor"})
    assert difference_words(run.config, fork_run(run, changes).config) == words
