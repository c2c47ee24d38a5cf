"""The teacher's routes (behind NNPLAY_TEACHER_TOKEN) and what students see of their class."""

from __future__ import annotations

import io
import secrets
from typing import Annotated, Literal

import segno
from fastapi import APIRouter, Depends, Request, Response, Security
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field

from app.classroom import Challenge, ClassState
from app.errors import BOARD_OFF, APIError, documented, invalid
from app.guesses import check_class_code
from app.lan import join_urls
from app.lessons import all_lessons
from app.models import BoardRow, ClassInfo, Reached, StudentView, send
from app.models import Challenge as ChallengeView
from app.schemas import ConfigModel, Metric, Strict, to_engine
from app.settings import Settings
from core.config import resolve_config
from core.data import DATASETS

router = APIRouter(tags=["classroom"])


def classroom(request: Request) -> ClassState:
    return request.app.state.classroom


ClassroomDep = Annotated[ClassState, Depends(classroom)]


# The token comes only as "Authorization: Bearer ...": not in a cookie (a page of another
# site could make the browser send it), not in the query string (addresses end up in access
# logs). auto_error=False: require_teacher gives the error bodies.
bearer = HTTPBearer(auto_error=False, description="the teacher token (NNPLAY_TEACHER_TOKEN)")
BearerToken = Annotated[HTTPAuthorizationCredentials | None, Security(bearer)]


