"""The history's columns: what goes in comes out (None for missing), through growth,
truncation, copies and plain round trips; and a row stays small."""

import math

import numpy as np
import pytest

from core.history import COLUMNS, History


def row(step, norms=True):
    return dict(
        step=step,
        epoch=step // 10,
        train_loss=1.0 / (step + 1),
        test_loss=None if step % 3 else 0.5 + step,
        train_accuracy=0.25 * (step % 5),
        test_accuracy=None,
        batch_loss=None if step == 0 else math.pi * step,
        grad_norm=None if step == 0 or not norms else [0.1 * step, 1e-300, 1e300],
        evaluated=step % 4 != 1,
    )


def filled(n, norms=True):
    history = History()
    for step in range(n):
        history.append(**row(step, norms))
    return history


def test_rows_come_back_as_they_went_in_through_growth():
    history = filled(300)  # several doublings of the arrays
    assert len(history) == 300
    plain = history.as_dict()
    assert list(plain) == list(COLUMNS)
    for step in (0, 1, 63, 64, 65, 299):
        expected = row(step)
        assert {name: plain[name][step] for name in COLUMNS} == expected
    assert history.rows(298) == {name: [row(s)[name] for s in (298, 299)] for name in COLUMNS}
    assert history.last() == row(299)
    assert history.steps.tolist() == list(range(300))
    assert history.column("train_loss", -2) == [1 / 299, 1 / 300]


def test_a_run_without_gradient_norms_has_none_in_every_row():
    history = filled(5, norms=False)
    assert history.as_dict()["grad_norm"] == [None] * 5


def test_truncate_then_append_continues_from_the_kept_rows():
    history = filled(20)
    history.truncate_after(11)
    assert history.steps.tolist() == list(range(12))
    history.append(**row(12))
    assert history.as_dict() == filled(13).as_dict()


def test_head_is_an_independent_copy():
    history = filled(70)
    first = history.head(10)
    history.truncate_after(3)
    history.append(**row(4, norms=False))
    assert first.as_dict() == filled(10).as_dict()
    first.append(**row(10))
    assert first.as_dict() == filled(11).as_dict()


def test_load_takes_what_as_dict_gives_including_json_nulls_in_norms():
    plain = filled(30).as_dict()
    plain["grad_norm"][5] = [None, 2.0, 3.0]  # a norm that was not finite, after JSON
    again = History()
    again.load(plain)
    assert again.as_dict() == plain
    empty = History()
    empty.load({name: [] for name in COLUMNS})
    assert len(empty) == 0 and empty.as_dict() == {name: [] for name in COLUMNS}


def test_a_history_from_before_the_evaluated_column_had_every_row_evaluated():
    plain = filled(6).as_dict()
    older = {name: values for name, values in plain.items() if name != "evaluated"}
    again = History()
    again.load(older)
    assert again.column("evaluated") == [True] * 6
    assert {name: again.column(name) for name in older} == older
    with pytest.raises(TypeError):
        again.load({**plain, "evaluated": [1] * 6})


def test_the_last_row_takes_an_evaluation_once_and_not_while_a_view_holds_it():
    history = History()
    history.append(step=0, batch_loss=None, evaluated=True, train_loss=0.5)
    history.append(step=5, batch_loss=0.7, evaluated=False)
    assert not history.evaluate_last(4, (0.1, 0.2, 0.3, 0.4))  # not that row's step
    assert history.evaluate_last(5, (0.1, None, 0.75, None))
    assert history.last() == {
        "step": 5,
        "epoch": 0,
        "train_loss": 0.1,
        "test_loss": None,
        "train_accuracy": 0.75,
        "test_accuracy": None,
        "batch_loss": 0.7,
        "grad_norm": None,
        "evaluated": True,
    }
    assert not history.evaluate_last(5, (9.0, 9.0, 9.0, 9.0))  # evaluated already
    history.append(step=6, batch_loss=0.6, evaluated=False)
    held = history.view(6)
    assert not history.evaluate_last(6, (0.1, 0.2, 0.3, 0.4))
    assert held.column("train_loss") == [None] and held.column("evaluated") == [False]
    assert history.recent("train_loss", 5) == [0.5, 0.1]


@pytest.mark.parametrize(
    "damage, error",
    [
        (lambda p: p["epoch"].pop(), ValueError),
        (lambda p: p.__setitem__("grad_norm", [None, [1.0], [1.0, 2.0]]), ValueError),
        (lambda p: p.__setitem__("step", ["a", "b", "c"]), ValueError),
        (lambda p: p.__setitem__("train_loss", [{}, 1.0, 2.0]), TypeError),
    ],
)
def test_load_refuses_columns_that_do_not_fit(damage, error):
    plain = filled(3).as_dict()
    damage(plain)
    with pytest.raises(error):
        History().load(plain)


