"""How fast the engine trains, against the source's code, PyTorch and bare NumPy loops.

    .venv/bin/python bench/engine_speed.py            # all cases, 11 repeats (~30 s)
    .venv/bin/python bench/engine_speed.py --quick    # 3 short repeats, a rough look
    .venv/bin/python bench/engine_speed.py --cases ac --json /tmp/speed.json

Cases (see bench/README.md for the targets they are held to):
  a  seed-2-3-1: 2-3-1 sigmoid/linear, mse, one sample, full batch, backprop, SGD
  b  2-8-8-1 tanh (sigmoid output, bce) on 500 xor points, batch 10, SGD
  c  784-50-10 sigmoid/softmax, cce, batch 100, SGD, float32, random MNIST-shaped data
  d  784-512-10 relu/softmax, cce, batch 128, RMSProp, float32 (the keras-mnist preset)

For each case every contender trains from the same data and initial weights; the
timings are interleaved runs of about --seconds each, and the reported figure is the
median of --repeats runs. Everything runs on one thread (NumPy's BLAS and PyTorch).
"""

from __future__ import annotations

import os

# One thread everywhere, set before NumPy (or PyTorch) is first imported.
for _var in (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "BLIS_NUM_THREADS",
):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import bare_numpy  # noqa: E402
import numpy as np  # noqa: E402
import seed_refs  # noqa: E402
import torch_refs  # noqa: E402
from timing import CLOCKS, Timing, measure, median_seconds, paired_ratio, use_clock  # noqa: E402

import core.run  # noqa: E402
from core.run import Run  # noqa: E402

MNIST_ROWS = 10_000  # the inline data cap; plenty for timing


def mnist_like(seed: int = 0) -> dict:
    """Random MNIST-shaped inline data: uint8 pixels scaled to [0, 1], labels 0..9."""
    rng = np.random.default_rng(seed)
    pixels = rng.integers(0, 256, size=(MNIST_ROWS, 784), dtype=np.uint8)
    return {
        "name": "inline",
        "inputs": pixels.astype(np.float32) / np.float32(255),
        "labels": rng.integers(0, 10, size=MNIST_ROWS),
    }


@dataclass
class Case:
    key: str
    title: str
    config: dict
    bare: Callable
    references: dict = field(default_factory=dict)  # label -> builder(run) -> steps(n)
    torch: bool = True

    def run(self, metrics_every: int = 0) -> Run:
        return Run({**self.config, "metrics": {"every": metrics_every}})


def cases() -> dict[str, Case]:
    mnist = mnist_like()
    return {
        case.key: case
        for case in (
            Case(
                "a",
                "seed-2-3-1: 2-3-1 sigmoid/linear, mse, 1 sample, full batch, SGD",
                {"preset": "seed-2-3-1"},
                bare_numpy.bare_231,
                {"seed 000 update_weights (13 params, deepcopy)": lambda run: seed_refs.seed000_steps()},
            ),
            Case(
                "b",
                "2-8-8-1 tanh/sigmoid, bce, 500 xor points, batch 10, SGD",
                {
                    "layers": [2, 8, 8, 1],
                    "activations": ["tanh", "tanh", "sigmoid"],
                    "loss": "bce",
                    "data": {"name": "xor", "n": 1000, "noise": 0.0, "test_fraction": 0.5},
                    "optimizer": {"name": "sgd", "lr": 0.1},
                    "batch": {"size": 10, "order": "shuffle"},
                },
                bare_numpy.bare_tanh_mlp,
            ),
            Case(
                "c",
                "784-50-10 sigmoid/softmax, cce, batch 100, SGD, float32",
                {"preset": "two-layer-mnist", "data": mnist},
                bare_numpy.bare_sigmoid_softmax,
                {
                    "seed 002 TwoLayerNet.gradient loop": lambda run: seed_refs.seed002_steps(
                        run.data.x_train, run.data.y_train, np.float32
                    )
                },
            ),
            Case(
                "d",
                "784-512-10 relu/softmax, cce, batch 128, RMSProp, float32",
                {"preset": "keras-mnist", "data": mnist},
                bare_numpy.bare_relu_rmsprop,
                {"naive NumPy": bare_numpy.naive_keras},
            ),
        )
    }


