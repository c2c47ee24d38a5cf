"""The inputs a network sees, computed from the raw 2-D inputs (x1, x2) of a plane data set,
as the TensorFlow Playground offers them: x1, x2, their squares, their product and their
sines. The config's `features` lists them, in the order of the network's input units.

FEATURES is the one table: each name's function of the raw inputs. Everything that feeds a
network (training, evaluation, probes, the decision grids and their thumbnails) maps raw
inputs through `network_inputs`; the identity features (x1, x2) give the raw array itself,
not a copy, so a run with them computes exactly what it did before features existed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from core.data import Dataset

# name -> function of the raw inputs x (n, 2) giving the feature's column (n,), in x's dtype.
FEATURES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "x1": lambda x: x[:, 0],
    "x2": lambda x: x[:, 1],
    "x1^2": lambda x: x[:, 0] * x[:, 0],
    "x2^2": lambda x: x[:, 1] * x[:, 1],
    "x1*x2": lambda x: x[:, 0] * x[:, 1],
    "sin(x1)": lambda x: np.sin(x[:, 0]),
    "sin(x2)": lambda x: np.sin(x[:, 1]),
}

# The raw inputs as they are: what a data set that is not a plane is fed with, too.
IDENTITY = ("x1", "x2")
RAW_INPUTS = 2  # features are computed from a plane's two inputs


def is_identity(features: Sequence[str]) -> bool:
    """Whether the features are the raw inputs themselves, in order."""
    return tuple(features) == IDENTITY


def input_names(features: Sequence[str]) -> list[str] | None:
    """What the network's input units are called: the features' names, or None under the
    identity features (the data's own inputs, x1..xd, whatever d is)."""
    return None if is_identity(features) else list(features)


def network_inputs(features: Sequence[str], x: np.ndarray) -> np.ndarray:
    """Raw inputs x (n, 2) -> the network's inputs (n, len(features)), one column per
    feature in order, in x's dtype and C order. The identity features give x itself."""
    if is_identity(features):
        return x
    out = np.empty((x.shape[0], len(features)), dtype=x.dtype)
    for column, name in enumerate(features):
        out[:, column] = FEATURES[name](x)
    return out


def network_data(features: Sequence[str], data: Dataset) -> Dataset:
    """The data set as the network sees it: its inputs mapped through the features (its
    targets, labels and plotting box as they are); the data set itself under the identity."""
    if is_identity(features):
        return data
    return replace(
        data,
        x_train=network_inputs(features, data.x_train),
        x_test=network_inputs(features, data.x_test),
    )
