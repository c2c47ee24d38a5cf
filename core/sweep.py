"""Sweeps: one setting tried at several values, each variant trained from the same state.

A variant is a fork of the run (core/fork.py) with the one setting changed, trained for
the same number of steps, then measured by the engine's evaluation (the data loss over
the training and test evaluation sets, not a batch's loss). The run itself is only read.
Variants are trained one after another, so a sweep holds at most one of them at a time.

A variant that diverges is a result, not an error: its losses are None and
`diverged_at` says at which of its steps (1 = the sweep's first) the update failed.

The training is taken in chunks: between two, `progress` is told how far the sweep got
and `should_stop` is asked whether to stop (a deadline, a cancel); a stopped sweep keeps
the variants it finished. Same run, same sweep: the same numbers, bit for bit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core.checks import Checker
from core.config import merge, resolve_config
from core.errors import ConfigError
from core.fields import FIELDS, Field, data_params
from core.fork import fork_run

if TYPE_CHECKING:
    from core.run import Run

CHUNK_STEPS = 50  # steps between two looks at progress and stopping
MAX_VALUES = 1000  # the engine's own bound; a server sets a lower one (NNPLAY_SWEEP_MAX_VARIANTS)
SCALES = ("log", "linear")


def _sweepable() -> dict[str, Field]:
    """The settings a sweep may vary: what training does from the fork on. Those that may
    change during a run (Field.live: optimizer, gradient, batch, regularization), the
    seed and the loss, and the data sets' numeric params (noise, ...); not the topology
    nor the first weights (a fork keeps its weights), nor what only shows (probe, metrics)."""
    scalar = ("int", "float", "choice")
    fields = [f for f in FIELDS if f.kind in scalar and (f.live or f.path in ("seed", "loss"))]
    fields += [f for f in data_params() if f.kind in ("int", "float")]
    return {field.path: field for field in fields}


SWEEPABLE: dict[str, Field] = _sweepable()


def sweep_field(name: str) -> str:
    """A sweepable setting's path from its path or its last part when that is unambiguous
    ("lr" -> "optimizer.lr"); ConfigError naming `field` otherwise."""
    if name in SWEEPABLE:
        return name
    matches = [path for path in SWEEPABLE if path.rpartition(".")[2] == name]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConfigError("field", f"{name!r} is ambiguous: say {' or '.join(matches)}")
    raise ConfigError("field", f"{name!r} cannot be swept; these can: {', '.join(SWEEPABLE)}")


def changes(path: str, value: Any) -> dict[str, Any]:
    """ "optimizer.lr", 0.1 -> {"optimizer": {"lr": 0.1}}: the partial config of one setting."""
    section, _, key = path.rpartition(".")
    return {section: {key: value}} if section else {key: value}


def value_range(low: float, high: float, count: int, scale: str = "log") -> list[float]:
    """`count` values from `low` to `high` (both included), evenly spaced on a log or a
    linear scale; inner values rounded to 3 significant digits, so they read (and go into
    a URL) as a person would write them. ConfigError naming the bad argument."""
    if scale not in SCALES:
        raise ConfigError("scale", f"must be one of {', '.join(SCALES)}, got {scale!r}")
    if not (isinstance(count, int) and 2 <= count <= MAX_VALUES):
        raise ConfigError("count", f"must be an integer from 2 to {MAX_VALUES}, got {count!r}")
    for name, end in (("from", low), ("to", high)):
        if not math.isfinite(end) or (scale == "log" and end <= 0):
            raise ConfigError(
                name, f"must be a finite number{' > 0 on a log scale' if scale == 'log' else ''}"
            )
    if low == high:
        raise ConfigError("to", "must differ from `from`")
    if scale == "log":
        a, b = math.log10(low), math.log10(high)
        inner = [10 ** (a + (b - a) * i / (count - 1)) for i in range(1, count - 1)]
    else:
        inner = [low + (high - low) * i / (count - 1) for i in range(1, count - 1)]
    return [low, *(float(f"{v:.3g}") for v in inner), high]


@dataclass(frozen=True)
class Progress:
    """How far a sweep got: steps trained of all its variants' steps, and the variants
    finished so far (their results, in order)."""

    done: int
    of: int
    results: list[dict[str, Any]]


def check_sweep(
    run: Run, field: str, values: Sequence[Any], steps: int, max_values: int = MAX_VALUES
) -> list[Any]:
    """The values as the variants take them (integers as int); ConfigError naming `field`,
    `values` or `steps` when the sweep cannot be run on this run."""
    field = sweep_field(field)
    applies = SWEEPABLE[field].applies
    if applies is not None and _setting(run.config, applies[0]) not in applies[1]:
        raise ConfigError(
            "field",
            f"{field} is used only when {applies[0]} is {' or '.join(applies[1])}; "
            f"this run's is {_setting(run.config, applies[0])}",
        )
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 1:
        raise ConfigError("steps", f"must be an integer >= 1, got {steps!r}")
    if not isinstance(values, (list, tuple)) or not values:
        raise ConfigError("values", "give at least one value")
    if len(values) > max_values:
        raise ConfigError("values", f"at most {max_values} values, got {len(values)}")
    out = []
    for index, value in enumerate(values):
        checker = Checker()
        spec = SWEEPABLE[field]
        # The field's own limits first (a data param's are checked per data set below).
        checked = value if spec.per_dataset else spec.check(value, checker)
        if not checker.errors:
            try:
                resolve_config(merge(run.config, changes(field, checked)))
            except ConfigError as error:
                checker.errors.extend(error.errors)
        if checker.errors:
            reasons = "; ".join(f"{e['field']}: {e['reason']}" for e in checker.errors)
            raise ConfigError("values", f"values[{index}] = {value!r}: {reasons}")
        out.append(checked)
    return out


def _setting(config: dict[str, Any], path: str) -> Any:
    section, _, key = path.rpartition(".")
    return (config[section] if section else config).get(key)


def work(run: Run, field: str, values: Sequence[Any], steps: int) -> int:
    """Multiply-adds a sweep takes, about: per variant, `steps` steps of a batch's rows
    through the network and back (3 passes' worth), then one evaluation of the training
    and test rows."""
    per_row = sum(a * b for a, b in zip(run.sizes, run.sizes[1:]))
    rows = len(run.data.x_train)
    evaluated = len(run.evaluation_set("train")[0]) + len(run.evaluation_set("test")[0])
    total = 0
    for value in values:
        size = value if field == "batch.size" else run.config["batch"]["size"]
        batch = rows if size is None else min(size, rows)
        total += (3 * steps * batch + evaluated) * per_row
    return total


def variant_result(variant: Run, value: Any, first_step: int) -> dict[str, Any]:
    """One variant's numbers: final train and test loss (and accuracy for classes), or
    None for each when it diverged, with the sweep step at which it did."""
    diverged_at = None
    if variant.status == "diverged" and variant.divergence is not None:
        diverged_at = variant.divergence["step"] - first_step
        metrics = {"loss": {"train": None, "test": None}, "accuracy": {"train": None, "test": None}}
    else:
        metrics = variant.metrics()
    return {
        "value": value,
        "train_loss": metrics["loss"]["train"],
        "test_loss": metrics["loss"]["test"],
        "train_accuracy": metrics["accuracy"]["train"],
        "test_accuracy": metrics["accuracy"]["test"],
        "diverged_at": diverged_at,
    }


def sweep(
    run: Run,
    field: str,
    values: Sequence[Any],
    steps: int,
    *,
    chunk: int = CHUNK_STEPS,
    progress: Callable[[Progress], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """Train a fork of `run` with `field` (a path, or its last part: sweep_field) set to
    each value for `steps` steps.

    -> {"field", "values", "steps", "results": [{value, train_loss, test_loss,
    train_accuracy, test_accuracy, diverged_at}] (the variants finished, in order),
    "done": steps trained, "of": steps asked for in all}. Values are checked first
    (check_sweep)."""
    field = sweep_field(field)
    values = check_sweep(run, field, values, steps)
    total = steps * len(values)
    results: list[dict[str, Any]] = []
    done = 0
    stopped = False
    for value in values:
        variant = fork_run(run, changes(field, value))
        first_step = variant.step_count
        taken = 0
        while taken < steps and variant.status != "diverged":
            if should_stop is not None and should_stop():
                stopped = True
                break
            count = min(chunk, steps - taken)
            variant.step(count)
            taken += count  # a diverged variant's remaining steps count as done: it is finished
            done += count
            if progress is not None and taken < steps and variant.status != "diverged":
                progress(Progress(done, total, list(results)))
        if stopped:
            break
        done += steps - taken
        results.append(variant_result(variant, value, first_step))
        del variant  # the next variant's memory, not both
        if progress is not None:
            progress(Progress(done, total, list(results)))
    return {"field": field, "values": values, "steps": steps, "results": results, "done": done, "of": total}