def load() -> str:
    """The 1-minute load average: above ~1 on this 2-core machine, others were busy too."""
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "unknown"


def matmul_flops(run: Run) -> int:
    """Floating-point operations of one backprop step's matmuls (2 per multiply-add):
    forward a @ W and backward a.T @ dz on every layer, dz @ W.T on all but the first."""
    batch = len(run.data.x_train) if run.config["batch"]["size"] is None else run.config["batch"]["size"]
    pairs = list(zip(run.sizes, run.sizes[1:]))
    return 2 * batch * (2 * sum(i * o for i, o in pairs) + sum(i * o for i, o in pairs[1:]))


def matmul_peak(repeats: int) -> float:
    """Measured float32 GFLOP/s of one 1024^3 np.matmul on this (single) thread."""
    rng = np.random.default_rng(0)
    A = rng.random((1024, 1024), dtype=np.float32)
    B = rng.random((1024, 1024), dtype=np.float32)
    C = np.empty_like(A)
    seconds = median_seconds(lambda: np.matmul(A, B, out=C), repeats, 0.1)
    return 2 * 1024**3 / seconds / 1e9


def engine_steps(run: Run):
    def steps(n):
        taken = run.step(n)
        if taken != n:
            raise RuntimeError(f"the engine stopped after {taken} of {n} steps: {run.divergence}")

    return steps


def bench_case(case: Case, args) -> dict:
    contenders = {"engine": engine_steps(case.run()), "bare NumPy loop": case.bare(case.run())}
    if args.metrics_on:
        contenders["engine, default metrics"] = engine_steps(case.run(metrics_every=1))
    for label, build in case.references.items():
        contenders[label] = build(case.run())
    if args.torch:
        contenders[f"PyTorch {torch_refs.version()}"] = torch_refs.torch_steps(case.run())
    timings = measure(contenders, args.repeats, args.seconds)
    out = {"title": case.title, "timings": timings}
    if not args.no_check:
        out["bare_max_rel_diff"] = bare_numpy.check_against_engine(case.run, case.bare)
    return out


def fmt_rate(rate: float) -> str:
    return f"{rate:,.0f}" if rate >= 100 else f"{rate:,.1f}"


def fmt_time(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f} us" if seconds < 1e-3 else f"{seconds * 1e3:,.3f} ms"


def print_case(key: str, result: dict) -> None:
    timings: dict[str, Timing] = result["timings"]
    engine = timings["engine"]
    print(f"\n({key}) {result['title']}")
    print(f"    {'contender':<46} {'steps/s':>10} {'per step':>12} {'spread':>7} {'engine is':>10}")
    for name, t in timings.items():
        ratio = "" if name == "engine" else f"{paired_ratio(t, engine):.2f}x"
        print(f"    {name:<46} {fmt_rate(t.rate):>10} {fmt_time(t.median):>12} {t.spread:>6.0%} {ratio:>10}")
    if "bare_max_rel_diff" in result:
        print(
            f"    bare loop vs engine after 20 steps: max relative difference "
            f"{result['bare_max_rel_diff']:.1e}"
        )
    if "gflops" in result:
        print(
            f"    engine: {result['mflop']:.2f} MFLOP per step -> {result['gflops']:.1f} GFLOP/s; "
            f"float32 matmul peak {result['peak']:.1f} GFLOP/s "
            f"(peak / engine = {result['peak'] / result['gflops']:.2f})"
        )


