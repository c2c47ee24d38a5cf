"""The one JSON encoder for every response and WebSocket frame (and the frame workers,
which is why it imports nothing of the web framework: see app/responses.py).

orjson writes NaN and +-Infinity as null, so whatever the engine produced, a browser's
JSON.parse accepts it.
"""

from __future__ import annotations

from typing import Any

import orjson

OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def dumps(value: Any) -> bytes:
    return orjson.dumps(value, option=OPTIONS)


def dumps_text(value: Any) -> str:
    return dumps(value).decode()
