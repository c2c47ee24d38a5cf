"""The HTML pages, and the files they load: nnplay's static files, plotly.js and the docs'
UI, all served by the app (no CDN: the class LAN has no internet), see app/assets.py."""

from __future__ import annotations

import difflib
import hashlib
import re

import jinja2
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import APIError
from app.headers import PAGE_POLICY
from app.lessons import Lesson, all_lessons
from app.paths import TEMPLATES

router = APIRouter(include_in_schema=False)


@jinja2.pass_context
def static_url(context, name: str) -> str:
    """{{ static_url("js/main.js") }}: the file's versioned URL, /static/<hash>/js/main.js."""
    return context["request"].app.state.assets.static.url(name)


@jinja2.pass_context
def plotly_url(context) -> str:
    """{{ plotly_url() }}: plotly.js's URL, with its version."""
    return context["request"].app.state.assets.plotly.url("plotly.min.js")


# The one place templates get static URLs from (each app's own, from its request).
TEMPLATES.env.globals.update(static_url=static_url, plotly_url=plotly_url)


def page(
    request: Request, template: str, title: str, *, context: dict | None = None, status_code: int = 200
) -> Response:
    """A page: revalidated at every load (it names the current static files' URLs), with an
    ETag so that an unchanged page answers 304. Weak: compression changes its bytes."""
    response = TEMPLATES.TemplateResponse(
        request, template, {"title": title, **(context or {})}, status_code=status_code
    )
    etag = 'W/"' + hashlib.sha256(response.body).hexdigest()[:24] + '"'
    headers = {"Cache-Control": "no-cache", "ETag": etag, "Content-Security-Policy": PAGE_POLICY}
    if etag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}:
        return Response(status_code=304, headers=headers)
    response.headers.update(headers)
    return response


@router.get("/", response_class=HTMLResponse)
async def index(request: Request):
    return page(request, "index.html", "nnplay")


@router.get("/lessons", response_class=HTMLResponse)
async def lessons_page(request: Request):
    """The list of lessons (drawn from GET /api/lessons by static/js/lesson-list.js)."""
    return page(request, "lessons.html", "nnplay: lessons")


@router.get("/lessons/{lesson_id}", response_class=HTMLResponse)
async def lesson_page(request: Request, lesson_id: str):
    """The playground with a lesson panel (static/js/views/lesson/lesson.js); ?step=k picks the step."""
    lessons = all_lessons()
    lesson = lessons.get(lesson_id)
    if lesson is None:
        # A page for people, not a JSON body: what was asked for, the nearest lesson, the list.
        return page(
            request,
            "lessons.html",
            "nnplay: no such lesson",
            status_code=404,
            context={"missing": lesson_id, "nearest": nearest_lesson(lesson_id, lessons)},
        )
    return page(request, "index.html", f"nnplay: {lesson.number}. {lesson.title}")


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
        raise APIError(
            404, "not_found", "the teacher board is off: start the server with NNPLAY_TEACHER_TOKEN set"
        )
    return page(request, "teacher.html", "nnplay: teacher board")


# /<set>/<version>/<file> is cached for a year; /<set>/<file> (old links) is revalidated.
@router.api_route("/static/{path:path}", methods=["GET", "HEAD"])
async def static_file(request: Request, path: str):
    return await request.app.state.assets.static.respond(request, path)


@router.api_route("/vendor/{path:path}", methods=["GET", "HEAD"])
async def vendor_file(request: Request, path: str):
    """plotly.min.js from the plotly package, under plotly.js's version."""
    return await request.app.state.assets.plotly.respond(request, path)


@router.api_route("/docs-assets/{path:path}", methods=["GET", "HEAD"])
async def docs_file(request: Request, path: str):
    """Swagger UI's and ReDoc's files (app/docs_ui.py)."""
    return await request.app.state.assets.docs.respond(request, path)
