"""Time travel: the state of a run at any earlier step, exactly, within a memory budget.

Checkpoints hold the whole training state at a step (parameters, optimizer state, the
batch order's generator, the live settings), as the export document `core.state` makes
from it. Recent history is kept densely; as a run grows, older checkpoints thin out (the
spacing doubles), and any step between two checkpoints is recomputed by replaying from
the one before it: same state + same settings = the same numbers, bit for bit.
Checkpoints taken when the user changed something (a learning rate, a weight) are pinned,
so a replay never crosses a change.
"""
from __future__ import annotations

from dataclasses import dataclass

from core.history import COLUMNS
from core.run import Run
from core.state import export_state, import_state

DEFAULT_BUDGET = 512 * 1024  # bytes of checkpoints kept per run
CHECKPOINT_OVERHEAD = 6 * 1024  # bytes a checkpoint costs beyond its numbers (dicts, small arrays)
MIN_CHECKPOINTS = 8
MAX_CHECKPOINTS = 256


@dataclass
class Checkpoint:
    step: int
    doc: dict            # core.state export document, without the history
    pinned: bool = False


class Timeline:
    def __init__(self, run: Run, budget: int = DEFAULT_BUDGET):
        slots = 1 + len(run.optimizer.state) + 1  # params, optimizer slots, last gradients
        # Measured: a small net's checkpoint is mostly overhead, not numbers.
        per = run.network.parameter_count() * slots * run.dtype.itemsize + CHECKPOINT_OVERHEAD
        self.limit = int(min(MAX_CHECKPOINTS, max(MIN_CHECKPOINTS, budget // per)))
        self.checkpoints: list[Checkpoint] = []
        self.spacing = 1
        self.record(run, pinned=True)

    def clear(self, run: Run) -> None:
        self.checkpoints = []
        self.spacing = 1
        self.record(run, pinned=True)

    def until_due(self, step: int) -> int:
        """Steps from `step` to the next step a checkpoint would be kept at (at least 1)."""
        return self.spacing - step % self.spacing

    def record(self, run: Run, pinned: bool = False) -> None:
        """Keep the run's state if its step falls on the spacing (or the state is pinned).

        Only at a step boundary: a step in progress is left out by the export itself.
        """
        step = run.step_count
        if run.status == "diverged" or (not pinned and step % self.spacing):
            return  # a diverged run's state is its last good one, already kept
        checkpoint = Checkpoint(step, self._doc(run), pinned)
        if self.checkpoints and self.checkpoints[-1].step == step:
            # A change at the same step (an edit after a step): its state replaces the old.
            checkpoint.pinned = checkpoint.pinned or self.checkpoints[-1].pinned
            self.checkpoints[-1] = checkpoint
            return
        self.checkpoints.append(checkpoint)
        if sum(1 for c in self.checkpoints if not c.pinned) > self.limit:
            self.spacing *= 2
            self.checkpoints = [c for c in self.checkpoints
                                if c.pinned or c.step == 0 or c.step % self.spacing == 0]

    def state_at(self, run: Run, step: int, mnist_dir=None) -> Run:
        """A separate run in exactly the state `run` had after `step` steps (the run itself
        is untouched); its history is `run`'s up to that step."""
        if not 0 <= step <= run.step_count:
            raise ValueError(f"step must be between 0 and {run.step_count}")
        base = max((c for c in self.checkpoints if c.step <= step), key=lambda c: c.step)
        past = import_state(base.doc, mnist_dir=mnist_dir)  # import copies what it keeps
        if step > base.step:
            past.step(step - base.step)
        columns = run.history.columns
        keep = sum(1 for s in columns["step"] if s <= step)
        past.history.load({name: columns[name][:keep] for name in COLUMNS})
        return past

    def truncate_after(self, step: int) -> None:
        self.checkpoints = [c for c in self.checkpoints if c.step <= step]


    def _doc(self, run: Run) -> dict:
        # Array copies, not lists: a checkpoint costs 8 bytes a number. The history stays
        # the live run's own; a replay rebuilds the rows it needs. The config rarely
        # changes: checkpoints share one copy until it does (comparing is 50 times
        # cheaper than copying, and most of a small net's checkpoint cost).
        previous = self.checkpoints[-1].doc["config"] if self.checkpoints else None
        return export_state(run, arrays=True, history=False,
                            config=previous if previous == run.config else None)
