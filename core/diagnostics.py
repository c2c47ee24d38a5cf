"""What is going wrong, in plain words, pointing at the units concerned.

Each finding: {"kind", "message", "units": [[layer, unit], ...]} (layer 1-based).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from core.run import Run

SATURATED = 0.95  # share of samples at the flat ends before a unit counts as saturated
# A rising loss is read from the training loss's last GROWING measurements (the rows that
# carry it: core/run.py evaluates on a schedule), at least RISING_EVIDENCE of them.
GROWING = 20
RISING_EVIDENCE = 8
GAP = 0.10  # train minus test accuracy that reads as overfitting
MAX_ROWS = 500


def diagnose(run: Run) -> list[dict[str, Any]]:
    findings = []
    x = run.network_data.x_train[:MAX_ROWS]
    with np.errstate(all="ignore"):
        values = run.network.forward(x)
    for index, (layer, v) in enumerate(zip(run.network.layers[:-1], values[:-1]), start=1):
        name = layer.activation.name
        if name in ("sigmoid", "tanh"):
            low, high = (0.02, 0.98) if name == "sigmoid" else (-0.98, 0.98)
            flat = np.mean((v.a <= low) | (v.a >= high), axis=0)
            units = [[index, int(j)] for j in np.flatnonzero(flat >= SATURATED)]
            if units:
                findings.append(
                    {
                        "kind": "saturated",
                        "units": units,
                        "message": (
                            f"{len(units)} {name} unit(s) in hidden layer {index} sit at the flat ends "
                            f"of the curve for almost every sample: their gradient a'(z) is nearly 0, "
                            f"so their weights barely learn (vanishing gradient). Smaller initial "
                            f"weights, inputs on a smaller scale or another activation help."
                        ),
                    }
                )
        elif name == "relu":
            dead = np.all(v.z <= 0, axis=0)
            units = [[index, int(j)] for j in np.flatnonzero(dead)]
            if units:
                findings.append(
                    {
                        "kind": "dead_relu",
                        "units": units,
                        "message": (
                            f"{len(units)} ReLU unit(s) in hidden layer {index} output 0 for every "
                            f"sample: they are dead, their gradient is 0 and they will not recover. "
                            f"A lower learning rate or a different initialisation helps."
                        ),
                    }
                )
    losses = run.history.recent("train_loss", GROWING)
    if len(losses) >= RISING_EVIDENCE and losses[-1] > 1.5 * min(losses) and _mostly_rising(losses):
        findings.append(
            {
                "kind": "rising_loss",
                "units": [],
                "message": (
                    f"The training loss has grown from {min(losses):.4g} to {losses[-1]:.4g} over the "
                    f"last {len(losses)} times it was measured: the learning rate is probably too high "
                    f"(it is {run.config['optimizer']['lr']})."
                ),
            }
        )
    m = run.metrics()
    train, test = m["accuracy"]["train"], m["accuracy"]["test"]
    if train is not None and test is not None and train - test > GAP and run.step_count > 0:
        findings.append(
            {
                "kind": "overfitting",
                "units": [],
                "message": (
                    f"Train accuracy {train:.1%} is well above test accuracy {test:.1%}: the network "
                    f"fits the training rows better than new ones (overfitting). More data, noise, "
                    f"a smaller network or regularisation help."
                ),
            }
        )
    return findings


def _mostly_rising(values: list[float]) -> bool:
    rises = sum(1 for a, b in zip(values, values[1:]) if b > a)
    return rises >= 0.6 * (len(values) - 1)
