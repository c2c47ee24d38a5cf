"""Data typed into the config itself: rows of inputs with targets or class labels."""

from __future__ import annotations

import math
from dataclasses import replace
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

MAX_ROWS = 10000
MAX_COLUMNS = 1024
MAX_CLASSES = 1024
_NUMBER_TYPES = (int, float, np.integer, np.floating)
_BOOL_TYPES = (bool, np.bool_)


def _is_number_type(t: type) -> bool:
    return issubclass(t, _NUMBER_TYPES) and not issubclass(t, _BOOL_TYPES)


def _kind(value: Any) -> str:
    if isinstance(value, _BOOL_TYPES):
        return "a boolean"
    if value is None:
        return "null"
    if isinstance(value, _NUMBER_TYPES):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "an object" if isinstance(value, dict) else type(value).__name__


def check_matrix(value: Any, field: str) -> np.ndarray:
    """Rows of numbers (list of equal-length lists, or a 2-D array) as float64 (rows, cols).

    Allows 1..10,000 rows and 1..1,024 columns of finite numbers; raises DataError(field).
    """
    if isinstance(value, np.ndarray):
        if value.ndim != 2 or value.dtype.kind not in "iuf":
            raise DataError(field, f"must be a 2-D array of numbers, got {value.ndim}-D {value.dtype}")
        rows: np.ndarray | list[Any] | tuple[Any, ...] = value
    elif isinstance(value, (list, tuple)):
        rows = _check_rows(value, field)
    else:
        raise DataError(field, f"must be a list of rows (lists of numbers), got {_kind(value)}")
    n, width = (len(rows), len(rows[0]) if len(rows) else 0)
    if not 1 <= n <= MAX_ROWS:
        raise DataError(field, f"must have between 1 and {MAX_ROWS} rows, got {n}")
    if not 1 <= width <= MAX_COLUMNS:
        raise DataError(field, f"rows must have between 1 and {MAX_COLUMNS} values, got {width}")
    try:
        array = np.array(rows, dtype=np.float64)
    except OverflowError:
        raise DataError(field, "holds a number too large to store") from None
    if not np.isfinite(array).all():
        i, j = np.argwhere(~np.isfinite(array))[0]
        raise DataError(field, f"row {i}, column {j} must be a finite number, got {array[i, j]}")
    return array


def _check_rows(value: list[Any] | tuple[Any, ...], field: str) -> list[Any] | tuple[Any, ...]:
    if len(value) > MAX_ROWS:
        raise DataError(field, f"must have between 1 and {MAX_ROWS} rows, got {len(value)}")
    width, types = None, set[type]()
    for i, row in enumerate(value):
        if not isinstance(row, (list, tuple, np.ndarray)) or np.ndim(row) != 1:
            hint = " (write one row per list, e.g. [[0.5], [1.2]])" if isinstance(row, _NUMBER_TYPES) else ""
            raise DataError(field, f"row {i} must be a list of numbers, got {_kind(row)}{hint}")
        if width is None:
            width = len(row)
        elif len(row) != width:
            raise DataError(
                field, f"all rows must have the same length: row 0 has {width} values, row {i} has {len(row)}"
            )
        types.update(map(type, row))  # C-speed scan; only a bad set needs the slow search
    if not all(_is_number_type(t) for t in types):
        for i, row in enumerate(value):
            for j, cell in enumerate(row):
                if not _is_number_type(type(cell)):
                    raise DataError(field, f"row {i}, column {j} must be a number, got {_kind(cell)}")
    return value


