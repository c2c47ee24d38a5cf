"""Checking a config's `data` object against the registry, then loading it."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from core.data.base import DATASETS, FIXED_ROWS, LOADERS, REFUSALS, DataError, Dataset
from core.data.csv import count_rows
from core.data.mnist import N_TEST, N_TRAIN


def load_dataset(
    spec: dict[str, Any],
    rng: np.random.Generator,
    dtype: Any = np.float64,
    mnist_dir: str | os.PathLike[str] | None = None,
) -> Dataset:
    """Load the data set that `spec` (the config's `data` object) describes.

    spec: {"name": ..., plus any of the data set's params}; missing keys, and keys set
    to None, take the data set's defaults. x arrays come back as (n, d) `dtype`, y as
    (n, k) `dtype`, labels as (n,) int64. Every random draw comes from `rng`.
    Raises DataError naming the offending field ("data.noise", ...).
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"dtype must be a floating point type, got {dtype}")
    name, params = check_spec(spec)
    return LOADERS[name](params, rng, dtype, mnist_dir)


def data_rows(spec: dict[str, Any]) -> tuple[int, int]:
    """(training rows, test rows) of the data set a checked spec (check_spec's params, or a
    resolved config's `data`) gives, without loading it: what a run's memory is worked
    out from. MNIST's test set is always the file's 10,000 images."""
    name, params = check_spec(spec)
    if name == "mnist":
        return params["n"] or N_TRAIN, N_TEST
    if name == "inline":
        rows = len(params["inputs"]) if params["inputs"] is not None else 0
    elif name == "csv":
        rows = count_rows(params["text"])
    else:
        rows = params.get("n") or 4  # the gates are their four-row truth tables
    test = min(round(rows * params["test_fraction"]), rows - 1) if rows > 0 else 0  # split_indices
    return rows - test, test


def fixed_rows(spec: dict[str, Any]) -> str | None:
    """Why the data a spec gives is the very same rows under every data seed (so "new
    data" would change nothing), or None when the seed draws them: their points, their
    noise or which of them are held back for testing."""
    name, params = check_spec(spec)
    rule = FIXED_ROWS.get(name)
    return None if rule is None else rule(params)


def check_spec(spec: Any) -> tuple[str, dict[str, Any]]:
    """Validate a data spec; return (name, params with every default filled in)."""
    if not isinstance(spec, dict):
        raise DataError("data", f"must be an object, got {_type_name(spec)}")
    name = spec.get("name")
    if name is None:
        raise DataError("data.name", "is required; choose one of: " + ", ".join(DATASETS))
    if not isinstance(name, str) or name not in DATASETS:
        shown = repr(name) if isinstance(name, str) else _type_name(name)
        raise DataError("data.name", f"unknown data set {shown}; choose one of: " + ", ".join(DATASETS))
    info = DATASETS[name]
    known = {"name"}.union(*(i.params for i in DATASETS.values()))
    for key, value in spec.items():
        path = f"data.{key}"
        if key == "name" or key in info.params:
            continue
        if key not in known:
            raise DataError(path, "unknown field; allowed for " + _takes(name))
        # A front end may send one flat data object for every set, with unused keys null.
        if value is not None:
            reason = REFUSALS[name].get(key) or f"is not used by {_takes(name)}"
            raise DataError(path, reason)
    params: dict[str, Any] = {}
    for key, entry in info.params.items():
        value = spec.get(key)
        if value is None and entry.get("optional"):
            continue  # not set: left out, so a spec from before the param resolves as it did
        if value is None:
            params[key] = entry["default"]
        elif entry["type"] == "int":
            params[key] = _check_int(value, f"data.{key}", entry["min"], entry["max"])
        elif entry["type"] == "float":
            params[key] = _check_float(value, f"data.{key}", entry["min"], entry["max"])
        else:
            params[key] = value  # lists: the loader knows their shape rules
    return name, params


def _takes(name: str) -> str:
    keys = ", ".join(["name", *DATASETS[name].params])
    return f"the {name!r} data set (it takes: {keys})"


def _check_int(value: Any, field: str, low: int, high: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DataError(field, f"must be an integer, got {_type_name(value)}")
    if isinstance(value, (float, np.floating)) and (
        not math.isfinite(value) or not float(value).is_integer()
    ):
        raise DataError(field, f"must be an integer, got {_fmt(value)}")
    value = int(value)
    if not low <= value <= high:
        raise DataError(field, f"must be between {low} and {high}, got {value}")
    return value


def _check_float(value: Any, field: str, low: float, high: float) -> float:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DataError(field, f"must be a number, got {_type_name(value)}")
    value = float(value)
    if not math.isfinite(value):
        raise DataError(field, f"must be a finite number, got {value}")
    if not low <= value <= high:
        raise DataError(field, f"must be between {_fmt(low)} and {_fmt(high)}, got {_fmt(value)}")
    return value


def _fmt(x: float | np.floating[Any]) -> str:
    return f"{float(x):g}" if math.isfinite(x) else str(x)


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, (bool, np.bool_)):
        return "a boolean"
    if isinstance(value, (int, float, np.number)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
