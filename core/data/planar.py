"""Two-class point clouds in the plane, in the spirit of the TensorFlow Playground.

All live in the box (-6, 6) x (-6, 6). Label 1 is the "positive" class (inner disc,
same-sign quadrants, upper-right blob, first spiral, lower moon), label 0 the other.
`noise` (0..0.5) is read as the playground reads it, relative to each set's scale.
"""

from __future__ import annotations

import math
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

Generator = Callable[[int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]

_CIRCLE_RADIUS = 5.0
_XOR_PAD = 0.3  # keeps points off the axes, where the xor label would flip
_MOON_SCALE = 3.5
_MOON_CENTER = np.array([0.5, 0.25])  # middle of make_moons' [-1, 2] x [-0.5, 1] box


def normal_in_box(
    rng: np.random.Generator,
    mean: np.ndarray,
    std: float,
    box: tuple[tuple[float, float], ...] = PLANE_DOMAIN,
) -> np.ndarray:
    """Gaussian draws around mean (n, 2) with the given std, redrawn until inside `box`.

    Redrawing (not clipping) keeps points from piling up on the edge of the plot.
    """
    low = np.array([b[0] for b in box])
    high = np.array([b[1] for b in box])
    out = mean + std * rng.standard_normal(mean.shape)
    for _ in range(1000):
        bad = np.any((out < low) | (out > high), axis=1)
        if not bad.any():
            return out
        out[bad] = mean[bad] + std * rng.standard_normal((int(bad.sum()), mean.shape[1]))
    return np.clip(out, low, high)  # unreachable in practice: every mean is inside the box


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x (n, 2), labels (n,): 1 for a disc of radius 2.5, 0 for a ring 3.5..5 around it.

    As in the playground, noise does not move points: it moves the position at which
    the label is decided, so points near the gap can get the other class's label.
    """
    n_in = n // 2
    radius = np.concatenate(
        [
            rng.uniform(0.0, 0.5 * _CIRCLE_RADIUS, n_in),
            rng.uniform(0.7 * _CIRCLE_RADIUS, _CIRCLE_RADIUS, n - n_in),
        ]
    )
    angle = rng.uniform(0.0, 2.0 * math.pi, n)
    x = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    seen = x + rng.uniform(-_CIRCLE_RADIUS, _CIRCLE_RADIUS, x.shape) * noise
    labels = (np.hypot(seen[:, 0], seen[:, 1]) < 0.5 * _CIRCLE_RADIUS).astype(np.int64)
    return x, labels


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x (n, 2) in [-5.3, 5.3]^2 off the axes, labels (n,): 1 where x * y > 0.

    Noise, as in the playground, shifts the position the label is read at.
    """
    x = rng.uniform(-5.0, 5.0, (n, 2))
    x += np.where(x > 0, _XOR_PAD, -_XOR_PAD)
    seen = x + rng.uniform(-5.0, 5.0, x.shape) * noise
    labels = (seen[:, 0] * seen[:, 1] >= 0).astype(np.int64)
    return x, labels


def gaussians(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x (n, 2), labels (n,): label 1 around (2, 2), label 0 around (-2, -2).

    Noise widens both blobs: variance 0.5 at noise 0 up to 4 at noise 0.5, as in the
    playground, so they overlap more and more.
    """
    n_pos = n // 2
    labels = np.concatenate([np.ones(n_pos, np.int64), np.zeros(n - n_pos, np.int64)])
    centers = np.where(labels[:, None] == 1, 2.0, -2.0) * np.ones((n, 2))
    std = math.sqrt(0.5 + 7.0 * noise)
    return normal_in_box(rng, centers, std), labels


def spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x (n, 2), labels (n,): two arms, each turning 1.75 times out to radius 5.

    The label-0 arm is the label-1 arm turned by half a circle. Noise moves each
    coordinate by up to +-noise, the playground's spiral noise.
    """
    n_pos = n // 2
    labels = np.concatenate([np.ones(n_pos, np.int64), np.zeros(n - n_pos, np.int64)])
    along = rng.uniform(0.0, 1.0, n)
    radius = 5.0 * along
    angle = 1.75 * 2.0 * math.pi * along + np.where(labels == 1, 0.0, math.pi)
    x = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    x += rng.uniform(-1.0, 1.0, x.shape) * noise
    return x, labels


def moons(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """x (n, 2), labels (n,): two interleaved half circles, like scikit-learn's make_moons.

    Label 0 is the upper moon, label 1 the lower one. Both are scaled by 3.5 and
    centred, so they span about [-5.3, 5.3] x [-2.6, 2.6]. Noise is make_moons' Gaussian
    noise (std in units of the moon radius).
    """
    n_upper = n - n // 2
    labels = np.concatenate([np.zeros(n_upper, np.int64), np.ones(n // 2, np.int64)])
    t = rng.uniform(0.0, math.pi, n)
    upper = np.column_stack([np.cos(t), np.sin(t)])
    lower = np.column_stack([1.0 - np.cos(t), 0.5 - np.sin(t)])
    x = np.where(labels[:, None] == 1, lower, upper)
    x = (x - _MOON_CENTER) * _MOON_SCALE
    if noise > 0:
        x = normal_in_box(rng, x, noise * _MOON_SCALE)
    return x, labels


_SETS: dict[str, tuple[Generator, str]] = {
    "circle": (circle, "A disc of one class inside a ring of the other: no straight line separates them."),
    "xor": (
        xor,
        "Four quadrants: points whose x and y have the same sign are one class, the rest the other.",
    ),
    "gaussians": (
        gaussians,
        "Two round clouds of points, one per class, that a single straight line can separate.",
    ),
    "spiral": (spiral, "Two spiral arms wound around each other: the hardest of the 2-D sets."),
    "moons": (moons, "Two interlocking half moons, one per class: a gently curved boundary separates them."),
}


def _loader(info: DatasetInfo, make: Generator) -> Loader:
    def load(p: dict[str, Any], rng: np.random.Generator, dtype: Any, _mnist_dir: Any) -> Dataset:
        """x (n, 2), y (n, 1) 0/1, split by test_fraction; rows come in random order."""
        x, labels = make(p["n"], p["noise"], rng)
        y = labels.astype(np.float64).reshape(-1, 1)
        return make_dataset(
            info,
            x,
            y,
            labels,
            n_classes=info.n_classes,
            test_fraction=p["test_fraction"],
            rng=rng,
            dtype=dtype,
            shuffle=True,
            domain=PLANE_DOMAIN,
        )

    return load


def register_two_classes(sets: dict[str, tuple[Generator, str]], noise_help: str) -> None:
    """Register two-class sets of the plane: name -> (what draws n points and their 0/1
    labels with this noise, description); `noise_help` says what their noise does."""
    for name, (make, description) in sets.items():
        info = DatasetInfo(
            name=name,
            kind="classification",
            description=description,
            input_dim=2,
            params=generated_params(noise_help),
            n_classes=2,
        )
        register(info, _loader(info, make))


register_two_classes(_SETS, "How much the two classes blur into each other (0 = cleanly separated).")
