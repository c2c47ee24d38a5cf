"""Time travel: the state of a run at any earlier step, exactly, within a memory budget.

Checkpoints hold the whole training state at a step (parameters, optimizer state, the
batch order's generator, the live settings), as the export document `core.state` makes
from it. Recent history is kept every few steps; as a run grows, older checkpoints thin
out (the spacing doubles), and any step between two checkpoints is recomputed by
replaying from the one before it: same state + same settings = the same numbers, bit
for bit.
Checkpoints taken when the user changed something (a learning rate, a weight) are pinned,
so a replay never crosses a change.

The checkpoints' bytes stay within a budget (core.memory.timeline_bytes: room for at
least MIN_CHECKPOINTS of the run's size), pinned ones included: when they are over it,
the unpinned ones thin out while they are at least half of all, and otherwise the
oldest checkpoint goes, pinned or not. Either way every replay still starts after the
last change before its step; the steps before the earliest checkpoint left can no
longer be shown (StateError), which a user changing a setting after every step for
hours meets, rather than a server out of memory.
"""

from __future__ import annotations

import copy
import io
import os
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.errors import StateError
from core.memory import (  # noqa: F401
    CHECKPOINT_OBJECT,
    DEFAULT_BUDGET,
    MAX_CHECKPOINTS,
    MIN_CHECKPOINTS,
    timeline_bytes,
)
from core.run import Run
from core.state import export_state, import_state

# Steps between checkpoints at first. Replaying a few steps costs less than a frame, while
# keeping the state at every step would cost a small network more than the step itself.
FIRST_SPACING = 8


@dataclass(slots=True)
class Checkpoint:
    step: int
    config: dict[str, Any]  # shared with the checkpoints before it while it does not change
    blob: bytes  # the rest of the core.state export document, pickled
    pinned: bool = False

    @property
    def nbytes(self) -> int:
        """What it counts for in the budget: the pickle and the objects holding it (the
        config is shared with the run's other checkpoints)."""
        return len(self.blob) + CHECKPOINT_OBJECT

    def doc(self) -> dict[str, Any]:
        """The export document (without the history), fresh: the caller may keep it."""
        return {**pickle.loads(self.blob), "config": self.config}