def require_teacher(request: Request, header: BearerToken) -> None:
    """404 while the board is off, 401 without a token, 403 with a wrong one (a student's
    session id included), 429 after too many wrong ones from the same address."""
    settings: Settings = request.app.state.settings
    if not settings.teacher_token:
        raise APIError(
            404, "not_found", "the teacher board is off: start the server with NNPLAY_TEACHER_TOKEN set"
        )
    if header is None or not header.credentials:
        raise APIError(
            401, "unauthorized", "the teacher token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    guesses = request.app.state.guesses
    guesses.check("teacher token", request)
    if not secrets.compare_digest(header.credentials.encode(), settings.teacher_token.encode()):
        guesses.failed("teacher token", request)
        raise APIError(403, "forbidden", "this token does not open the teacher board")


Teacher = Depends(require_teacher)
TEACHER = documented(401, 403, 404, 429, not_found=BOARD_OFF)


@router.get("/teacher/class", dependencies=[Teacher], response_model=ClassInfo, responses=TEACHER)
async def class_info(room: ClassroomDep, request: Request) -> Response:
    """The class code students join with, the address to give them (this machine's LAN
    address when the board was opened on loopback) and its QR code."""
    url = request.url
    links = join_urls(url.scheme, url.hostname or "127.0.0.1", url.port, room.code)
    return send(
        {
            "code": room.code,
            "students": len(await room.board()),
            "join_url": links[0],
            "join_urls": links,
            "join_qr": _qr_svg(links[0]),
        }
    )


def _qr_svg(link: str) -> str:
    """The link as a QR code: one <svg> element with its namespace (the page parses it as
    SVG), scaled by CSS, black on white whatever the theme (phones read that best)."""
    buffer = io.BytesIO()
    segno.make(link, error="m").save(
        buffer, kind="svg", xmldecl=False, nl=False, scale=6, dark="#000", light="#fff", omitsize=True
    )
    return buffer.getvalue().decode()


@router.get("/teacher/board", dependencies=[Teacher], response_model=list[BoardRow], responses=TEACHER)
async def board(room: ClassroomDep) -> Response:
    """Every student's session: preset, step, loss, status and a small loss curve."""
    return send(await room.board())


class BroadcastRequest(Strict):
    config: ConfigModel
    message: Annotated[str, Field(max_length=500)] = ""


@router.post(
    "/teacher/broadcast",
    dependencies=[Teacher],
    response_model=Reached,
    responses={**TEACHER, **documented(422)},
)
async def send_broadcast(body: BroadcastRequest, room: ClassroomDep) -> Response:
    """Push a network (a full config, or a lesson step's) to every student; each can fork it."""
    message = {"type": "broadcast", "config": resolve_config(to_engine(body.config)), "message": body.message}
    return send(await room.tell(message, keep="broadcast"))


class LessonRequest(Strict):
    lesson: Annotated[str, Field(min_length=1, max_length=100, description="a lesson's id")]
    step: Annotated[int, Field(ge=1, description="1-based")] = 1
    message: Annotated[str, Field(max_length=500)] = ""


@router.post(
    "/teacher/lesson",
    dependencies=[Teacher],
    response_model=Reached,
    responses={**TEACHER, **documented(422)},
)
async def send_lesson(body: LessonRequest, room: ClassroomDep) -> Response:
    """Ask every student to open lesson `lesson` at step `step`: their page offers to go."""
    lesson = all_lessons().get(body.lesson)
    if lesson is None:
        raise invalid("lesson", f"no lesson {body.lesson!r}")
    if body.step > len(lesson.steps):
        raise invalid(
            "step",
            f"must be between 1 and {len(lesson.steps)}",
            message=f"step: the lesson has {len(lesson.steps)} steps",
        )
    message = {
        "type": "lesson",
        "lesson": lesson.id,
        "step": body.step,
        "title": lesson.title,
        "step_title": lesson.steps[body.step - 1].title,
        "message": body.message,
    }
    return send(await room.tell(message, keep="lesson"))


@router.post(
    "/teacher/students/{handle}/reset",
    dependencies=[Teacher],
    response_model=BoardRow,
    responses=documented(
        401,
        403,
        404,
        429,
        503,
        not_found=f"{BOARD_OFF}, or no student with this handle",
        busy="the server process holding the student's session did not apply the reset in time "
        "(several processes sharing NNPLAY_DATABASE_URL)",
    ),
)
async def reset_student(handle: str, room: ClassroomDep) -> Response:
    """Back to its first step: a student's run (their current session, by the board row's
    handle), paused, its history cleared; their page shows it at once. With several server
    processes, the one holding the session does it (within about a second)."""
    row = await room.reset(handle)
    if row is None:
        raise APIError(404, "not_found", "no student with this handle")
    return send(row)


class ChallengeRequest(Strict):
    title: Annotated[str, Field(min_length=1, max_length=200)]
    data: Literal[tuple(DATASETS)]  # type: ignore[valid-type]
    metric: Metric = "test_loss"
    target: Annotated[float, Field(ge=0, le=1e6)]
    max_hidden_units: Annotated[int, Field(ge=1, le=8192)] | None = None


@router.post(
    "/teacher/challenges",
    dependencies=[Teacher],
    status_code=201,
    response_model=ChallengeView,
    responses={**TEACHER, **documented(422)},
)
async def create_challenge(body: ChallengeRequest, room: ClassroomDep) -> Response:
    """E.g. "test loss < 0.05 on spiral with at most 12 hidden units"."""
    challenge = Challenge(id=secrets.token_hex(4), **body.model_dump())
    await room.add_challenge(challenge)
    view = _challenge_view(challenge, await room.board())
    await room.tell({"type": "challenge", **view})
    return send(view, 201)


@router.get(
    "/teacher/challenges", dependencies=[Teacher], response_model=list[ChallengeView], responses=TEACHER
)
async def list_challenges(room: ClassroomDep) -> Response:
    return send(await _challenge_views(room))


@router.delete(
    "/teacher/challenges/{challenge_id}",
    dependencies=[Teacher],
    status_code=204,
    responses=documented(401, 403, 404, not_found=f"{BOARD_OFF}, or no such challenge"),
)
async def delete_challenge(challenge_id: str, room: ClassroomDep) -> Response:
    if not await room.end_challenge(challenge_id):
        raise APIError(404, "not_found", "no such challenge")
    return Response(status_code=204)


@router.get(
    "/class/{code}",
    response_model=StudentView,
    responses=documented(404, 429, not_found="no class with this code"),
)
async def student_view(code: str, room: ClassroomDep, request: Request) -> Response:
    """What any student of the class may see: the latest broadcast and the challenges."""
    await check_class_code(request, code)
    news = await room.news()
    return send(
        {
            "code": room.code,
            "broadcast": news["broadcast"],
            "lesson": news["lesson"],
            "challenges": await _challenge_views(room),
        }
    )


async def _challenge_views(room: ClassState) -> list[dict]:
    challenges = await room.challenges()
    rows = await room.board() if challenges else []
    return [_challenge_view(c, rows) for c in challenges]


def _challenge_view(challenge: Challenge, rows: list[dict]) -> dict:
    return {
        "id": challenge.id,
        "title": challenge.title,
        "data": challenge.data,
        "metric": challenge.metric,
        "target": challenge.target,
        "max_hidden_units": challenge.max_hidden_units,
        "leaderboard": challenge.leaderboard(rows),
    }
