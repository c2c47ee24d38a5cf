"""Two-input regression surfaces, in the spirit of the TensorFlow Playground.

Inputs are uniform in (-6, 6)^2. As in the playground, noise (0..0.5) does not move
the points: the target is read at a position shifted by up to noise * 6 per coordinate.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from core.data.base import (
    PLANE_DOMAIN,
    Dataset,
    DatasetInfo,
    Loader,
    generated_params,
    make_dataset,
    register,
)

_RADIUS = 6.0
_PLANE_SCALE = 12.0  # x + y spans [-12, 12]; dividing maps noise-free targets into [-1, 1]

# (centre x, centre y, sign): bumps alternate in sign across a 3 x 2 grid.
_BUMPS = np.array(
    [
        [-4.0, 2.5, 1.0],
        [0.0, 2.5, -1.0],
        [4.0, 2.5, 1.0],
        [-4.0, -2.5, -1.0],
        [0.0, -2.5, 1.0],
        [4.0, -2.5, -1.0],
    ]
)
_BUMP_REACH = 2.0  # a bump falls linearly from 1 at its centre to 0 at this distance


def plane_target(x: np.ndarray) -> np.ndarray:
    """Targets (n,) for points (n, 2): (x + y) / 12, so in [-1, 1] on the box."""
    return (x[:, 0] + x[:, 1]) / _PLANE_SCALE


def bumps_target(x: np.ndarray) -> np.ndarray:
    """Targets (n,) in [-1, 1] for points (n, 2): the strongest of six signed cone bumps."""
    dist = np.hypot(x[:, None, 0] - _BUMPS[:, 0], x[:, None, 1] - _BUMPS[:, 1])  # (n, 6)
    values = _BUMPS[:, 2] * np.clip(1.0 - dist / _BUMP_REACH, 0.0, 1.0)
    # argmax takes the first of equals, matching the playground's strict ">" scan.
    strongest = np.argmax(np.abs(values), axis=1)
    return values[np.arange(x.shape[0]), strongest]


_SETS: dict[str, tuple[Callable[[np.ndarray], np.ndarray], str]] = {
    "plane": (
        plane_target,
        "The target rises steadily from one corner to the other: a flat, tilted plane, y = (x1 + x2) / 12.",
    ),
    "multi-gaussian": (
        bumps_target,
        "Six bumps, some up and some down, on a flat floor: the network must learn where each one is.",
    ),
}


def _loader(info: DatasetInfo, target: Callable[[np.ndarray], np.ndarray]) -> Loader:
    def load(p: dict[str, Any], rng: np.random.Generator, dtype: Any, _mnist_dir: Any) -> Dataset:
        """x (n, 2) uniform in (-6, 6)^2, y (n, 1) real targets, split by test_fraction."""
        n = p["n"]
        x = rng.uniform(-_RADIUS, _RADIUS, (n, 2))
        shift = rng.uniform(-_RADIUS, _RADIUS, (n, 2)) * p["noise"]
        y = target(x + shift).reshape(-1, 1)
        return make_dataset(
            info,
            x,
            y,
            None,
            n_classes=None,
            test_fraction=p["test_fraction"],
            rng=rng,
            dtype=dtype,
            shuffle=True,
            domain=PLANE_DOMAIN,
        )

    return load


for _name, (_target, _description) in _SETS.items():
    _info = DatasetInfo(
        name=_name,
        kind="regression",
        description=_description,
        input_dim=2,
        params=generated_params("How far off each target is read (0 = exact)."),
    )
    register(_info, _loader(_info, _target))
