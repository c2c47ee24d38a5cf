"""Initial parameters: explicit textbook values or a seeded random scheme."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from core.checks import Checker


def initial_params(
    init: dict[str, Any], sizes: list[int], bias: bool, rng: np.random.Generator, dtype: Any
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """One (W (fan_in, fan_out), b (fan_out,) or None) per layer, drawn in layer order.

    Random schemes draw only the weights; biases start at zero (as seed 002 does),
    except `explicit`, which takes both from `init["params"]`.
    """
    scheme = init["scheme"]
    if scheme == "explicit":
        return explicit_params(init["params"], sizes, bias, dtype, field="init.params")
    params = []
    for fan_in, fan_out in zip(sizes, sizes[1:]):
        shape = (fan_in, fan_out)
        if scheme == "zeros":
            W = np.zeros(shape)
        elif scheme == "uniform":
            W = rng.uniform(init["low"], init["high"], size=shape)
        elif scheme == "normal":
            W = init["std"] * rng.standard_normal(shape)
        elif scheme == "xavier":
            # Glorot uniform, the Keras default for Dense layers.
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            W = rng.uniform(-limit, limit, size=shape)
        elif scheme == "he":
            W = math.sqrt(2.0 / fan_in) * rng.standard_normal(shape)
        else:  # resolve_config has already refused anything else
            raise ValueError(f"unknown init scheme {scheme!r}")
        b = np.zeros(fan_out, dtype=dtype) if bias else None
        params.append((W.astype(dtype), b))
    return params


PARAM_LIMIT = 1e6  # the largest magnitude a user may type in as a weight or bias


def explicit_params(
    values: Any, sizes: list[int], bias: bool, dtype: Any, field: str = "params", bounded: bool = True
) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Check user-given [{"W", "b"}] against the layer sizes; returns [(W, b or None)].

    Raises ConfigError naming e.g. "params[1].W" with the expected and given shapes.
    `bounded=False` takes any finite value: the engine's own states (a time-travel
    checkpoint of a run whose weights grew past PARAM_LIMIT before it diverged).
    """
    checker = Checker()
    layer_count = len(sizes) - 1
    if not isinstance(values, list) or len(values) != layer_count:
        got = len(values) if isinstance(values, list) else "not a list"
        checker.fail(field, f"needs {layer_count} entries of {{W, b}}, got {got}")
        checker.raise_if_any()
    params = []
    for index, (entry, fan_in, fan_out) in enumerate(zip(values, sizes, sizes[1:])):
        where = f"{field}[{index}]"
        if not checker.object(entry, where, {"W", "b"}):
            continue
        W = _array(entry.get("W"), (fan_in, fan_out), f"{where}.W", checker, dtype, bounded)
        if bias:
            b = _array(entry.get("b"), (fan_out,), f"{where}.b", checker, dtype, bounded)
        else:
            if entry.get("b") is not None:
                checker.fail(f"{where}.b", "must be null: this network has no biases")
            b = None
        if W is not None:  # else the checker holds why, and raises below
            params.append((W, b))
    checker.raise_if_any()
    return params


def _array(
    value: Any, shape: tuple[int, ...], field: str, checker: Checker, dtype: Any, bounded: bool = True
) -> np.ndarray | None:
    if value is None:
        checker.fail(field, f"is missing; expected shape {list(shape)}")
        return None
    try:
        array = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        checker.fail(field, f"must be numbers in shape {list(shape)}")
        return None
    if array.shape != shape:
        checker.fail(field, f"must have shape {list(shape)}, got {list(array.shape)}")
        return None
    if not np.all(np.isfinite(array)):
        checker.fail(field, "must hold finite numbers only")
        return None
    if bounded and np.any(np.abs(array) > PARAM_LIMIT):
        checker.fail(field, f"values must lie within [-{PARAM_LIMIT:g}, {PARAM_LIMIT:g}]")
        return None
    return array.astype(dtype)
