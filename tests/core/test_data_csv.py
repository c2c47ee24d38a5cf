"""Tests for core.data.csv: reading a CSV text into rows, classes or regression, and every
refusal naming its line and column."""

from __future__ import annotations

import numpy as np
import pytest

from core.data import DATASETS, DataError, load_dataset
from core.data.csv import MAX_CELLS, MAX_TEXT_BYTES, count_rows
from core.data.inline import MAX_CLASSES, MAX_COLUMNS, MAX_ROWS
from core.data.load import check_spec, data_rows

IRIS_LIKE = """sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.3,3.3,6.0,2.5,virginica
4.9,3.0,1.4,0.2,setosa
6.4,3.2,4.5,1.5,versicolor
"""


def load(text: str, seed: int = 0, **params) -> object:
    return load_dataset({"name": "csv", "text": text, **params}, np.random.default_rng(seed))


def refusal(text: str, **params) -> DataError:
    with pytest.raises(DataError) as caught:
        load(text, **params)
    return caught.value


def test_words_are_classes_in_first_seen_order_and_keep_their_names():
    data = load(IRIS_LIKE, test_fraction=0)
    assert data.kind == "classification"
    assert data.class_names == ("setosa", "versicolor", "virginica")
    assert data.n_classes == 3
    assert data.labels_train.tolist() == [0, 1, 2, 0, 1]
    assert data.y_train.tolist()[2] == [0.0, 0.0, 1.0]  # one-hot for three classes
    assert data.x_train.shape == (5, 4)
    assert data.x_train[1].tolist() == [7.0, 3.2, 4.7, 1.4]
    assert data.domain is None  # four inputs: no plane to draw


def test_whole_numbers_are_classes_in_numeric_order():
    data = load("a,b,label\n0,0,1\n1,1,-1\n2,0,1\n0,2,-1\n", test_fraction=0)
    assert data.kind == "classification"
    assert data.class_names == ("-1", "1")
    assert data.labels_train.tolist() == [1, 0, 1, 0]
    assert data.y_train[:, 0].tolist() == [1.0, 0.0, 1.0, 0.0]  # two classes: one 0/1 column
    assert data.domain is not None and len(data.domain) == 2  # two inputs: the plane's box


def test_other_numbers_are_regression():
    data = load("x,y\n0,0.5\n1,1.5\n2,2\n", test_fraction=0)
    assert data.kind == "regression"
    assert data.labels_train is None and data.class_names is None and data.n_classes is None
    assert data.y_train[:, 0].tolist() == [0.5, 1.5, 2.0]


def test_target_names_a_column_and_the_rest_are_inputs():
    data = load("y,x1,x2\n1.5,1,2\n2.5,3,4\n", target="y", test_fraction=0)
    assert data.x_train.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert data.y_train[:, 0].tolist() == [1.5, 2.5]


def test_quotes_spaces_blank_lines_and_crlf_are_read_as_csv():
    text = 'x, "y y",label\r\n\r\n 1, 2 ,"a, b"\r\n3,4,c\r\n\r\n'
    data = load(text, test_fraction=0)
    assert data.x_train.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert data.class_names == ("a, b", "c")


def test_the_split_is_the_test_fraction_and_the_same_for_a_seed():
    rows = "\n".join(f"{i},{i % 3}" for i in range(50))
    text = f"x,label\n{rows}\n"
    a, b, other = load(text, seed=3), load(text, seed=3), load(text, seed=4)
    assert (len(a.x_train), len(a.x_test)) == (40, 10)  # the default test fraction 0.2
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.labels_test, b.labels_test)
    assert not np.array_equal(a.x_train, other.x_train)
    together = sorted(np.concatenate([a.x_train[:, 0], a.x_test[:, 0]]).tolist())
    assert together == list(range(50))  # every row once, in train or in test
    kept = load(text, test_fraction=0)
    assert kept.x_train[:, 0].tolist() == list(range(50))  # no test rows: the file's order


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "the file is empty"),
        ("\n  \n", "the file is empty"),
        ("x,y\n", "has a header (line 1) but no rows"),
        ("x,y,z\n1,2,3\n4,5\n", "line 3 has 2 cells, the header (line 1) has 3"),
        ("x,y,z\n1,2,3\n4,5,6,7\n", "line 3 has 4 cells, the header (line 1) has 3"),
        ("x1,x2,y\n1,2,0\n1,abc,1\n", "line 3, column x2: 'abc' is not a number"),
        ("x1,x2,y\n1,,0\n", "line 2, column x2: the cell is empty"),
        ("x1,x2,y\n1,nan,0\n", "line 2, column x2: 'nan' is not a finite number"),
        ("x1,x2,y\n1,1e999,0\n", "line 2, column x2: '1e999' is not a finite number"),
        ("x1,x2,y\n1,1_000,0\n", "line 2, column x2: '1_000' is not a number"),
        ("x,y\n1,0.5\n2,abc\n", "line 3, column y: 'abc' is not a number"),
        ("x,y\n1,0.5\n2,\n", "line 3, column y: the cell is empty"),
        ("x,y\n1,a\n2,\n", "line 3, column y: the cell is empty"),
        ("x,y\n1,inf\n", "line 2, column y: 'inf' is not a finite number"),
        ("x\n1\n", "line 1 (the header) has 1 cell"),
        ("x,,y\n1,2,3\n", "line 1 (the header), column 2 has no name"),
        ("x,x\n1,2\n", "the name 'x' is used twice"),
        ("1,2\n3,4\n", "line 1 (the header), column 1: '1' is a number"),
        ('x,y\n1,"2\n', "line 2: unexpected end of data"),
        ("\n\nx,y\n1,2\n1\n", "line 5 has 1 cell, the header (line 3) has 2"),
    ],
)
def test_every_refusal_names_the_text_and_its_line_and_column(text, words):
    error = refusal(text)
    assert error.field == "data.text"
    assert words in error.reason


