"""The step in progress: what each phase of a training step has computed so far."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.batches import Batcher, Mark
from core.network import LayerValues


class PendingStep:
    """What the phases of the current (or last) step computed, for the teaching views.

    A plain class with slots rather than a dataclass: one is made every step, and on a
    small network that cost shows.
    """

    __slots__ = (
        "indices",
        "x",
        "t",
        "values",
        "data_loss",
        "loss",
        "grads",
        "deltas",
        "evaluations",
        "old_params",
        "new_params",
        "_batcher",
        "_mark",
    )

    def __init__(
        self,
        indices: np.ndarray,
        x: np.ndarray,
        t: np.ndarray,
        batcher: Batcher,
        mark: Mark,
        *,
        values: list[LayerValues],
    ):
        self.indices = indices  # (batch,) training rows
        self.x = x  # (batch, d)
        self.t = t  # (batch, k)
        self.values = values  # per layer z, a (batch, units)
        self.data_loss: float | None = None  # loss on the batch, no penalty
        self.loss: float | None = None  # objective on the batch, before the update
        self.grads: list[np.ndarray] | None = None  # flat, parameter order
        self.deltas: list[np.ndarray] | None = None  # per layer dL/dz (batch, units), backprop only
        self.evaluations = 0  # loss evaluations the gradient cost
        self.old_params: list[np.ndarray] | None = None
        self.new_params: list[np.ndarray] | None = None
        self._batcher, self._mark = batcher, mark

    @property
    def batcher_state(self) -> dict[str, Any]:
        """The batch order's state before this batch was drawn. Built only when asked
        for (a step abandoned half-way, an export): most steps never need it."""
        return self.batcher_state_as()

    def batcher_state_as(self, arrays: bool = False) -> dict[str, Any]:
        """batcher_state, with the permutation as an array when `arrays` (Batcher.state)."""
        return self._batcher.state(self._mark, arrays=arrays)
