"""Why `nnplay` limits NumPy's BLAS to one thread: the same training with one thread and
with one per core, in the same run.

Runs `nnplay train --preset keras-mlp --epochs N --threads T` for T = 1 and T = the CPU
count, alternating, `--repeats` times each, and prints the median wall time of each and
their ratio (the default of one thread against one per core). Each run is a fresh
process, as a user's command is. With `--busy`, one process spins on a core meanwhile,
as a class server's frame worker or event loop does: that is where extra BLAS threads
cost most, waiting for a core that is not free.

    .venv/bin/python bench/blas_threads.py --epochs 3 --repeats 5
    .venv/bin/python bench/blas_threads.py --epochs 3 --repeats 5 --busy
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

NNPLAY = Path(sys.executable).parent / "nnplay"


def timed(threads: int, epochs: int) -> float:
    # The thread variables come from the command's own --threads, not from this shell.
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS", "NNPLAY_THREADS")
    }
    started = time.perf_counter()
    subprocess.run(
        [str(NNPLAY), "train", "--preset", "keras-mlp", "--epochs", str(epochs), "--threads", str(threads)],
        env=env,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--busy", action="store_true", help="keep one core busy meanwhile")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    if cores < 2:
        print("one CPU: nothing to compare")
        return 0
    times: dict[int, list[float]] = {1: [], cores: []}
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        for _ in range(args.repeats):
            for threads in times:  # alternating, so a noisy spell hits both
                times[threads].append(timed(threads, args.epochs))
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    one, many = (statistics.median(times[t]) for t in (1, cores))
    print(
        f"keras-mlp, {args.epochs} epoch(s), median of {args.repeats} runs each"
        + (", one core kept busy" if args.busy else "")
    )
    print(f"  1 thread:   {one:6.2f} s   ({', '.join(f'{t:.2f}' for t in times[1])})")
    print(f"  {cores} threads: {many:6.2f} s   ({', '.join(f'{t:.2f}' for t in times[cores])})")
    print(f"  one thread takes {one / many:.2f}x the time of {cores} (below 1: one is faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