def test_a_target_that_is_not_a_column_names_the_columns():
    error = refusal("a,b\n1,2\n", target="c")
    assert error.field == "data.target"
    assert "'c'" in error.reason and "a, b" in error.reason


def test_the_limits_are_inline_datas():
    rows = "\n".join("1,0" for _ in range(MAX_ROWS + 1))
    error = refusal(f"x,y\n{rows}\n")
    assert error.reason == f"{MAX_ROWS + 1:,} rows: at most {MAX_ROWS:,}"
    most = load(f"x,y\n{rows.rsplit(chr(10), 1)[0]}\n")
    assert len(most.x_train) + len(most.x_test) == MAX_ROWS
    assert MAX_CELLS == MAX_COLUMNS + 1
    wide = ",".join(f"c{j}" for j in range(MAX_CELLS + 1))
    error = refusal(f"{wide}\n" + ",".join("0" for _ in range(MAX_CELLS + 1)) + "\n")
    assert f"has {MAX_CELLS + 1:,} columns: at most {MAX_CELLS:,}" in error.reason
    widest = ",".join(f"c{j}" for j in range(MAX_CELLS))
    assert (
        load(f"{widest}\n" + ",".join("1" for _ in range(MAX_CELLS)) + "\n").x_train.shape[1] == MAX_COLUMNS
    )
    classes = "\n".join(f"{i},k{i}" for i in range(MAX_CLASSES + 1))
    error = refusal(f"x,y\n{classes}\n")
    assert error.reason == f"column y holds {MAX_CLASSES + 1:,} classes: at most {MAX_CLASSES:,}"


def test_the_text_has_a_stated_size_limit_in_bytes():
    assert DATASETS["csv"].params["text"]["max_bytes"] == MAX_TEXT_BYTES
    blank = "\n" * (MAX_TEXT_BYTES - len("x,y\n1,0\n"))
    assert load(f"x,y\n1,0\n{blank}").x_train.shape == (1, 1)  # exactly at the limit
    error = refusal(f"x,y\n1,0\n{blank}\n")
    assert error.reason == f"{MAX_TEXT_BYTES + 1:,} bytes: at most {MAX_TEXT_BYTES:,}"
    # Bytes, not characters: "é" is two.
    assert "bytes: at most" in refusal("x,y\n1,0\n" + "é" * (MAX_TEXT_BYTES // 2)).reason


def test_text_is_required_and_must_be_a_string():
    assert refusal(None).field == "data.text"  # type: ignore[arg-type]
    error = refusal(["x,y", "1,2"])  # type: ignore[arg-type]
    assert (error.field, error.reason) == ("data.text", "must be the CSV's text, with a header row")


def test_the_rows_are_counted_without_loading():
    assert count_rows(IRIS_LIKE) == 5
    assert count_rows("x,y\n1,2\n3\n") == 0  # a bad text: nothing to count
    spec = {"name": "csv", "text": IRIS_LIKE, "test_fraction": 0.4}
    assert data_rows(spec) == (3, 2)
    data = load(IRIS_LIKE, test_fraction=0.4)
    assert (len(data.x_train), len(data.x_test)) == (3, 2)


def test_the_spec_takes_text_target_test_fraction_and_seed_only():
    name, params = check_spec({"name": "csv", "text": "x,y\n1,2\n"})
    assert name == "csv"
    assert params == {"text": "x,y\n1,2\n", "target": None, "test_fraction": 0.2}
    with pytest.raises(DataError, match="data.noise: csv data is used exactly as given"):
        check_spec({"name": "csv", "text": "x,y\n1,2\n", "noise": 0.1})
    assert check_spec({"name": "csv", "text": "x,y\n1,2\n", "seed": 7})[1]["seed"] == 7
