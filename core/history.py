"""Per-step metrics of a run, kept column-wise so curves are cheap to send."""
from __future__ import annotations

COLUMNS = ("step", "epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
           "batch_loss", "grad_norm")


class History:
    """Columns of equal length; row k holds the metrics recorded after some step.

    `grad_norm` holds, per recorded step, the L2 norm of each layer's dL/dW used by the
    update that led to it (None at step 0, before any update). In memory those rows are
    tuples: a tuple of floats is no work for the garbage collector, a list is one more
    object to walk, per row, in every full collection.
    """

    def __init__(self):
        self.columns: dict[str, list] = {name: [] for name in COLUMNS}

    def __len__(self) -> int:
        return len(self.columns["step"])

    def append(self, **row) -> None:
        norms = row.get("grad_norm")
        if norms is not None:
            row["grad_norm"] = tuple(norms)
        for name in COLUMNS:
            self.columns[name].append(row.get(name))

    def truncate_after(self, step: int) -> None:
        """Drop every row recorded after `step` (continuing from an earlier step)."""
        keep = sum(1 for s in self.columns["step"] if s <= step)
        for name in COLUMNS:
            del self.columns[name][keep:]

    def as_dict(self) -> dict[str, list]:
        """Plain lists (JSON's arrays), grad_norm rows included."""
        return self.rows(0, len(self))

    def rows(self, start: int, stop: int | None = None) -> dict[str, list]:
        """Rows start..stop-1 as plain lists per column (a copy; JSON's arrays)."""
        out = {name: values[start:stop] for name, values in self.columns.items()}
        out["grad_norm"] = [None if row is None else list(row) for row in out["grad_norm"]]
        return out

    def last(self) -> dict | None:
        if not len(self):
            return None
        return {name: values[-1] for name, values in self.columns.items()}

    def load(self, columns: dict[str, list]) -> None:
        lengths = {len(columns.get(name, [])) for name in COLUMNS}
        if len(lengths) != 1:
            raise ValueError("history columns must all have the same length")
        self.columns = {name: list(columns[name]) for name in COLUMNS}
        self.columns["grad_norm"] = [None if row is None else tuple(row)
                                     for row in self.columns["grad_norm"]]

    def to_csv(self) -> str:
        """A header line, then one line per recorded step; empty cells for missing values."""
        names = [n for n in COLUMNS if n != "grad_norm"]
        lines = [",".join(names)]
        for row in zip(*(self.columns[n] for n in names)):
            lines.append(",".join("" if v is None else repr(v) for v in row))
        return "\n".join(lines) + "\n"
