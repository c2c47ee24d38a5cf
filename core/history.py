"""Per-step metrics of a run, kept column-wise in growing NumPy arrays.

A class's server keeps every session's history for the whole lesson: as arrays a row
costs about 70 bytes (as Python lists of floats it was about 350), and arrays are
nothing for the garbage collector to walk. Missing values (no test set, step 0's
gradient norms) are NaN inside and None outside.

A history is bounded: a run that reaches HISTORY_ROWS rows goes on with a thinned copy
(`thinned`: the first row, the last, and every other row between), so a session's
history never costs more than HISTORY_ROWS rows, however long it trains. The older
rows thin again and again, the newest are every recorded step: a loss curve shows the
whole run and, in full detail, its latest stretch.
"""
from __future__ import annotations

import numpy as np

COLUMNS = ("step", "epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
           "batch_loss", "grad_norm")
COUNTS = ("step", "epoch")
VALUES = ("train_loss", "test_loss", "train_accuracy", "test_accuracy", "batch_loss")
FIRST_CAPACITY = 64
# Rows a run's history keeps at most (core.memory counts them): a loss curve a thousand
# pixels wide cannot show more, and a row costs 8 bytes a column.
HISTORY_ROWS = 20_000


class History:
    """Rows of metrics; row k holds the metrics recorded after some step, steps rising.

    `grad_norm` holds, per recorded step, the L2 norm of each layer's dL/dW used by the
    update that led to it (None at step 0, before any update).
    """

    def __init__(self):
        self._n = 0
        self._counts = np.zeros((FIRST_CAPACITY, len(COUNTS)), dtype=np.int64)
        self._values = np.full((FIRST_CAPACITY, len(VALUES)), np.nan)
        self._norms: np.ndarray | None = None  # (capacity, layers), made at the first norms

    def __len__(self) -> int:
        return self._n

    @property
    def steps(self) -> np.ndarray:
        """The step of every row (n,), a read-only view."""
        view = self._counts[:self._n, 0]
        view.flags.writeable = False
        return view

    def append(self, **row) -> None:
        n = self._n
        if n == len(self._counts):
            self._grow(max(min(2 * n, HISTORY_ROWS), n + 1))
        # Item by item: cheaper than turning a list into an array, once a step.
        counts, values = self._counts, self._values
        for i, name in enumerate(COUNTS):
            counts[n, i] = row.get(name) or 0
        for i, name in enumerate(VALUES):
            value = row.get(name)
            values[n, i] = np.nan if value is None else value
        norms = row.get("grad_norm")
        if norms is not None:
            self._norms_for(len(norms))[n] = norms
        elif self._norms is not None:
            self._norms[n] = np.nan
        self._n = n + 1  # last: a reader never sees half a row

    def truncate_after(self, step: int) -> None:
        """Drop every row recorded after `step` (continuing from an earlier step)."""
        self._n = int(np.count_nonzero(self.steps <= step))

    def thinned(self) -> History:
        """A copy with the first row, the last, and every other row between them: about
        half as many. A copy, not a change in place: a reader of this history (a frame
        being rendered while training goes on) keeps seeing whole rows."""
        n = self._n
        keep = np.concatenate([[0], np.arange(n - 1, 0, -2)[::-1]]) if n > 2 else np.arange(n)
        copy = History()
        copy._grow(max(FIRST_CAPACITY, len(keep)))
        copy._counts[:len(keep)] = self._counts[keep]
        copy._values[:len(keep)] = self._values[keep]
        if self._norms is not None:
            copy._norms_for(self._norms.shape[1])[:len(keep)] = self._norms[keep]
        copy._n = len(keep)
        return copy

    def rows(self, start: int, stop: int | None = None) -> dict[str, list]:
        """Rows start..stop-1 as plain lists per column (JSON's arrays, None for missing)."""
        n = self._n
        start, stop, _ = slice(start, stop).indices(n)
        out = dict(zip(COUNTS, self._counts[start:stop].T.tolist()))
        out.update(zip(VALUES, map(_nan_to_none, self._values[start:stop].T.tolist())))
        if self._norms is None:
            out["grad_norm"] = [None] * max(0, stop - start)
        else:
            out["grad_norm"] = [None if all(v != v for v in row) else _nan_to_none(row)
                                for row in self._norms[start:stop].tolist()]
        return {name: out[name] for name in COLUMNS}

    def column(self, name: str, start: int = 0, stop: int | None = None) -> list:
        """One column's rows start..stop-1 as a plain list."""
        start, stop, _ = slice(start, stop).indices(self._n)
        if name in COUNTS:
            return self._counts[start:stop, COUNTS.index(name)].tolist()
        if name in VALUES:
            return _nan_to_none(self._values[start:stop, VALUES.index(name)].tolist())
        return self.rows(start, stop)[name]

    def as_dict(self) -> dict[str, list]:
        return self.rows(0, self._n)

    def last(self) -> dict | None:
        if not self._n:
            return None
        return {name: values[0] for name, values in self.rows(self._n - 1).items()}

    def head(self, rows: int) -> History:
        """A copy of the first `rows` rows."""
        copy = History()
        copy._grow(max(FIRST_CAPACITY, rows))
        copy._counts[:rows] = self._counts[:rows]
        copy._values[:rows] = self._values[:rows]
        if self._norms is not None:
            copy._norms_for(self._norms.shape[1])[:rows] = self._norms[:rows]
        copy._n = rows
        return copy

    def load(self, columns: dict[str, list]) -> None:
        """Replace the rows with plain columns (as as_dict gives them); raises ValueError
        or TypeError on columns that do not fit."""
        lengths = {len(columns.get(name, [])) for name in COLUMNS}
        if len(lengths) != 1:
            raise ValueError("history columns must all have the same length")
        n = lengths.pop()
        fresh = History()
        fresh._grow(max(FIRST_CAPACITY, n))
        fresh._counts[:n] = np.array([columns[name] for name in COUNTS], dtype=np.int64).T
        fresh._values[:n] = np.array([[np.nan if v is None else v for v in columns[name]]
                                      for name in VALUES], dtype=np.float64).T
        norms = columns["grad_norm"]
        widths = {len(row) for row in norms if row is not None}
        if len(widths) > 1:
            raise ValueError("grad_norm rows must all have the same length")
        if widths:
            width = widths.pop()
            fresh._norms_for(width)[:n] = np.array(
                [[np.nan] * width if row is None else [np.nan if v is None else v for v in row]
                 for row in norms], dtype=np.float64).reshape(n, width)
        fresh._n = n
        while fresh._n > HISTORY_ROWS:  # a longer history (an import) as the run would keep it
            fresh = fresh.thinned()
        self._counts, self._values, self._norms, self._n = fresh._counts, fresh._values, fresh._norms, fresh._n

    def to_csv(self) -> str:
        """A header line, then one line per recorded step; empty cells for missing values."""
        names = [n for n in COLUMNS if n != "grad_norm"]
        columns = self.as_dict()
        lines = [",".join(names)]
        for row in zip(*(columns[n] for n in names)):
            lines.append(",".join("" if v is None else repr(v) for v in row))
        return "\n".join(lines) + "\n"

    def _grow(self, capacity: int) -> None:
        n = self._n
        counts = np.zeros((capacity, len(COUNTS)), dtype=np.int64)
        values = np.full((capacity, len(VALUES)), np.nan)
        counts[:n], values[:n] = self._counts[:n], self._values[:n]
        if self._norms is not None:
            norms = np.full((capacity, self._norms.shape[1]), np.nan)
            norms[:n] = self._norms[:n]
            self._norms = norms
        self._counts, self._values = counts, values

    def _norms_for(self, layers: int) -> np.ndarray:
        if self._norms is None:
            self._norms = np.full((len(self._counts), layers), np.nan)
        elif self._norms.shape[1] != layers:
            raise ValueError(f"grad_norm rows have {self._norms.shape[1]} values, not {layers}")
        return self._norms


def _nan_to_none(values: list) -> list:
    return [None if v != v else v for v in values]
