"""Field-by-field validation that collects every problem before reporting them together."""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from core.errors import ConfigError

_MISSING = object()


class Checker:
    """Validates values at dotted paths and collects {"field", "reason"} errors."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def fail(self, field: str, reason: str) -> None:
        self.errors.append({"field": field, "reason": reason})

    def raise_if_any(self) -> None:
        if self.errors:
            raise ConfigError(self.errors)

    def object(self, value: Any, field: str, allowed: set[str]) -> bool:
        """True when value is a dict whose keys are all in `allowed`."""
        if not isinstance(value, dict):
            self.fail(field or "config", f"must be an object, got {type_name(value)}")
            return False
        for key in value:
            if key not in allowed:
                path = f"{field}.{key}" if field else str(key)
                self.fail(path, "unknown field; allowed: " + ", ".join(sorted(allowed)))
        return True

    def number(
        self,
        value: Any,
        field: str,
        low: float | None = None,
        high: float | None = None,
        *,
        integer: bool = False,
        low_open: bool = False,
        high_open: bool = False,
        nullable: bool = False,
    ) -> Any:
        """A finite int or float within [low, high] (ends open when asked); returns it or None."""
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            kind = "an integer" if integer else "a number"
            self.fail(field, f"must be {kind}, got {type_name(value)}")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.fail(field, f"must be a finite number, got {value}")
            return None
        if integer and not (isinstance(value, int) or float(value).is_integer()):
            self.fail(field, f"must be an integer, got {value}")
            return None
        if low is not None and (value < low or (low_open and value == low)):
            self.fail(field, _range_text(low, high, low_open, high_open, value))
            return None
        if high is not None and (value > high or (high_open and value == high)):
            self.fail(field, _range_text(low, high, low_open, high_open, value))
            return None
        return int(value) if integer else value

    def choice(self, value: Any, field: str, options: Collection[Any]) -> Any:
        if value not in options or isinstance(value, bool):
            self.fail(field, f"must be one of {', '.join(map(str, options))}, got {value!r}")
            return None
        return value

    def boolean(self, value: Any, field: str) -> Any:
        if not isinstance(value, bool):
            self.fail(field, f"must be true or false, got {type_name(value)}")
            return None
        return value


def _range_text(low: float | None, high: float | None, low_open: bool, high_open: bool, value: float) -> str:
    if low is not None and high is not None:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        return f"must be in {left}{low}, {high}{right}, got {value}"
    if low is not None:
        return f"must be {'>' if low_open else '>='} {low}, got {value}"
    return f"must be {'<' if high_open else '<='} {high}, got {value}"


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