def test_csv_has_a_line_per_row_with_empty_cells_for_missing():
    lines = filled(3).to_csv().splitlines()
    assert lines[0] == "step,epoch,train_loss,test_loss,train_accuracy,test_accuracy,batch_loss,evaluated"
    assert lines[1] == "0,0,1.0,0.5,0.0,,,1"
    assert lines[2].startswith("1,0,0.5,,0.25,,3.14159") and lines[2].endswith(",0")


def test_a_row_costs_well_under_a_hundred_bytes():
    history = filled(10_000)
    arrays = (history._counts, history._values, history._evaluated, history._norms)
    assert sum(a.nbytes for a in arrays) / len(history) < 2 * (16 + 40 + 1 + 24)  # at most half empty


def test_a_column_alone_is_that_column_of_the_rows():
    history = filled(40)
    plain = history.as_dict()
    for name in COLUMNS:
        assert history.column(name) == plain[name]
        assert history.column(name, -5) == plain[name][-5:]
        assert history.column(name, 3, 9) == plain[name][3:9]


def test_a_view_holds_the_rows_of_a_range_of_steps():
    history = History()
    for step in range(0, 60, 3):  # metrics every 3 steps
        history.append(**row(step))
    assert history.view(9, 20).steps.tolist() == [9, 12, 15, 18]
    assert history.view(10, 21).steps.tolist() == [12, 15, 18]
    assert history.view(50).steps.tolist() == [51, 54, 57]
    assert len(history.view(100)) == len(history.view(20, 10)) == 0
    assert history.view().as_dict() == history.as_dict()
    assert history.view(9, 20).rows(1, 3) == history.rows(4, 6)


def test_a_view_keeps_its_rows_while_the_history_goes_back_and_on():
    history = filled(40)
    view = history.view(10)
    before = view.as_dict()
    history.truncate_after(20)  # the rows after 20 are written again, differently
    for step in range(21, 45):
        history.append(**row(step, norms=False))
    assert view.as_dict() == before
    assert history.as_dict()["grad_norm"][21:] == [None] * 24
    with pytest.raises(ValueError):  # read-only
        view.block("train_loss", 0, 5)[0] = 1.0


def test_blocks_are_the_columns_with_nan_for_none():
    history = filled(30)
    history.append(step=30, train_loss=1.0)  # no norms in this row
    for name in COLUMNS:
        block = history.block(name, 5, 31)
        listed = [None if not isinstance(v, list) and v != v else v for v in block.tolist()]
        if name == "grad_norm":
            listed = [None if all(x != x for x in v) else v for v in block.tolist()]
        assert listed == history.column(name, 5, 31), name


def test_csv_rows_in_blocks_join_to_the_csv():
    history = filled(50)
    blocks = "".join(history.csv_rows(start, start + 7) for start in range(0, 50, 7))
    assert history.to_csv() == history.to_csv().splitlines(keepends=True)[0] + blocks
    assert history.csv_rows(10, 5) == ""


def test_a_long_run_keeps_a_thinned_history_of_at_most_history_rows():
    from core.history import HISTORY_ROWS
    from core.run import Run

    run = Run({"preset": "seed-2-3-1"})  # backprop: 25,000 steps in a second or two
    run.step(HISTORY_ROWS + 5000)
    steps = run.history.steps
    assert len(steps) <= HISTORY_ROWS
    assert steps[0] == 0 and steps[-1] == run.step_count and np.all(np.diff(steps) > 0)
    assert np.all(np.diff(steps)[-1000:] == 1)  # the latest stretch in full
    reference = Run({"preset": "seed-2-3-1"})
    recorded = {0: reference.history.last()}
    for _ in range(HISTORY_ROWS + 5000):
        reference.step(1)
        recorded[reference.step_count] = reference.history.last()
    rows = run.history.as_dict()
    for i, step in enumerate(rows["step"]):  # the rows kept are the very rows recorded
        assert {k: v[i] for k, v in rows.items()} == recorded[step]


def test_loading_a_longer_history_thins_it():
    from core.history import HISTORY_ROWS

    long = filled(HISTORY_ROWS + 10).as_dict()
    again = History()
    again.load(long)
    assert len(again) <= HISTORY_ROWS
    kept = again.as_dict()
    where = {step: i for i, step in enumerate(long["step"])}
    assert kept["step"][0] == long["step"][0] and kept["step"][-1] == long["step"][-1]
    for i, step in enumerate(kept["step"]):
        assert {k: v[i] for k, v in kept.items()} == {k: v[where[step]] for k, v in long.items()}
