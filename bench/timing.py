"""Medians of interleaved timing runs, for noisy shared machines.

A contender is a function `steps(n)` that takes n training steps. Each one is first
calibrated (how many steps fill about `seconds`), then the repeats are interleaved, one
run of every contender per round with the starting contender rotating, so a burst of
noise from elsewhere on the machine lands on all of them rather than on one. Ratios
between two contenders are best taken per round (paired_ratio).
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

Steps = Callable[[int], None]


@dataclass
class Timing:
    steps: int  # steps per timed run
    per_step: list[float]  # seconds per step, one per run

    @property
    def median(self) -> float:
        return statistics.median(self.per_step)

    @property
    def rate(self) -> float:
        """Steps per second (from the median)."""
        return 1.0 / self.median

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median over the runs: how noisy this measurement was."""
        return (max(self.per_step) - min(self.per_step)) / self.median


# What a timed run reads. The process's CPU time by default: everything here runs on one
# thread, so it is the time spent computing, without the stretches in which a busy
# machine gave the core to another process (which wall-clock time would count). Both
# read the same on an idle machine; use_clock("wall") switches.
CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}
_clock = CLOCKS["cpu"]


def use_clock(name: str) -> None:
    global _clock
    _clock = CLOCKS[name]


def _timed(steps: Steps, n: int) -> float:
    # Like timeit: no garbage collection inside a timed run (for every contender alike).
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = _clock()
        steps(n)
        return _clock() - start
    finally:
        if enabled:
            gc.enable()


def calibrate(steps: Steps, seconds: float) -> int:
    """Warm up, then the number of steps that takes about `seconds`."""
    steps(2)
    n = 1
    while True:
        elapsed = _timed(steps, n)
        if elapsed >= seconds / 10 or n >= 1 << 24:
            return max(1, math.ceil(n * seconds / max(elapsed, 1e-9)))
        n *= 4


def measure(contenders: dict[str, Steps], repeats: int, seconds: float) -> dict[str, Timing]:
    """Median-ready timings of every contender: `repeats` runs of about `seconds` each."""
    counts = {name: calibrate(steps, seconds) for name, steps in contenders.items()}
    runs: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for round_ in range(repeats):
        start = round_ % len(names)
        for name in names[start:] + names[:start]:
            runs[name].append(_timed(contenders[name], counts[name]) / counts[name])
    return {name: Timing(counts[name], runs[name]) for name in names}


def paired_ratio(numerator: Timing, denominator: Timing) -> float:
    """Median over rounds of numerator time / denominator time, each pair taken in the
    same round (back to back), so a slow spell on the machine cancels out of most pairs."""
    return statistics.median(a / b for a, b in zip(numerator.per_step, denominator.per_step))


def median_seconds(action: Callable[[], None], repeats: int, seconds: float = 0.05) -> float:
    """Median seconds of one call of `action` (for one-off kernels such as a big matmul)."""

    def steps(n):
        for _ in range(n):
            action()

    return measure({"x": steps}, repeats, seconds)["x"].median
