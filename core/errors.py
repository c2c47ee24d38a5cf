"""Errors the engine raises for bad input, each naming the field and the reason."""

from __future__ import annotations

from typing import Any


class ConfigError(ValueError):
    """One or more invalid config fields.

    `errors` is a list of {"field": dotted path, "reason": text}; a front end shows each
    next to its control.
    """

    def __init__(self, errors: list[dict[str, Any]] | str, reason: str | None = None):
        if isinstance(errors, str):
            errors = [{"field": errors, "reason": reason or "is invalid"}]
        self.errors = errors
        super().__init__("; ".join(f"{e['field']}: {e['reason']}" for e in errors))


class StateError(RuntimeError):
    """An operation that the run's current state does not allow (e.g. stepping a diverged run)."""