def check_labels(value: Any, field: str = "data.labels") -> np.ndarray:
    """Class numbers (list of ints >= 0, or a 1-D int array) as int64 (n,); raises DataError."""
    if isinstance(value, np.ndarray):
        if value.ndim != 1 or value.dtype.kind not in "iu":
            raise DataError(
                field, f"must be a list of whole numbers, got a {value.ndim}-D {value.dtype} array"
            )
        labels = value.astype(np.int64)
    elif isinstance(value, (list, tuple)):
        if len(value) > MAX_ROWS:
            raise DataError(field, f"must have at most {MAX_ROWS} labels, got {len(value)}")
        for i, label in enumerate(value):
            ok = isinstance(label, _NUMBER_TYPES) and not isinstance(label, _BOOL_TYPES)
            if not ok or not float(label).is_integer():
                shown = label if ok else _kind(label)
                raise DataError(
                    field, f"label {i} must be a whole number (a class index 0, 1, 2, ...), got {shown}"
                )
            if not 0 <= label < MAX_CLASSES:
                raise DataError(field, f"label {i} must be between 0 and {MAX_CLASSES - 1}, got {label}")
        labels = np.array([int(v) for v in value], dtype=np.int64)
    else:
        raise DataError(field, f"must be a list of class numbers, got {_kind(value)}")
    if labels.size and (labels.min() < 0 or labels.max() >= MAX_CLASSES):
        raise DataError(field, f"labels must be between 0 and {MAX_CLASSES - 1}")
    return labels


def read_classes(targets: np.ndarray) -> tuple[np.ndarray | None, int | None]:
    """(labels (n,) int64, n_classes) when targets (n, k) are 0/1 or one-hot, else (None, None).

    One 0/1 column is two classes; several columns with exactly one 1 per row are one-hot,
    as many classes as columns, whichever of them the rows happen to show.
    """
    if not np.isin(targets, (0.0, 1.0)).all():
        return None, None
    if targets.shape[1] == 1:
        return targets[:, 0].astype(np.int64), 2
    if (targets.sum(axis=1) == 1.0).all():
        return np.argmax(targets, axis=1).astype(np.int64), targets.shape[1]
    return None, None


def classify_targets(targets: np.ndarray) -> tuple[np.ndarray | None, int | None]:
    """read_classes, except that targets showing a single class stay regression.

    The 2-3-1 lesson's lone y = 0 with a squared error is a regression: an accuracy over
    one class teaches nothing. A classification loss asks for classes all the same
    (`as_classification`).
    """
    labels, n_classes = read_classes(targets)
    # min < max: more than one class, without np.unique (whose first call imports numpy.ma).
    return (labels, n_classes) if labels is not None and labels.min() < labels.max() else (None, None)


def as_classification(data: Dataset) -> Dataset | None:
    """The same inline rows read as classes (for cce or bce), or None when they are not 0/1
    or one-hot. Rows and their order are unchanged; only the labels are added."""
    train, n_classes = read_classes(data.y_train)
    test, _ = read_classes(data.y_test)
    if train is None or test is None:
        return None
    return replace(data, kind="classification", labels_train=train, labels_test=test, n_classes=n_classes)


def data_domain(x: np.ndarray) -> tuple[tuple[float, float], ...]:
    """A plotting box ((lo, hi) per column of x (n, d)) with a margin around the data.

    0/1 data gets the gates' box (-0.5, 1.5); wide data a quarter of its span each side.
    """
    box = []
    for lo, hi in zip(x.min(axis=0).tolist(), x.max(axis=0).tolist()):
        span = hi - lo
        pad = max(0.25 * span, min(0.5 * span, 0.5)) if span > 0 else 0.5 * max(1.0, abs(lo))
        if not math.isfinite(lo - pad) or not math.isfinite(hi + pad):
            pad = 0.0  # values near the float limit: a margin would overflow to inf
        box.append((lo - pad, hi + pad))
    return tuple(box)


def _given_domain(value: Any, x: np.ndarray) -> tuple[tuple[float, float], ...]:
    """The plotting box of 2-D rows: the one given (widened to hold every row, so a point
    is never off the plane), else data_domain's box around the rows.

    Rows drawn on a plane keep that plane's box: a point added near its edge does not
    move the axes under the pointer.
    """
    if value is None:
        return data_domain(x)
    box = check_matrix(value, "data.domain")
    if box.shape != (2, 2) or not (box[:, 0] < box[:, 1]).all():
        raise DataError("data.domain", "must be [[x low, x high], [y low, y high]], each low below its high")
    lows, highs = np.minimum(box[:, 0], x.min(axis=0)), np.maximum(box[:, 1], x.max(axis=0))
    return tuple((float(lo), float(hi)) for lo, hi in zip(lows.tolist(), highs.tolist()))


