"""Where training pauses by itself: after a number of steps or epochs, or once a loss is low.

A Target is made from the run as it is when it is asked for ("100 more epochs" counts from
now), and answers two questions a stepping loop asks between slices of work: how many
steps it may take before it must look again (a step or epoch target is never overshot; a
loss target is looked at on every step that records a history row, which then carries
the evaluation it was looked at), and whether the target is reached, with the words that
say so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from core.errors import ConfigError
from core.run import Run

KINDS = ("steps", "epochs", "train_loss", "test_loss")
LOSSES = {"train_loss": "train", "test_loss": "test"}


@dataclass(frozen=True)
class Target:
    """`kind` and `value` as asked (say "epochs", 100); `end` is the step count (steps) or
    the epoch count (epochs) at which it is reached, worked out when it was made."""

    kind: str
    value: float
    end: int = 0

    @property
    def asked(self) -> dict[str, float]:
        """The target as a client wrote it: {"epochs": 100}."""
        return {self.kind: self.value}

    def steps_before_check(self, run: Run) -> int:
        """How many steps may be taken before the target must be looked at again (at least 1)."""
        if run.phase not in (None, "update"):
            return 1  # the step in progress first: its batch is drawn already
        if self.kind == "steps":
            return max(1, self.end - run.step_count)
        if self.kind == "epochs":
            return _steps_to_epoch(run, self.end)
        every = run.config["metrics"]["every"]
        return every - run.step_count % every

    def reached(self, run: Run) -> str | None:
        """None, or what a person is told when training pauses here."""
        if self.kind == "steps":
            if run.step_count >= self.end:
                return f"reached {_count(self.value)} steps (step {run.step_count:,})"
            return None
        if self.kind == "epochs":
            if run.phase in (None, "update") and run.batcher.epoch >= self.end:
                where = f"epoch {run.batcher.epoch:,}, step {run.step_count:,}"
                return f"reached {_count(self.value)} epochs ({where})"
            return None
        steps = run.history.steps
        if not len(steps) or steps[-1] != run.step_count or run.phase not in (None, "update"):
            return None  # this step records no row
        loss = run.metrics()["loss"][LOSSES[self.kind]]
        if loss is None or not loss <= self.value:
            return None
        name = self.kind.replace("_", " ")
        return f"{name} {loss:.4g} <= {self.value:g} at step {run.step_count:,}"


def make_target(run: Run, kind: str, value: float, field: str = "until") -> Target:
    """The target `kind` = `value` counted from the run's state now; a ConfigError naming
    `field`.`kind` when it cannot be reached at all."""
    where = f"{field}.{kind}"
    if kind not in KINDS:
        raise ConfigError(field, f"give one of {', '.join(KINDS)}")
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        raise ConfigError(where, "must be a positive number")
    if kind == "steps":
        return Target(kind, value, run.step_count + int(value))
    if kind == "epochs":
        # From the middle of an epoch, finishing it is the first of them (as stepping epochs).
        return Target(kind, value, run.batcher.epoch + int(value))
    if run.config["metrics"]["every"] == 0:
        raise ConfigError(where, "the metrics are never measured (metrics.every is 0)")
    if LOSSES[kind] == "test" and len(run.data.x_test) == 0:
        raise ConfigError(where, "this data set has no test rows")
    return Target(kind, value)


def _steps_to_epoch(run: Run, epoch: int) -> int:
    """The steps that take the batcher's epoch count to `epoch` (at least 1): a pass over
    the rows in order ends exactly at its last row (its last batch may be smaller), while
    random batches cross an epoch boundary wherever their rows add up to it."""
    batcher = run.batcher
    if batcher.order == "random":
        return max(1, -(-(epoch * batcher.n - batcher.samples_seen) // batcher.size))
    whole = max(0, epoch - batcher.epoch - 1)
    return batcher.steps_to_epoch_end() + whole * -(-batcher.n // batcher.size)


def _count(value: float) -> str:
    return f"{int(value):,}"
