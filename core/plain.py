"""Turning engine values into plain Python (lists, floats, None) that any JSON encoder takes.

Non-finite floats become None here, once, so no NaN or Infinity ever leaves the engine.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def plain(value: Any) -> Any:
    """Arrays -> nested lists; numpy scalars -> Python; NaN and +-inf -> None."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            if np.isfinite(value).all():
                return value.tolist()
            return _replace_nonfinite(value.astype(object).tolist())
        return value.tolist()
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def _replace_nonfinite(items: Any) -> Any:
    if isinstance(items, list):
        return [_replace_nonfinite(v) for v in items]
    return items if math.isfinite(items) else None


def finite_or_none(value: float | None) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None
