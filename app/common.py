"""What every nnplay command reads from its environment, declared without the settings
library: `app.settings.CommonSettings` takes its fields, defaults and limits from here.

A command run in a terminal (`nnplay train`) starts in about the time Python and NumPy
take to import, and the settings library would more than double that: a command reads its
settings through it only when the environment sets one of them (common_settings).
"""

from __future__ import annotations

import os
from types import SimpleNamespace
from typing import Any

ENV_PREFIX = "NNPLAY_"
# Every field's default: the MNIST directory (none), and BLAS threads for NumPy's matrix
# products in `nnplay` commands and the frame workers they start. One is the fastest for
# this project's small matrices (app/threads.py).
COMMON_DEFAULTS: dict[str, Any] = {"mnist_dir": None, "threads": 1}
THREADS_RANGE = (1, 256)
# The server's address (app.settings.Settings), which `nnplay serve --help` shows.
SERVE_DEFAULTS: dict[str, Any] = {"host": "127.0.0.1", "port": 8000}
PORT_RANGE = (1, 65535)


def variable(field: str) -> str:
    """The environment variable of a settings field: the prefix and the name, upper case."""
    return (ENV_PREFIX + field).upper()


def common_settings() -> Any:
    """The common settings: their defaults when the environment sets none of them (in any
    case, as the settings library reads names), else CommonSettings, validated (BadSetting)."""
    names = {variable(field) for field in COMMON_DEFAULTS}
    if not any(value and name.upper() in names for name, value in os.environ.items()):
        return SimpleNamespace(**COMMON_DEFAULTS)
    from app.settings import CommonSettings, load

    return load(CommonSettings)
