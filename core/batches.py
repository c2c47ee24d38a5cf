"""Which training rows each step uses: full batch, shuffled or sequential mini-batches,
or a fresh random batch every step (seed 002's np.random.choice)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeAlias

import numpy as np

# A position in the sequence of batches (Batcher.mark): samples seen, position in the pass,
# the pass's permutation (None when sequential) and the random generator's state.
Mark: TypeAlias = tuple[int, int, np.ndarray | None, Mapping[str, Any]]


class Batcher:
    """Yields row indices for each step from a seeded generator.

    `samples_seen / n` is the (fractional) epoch, the same measure in every order.
    """

    def __init__(self, n: int, size: int | None, order: str, rng: np.random.Generator):
        self.n = n
        self.rng = rng
        self.configure(size, order)
        self.samples_seen = 0
        self.permutation: np.ndarray | None = None
        self.position = 0
        # The generator's state as last read. Reading it builds a new dict (about a
        # microsecond), and it only moves when a batch draws from it, so it is read again
        # only after a draw. The generator is this Batcher's alone.
        self._rng_state: Mapping[str, Any] | None = None
        # The sequential order's permutation, the same every pass: made once, read-only.
        self._in_order = np.arange(n)
        self._in_order.flags.writeable = False

    def configure(self, size: int | None, order: str) -> None:
        """Change the batch settings live; the current pass restarts at the next epoch."""
        self.size = self.n if size is None else min(size, self.n)
        self.order = order

    def refit(self, n: int, size: int | None) -> Batcher:
        """A batcher over n rows (the data changed) going on from this one: the same
        generator and order, the passes completed kept; the next batch starts a pass of
        the new rows (a pass half done over other rows has no meaning for these)."""
        fitted = Batcher(n, size, self.order, self.rng)
        fitted.samples_seen = self.epoch * n
        return fitted

    @property
    def epoch(self) -> int:
        """Completed passes over the training rows."""
        return self.samples_seen // self.n

    def next(self) -> np.ndarray:
        """The row indices (batch,) of the next step."""
        if self.order == "random":
            # With replacement, as np.random.choice(train_size, batch_size) draws in seed 002.
            indices = self.rng.integers(0, self.n, size=self.size)
            self._rng_state = None
        else:
            if self.permutation is None or self.position >= self.n:
                if self.order == "shuffle":
                    self.permutation = self.rng.permutation(self.n)
                    self._rng_state = None
                else:
                    self.permutation = self._in_order
                self.position = 0
            # A pass ends exactly at n rows: its last batch may be smaller.
            start = self.position
            end = start + self.size
            if end > self.n:
                end = self.n
            indices = self.permutation[start:end]
            self.position = end
        self.samples_seen += indices.shape[0]
        return indices

    def steps_to_epoch_end(self) -> int:
        """How many steps finish the current epoch (at least 1)."""
        remaining = self.n - self.samples_seen % self.n
        return max(1, -(-remaining // self.size))

    def mark(self) -> Mark:
        """The current position in the sequence of batches, cheaply: state(mark) turns it
        into the plain state later, e.g. once a step taken from here is abandoned."""
        if self._rng_state is None:
            self._rng_state = self.rng.bit_generator.state
        # The permutation array is never changed in place (each pass draws a new one).
        return self.samples_seen, self.position, self.permutation, self._rng_state

    def state(self, mark: Mark | None = None, *, arrays: bool = False) -> dict[str, Any]:
        """Everything needed to continue the same sequence of batches later: from now, or
        from an earlier mark(). The permutation is a list (JSON), or with `arrays` the
        array itself (never changed in place, so it can be shared; and a list of ints
        in every kept state is what the garbage collector would walk through)."""
        samples_seen, position, permutation, rng_state = self.mark() if mark is None else mark
        if permutation is not None and not arrays:
            permutation = permutation.tolist()
        return {
            "samples_seen": samples_seen,
            "position": position,
            "permutation": permutation,
            "rng": _ints_to_text(rng_state),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from `state` (as state() makes it); ValueError for one that could not
        have come from a batcher of these n rows (a permutation of other rows, say)."""
        samples_seen, position = int(state["samples_seen"]), int(state["position"])
        perm = state["permutation"]
        permutation = None if perm is None else np.asarray(perm, dtype=np.int64)
        if not 0 <= samples_seen < 2**53 or not 0 <= position <= self.n:
            raise ValueError(f"samples_seen and position must be counts within the {self.n} rows")
        if permutation is not None and (
            permutation.shape != (self.n,) or not np.array_equal(np.sort(permutation), np.arange(self.n))
        ):
            raise ValueError(f"the permutation must hold each of the {self.n} row numbers once")
        self.samples_seen, self.position, self.permutation = samples_seen, position, permutation
        self.rng.bit_generator.state = _text_to_ints(state["rng"])
        self._rng_state = None


# PCG64's state holds 128-bit integers: JSON parsers (and JavaScript) would round them,
# so they travel as decimal strings.
def _ints_to_text(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _ints_to_text(v) for k, v in value.items()}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 2**53:
        return str(value)
    return value


def _text_to_ints(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _text_to_ints(v) for k, v in value.items()}
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return value
