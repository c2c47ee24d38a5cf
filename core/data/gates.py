"""The four logic-gate truth tables: the first data a perceptron meets."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.data.base import Dataset, DatasetInfo, Loader, fraction_param, make_dataset, noise_param, register

# The perceptron lesson trains in exactly this row order, so it is part of the contract.
GATE_INPUTS = np.array([[1.0, 1.0], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])

_GATES = {
    "gate-and": ([1, 0, 0, 0], "AND: the output is 1 only when both inputs are 1."),
    "gate-or": ([1, 1, 1, 0], "OR: the output is 1 when at least one input is 1."),
    "gate-nand": ([0, 1, 1, 1], "NAND: the opposite of AND, 0 only when both inputs are 1."),
    "gate-xor": (
        [0, 1, 1, 0],
        "XOR: the output is 1 when exactly one input is 1; no single straight line can separate it.",
    ),
}

# Jitter is clipped at 3 standard deviations so the plotting box can be fixed per noise level.
_CLIP_SIGMAS = 3.0


def gate_domain(noise: float) -> tuple[tuple[float, float], tuple[float, float]]:
    """The plotting box for the gates at a given jitter: ((x_min, x_max), (y_min, y_max))."""
    pad = 0.5 + _CLIP_SIGMAS * noise
    return ((-pad, 1.0 + pad), (-pad, 1.0 + pad))


def _fixed_rows(p: dict[str, Any]) -> str | None:
    """The table is the same four rows under every data seed unless jitter or a test split
    is drawn."""
    if p["noise"] > 0 or p["test_fraction"] > 0:
        return None
    return (
        "the gate's four rows are the same under every data seed: add noise or a test fraction to draw others"
    )


def _loader(name: str) -> Loader:
    outputs, _ = _GATES[name]

    def load(p: dict[str, Any], rng: np.random.Generator, dtype: Any, _mnist_dir: Any) -> Dataset:
        """The 4-row table: x (4, 2) in the order (1,1), (1,0), (0,1), (0,0); y (4, 1) 0/1."""
        x = GATE_INPUTS.copy()
        noise = p["noise"]
        if noise > 0:
            jitter = rng.normal(0.0, noise, size=x.shape)
            x += np.clip(jitter, -_CLIP_SIGMAS * noise, _CLIP_SIGMAS * noise)
        labels = np.array(outputs, dtype=np.int64)
        y = labels.astype(np.float64).reshape(-1, 1)
        return make_dataset(
            _INFOS[name],
            x,
            y,
            labels,
            n_classes=_INFOS[name].n_classes,
            test_fraction=p["test_fraction"],
            rng=rng,
            dtype=dtype,
            shuffle=p["test_fraction"] > 0,
            domain=gate_domain(noise),
        )

    return load


_INFOS: dict[str, DatasetInfo] = {}
for _name, (_outputs, _description) in _GATES.items():
    _INFOS[_name] = DatasetInfo(
        name=_name,
        kind="classification",
        description=_description,
        input_dim=2,
        params={
            "noise": noise_param(
                "Standard deviation of random jitter added to the inputs (0 keeps them exactly 0 and 1)."
            ),
            "test_fraction": fraction_param(0.0),
        },
        n_classes=2,
    )
    register(_INFOS[_name], _loader(_name), fixed_rows=_fixed_rows)
