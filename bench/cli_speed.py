"""`nnplay train` against the shortest NumPy program, as whole processes.

    .venv/bin/python bench/cli_speed.py                  # 100 and 10,000 steps, 7 rounds
    .venv/bin/python bench/cli_speed.py --steps 100 --rounds 11

What a student running `nnplay train --preset seed-2-3-1` waits for is the whole process:
starting Python, importing, training, printing. The reference is bench/bare_train.py, the
same training in plain NumPy that records its loss every step as nnplay's history does.
Each round runs both (in turns, the first alternating) and reads each process's CPU time
(user + system, from the kernel's accounting of the child: steady on a busy machine),
after one warm-up run of each that writes their bytecode, as installing a package does;
the ratio is the median of the rounds' ratios. Both print the final loss, which must agree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
PYTHON = sys.executable
NNPLAY = Path(PYTHON).with_name("nnplay")
TARGET = 1.5


def commands(steps: int) -> dict[str, list[str]]:
    return {
        "nnplay train": [str(NNPLAY), "train", "--preset", "seed-2-3-1", "--steps", str(steps), "--json"],
        "bare NumPy": [PYTHON, str(BENCH / "bare_train.py"), "--steps", str(steps)],
    }


def run(command: list[str]) -> tuple[float, float]:
    """(CPU seconds, final loss) of one process."""
    # Bytecode as an installed package has it (pip compiles it at install time): written by
    # the warm-up run, read by the timed ones.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    out = process.stdout.read() if process.stdout else b""
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise RuntimeError(f"{command[0]} failed ({status})")
    loss = json.loads(out)["loss"]
    return usage.ru_utime + usage.ru_stime, loss["train"] if isinstance(loss, dict) else loss


def measure(steps: int, rounds: int) -> dict:
    names = list(commands(steps))
    seconds: dict[str, list[float]] = {name: [] for name in names}
    ratios = []
    losses = {}
    for name in names:  # warm-up: bytecode written, files in the page cache
        run(commands(steps)[name])
    for r in range(rounds):
        order = names if r % 2 == 0 else names[::-1]
        got = {}
        for name in order:
            got[name], losses[name] = run(commands(steps)[name])
            seconds[name].append(got[name])
        ratios.append(got["nnplay train"] / got["bare NumPy"])
    a, b = losses.values()
    if abs(a - b) > 1e-9 * max(abs(a), abs(b)):
        raise RuntimeError(f"the two disagree on the final loss: {losses}")
    return {
        "steps": steps,
        "seconds": {name: statistics.median(v) for name, v in seconds.items()},
        "ratio": statistics.median(ratios),
        "loss": a,
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[100, 10_000])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args(argv)
    load = Path("/proc/loadavg").read_text().split()[0]
    print(f"nnplay: {NNPLAY}; load average {load}")
    results = [measure(steps, args.rounds) for steps in args.steps]
    met = True
    for r in results:
        s = r["seconds"]
        ok = r["ratio"] <= TARGET
        met &= ok
        print(
            f"  {r['steps']:>7,} steps: nnplay train {s['nnplay train']:.3f} s, bare NumPy "
            f"{s['bare NumPy']:.3f} s CPU -> {r['ratio']:.2f}x (target <= {TARGET}) "
            f"{'met' if ok else 'NOT MET'}; final loss {r['loss']:.6g}"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
