"""Two-class sets split by a curve y = f(x) the user picks: points above it are one class.

As the other 2-D sets, the points are uniform in the box (-6, 6) x (-6, 6), label 1 above
the curve and label 0 below it. Each curve is scaled to stay inside the box and to leave
about half of it on each side, so the classes are about equally large. Noise (0..0.5)
does not move the points: as with the playground's sets, it moves the height at which a
point's side is decided, by up to noise * 6, so only points that close to the curve can
get the other class's label.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial

import numpy as np

from core.data.planar import register_two_classes

Curve = Callable[[np.ndarray], np.ndarray]

_HALF_WIDTH = 6.0  # the box's half width: points, and the noise's reach at noise 1


def sine(x: np.ndarray) -> np.ndarray:
    """3 sin(pi x / 3): two whole waves across the box, between -3 and 3."""
    return 3.0 * np.sin(math.pi * x / 3.0)


def cubic(x: np.ndarray) -> np.ndarray:
    """(x^3 - 25 x) / 20: rises, dips and rises again, from -3.3 at x = -6 to 3.3 at x = 6."""
    return (x**3 - 25.0 * x) / 20.0


def absolute(x: np.ndarray) -> np.ndarray:
    """|x| - 3: a V with its point at (0, -3), reaching 3 at the box's sides."""
    return np.abs(x) - 3.0


# name -> (curve, description)
CURVES: dict[str, tuple[Curve, str]] = {
    "sine": (
        sine,
        "Points above a sine wave, y = 3 sin(πx/3), are one class, those below the other.",
    ),
    "cubic": (
        cubic,
        "Points above a cubic curve, y = (x³ − 25x)/20, are one class, those below the other.",
    ),
    "abs": (
        absolute,
        "Points above a V-shaped curve, y = |x| − 3, are one class, those below the other.",
    ),
}


def above_curve(
    curve: Curve, n: int, noise: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """x (n, 2) uniform in the box, labels (n,): 1 where the point is above the curve.

    The side is read at a height shifted by up to noise * 6, so a point further than that
    from the curve (vertically) always has its own side's label.
    """
    x = rng.uniform(-_HALF_WIDTH, _HALF_WIDTH, (n, 2))
    seen = x[:, 1] + rng.uniform(-_HALF_WIDTH, _HALF_WIDTH, n) * noise
    labels = (seen > curve(x[:, 0])).astype(np.int64)
    return x, labels


register_two_classes(
    {name: (partial(above_curve, curve), description) for name, (curve, description) in CURVES.items()},
    "How far from the curve a point may get the other side's label (0 = none).",
)
