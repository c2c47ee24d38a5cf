"""Drawn data: a run's rows replaced by the user's (Run.replace_rows), its weights,
optimizer and history kept, and the steps where the data changed remembered."""

import json

import numpy as np
import pytest

from core.data import load_dataset
from core.data.inline import MAX_ROWS
from core.errors import ConfigError
from core.run import MAX_DATA_CHANGES, Run
from core.state import export_state, import_state
from core.timeline import Timeline

CIRCLE = {
    "layers": [2, 4, 1],
    "activations": ["tanh", "sigmoid"],
    "data": {"name": "circle", "n": 100},
    "optimizer": {"name": "adam", "lr": 0.03},
    "batch": {"size": 10, "order": "shuffle"},
    "seed": 4,
}
THREE_CLASSES = {
    "layers": [2, 5, 3],
    "activations": ["tanh", "softmax"],
    "loss": "cce",
    "data": {"name": "inline", "inputs": [[0, 0], [1, 0], [0, 1], [1, 1]], "labels": [0, 1, 2, 1]},
}
PLANE = {"layers": [2, 3, 1], "activations": ["tanh", "linear"], "loss": "mse", "data": {"name": "plane"}}
DRAWN = [[1.0, 1.0], [2.0, -3.0], [-4.0, 0.5]]


def copies(arrays):
    return [np.array(a, copy=True) for a in arrays]


def same(a, b):
    return len(a) == len(b) and all(np.array_equal(u, v) for u, v in zip(a, b))


def optimizer_state(run):
    return {k: copies(v) if isinstance(v, list) else v for k, v in run.optimizer.state.items()}


def test_new_rows_keep_the_weights_optimizer_and_history_bit_for_bit():
    run = Run(CIRCLE)
    run.step(25)
    params, state, history = copies(run.param_arrays()), optimizer_state(run), run.history.as_dict()
    run.replace_rows(DRAWN, labels=[0, 1, 1])
    assert same(run.param_arrays(), params)
    after = optimizer_state(run)
    assert after.keys() == state.keys() and all(
        same(after[k], v) if isinstance(v, list) else after[k] == v for k, v in state.items()
    )
    assert run.history.as_dict() == history and run.step_count == 25
    assert run.data.x_train.tolist() == DRAWN and run.data.labels_train.tolist() == [0, 1, 1]
    assert run.data.x_test.shape == (0, 2)  # drawn points are training rows; no test set
    run.step(4)
    assert run.step_count == 29 and run.metrics()["loss"]["test"] is None


def test_the_config_records_the_rows_and_keeps_the_plane():
    run = Run(CIRCLE)
    box = run.data.domain
    run.replace_rows(DRAWN, labels=[0, 1, 1])
    assert run.config["data"] == {
        "name": "inline",
        "inputs": DRAWN,
        "targets": None,
        "labels": [0, 1, 1],
        "test_fraction": 0.0,
        "domain": [list(pair) for pair in box],
    }
    assert Run(run.config).data.x_train.tolist() == DRAWN  # the config alone replays it
    # A point beyond the plane widens it just enough; other rows give the box kept.
    run.replace_rows([[9.0, 0.0], [0.0, 0.0]], labels=[1, 0])
    assert run.data.domain == ((box[0][0], 9.0), box[1])


def test_the_batch_size_is_capped_at_the_rows_and_a_new_pass_starts():
    run = Run(CIRCLE)
    run.step(25)  # 250 samples of 50 training rows: 5 passes done
    run.replace_rows(DRAWN, labels=[0, 1, 1])
    assert run.config["batch"] == {"size": 3, "order": "shuffle"}
    assert run.batcher.n == 3 and run.batcher.epoch == 5 and run.batcher.samples_seen == 15
    run.step(2)
    assert run.history.last()["epoch"] == 7  # a full batch of the 3 rows is a pass
    run.patch({"batch": {"size": 2}})
    with pytest.raises(ConfigError) as refused:
        run.patch({"batch": {"size": 4}})
    assert refused.value.errors[0]["field"] == "batch.size"


def test_more_classes_keep_the_output_width_when_the_rows_show_fewer():
    run = Run(THREE_CLASSES)
    run.step(3)
    run.replace_rows([[0.5, 0.5], [2.0, 2.0]], labels=[0, 0])
    assert run.data.kind == "classification" and run.data.n_classes == 3
    assert run.config["data"]["targets"] == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    run.step(2)
    assert run.step_count == 5


def test_regression_rows_take_targets():
    run = Run(PLANE)
    run.replace_rows([[0.0, 1.0], [1.0, 0.0]], targets=[[0.5], [-2.0]])
    assert run.data.kind == "regression" and run.data.y_train.tolist() == [[0.5], [-2.0]]
    with pytest.raises(ConfigError) as refused:
        run.replace_rows([[0.0, 1.0]], labels=[1])
    assert refused.value.errors[0]["field"] == "labels" and "regression" in refused.value.errors[0]["reason"]


