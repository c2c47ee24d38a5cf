"""Per-step metrics of a run, kept column-wise in growing NumPy arrays.

A class's server keeps every session's history for the whole lesson: as arrays a row
costs about 70 bytes (as Python lists of floats it was about 350), and arrays are
nothing for the garbage collector to walk. Missing values (no test set, step 0's
gradient norms) are NaN inside and None outside.

A row always has the step's batch loss and gradient norms; the train and test loss and
accuracy (a forward pass over each evaluation set) only where the run evaluated them:
`evaluated` says which rows carry both (core/run.py explains when). A full-batch run's
rows carry the training set's numbers by themselves, and most others none.

Rows once recorded are never written again while anyone may still read them: appending
writes after them, and truncating leaves the rows a view holds in arrays of their own. So
a view of a long history (view()) is taken at once and read at leisure, in pieces, while
the run trains on.

A history is bounded: a run that reaches HISTORY_ROWS rows goes on with a thinned copy
(`thinned`: the first row, the last, and every other row between), so a session's
history never costs more than HISTORY_ROWS rows, however long it trains. The older
rows thin again and again, the newest are every recorded step: a loss curve shows the
whole run and, in full detail, its latest stretch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

COLUMNS = (
    "step",
    "epoch",
    "train_loss",
    "test_loss",
    "train_accuracy",
    "test_accuracy",
    "batch_loss",
    "grad_norm",
    "evaluated",
)
COUNTS = ("step", "epoch")
VALUES = ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "batch_loss")
CSV_COLUMNS = tuple(name for name in COLUMNS if name != "grad_norm")  # one number a cell
# Columns older records and exports lack, with what their rows were: every row then
# carried the full evaluation.
OPTIONAL = {"evaluated": True}
FIRST_CAPACITY = 64
# Rows a run's history keeps at most (core.memory counts them): a loss curve a thousand
# pixels wide cannot show more, and a row costs 8 bytes a column.
HISTORY_ROWS = 20_000


class History:
    """Rows of metrics; row k holds the metrics recorded after some step, steps rising.

    `grad_norm` holds, per recorded step, the L2 norm of each layer's dL/dW used by the
    update that led to it (None at step 0, before any update). `evaluated` is True where
    the row carries the train and test evaluation (its missing values are then missing
    for good: no test rows, a loss that is not finite), False where they were not measured.
    """

    def __init__(self) -> None:
        self._n = 0
        self._counts = np.zeros((FIRST_CAPACITY, len(COUNTS)), dtype=np.int64)
        self._values = np.full((FIRST_CAPACITY, len(VALUES)), np.nan)
        self._evaluated = np.zeros(FIRST_CAPACITY, dtype=bool)
        self._norms: np.ndarray | None = None  # (capacity, layers), made at the first norms
        self._viewed = 0  # rows of these arrays that views share (view()): never written again

    def __len__(self) -> int:
        return self._n

    @property
    def steps(self) -> np.ndarray:
        """The step of every row (n,), a read-only view."""
        view = self._counts[: self._n, 0]
        view.flags.writeable = False
        return view

    @property
    def norm_layers(self) -> int:
        """How many gradient norms a row holds (0 before the first)."""
        return 0 if self._norms is None else self._norms.shape[1]

    def append(self, **row: Any) -> None:
        self.add(
            row.get("step") or 0,
            row.get("epoch") or 0,
            tuple(row.get(name) for name in VALUES),
            row.get("grad_norm"),
            row.get("evaluated", True),
        )

    def add(
        self, step: int, epoch: int, values: tuple[Any, ...], norms: list[Any] | None, evaluated: bool
    ) -> None:
        """append(), positionally: `values` in VALUES' order (None for missing). A run
        records a row every step, and keywords cost more than the row's writes."""
        n = self._n
        if n == len(self._counts):
            self._grow(max(min(2 * n, HISTORY_ROWS), n + 1))
        counts = self._counts
        counts[n, 0] = step
        counts[n, 1] = epoch
        self._evaluated[n] = evaluated
        self._values[n] = values  # NumPy writes None as NaN into a float row
        if norms is not None:
            self._norms_for(len(norms))[n] = norms
        elif self._norms is not None:
            self._norms[n] = np.nan
        self._n = n + 1  # last: a reader never sees half a row

    def evaluate_last(self, step: int, values: tuple[Any, ...]) -> bool:
        """Give the last row, if it is at `step` and not evaluated, the evaluation `values`
        (the four VALUES before batch_loss, in order; None for missing), measured at that
        step's parameters. Not a row a view shares (its readers see it as it was); returns
        whether the row took them."""
        n = self._n
        if not n or n <= self._viewed or self._evaluated[n - 1] or self._counts[n - 1, 0] != step:
            return False
        self._values[n - 1, : len(values)] = values  # None as NaN
        self._evaluated[n - 1] = True
        return True

    def recent(self, name: str, count: int) -> list[float]:
        """The last `count` values of a VALUES column that the rows have (missing skipped)."""
        column = self._values[: self._n, VALUES.index(name)]
        return column[~np.isnan(column)][-count:].tolist()

    def truncate_after(self, step: int) -> None:
        """Drop every row recorded after `step` (continuing from an earlier step)."""
        self._n = int(np.count_nonzero(self.steps <= step))
        if self._n < self._viewed:
            # The next rows would be written over rows a view holds: go on in a copy.
            self._grow(len(self._counts))

    def view(self, first_step: int = 0, stop_step: int | None = None) -> History:
        """The rows recorded at steps first_step <= step < stop_step (None: to the end), as a
        History to read that shares these arrays (read-only views of them): taking it costs
        nothing however long the history is, and its rows stay as they are while this
        history goes on."""
        steps = self.steps
        start = int(np.searchsorted(steps, first_step, side="left"))
        stop = len(steps) if stop_step is None else int(np.searchsorted(steps, stop_step, side="left"))
        stop = max(start, stop)
        self._viewed = max(self._viewed, stop)
        part = History.__new__(History)
        part._n, part._viewed = stop - start, 0
        part._counts = _read_only(self._counts[start:stop])
        part._values = _read_only(self._values[start:stop])
        part._evaluated = _read_only(self._evaluated[start:stop])
        part._norms = None if self._norms is None else _read_only(self._norms[start:stop])
        return part

    def thinned(self) -> History:
        """A copy with the first row, the last, and every other row between them: about
        half as many. A copy, not a change in place: a reader of this history (a frame
        being rendered while training goes on) keeps seeing whole rows."""
        n = self._n
        keep = np.concatenate([[0], np.arange(n - 1, 0, -2)[::-1]]) if n > 2 else np.arange(n)
        copy = History()
        copy._grow(max(FIRST_CAPACITY, len(keep)))
        copy._counts[: len(keep)] = self._counts[keep]
        copy._values[: len(keep)] = self._values[keep]
        copy._evaluated[: len(keep)] = self._evaluated[keep]
        if self._norms is not None:
            copy._norms_for(self._norms.shape[1])[: len(keep)] = self._norms[keep]
        copy._n = len(keep)
        return copy

    def rows(self, start: int, stop: int | None = None) -> dict[str, list[Any]]:
        """Rows start..stop-1 as plain lists per column (JSON's arrays, None for missing)."""
        return {name: self.column(name, start, stop) for name in COLUMNS}

    def column(self, name: str, start: int = 0, stop: int | None = None) -> list[Any]:
        """One column's rows start..stop-1 as a plain list."""
        start, stop, _ = slice(start, stop).indices(self._n)
        stop = max(start, stop)
        if name in COUNTS:
            return self._counts[start:stop, COUNTS.index(name)].tolist()
        if name in VALUES:
            return _listed(self._values[start:stop, VALUES.index(name)])
        if name == "evaluated":
            return self._evaluated[start:stop].tolist()
        if name != "grad_norm":
            raise KeyError(name)
        if self._norms is None:
            return [None] * (stop - start)
        # A row without a single norm is None (step 0); one with some missing keeps the rest.
        block = self._norms[start:stop]
        missing = np.isnan(block)
        listed = block.tolist()
        empty = missing.all(axis=1)
        for i in np.flatnonzero(missing.any(axis=1)).tolist():
            listed[i] = None if empty[i] else _nan_to_none(listed[i])
        return listed

    def block(self, name: str, start: int, stop: int) -> np.ndarray | None:
        """One column's rows start..stop-1 as they are kept, a read-only array: NaN where
        column() has None; grad_norm is (rows, layers), a row of NaN being column()'s
        None, or None when no row has norms. For a writer that takes arrays whole."""
        start, stop, _ = slice(start, stop).indices(self._n)
        rows = slice(start, max(start, stop))
        if name in COUNTS:
            return _read_only(self._counts[rows, COUNTS.index(name)])
        if name in VALUES:
            return _read_only(self._values[rows, VALUES.index(name)])
        if name == "evaluated":
            return _read_only(self._evaluated[rows])
        if name != "grad_norm":
            raise KeyError(name)
        return None if self._norms is None else _read_only(self._norms[rows])

    def as_dict(self) -> dict[str, list[Any]]:
        return self.rows(0, self._n)

    def last(self) -> dict[str, Any] | None:
        if not self._n:
            return None
        return {name: values[0] for name, values in self.rows(self._n - 1).items()}

    def head(self, rows: int) -> History:
        """A copy of the first `rows` rows."""
        copy = History()
        copy._grow(max(FIRST_CAPACITY, rows))
        copy._counts[:rows] = self._counts[:rows]
        copy._values[:rows] = self._values[:rows]
        copy._evaluated[:rows] = self._evaluated[:rows]
        if self._norms is not None:
            copy._norms_for(self._norms.shape[1])[:rows] = self._norms[:rows]
        copy._n = rows
        return copy

    def load(self, columns: dict[str, list[Any]]) -> None:
        """Replace the rows with plain columns (as as_dict gives them); raises ValueError
        or TypeError on columns that do not fit. A column of OPTIONAL may be left out."""
        n = len(columns.get("step", []))
        columns = {**{name: [value] * n for name, value in OPTIONAL.items()}, **columns}
        lengths = {len(columns.get(name, [])) for name in COLUMNS}
        if len(lengths) != 1:
            raise ValueError("history columns must all have the same length")
        n = lengths.pop()
        fresh = History()
        fresh._grow(max(FIRST_CAPACITY, n))
        fresh._counts[:n] = np.array([columns[name] for name in COUNTS], dtype=np.int64).T
        fresh._values[:n] = np.array(
            [[np.nan if v is None else v for v in columns[name]] for name in VALUES], dtype=np.float64
        ).T
        evaluated = columns["evaluated"]
        if not all(isinstance(v, bool) for v in evaluated):
            raise TypeError("evaluated must be a list of true/false")
        fresh._evaluated[:n] = evaluated
        norms = columns["grad_norm"]
        widths = {len(row) for row in norms if row is not None}
        if len(widths) > 1:
            raise ValueError("grad_norm rows must all have the same length")
        if widths:
            width = widths.pop()
            fresh._norms_for(width)[:n] = np.array(
                [
                    [np.nan] * width if row is None else [np.nan if v is None else v for v in row]
                    for row in norms
                ],
                dtype=np.float64,
            ).reshape(n, width)
        fresh._n = n
        while fresh._n > HISTORY_ROWS:  # a longer history (an import) as the run would keep it
            fresh = fresh.thinned()
        self._counts, self._values, self._evaluated, self._norms, self._n = (
            fresh._counts,
            fresh._values,
            fresh._evaluated,
            fresh._norms,
            fresh._n,
        )
        self._viewed = 0

    def to_csv(self) -> str:
        """A header line, then one line per recorded step; empty cells for missing values."""
        return csv_header() + self.csv_rows(0, self._n)

    def csv_rows(self, start: int, stop: int) -> str:
        """Rows start..stop-1 as CSV lines (CSV_COLUMNS, no header), each ending in a
        newline: numbers as Python writes them (repr), an empty cell for a missing one;
        `evaluated` as 1 or 0."""
        start, stop, _ = slice(start, stop).indices(self._n)
        if stop <= start:
            return ""
        cells = [list(map(str, column)) for column in self._counts[start:stop].T.tolist()]
        for column in self._values[start:stop].T:
            text = list(map(repr, column.tolist()))
            for i in np.flatnonzero(np.isnan(column)).tolist():
                text[i] = ""
            cells.append(text)
        cells.append(["1" if full else "0" for full in self._evaluated[start:stop].tolist()])
        return "\n".join(map(",".join, zip(*cells))) + "\n"

    def _grow(self, capacity: int) -> None:
        n = self._n
        counts = np.zeros((capacity, len(COUNTS)), dtype=np.int64)
        values = np.full((capacity, len(VALUES)), np.nan)
        evaluated = np.zeros(capacity, dtype=bool)
        counts[:n], values[:n], evaluated[:n] = self._counts[:n], self._values[:n], self._evaluated[:n]
        if self._norms is not None:
            norms = np.full((capacity, self._norms.shape[1]), np.nan)
            norms[:n] = self._norms[:n]
            self._norms = norms
        self._counts, self._values, self._evaluated = counts, values, evaluated
        self._viewed = 0  # fresh arrays: no view shares them

    def _norms_for(self, layers: int) -> np.ndarray:
        if self._norms is None:
            self._norms = np.full((len(self._counts), layers), np.nan)
        elif self._norms.shape[1] != layers:
            raise ValueError(f"grad_norm rows have {self._norms.shape[1]} values, not {layers}")
        return self._norms


def csv_header() -> str:
    return ",".join(CSV_COLUMNS) + "\n"


def _listed(column: np.ndarray) -> list[Any]:
    """A column of floats as a list, None for NaN (most blocks have none, or only NaN:
    one C call)."""
    missing = np.isnan(column)
    if missing.all():
        return [None] * len(column)
    listed = column.tolist()
    return _nan_to_none(listed) if missing.any() else listed


def _nan_to_none(values: list[Any]) -> list[Any]:
    return [None if v != v else v for v in values]


def _read_only(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array
