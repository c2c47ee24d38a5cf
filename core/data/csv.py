"""A CSV text with a header row: numeric input columns and one target column.

The limits are inline data's (core.data.inline): the same rows, inputs and classes, as a
CSV is the same rows written another way. Every error names `data.text` (or
`data.target`) and, in its reason, the line and the column, so a front end can show it
next to the text box and the user can find the cell.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np

from core.data.base import (
    DataError,
    Dataset,
    DatasetInfo,
    fraction_param,
    make_dataset,
    register,
    targets_for_labels,
    unsplit,
)
from core.data.inline import MAX_CLASSES, MAX_COLUMNS, MAX_ROWS, data_domain

# The longest a float64 is written in full (repr of -2.2250738585072014e-308) and its comma.
CELL_BYTES = 25
# The text may hold MAX_ROWS rows of 16 numbers written in full: 4,000,000 bytes, under the
# server's default request limit (8 MB) once written in JSON. Wider data fits when its
# numbers are shorter (they usually are: "0.5", "12").
WIDE_ROW = 16
MAX_TEXT_BYTES = MAX_ROWS * WIDE_ROW * CELL_BYTES
MAX_CELLS = MAX_COLUMNS + 1  # the inputs and the target

TEXT = "data.text"
TARGET = "data.target"


def _number(cell: str) -> float | None:
    """The number a cell holds, or None when it holds text (or nothing)."""
    try:
        value = float(cell)
    except ValueError:
        return None
    # float() also reads "1_000": a CSV number has no underscores; "nan" / "inf" are
    # numbers here, refused later as not finite.
    return None if "_" in cell else value


def _rows(text: str) -> tuple[list[str], int, list[tuple[int, list[str]]]]:
    """(header cells, its line, [(line, cells)] of the rows), blank lines skipped, cells
    stripped. Raises DataError for an empty file, a missing header name, ragged rows and
    too many rows or columns."""
    import csv  # here: a command that reads no CSV (nnplay train) starts without it

    reader = csv.reader(io.StringIO(text), skipinitialspace=True, strict=True)
    header: list[str] | None = None
    header_line = 0
    rows: list[tuple[int, list[str]]] = []
    count = 0
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a blank line (a trailing newline, a gap between blocks)
            line = reader.line_num
            cells = [cell.strip() for cell in cells]
            if header is None:
                header, header_line = _check_header(cells, line), line
                continue
            if len(cells) != len(header):
                header_cells = f"the header (line {header_line}) has {len(header)}"
                raise DataError(TEXT, f"line {line} has {_cells(len(cells))}, {header_cells}")
            count += 1
            if count <= MAX_ROWS:
                rows.append((line, cells))
    except csv.Error as error:
        raise DataError(TEXT, f"line {reader.line_num}: {error}") from None
    if header is None:
        raise DataError(TEXT, "the file is empty: write a header row, then one row per example")
    if not rows:
        raise DataError(TEXT, f"the file has a header (line {header_line}) but no rows of data")
    if count > MAX_ROWS:
        raise DataError(TEXT, f"{count:,} rows: at most {MAX_ROWS:,}")
    return header, header_line, rows


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def _check_header(cells: list[str], line: int) -> list[str]:
    if len(cells) < 2:
        raise DataError(
            TEXT,
            f"line {line} (the header) has {_cells(len(cells))}: at least one input column and the "
            "target column, separated by commas",
        )
    if len(cells) > MAX_CELLS:
        raise DataError(
            TEXT,
            f"line {line} (the header) has {len(cells):,} columns: at most {MAX_CELLS:,} "
            f"({MAX_COLUMNS:,} inputs and the target)",
        )
    seen: set[str] = set()
    for j, name in enumerate(cells):
        if not name:
            raise DataError(TEXT, f"line {line} (the header), column {j + 1} has no name")
        if _number(name) is not None:
            raise DataError(
                TEXT,
                f"line {line} (the header), column {j + 1}: {name!r} is a number, not a name "
                "(the first row names the columns)",
            )
        if name in seen:
            raise DataError(TEXT, f"line {line} (the header): the name {name!r} is used twice")
        seen.add(name)
    return cells


def _target_index(header: list[str], target: str | None) -> int:
    if target is None:
        return len(header) - 1
    if not isinstance(target, str):
        raise DataError(TARGET, "must be the name of a column in the header")
    if target not in header:
        raise DataError(TARGET, f"no column is named {target!r}; the columns are: {', '.join(header)}")
    return header.index(target)


def _inputs(rows: list[tuple[int, list[str]]], header: list[str], columns: list[int]) -> np.ndarray:
    """The input columns as float64 (n, d): every cell a finite number."""
    x = np.empty((len(rows), len(columns)), dtype=np.float64)
    for i, (line, cells) in enumerate(rows):
        for k, j in enumerate(columns):
            value = _number(cells[j])
            if value is None or not math.isfinite(value):
                raise DataError(TEXT, f"line {line}, column {header[j]}: {_shown(cells[j])}")
            x[i, k] = value
    return x


def _shown(cell: str) -> str:
    if not cell:
        return "the cell is empty, and inputs must be numbers"
    if _number(cell) is not None:
        return f"{cell!r} is not a finite number"
    return f"{cell!r} is not a number"


def read_targets(
    rows: list[tuple[int, list[str]]], name: str, j: int
) -> tuple[np.ndarray, np.ndarray | None, int | None, tuple[str, ...] | None]:
    """(y (n, k) float64, labels (n,) or None, n_classes or None, class names or None).

    A column of whole numbers and words holds class labels: whole numbers in numeric order,
    words in the order they first appear (a mix is read as words, "1" one of them). Any
    other number makes it regression, where every cell must be a finite number.
    """
    cells = [cells[j] for _, cells in rows]
    numbers = [_number(cell) for cell in cells]
    if not all(v is None or v.is_integer() for v in numbers):
        for (line, _), cell, value in zip(rows, cells, numbers):
            if value is None or not math.isfinite(value):
                raise DataError(TEXT, f"line {line}, column {name}: {_shown(cell)}")
        return np.array(numbers, dtype=np.float64).reshape(-1, 1), None, None, None
    for (line, _), cell in zip(rows, cells):
        if not cell:
            raise DataError(
                TEXT, f"line {line}, column {name}: the cell is empty, and every row needs a target"
            )
    if all(v is not None for v in numbers):
        # Whole numbers: the classes in numeric order, named as written ("-1" and "1").
        values = sorted({int(v) for v in numbers if v is not None})
        names = tuple(str(v) for v in values)
        keys = [str(int(v)) for v in numbers if v is not None]
    else:
        names = tuple(dict.fromkeys(cells))
        keys = cells
    if len(names) > MAX_CLASSES:
        raise DataError(TEXT, f"column {name} holds {len(names):,} classes: at most {MAX_CLASSES:,}")
    index = {key: i for i, key in enumerate(names)}
    labels = np.array([index[key] for key in keys], dtype=np.int64)
    n_classes = max(2, len(names))
    return targets_for_labels(labels, n_classes), labels, n_classes, names


# The input columns' names, and the classes' names (None for regression).
Names = tuple[tuple[str, ...], tuple[str, ...] | None]


def read_csv(
    text: Any, target: Any = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, int | None, Names]:
    """(x (n, d), y (n, k), labels or None, n_classes or None, (input names, class names))."""
    if not isinstance(text, str):
        raise DataError(TEXT, "must be the CSV's text, with a header row")
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise DataError(TEXT, f"{size:,} bytes: at most {MAX_TEXT_BYTES:,}")
    header, _, rows = _rows(text)
    j = _target_index(header, target)
    columns = [i for i in range(len(header)) if i != j]
    x = _inputs(rows, header, columns)
    y, labels, n_classes, names = read_targets(rows, header[j], j)
    return x, y, labels, n_classes, (tuple(header[i] for i in columns), names)


def csv_head(text: Any, rows: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header's column names, and the first `rows` rows as (line, cells as read),
    of a CSV text that read_csv accepts."""
    header, _, body = _rows(text)
    return header, body[:rows]


