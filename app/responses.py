"""FastAPI's default response class for this app: JSON by the one encoder (app/jsonio.py)."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from app.jsonio import dumps


class JSONBody(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content)