def targets(results: dict, args) -> list[tuple[str, float | None, str, bool | None]]:
    """(what, measured, target, met) for every target that these results cover."""
    rows = []

    def ratio(key, other):  # engine steps/s / other steps/s, paired per round
        t = results[key]["timings"]
        return paired_ratio(t[other], t["engine"]) if other in t else None

    torch_name = f"PyTorch {torch_refs.version()}" if args.torch else None
    need = {"a": 5.0, "b": 5.0, "c": 2.0, "d": 1.0}
    for key, minimum in need.items():
        if key in results:
            value = ratio(key, torch_name) if torch_name else None
            rows.append(
                (
                    f"({key}) engine steps/s / PyTorch steps/s",
                    value,
                    f">= {minimum:g}",
                    None if value is None else value >= minimum,
                )
            )
    if "c" in results:
        value = results["c"]["peak"] / results["c"]["gflops"]
        rows.append(("(c) matmul peak GFLOP/s / engine GFLOP/s", value, "<= 2.5", value <= 2.5))
    for key in "abcd":
        if key in results:
            t = results[key]["timings"]
            value = paired_ratio(t["engine"], t["bare NumPy loop"])
            rows.append(
                (f"({key}) engine time / bare NumPy loop time (metrics off)", value, "< 1.5", value < 1.5)
            )
    for key in "abcd":
        if key in results and "engine, default metrics" in results[key]["timings"]:
            t = results[key]["timings"]
            value = paired_ratio(t["engine, default metrics"], t["engine"])
            rows.append(
                (f"({key}) engine time, default metrics / metrics off", value, "<= 1.25", value <= 1.25)
            )
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", default="abcd", help="which cases, e.g. 'ac' (default abcd)")
    parser.add_argument("--repeats", type=int, default=11, help="timed runs per contender")
    parser.add_argument("--seconds", type=float, default=0.1, help="length of one timed run")
    parser.add_argument("--quick", action="store_true", help="3 repeats of 0.05 s")
    parser.add_argument(
        "--clock",
        choices=sorted(CLOCKS),
        default="cpu",
        help="what a timed run reads: the process's CPU time (default; "
        "steady on a busy machine) or wall-clock time",
    )
    parser.add_argument(
        "--no-torch", dest="torch", action="store_false", help="leave PyTorch out even when it is installed"
    )
    parser.add_argument(
        "--metrics-on",
        action="store_true",
        help="also time the engine with the app's default metrics (a history row every step)",
    )
    parser.add_argument(
        "--no-check", action="store_true", help="skip checking that the bare loops match the engine's numbers"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeats, args.seconds = 3, 0.05
    use_clock(args.clock)
    if args.torch and not torch_refs.available():
        print(
            "PyTorch is not importable: its columns are left out "
            "(.venv/bin/pip install torch==2.13.0 to add them)"
        )
        args.torch = False
    if args.torch:
        torch_refs.setup_threads()

    print(f"engine: {os.path.dirname(core.run.__file__)}; load average {load()}")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}"
        + (f", torch {torch_refs.version()}" if args.torch else "")
        + f"; one thread; {args.repeats} runs of ~{args.seconds:g} s ({args.clock} time) "
        f"per contender, medians"
    )
    all_cases = cases()
    results = {}
    for key in args.cases:
        case = all_cases[key]
        results[key] = bench_case(case, args)
        if key == "c":
            peak = matmul_peak(args.repeats)
            flops = matmul_flops(case.run())
            results[key].update(
                peak=peak, mflop=flops / 1e6, gflops=flops / results[key]["timings"]["engine"].median / 1e9
            )
        print_case(key, results[key])

    print(f"\nTargets (ratios are medians of per-round pairs; load average now {load()})")
    rows = targets(results, args)
    for what, value, target, met in rows:
        shown = "n/a" if value is None else f"{value:.2f}"
        verdict = "no PyTorch" if met is None else ("met" if met else "NOT MET")
        print(f"    {what:<56} {shown:>7}  target {target:<7} {verdict}")

    if args.json:
        plain = {
            key: {
                **{k: v for k, v in r.items() if k != "timings"},
                "timings": {
                    name: {
                        "steps_per_s": t.rate,
                        "median_s": t.median,
                        "runs_s_per_step": t.per_step,
                        "steps_per_run": t.steps,
                    }
                    for name, t in r["timings"].items()
                },
            }
            for key, r in results.items()
        }
        plain["targets"] = [{"what": w, "value": v, "target": t, "met": m} for w, v, t, m in rows]
        with open(args.json, "w") as f:
            json.dump(plain, f, indent=2)
    return 0 if all(met is not False for *_, met in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
