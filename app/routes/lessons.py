"""Guided lessons: the list, one lesson, and a session in the exact state of one step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.deps import ManagerDep, SettingsDep
from app.errors import APIError, documented, invalid
from app.frames import session_snapshot
from app.joining import JoiningDep
from app.lesson_text import fill
from app.lessons import Lesson, all_lessons, build_step
from app.models import LessonSession, LessonSummary, send
from core.run import Run
from core.timeline import Timeline

router = APIRouter(prefix="/lessons", tags=["lessons"])
NO_LESSON = "no lesson with this id"


def _lesson(lesson_id: str) -> Lesson:
    lesson = all_lessons().get(lesson_id)
    if lesson is None:
        raise APIError(404, "not_found", f"no lesson {lesson_id!r}")
    return lesson


@router.get("", response_model=list[LessonSummary])
async def list_lessons() -> Response:
    return send(
        [
            {"id": l.id, "number": l.number, "title": l.title, "summary": l.summary, "steps": len(l.steps)}
            for l in all_lessons().values()
        ]
    )


@router.get("/{lesson_id}", response_model=Lesson, responses=documented(404, not_found=NO_LESSON))
async def get_lesson(lesson_id: str) -> Response:
    return send(_lesson(lesson_id).model_dump())


@router.post(
    "/{lesson_id}/steps/{index}/session",
    status_code=201,
    response_model=LessonSession,
    responses=documented(404, 422, 429, 503, not_found=NO_LESSON),
)
async def step_session(
    lesson_id: str,
    index: Annotated[int, Path(ge=1)],
    manager: ManagerDep,
    settings: SettingsDep,
    request: Request,
    joining: JoiningDep,
    grid: int | None = None,
) -> Response:
    """A new session in exactly the state step `index` (1-based) describes; with
    `class_code` (and `name`, `seat`) a student's, in the class like any other."""
    lesson = _lesson(lesson_id)
    if index > len(lesson.steps):
        raise invalid(
            "index",
            f"must be between 1 and {len(lesson.steps)}",
            message=f"index: the lesson has {len(lesson.steps)} steps",
        )
    step = lesson.steps[index - 1]
    # The step's run is its config replayed, so its timeline keeps the way there from step
    # 0: the page can look back at any step before it (the update's old weights, say).
    kept: list[Timeline] = []

    def keep(run: Run) -> None:
        if kept:
            kept[0].record(run)
        else:
            kept.append(Timeline(run))

    session = await manager.create(
        lambda: build_step(step, mnist_dir=settings.mnist_dir, keep=keep), step.full_config()
    )
    kept[0].record(session.run, pinned=True)
    session.timeline = kept[0]
    if joining is not None:
        joining.into(request, session)
    # The step's words with the numbers of this very state (app/lesson_text.py).
    text = await session.call(fill, step.text, session.run, cost=0.0)
    return send(
        {
            "id": session.id,
            "config": session.run.config,
            "snapshot": session_snapshot(session, grid),
            "step": step.model_dump(),
            "text": text,
        },
        201,
    )