@pytest.mark.parametrize(
    ("rows", "field", "words"),
    [
        ({"inputs": [], "labels": []}, "inputs", "empty"),
        ({"inputs": [[1.0, 2.0, 3.0]], "labels": [0]}, "inputs", "2 (the input layer's width), got 3"),
        ({"inputs": [[1.0, 2.0]], "labels": [2]}, "labels", "classes are 0 to 1"),
        ({"inputs": [[1.0, 2.0]], "labels": [-1]}, "labels", "between 0 and"),
        ({"inputs": [[1.0, 2.0]], "labels": [0, 1]}, "labels", "2 labels but inputs has 1 rows"),
        ({"inputs": [[1.0, 2.0]], "targets": [[0.0, 1.0]]}, "targets", "1 (the output layer's width)"),
        ({"inputs": [[1.0, 2.0]]}, "targets", "targets"),
        ({"inputs": [[1.0, float("nan")]], "labels": [0]}, "inputs", "finite"),
        ({"inputs": [[0.0, 0.0]] * (MAX_ROWS + 1), "labels": [0] * (MAX_ROWS + 1)}, "inputs", "10000 rows"),
    ],
)
def test_bad_rows_are_refused_by_name_and_change_nothing(rows, field, words):
    run = Run(CIRCLE)
    run.step(3)
    config, data, params = json.dumps(run.config), run.data, copies(run.param_arrays())
    with pytest.raises(ConfigError) as refused:
        run.replace_rows(**rows)
    error = refused.value.errors[0]
    assert error["field"] == field and words in error["reason"], error
    assert json.dumps(run.config) == config and run.data is data and same(run.param_arrays(), params)
    assert run.data_changes == []
    run.step(1)  # still the old rows, still training
    assert run.step_count == 4


def test_the_data_changes_are_marked_once_a_step_and_a_reset_clears_them():
    run = Run(CIRCLE)
    run.step(5)
    run.replace_rows(DRAWN, labels=[0, 1, 1])
    run.replace_rows(DRAWN[:2], labels=[0, 1])  # two edits at one step: one mark, the last
    run.step(3)
    run.new_data(9)  # new rows drawn afresh are a data change too
    assert run.data_changes == [{"step": 5, "rows": 2}, {"step": 8, "rows": 2}]
    run.reset()
    assert run.data_changes == [] and run.data.x_train.tolist() == DRAWN[:2]


def test_a_long_run_keeps_the_newest_marks():
    run = Run(CIRCLE)
    for step in range(MAX_DATA_CHANGES + 5):
        run.step(1)
        run.replace_rows(DRAWN[: 1 + step % 3], labels=[0, 1, 1][: 1 + step % 3])
    assert len(run.data_changes) == MAX_DATA_CHANGES and run.data_changes[-1]["step"] == run.step_count
    assert run.data_changes[0]["step"] == 6


def test_an_edit_in_the_middle_of_a_step_abandons_it():
    run = Run(CIRCLE)
    run.step_phase()  # forward: a batch of the old rows drawn
    run.replace_rows(DRAWN, labels=[0, 1, 1])
    assert run.phase is None and run.pending is None
    run.step(1)
    assert run.step_count == 1


def test_export_import_and_time_travel_replay_the_drawn_rows_and_marks():
    run = Run(CIRCLE)
    timeline = Timeline(run)
    for _ in range(3):
        run.step(4)
        timeline.record(run)
    run.replace_rows(DRAWN, labels=[0, 1, 1])
    timeline.record(run, pinned=True)
    run.step(6)
    timeline.record(run)
    doc = json.loads(json.dumps(export_state(run)))
    assert doc["data_changes"] == [{"step": 12, "rows": 3}]
    back = import_state(doc)
    assert back.data_changes == run.data_changes and back.data.x_train.tolist() == DRAWN
    run.step(5)
    back.step(5)
    assert same(back.param_arrays(), run.param_arrays())
    # A step after the change comes back on the drawn rows; one before it on the old.
    assert timeline.state_at(run, 15).data.x_train.tolist() == DRAWN
    before = timeline.state_at(run, 8)
    assert before.data_changes == [] and len(before.data.x_train) == 50


@pytest.mark.parametrize(
    "marks",
    [
        "no",
        [{"step": 3}],
        [{"step": 3, "rows": 0}],
        [{"step": -1, "rows": 2}],
        [{"step": 3, "rows": 2, "more": 1}],
        [{"step": 3, "rows": 2}, {"step": 3, "rows": 1}],
        [{"step": True, "rows": 2}],
    ],
)
def test_an_import_refuses_damaged_marks(marks):
    doc = export_state(Run(CIRCLE))
    with pytest.raises(ConfigError) as refused:
        import_state({**doc, "data_changes": marks})
    assert refused.value.errors[0]["field"] == "data_changes"


def test_an_export_from_before_the_marks_imports_without_them():
    doc = export_state(Run(CIRCLE))
    del doc["data_changes"]
    assert import_state(doc).data_changes == []


def test_inline_domain_is_for_planes_and_must_be_a_box():
    rng = np.random.default_rng(0)
    spec = {"name": "inline", "inputs": [[0.0, 0.0], [1.0, 1.0]], "labels": [0, 1]}
    assert load_dataset({**spec, "domain": [[-2, 2], [-1, 3]]}, rng).domain == ((-2.0, 2.0), (-1.0, 3.0))
    for bad in ([[2, -2], [-1, 3]], [[0, 1]], [[0, 1, 2], [0, 1, 2]]):
        with pytest.raises(ValueError, match="data.domain"):
            load_dataset({**spec, "domain": bad}, rng)
    with pytest.raises(ValueError, match="data.domain"):
        load_dataset({"name": "inline", "inputs": [[1.0]], "labels": [0], "domain": [[0, 1], [0, 1]]}, rng)
