"""The HTML pages and the locally served plotly.js (no CDN: the class LAN has no internet)."""
from __future__ import annotations

import difflib
import re
from functools import lru_cache
from pathlib import Path

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from app.errors import APIError
from app.lessons import Lesson, all_lessons
from app.paths import TEMPLATES

router = APIRouter(include_in_schema=False)


@lru_cache
def plotly_js() -> Path:
    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


@router.get("/", response_class=HTMLResponse)
async def index(request: Request):
    return TEMPLATES.TemplateResponse(request, "index.html", {"title": "nnplay"})


@router.get("/lessons", response_class=HTMLResponse)
async def lessons_page(request: Request):
    """The list of lessons (drawn from GET /api/lessons by static/js/lesson-list.js)."""
    return TEMPLATES.TemplateResponse(request, "lessons.html", {"title": "nnplay: lessons"})


@router.get("/lessons/{lesson_id}", response_class=HTMLResponse)
async def lesson_page(request: Request, lesson_id: str):
    """The playground with a lesson panel (static/js/lesson.js); ?step=k picks the step."""
    lessons = all_lessons()
    lesson = lessons.get(lesson_id)
    if lesson is None:
        # A page for people, not a JSON body: what was asked for, the nearest lesson, the list.
        return TEMPLATES.TemplateResponse(
            request, "lessons.html", {"title": "nnplay: no such lesson", "missing": lesson_id,
                                      "nearest": nearest_lesson(lesson_id, lessons)},
            status_code=404)
    return TEMPLATES.TemplateResponse(request, "index.html",
                                      {"title": f"nnplay: {lesson.number}. {lesson.title}"})


def nearest_lesson(wanted: str, lessons: dict[str, Lesson]) -> Lesson | None:
    """The lesson a mistyped id most likely meant: the same number, else the closest id."""
    number = re.match(r"\d+", wanted)
    for lesson in lessons.values():
        if number and lesson.number == int(number.group()):
            return lesson
    close = difflib.get_close_matches(wanted, list(lessons), n=1, cutoff=0.5)
    return lessons[close[0]] if close else None


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