def _load(p: dict[str, Any], rng: np.random.Generator, dtype: Any, _mnist_dir: Any) -> Dataset:
    """x (n, d) as given; y (n, k) the given targets, or 0/1 / one-hot from labels.

    With test_fraction 0 the rows keep the given order (lessons depend on it).
    """
    if p["inputs"] is None:
        raise DataError(
            "data.inputs",
            "is required for inline data: a list of rows, e.g. [[1, 1], [1, 0], [0, 1], [0, 0]]",
        )
    x = check_matrix(p["inputs"], "data.inputs")
    n = x.shape[0]
    if p["targets"] is not None and p["labels"] is not None:
        raise DataError("data.labels", "give either targets or labels, not both")
    labels: np.ndarray | None
    n_classes: int | None
    if p["labels"] is not None:
        labels = check_labels(p["labels"])
        if labels.shape[0] != n:
            raise DataError("data.labels", f"has {labels.shape[0]} labels but data.inputs has {n} rows")
        n_classes = max(2, int(labels.max()) + 1)
        y = targets_for_labels(labels, n_classes)
    elif p["targets"] is not None:
        y = check_matrix(p["targets"], "data.targets")
        if y.shape[0] != n:
            raise DataError("data.targets", f"has {y.shape[0]} rows but data.inputs has {n}")
        labels, n_classes = classify_targets(y)
    else:
        raise DataError(
            "data.targets",
            "inline data needs targets (one row of outputs per "
            "input row) or labels (one class number per row)",
        )
    fraction = p["test_fraction"]
    domain = _given_domain(p.get("domain"), x) if x.shape[1] == 2 else None
    if p.get("domain") is not None and x.shape[1] != 2:
        raise DataError("data.domain", f"is a plotting box for 2 input columns; these rows have {x.shape[1]}")
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
        domain=domain,
        kind="classification" if labels is not None else "regression",
    )


INFO = DatasetInfo(
    name="inline",
    kind="any",  # each load decides: classification or regression, from the targets given
    description="Your own rows of numbers: inputs plus the answers (targets or class "
    "labels) the network should learn to give.",
    input_dim=None,
    params={
        "inputs": {
            "type": "matrix",
            "default": None,
            "max_rows": MAX_ROWS,
            "max_columns": MAX_COLUMNS,
            "description": "The input rows, e.g. [[1, 1], [1, 0], [0, 1], [0, 0]].",
        },
        "targets": {
            "type": "matrix",
            "default": None,
            "nullable": True,
            "max_columns": MAX_COLUMNS,
            "description": "One row of wanted outputs per input row. One 0/1 column, "
            "or one-hot rows, make it a classification task (when "
            "they show two classes or more, or the loss is bce or "
            "cce); other numbers make it regression.",
        },
        "labels": {
            "type": "int_list",
            "default": None,
            "nullable": True,
            "max": MAX_CLASSES - 1,
            "description": "Instead of targets: one class number (0, 1, 2, ...) per input row.",
        },
        "test_fraction": fraction_param(0.0),
        "domain": {
            "type": "matrix",
            "default": None,
            "nullable": True,
            "optional": True,  # left out when not set: configs from before it resolve as they did
            "max_rows": 2,
            "max_columns": 2,
            "description": "For 2 input columns: the plane's box [[x low, x high], [y low, y high]] "
            "(widened to hold every row); null: a margin around the rows.",
        },
    },
)
register(
    INFO,
    _load,
    refusals={
        "n": "inline data has exactly the rows you give; drop n",
        "noise": "inline data is used exactly as given; drop noise",
    },
    fixed_rows=unsplit("your rows are used as given"),
)
