"""Bit-for-bit guard for engine speed work: record what many runs compute, then compare.

    .venv/bin/python bench/check_identical.py --save /tmp/nnplay-before.pkl   # before a change
    .venv/bin/python bench/check_identical.py --compare /tmp/nnplay-before.pkl  # after it

Each case builds a Run, steps it (whole steps, single phases, live patches, divergence)
and records snapshot(run) (with the pending phase views and a decision grid), the
history, the exported state (optimizer and batch-order state) and the divergence
report. --compare exits 1 and names the first differing case if anything changed.
Python floats are compared with ==, so any change in any bit shows up.

A history row carries the train/test evaluation only where the run evaluated it (its
`evaluated` column, and a full-batch run's training loss in every row); a record from
before that column carries it in every row. Such a pair is the same where the newer
history has the numbers, and every other column is the same in every row. A field added
since (to the config, or the export's data_changes) is the same when the newer record has
it at its default.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys

import numpy as np

import core.run
from core.config import DEFAULT_CONFIG
from core.presets import PRESETS
from core.run import Run
from core.snapshot import snapshot
from core.state import export_state

STEPS = 50
SKIPPED_PRESETS = ("two-layer-mnist", "keras-mnist")  # need the real MNIST files


def record(run: Run) -> dict:
    return {
        "snapshot": snapshot(run, grid=6 if run.sizes[0] == 2 else None),
        "history": run.history.as_dict(),
        "state": export_state(run),
        "divergence": run.divergence,
        "status": run.status,
    }


def stepped(config: dict, steps: int = STEPS) -> dict:
    run = Run(config)
    taken = run.step(steps)
    return {"taken": taken, **record(run)}


def phased(config: dict, phases: int = 11) -> list:
    """Snapshot after every single phase (the teaching views of each phase)."""
    run = Run(config)
    out = []
    for _ in range(phases):
        out.append((run.step_phase(), record(run)))
        if run.status == "diverged":
            break
    return out


def random_inline(rows: int, d: int, k: int, seed: int) -> dict:
    """MNIST-shaped random data (pixels in [0, 1], one label per row) typed inline."""
    rng = np.random.default_rng(seed)
    return {
        "name": "inline",
        "inputs": rng.random((rows, d)).round(3).tolist(),
        "labels": rng.integers(0, k, rows).tolist(),
    }


def cases():
    for name in PRESETS:
        if name not in SKIPPED_PRESETS:
            yield f"preset {name}", lambda name=name: stepped({"preset": name})
            yield (
                f"preset {name} metrics off",
                lambda name=name: stepped({"preset": name, "metrics": {"every": 0}}),
            )
            yield f"preset {name} float32", lambda name=name: stepped({"preset": name, "dtype": "float32"})
    for name in ("seed-2-3-1", "seed-2-3-1-train", "xor", "keras-mlp", "perceptron-and"):
        yield f"phases {name}", lambda name=name: phased({"preset": name})
    base = {
        "layers": [2, 8, 8, 1],
        "activations": ["tanh", "tanh", "sigmoid"],
        "loss": "bce",
        "data": {"name": "circle", "n": 400, "test_fraction": 0.5},
        "batch": {"size": 10},
    }
    for opt in ("sgd", "momentum", "rmsprop", "adam"):
        for dtype in ("float64", "float32"):
            for reg in ("none", "l1", "l2"):
                config = {
                    **base,
                    "optimizer": {"name": opt, "lr": 0.05},
                    "dtype": dtype,
                    "regularization": {"kind": reg, "rate": 0.01},
                }
                yield f"{opt} {dtype} {reg}", lambda config=config: stepped(config)
    for order in ("shuffle", "sequential", "random"):
        config = {**base, "batch": {"size": 7, "order": order}, "metrics": {"every": 3}}
        yield f"order {order} every 3", lambda config=config: stepped(config, 120)
    for method in ("numeric-forward", "numeric-central"):
        config = {
            **base,
            "layers": [2, 3, 1],
            "activations": ["relu", "sigmoid"],
            "gradient": {"method": method},
            "regularization": {"kind": "l2", "rate": 0.1},
        }
        yield f"gradient {method}", lambda config=config: stepped(config, 20)
    for loss, act in (("mse", "linear"), ("sse", "sigmoid"), ("bce", "sigmoid")):
        config = {
            **base,
            "loss": loss,
            "activations": ["relu", "tanh", act],
            "data": {"name": "gaussians", "n": 100},
        }
        yield f"loss {loss}", lambda config=config: stepped(config)
    # The benchmark shapes themselves, float32 and float64.
    mnist_like = random_inline(300, 784, 10, 1)
    for dtype in ("float32", "float64"):
        yield (
            f"784-50-10 {dtype}",
            lambda dtype=dtype: stepped(
                {"preset": "two-layer-mnist", "data": mnist_like, "dtype": dtype}, 20
            ),
        )
        yield (
            f"784-512-10 {dtype}",
            lambda dtype=dtype: stepped({"preset": "keras-mnist", "data": mnist_like, "dtype": dtype}, 10),
        )
    # Divergence: an update that blows up, checked at every granularity.
    wild = {"preset": "linear-4-4-4-4", "optimizer": {"name": "sgd", "lr": 50}}
    yield "diverge step", lambda: stepped(wild, 30)
    yield "diverge phases", lambda: phased(wild, 40)
    for opt in ("momentum", "rmsprop", "adam"):
        config = {**wild, "optimizer": {"name": opt, "lr": 90}}
        yield f"diverge {opt}", lambda config=config: stepped(config, 200)
    yield (
        "diverge float32",
        lambda: stepped({**wild, "dtype": "float32", "optimizer": {"name": "sgd", "lr": 100}}, 30),
    )
    # With metrics off the training loss is not checked: the gradient or the new
    # parameters are what turn non-finite.
    quiet = {**wild, "metrics": {"every": 0}}
    for opt, lr in (("sgd", 50), ("sgd", 100), ("momentum", 90), ("adam", 100)):
        for dtype in ("float64", "float32"):
            config = {**quiet, "optimizer": {"name": opt, "lr": lr}, "dtype": dtype}
            yield f"diverge quiet {opt} {lr} {dtype}", lambda config=config: stepped(config, 300)
    yield "diverge quiet phases", lambda: phased({**quiet, "dtype": "float32"}, 80)
    # One linear unit (z = x w + b) with data sized to trip each check in turn: the new
    # parameters (the update overflows), the batch loss (its square overflows while the
    # gradients stay finite), and the gradient of b1 alone (two rows' dL/dz add up past
    # the float limit while x^T dL/dz cancels).
    for dtype, x_new, t_loss, t_bias in (
        ("float64", 1e153, -1e155, -7.5e307),
        ("float32", 2e18, -1e20, -1.5e38),
    ):
        for what, inputs, targets, w, lr in (
            ("new params", [[x_new]], [[0.0]], 1.0, 100),
            ("batch loss", [[1.0]], [[t_loss]], 0.0, 0.01),
            ("bias grad", [[1.0], [-1.0]], [[t_bias], [t_bias]], 0.0, 0.01),
        ):
            config = {
                "layers": [1, 1],
                "activations": ["linear"],
                "loss": "sse",
                "dtype": dtype,
                "batch": {"size": None},
                "metrics": {"every": 0},
                "data": {"name": "inline", "inputs": inputs, "targets": targets},
                "init": {"scheme": "explicit", "params": [{"W": [[w]], "b": [0.0]}]},
                "optimizer": {"name": "sgd", "lr": lr},
            }
            yield f"diverge {what} {dtype}", lambda config=config: stepped(config, 3)
            yield f"diverge {what} {dtype} phases", lambda config=config: phased(config, 8)
    yield "diverge then patch", diverge_then_patch
    yield "patch mid-phase", patch_mid_phase


def diverge_then_patch():
    run = Run({"preset": "linear-4-4-4-4", "optimizer": {"name": "sgd", "lr": 50}})
    run.step(30)
    first = record(run)
    run.patch({"optimizer": {"lr": 0.002}})
    run.step(10)
    return first, record(run)


def patch_mid_phase():
    run = Run({"preset": "xor"})
    run.step(3)
    run.step_phase()
    run.step_phase()
    run.patch({"optimizer": {"name": "adam", "lr": 0.01}, "batch": {"size": 4}})
    run.step(5)
    first = record(run)
    run.set_params(
        [
            {"W": (np.asarray(W) * 0.5).tolist(), "b": b}
            for W, b in ((p["W"], p["b"]) for p in first["snapshot"]["params"])
        ]
    )
    run.step(5)
    run.reset()
    run.step(2)
    return first, record(run)


EVALUATION = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
ADDED = {**DEFAULT_CONFIG, "data_changes": []}


def same(new, old) -> bool:
    """new == old, but a history with an `evaluated` column against one without is the
    same where the newer carries numbers (see the module docstring)."""
    if isinstance(new, dict) and isinstance(old, dict):
        if "evaluated" in new and "evaluated" not in old and "step" in new:
            return _same_history(new, old)
        # A field added since, at its default (a config's, or the export's data_changes).
        new = {k: v for k, v in new.items() if k in old or ADDED.get(k, v) != v}
        return new.keys() == old.keys() and all(same(new[k], old[k]) for k in new)
    if isinstance(new, (list, tuple)) and isinstance(old, (list, tuple)):
        return type(new) is type(old) and len(new) == len(old) and all(map(same, new, old))
    return new == old


def _same_history(new: dict, old: dict) -> bool:
    if set(new) - {"evaluated"} != set(old):
        return False
    for name in old:
        if name in EVALUATION:
            if any(a is not None and a != b for a, b in zip(new[name], old[name])):
                return False
            if len(new[name]) != len(old[name]):
                return False
        elif new[name] != old[name]:
            return False
    return all(
        all(new[name][i] == old[name][i] for name in EVALUATION)
        for i, evaluated in enumerate(new["evaluated"])
        if evaluated
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--save", metavar="FILE")
    group.add_argument("--compare", metavar="FILE")
    args = parser.parse_args(argv)
    print(f"engine: {os.path.dirname(core.run.__file__)}")
    results = {name: make() for name, make in cases()}
    if args.save:
        with open(args.save, "wb") as f:
            pickle.dump(results, f)
        print(f"saved {len(results)} cases to {args.save}")
        return 0
    with open(args.compare, "rb") as f:
        before = pickle.load(f)
    differing = [name for name in before if not same(results.get(name), before[name])]
    missing = sorted(set(results) ^ set(before))
    for name in differing:
        print(f"DIFFERENT: {name}")
    for name in missing:
        print(f"only in one of the two: {name}")
    print(f"{len(before) - len(differing)} of {len(before)} cases identical")
    return 1 if differing or missing else 0


if __name__ == "__main__":
    sys.exit(main())
