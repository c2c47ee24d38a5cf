"""How long a loss landscape takes: a 41x41 slice of the 2-8-8-1 on xor (engine_speed's
case b) through core.landscape, against the naive way measured in the same run (load each
grid point's parameters into the network, then the metrics' own loss, one point at a time).

    .venv/bin/python bench/landscape_speed.py            # 41x41, 5 repeats (~15 s)
    .venv/bin/python bench/landscape_speed.py --resolution 81 --repeats 3

Target: under 1 s for 41x41. Both contenders give the same grid (checked: the largest
relative difference is printed), so the ratio is the price of one point at a time.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

# First: it sets BLAS to one thread before NumPy loads, as for its own timings.
from engine_speed import cases  # noqa: E402, I001

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from core.landscape import landscape, random_directions  # noqa: E402
from core.run import Run  # noqa: E402

TARGET_SECONDS = 1.0


def trained_case_b(steps: int = 200) -> Run:
    run = cases()["b"].run()
    run.step(steps)
    return run


def naive_grid(run: Run, seed: int, span: float, resolution: int) -> np.ndarray:
    """The reference: every grid point's parameters loaded into the network, then its loss
    by the formula the metrics use, one forward pass per point."""
    d1, d2 = random_directions(run, seed)
    x, y, _ = run.evaluation_set("train")
    center = [a.copy() for a in run.param_arrays()]
    axis = np.linspace(-span, span, resolution)
    axis[resolution // 2] = 0.0
    out = np.empty((resolution, resolution))
    arrays = run.param_arrays()
    try:
        for i, beta in enumerate(axis):
            for j, alpha in enumerate(axis):
                for array, c, u, v in zip(arrays, center, d1, d2):
                    array[...] = c + alpha * u + beta * v
                out[i, j] = run.objective.data_loss(x, y)
    finally:
        for array, c in zip(arrays, center):
            array[...] = c
    return out


def timed(fn, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resolution", type=int, default=41)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    run = trained_case_b()
    n, seed = args.resolution, args.seed
    engine = landscape(run, "random", seed=seed, resolution=n)
    reference = naive_grid(run, seed, 1.0, n)
    diff = float(np.max(np.abs(engine["loss"] - reference) / np.abs(reference)))
    rows = len(run.evaluation_set("train")[0])
    print(f"{n}x{n} slice of the 2-8-8-1 on xor ({rows} training rows, {engine['work']:,} multiply-adds)")
    print(f"largest relative difference engine vs naive: {diff:.1e}")
    ours, naive = [], []
    for _ in range(args.repeats):  # interleaved, so noise from elsewhere lands on both
        ours += timed(lambda: landscape(run, "random", seed=seed, resolution=n), 1)
        naive += timed(lambda: naive_grid(run, seed, 1.0, n), 1)
    median, reference_median = statistics.median(ours), statistics.median(naive)
    verdict = "met" if median < TARGET_SECONDS else "not met"
    target = f"target < {TARGET_SECONDS:g} s: {verdict}"
    print(f"engine:   {median * 1e3:.0f} ms (median of {args.repeats}; {target})")
    print(f"naive:    {reference_median * 1e3:.0f} ms")
    print(f"ratio:    {reference_median / median:.1f}x faster than one point at a time")
    return 0 if median < TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