def count_rows(text: Any) -> int:
    """The data rows a CSV text holds (0 when it cannot be read): its memory is worked out
    before it is loaded."""
    try:
        return len(_rows(text)[2]) if isinstance(text, str) and len(text) <= MAX_TEXT_BYTES else 0
    except DataError:
        return 0


def _load(p: dict[str, Any], rng: np.random.Generator, dtype: Any, _mnist_dir: Any) -> Dataset:
    """The CSV's rows, split into train and test rows by the data seed (in the given order
    with test_fraction 0)."""
    if p["text"] is None:
        raise DataError(TEXT, "is required for csv data: a header row, then one row per example")
    x, y, labels, n_classes, (_, names) = read_csv(p["text"], p["target"])
    fraction = p["test_fraction"]
    return make_dataset(
        INFO,
        x,
        y,
        labels,
        n_classes=n_classes,
        test_fraction=fraction,
        rng=rng,
        dtype=dtype,
        shuffle=fraction > 0,
        domain=data_domain(x) if x.shape[1] == 2 else None,
        kind="classification" if labels is not None else "regression",
        class_names=names,
    )


INFO = DatasetInfo(
    name="csv",
    kind="any",  # each load decides: classification or regression, from the target column
    description="Your own table, as CSV with a header row: the numeric columns are the inputs, "
    "the target column holds class labels (whole numbers or words) or numbers to predict.",
    input_dim=None,
    params={
        "text": {
            "type": "text",
            "default": None,
            "max_bytes": MAX_TEXT_BYTES,
            "max_rows": MAX_ROWS,
            "max_columns": MAX_CELLS,
            "max_classes": MAX_CLASSES,
            "description": "The CSV: a header row naming the columns, then one row per example, "
            'e.g. "x1,x2,label\\n0.5,1.2,red\\n-1,0.3,blue".',
        },
        "target": {
            "type": "text",
            "default": None,
            "nullable": True,
            "description": "The name of the column the network should predict; null: the last column.",
        },
        "test_fraction": fraction_param(0.2),
    },
)
register(
    INFO,
    _load,
    refusals={
        "n": "csv data has exactly the rows in the text; drop n",
        "noise": "csv data is used exactly as given; drop noise",
    },
    fixed_rows=unsplit("the table's rows are used as given"),
)