class Timeline:
    def __init__(self, run: Run, budget: int = DEFAULT_BUDGET):
        self.budget = budget
        self.max_bytes = timeline_bytes(run.config, budget)
        self.checkpoints: list[Checkpoint] = []
        self.spacing = FIRST_SPACING
        self.record(run, pinned=True)

    @property
    def nbytes(self) -> int:
        """The bytes its checkpoints take, within max_bytes once a record is done."""
        return sum(c.nbytes for c in self.checkpoints)

    def clear(self, run: Run) -> None:
        self.checkpoints = []
        self.spacing = FIRST_SPACING
        self.record(run, pinned=True)

    def until_due(self, step: int) -> int:
        """Steps from `step` to the next step a checkpoint would be kept at (at least 1)."""
        return self.spacing - step % self.spacing

    def record(self, run: Run, pinned: bool = False) -> None:
        """Keep the run's state if its step falls on the spacing (or the state is pinned).
        The first state is always kept, even a diverged run's (its last good parameters).

        Only at a step boundary: a step in progress is left out by the export itself.
        """
        step = run.step_count
        if self.checkpoints and (run.status == "diverged" or (not pinned and step % self.spacing)):
            return  # a diverged run's state is its last good one, already kept
        checkpoint = self._checkpoint(run, pinned)
        if self.checkpoints and self.checkpoints[-1].step == step:
            # A change at the same step (an edit after a step): its state replaces the old.
            checkpoint.pinned = checkpoint.pinned or self.checkpoints[-1].pinned
            self.checkpoints[-1] = checkpoint
        else:
            self.checkpoints.append(checkpoint)
        # The budget follows the config: another optimizer keeps more or fewer slots.
        self.max_bytes = timeline_bytes(run.config, self.budget)
        self._thin()

    def _thin(self) -> None:
        """Within max_bytes again: thin the unpinned checkpoints (double the spacing) while
        they are at least half of all, else let the oldest go. The newest always stays."""
        size = self.nbytes
        while size > self.max_bytes and len(self.checkpoints) > 1:
            loose = sum(1 for c in self.checkpoints[1:] if not c.pinned)
            if 2 * loose >= len(self.checkpoints):
                self.spacing *= 2
                first = self.checkpoints[0]
                self.checkpoints = [
                    c for c in self.checkpoints if c is first or c.pinned or c.step % self.spacing == 0
                ]
            else:
                del self.checkpoints[0]
            size = self.nbytes

    @property
    def earliest(self) -> int:
        """The first step this timeline can show: 0, the step a run restored from a saved
        state (an import, a server restart) started at, since nothing before it was kept,
        or a later one once the oldest checkpoints made room for new ones (_thin)."""
        return self.checkpoints[0].step

    def state_at(self, run: Run, step: int, mnist_dir: str | os.PathLike[str] | None = None) -> Run:
        """A separate run in exactly the state `run` had after `step` steps (the run itself
        is untouched); its history is `run`'s up to that step.

        A step before `earliest` raises StateError: its state was not kept here, and a
        replay from the seed could silently differ (the settings may have changed on the
        way), so it is refused rather than guessed.
        """
        if not 0 <= step <= run.step_count:
            raise ValueError(f"step must be between 0 and {run.step_count}")
        if step < self.earliest:
            raise StateError(
                f"step {step} cannot be shown: this session keeps its states from "
                f"step {self.earliest} on (a run restored from a saved state starts "
                f"at the step it was saved at, and the oldest states make room for "
                f"new ones within the session's memory)"
            )
        base = max((c for c in self.checkpoints if c.step <= step), key=lambda c: c.step)
        past = import_state(base.doc(), mnist_dir=mnist_dir, own=True)
        if step > base.step:
            past.step(step - base.step)
        past.history = run.history.head(int((run.history.steps <= step).sum()))
        return past

    def truncate_after(self, step: int) -> None:
        self.checkpoints = [c for c in self.checkpoints if c.step <= step]

    def _checkpoint(self, run: Run, pinned: bool) -> Checkpoint:
        # Pickled bytes, not a tree of dicts and lists: a server keeps thousands of
        # checkpoints, and every container in them is one more object for each full
        # garbage collection to walk (tens of milliseconds with a class of sessions).
        # The config rarely changes: checkpoints share one copy until it does, and then
        # still share the sections that did not (the data rows, explicit weights).
        previous = self.checkpoints[-1].config if self.checkpoints else None
        config = previous if previous == run.config else _config_like(run.config, previous)
        # The run's own arrays, not copies: they are pickled at once.
        doc = export_state(run, arrays=True, history=False, config=config, share=True)
        del doc["config"]
        blob = io.BytesIO()
        _ArrayPickler(blob, protocol=pickle.HIGHEST_PROTOCOL).dump(doc)
        return Checkpoint(run.step_count, config, blob.getvalue(), pinned)


def _config_like(config: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """A copy of `config` that shares with `previous` every section equal in both."""
    if previous is None:
        return copy.deepcopy(config)
    return {
        key: previous[key] if key in previous and previous[key] == value else copy.deepcopy(value)
        for key, value in config.items()
    }


class _ArrayPickler(pickle.Pickler):
    """Pickles arrays as (bytes, dtype, shape): NumPy's own reduction costs several times
    more, and a class's server pickles a checkpoint every few steps of every session."""

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is np.ndarray:
            return _array, (obj.tobytes(), obj.dtype.str, obj.shape)
        return NotImplemented


def _array(data: bytes, dtype: str, shape: tuple[Any, ...]) -> np.ndarray:
    """An array back from _ArrayPickler's bytes: a writable copy of its own."""
    return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
