"""Time travel: the state of a run at any earlier step, exactly, within a memory budget.

Checkpoints hold the whole training state at a step (parameters, optimizer state, the
batch order's generator, the live settings). Recent history is kept densely; as a run
grows, older checkpoints thin out (the spacing doubles), and any step between two
checkpoints is recomputed by replaying from the one before it: same state + same
settings = the same numbers, bit for bit. Checkpoints taken when the user changed
something (a learning rate, a weight) are pinned, so a replay never crosses a change.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

DEFAULT_BUDGET = 250_000  # floats kept per run (2 MB in float64)
MIN_CHECKPOINTS = 8
MAX_CHECKPOINTS = 512


@dataclass
class Checkpoint:
    step: int
    params: list[np.ndarray]          # copies, parameter order
    optimizer: dict                   # the optimizer's state, copied
    batcher: dict                     # Batcher.state(): position, permutation, generator
    live: dict                        # the live config sections in force from this step
    last_grads: list[np.ndarray] | None
    pinned: bool = False


class Timeline:
    def __init__(self, floats_per_checkpoint: int, budget: int = DEFAULT_BUDGET):
        self.limit = int(min(MAX_CHECKPOINTS, max(MIN_CHECKPOINTS, budget // max(1, floats_per_checkpoint))))
        self.checkpoints: list[Checkpoint] = []
        self.spacing = 1

    def clear(self) -> None:
        self.checkpoints = []
        self.spacing = 1

    def record(self, checkpoint: Checkpoint) -> None:
        """Keep `checkpoint` if it falls on the current spacing (or is pinned)."""
        if self.checkpoints and self.checkpoints[-1].step == checkpoint.step:
            # A change at the same step (an edit after a step) replaces that step's state.
            checkpoint.pinned = checkpoint.pinned or self.checkpoints[-1].pinned
            self.checkpoints[-1] = checkpoint
            return
        if not checkpoint.pinned and checkpoint.step % self.spacing:
            return
        self.checkpoints.append(checkpoint)
        if sum(1 for c in self.checkpoints if not c.pinned) > self.limit:
            self._thin()

    def due(self, step: int) -> bool:
        """Whether a checkpoint at `step` would be kept (so copies are made only then)."""
        return step % self.spacing == 0

    def _thin(self) -> None:
        self.spacing *= 2
        self.checkpoints = [c for c in self.checkpoints
                            if c.pinned or c.step == 0 or c.step % self.spacing == 0]

    def before(self, step: int) -> Checkpoint | None:
        """The latest checkpoint at or before `step`."""
        best = None
        for checkpoint in self.checkpoints:
            if checkpoint.step <= step:
                best = checkpoint
            else:
                break
        return best

    def truncate_after(self, step: int) -> None:
        self.checkpoints = [c for c in self.checkpoints if c.step <= step]


def capture(run, pinned: bool = False) -> Checkpoint:
    """The run's state at its current step boundary (a step in progress is left out)."""
    batcher = run.batcher.state()
    if run.pending is not None and run.phase not in (None, "update"):
        batcher = run.pending.batcher_state
    return Checkpoint(
        step=run.step_count,
        params=[a.copy() for a in run.param_arrays()],
        optimizer=copy.deepcopy(run.optimizer.state),
        batcher=copy.deepcopy(batcher),
        live={key: copy.deepcopy(run.config[key]) for key in ("optimizer", "batch", "regularization", "gradient")},
        last_grads=None if run.last_grads is None else [g.copy() for g in run.last_grads],
        pinned=pinned,
    )
