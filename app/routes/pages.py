"""The HTML pages and the locally served plotly.js (no CDN: the class LAN has no internet)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from app.errors import APIError
from app.paths import TEMPLATES

router = APIRouter(include_in_schema=False)


@lru_cache
def plotly_js() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/", response_class=HTMLResponse)
async def index(request: Request):
    return TEMPLATES.TemplateResponse(request, "index.html", {"title": "nnplay"})


@router.get("/teacher", response_class=HTMLResponse)
async def teacher_page(request: Request):
    """The board itself asks for the token; every call it makes carries it."""
    if not request.app.state.settings.teacher_token:
        raise APIError(404, "not_found", "the teacher board is off: start the server with "
                                         "NNPLAY_TEACHER_TOKEN set")
    return TEMPLATES.TemplateResponse(request, "teacher.html", {"title": "nnplay: teacher board"})


@router.get("/vendor/plotly.min.js")
async def plotly_min_js():
    # Cached by the browser for a day: it only changes when the package does.
    return FileResponse(plotly_js(), media_type="text/javascript",
                        headers={"Cache-Control": "public, max-age=86400"})
