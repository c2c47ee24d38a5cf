"""/api/sessions/{id}/fork: a twin of a session that differs in a few settings, to compare
the two side by side (core/fork.py says what a twin keeps of its original); and
/api/sessions/{id}/difference/{other}: what two sessions differ in, in words."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.deps import ManagerDep, SessionDep
from app.errors import NOT_FOUND_SESSION, documented
from app.models import Difference, TwinView
from app.routes.sessions import Grid, _created
from app.schemas import ConfigModel, to_engine
from app.sessions import Session
from app.streaming import send_json
from core.fork import difference, fork_run, one_line
from core.run import Run

router = APIRouter(prefix="/sessions", tags=["sessions"])


def _fork(session: Session, changes: dict) -> tuple[Run, tuple[str, str]]:
    """The twin and the two sides of the difference, of the session's run as it is when
    the lock is taken (a rewind may have replaced it, a patch changed it)."""
    twin = fork_run(session.run, changes)
    return twin, difference(session.run.config, twin.config)


@router.post(
    "/{session_id}/fork",
    status_code=201,
    response_model=TwinView,
    responses=documented(404, 422, 503, not_found=NOT_FOUND_SESSION),
)
async def fork_session(
    session: SessionDep,
    manager: ManagerDep,
    request: Request,
    body: ConfigModel | None = None,
    grid: Grid = None,
) -> Response:
    """A new session, the twin of this one: the same run with the settings the partial
    config in the body changes (no body, or {}: an exact copy, which steps on bit for bit
    as this one does). The twin keeps the weights, the history and the batch order where
    the change allows (another seed, init scheme or shape starts it over at step 0, on
    the same data and batches); `difference` names what the two differ in. It is a new
    session like any other: it counts against the server's limits, and this one is left
    as it was (a moment of it is copied, under its lock)."""
    changes = to_engine(body) if body is not None else {}
    twin, sides = await session.call(_fork, session, changes)
    created = await manager.create(lambda: twin, twin.config)
    reply = await _created(created, grid)
    reply.update({"twin_of": session.id, "difference": one_line(sides), "sides": list(sides)})
    return send_json(reply, request, 201)


@router.get(
    "/{session_id}/difference/{other_id}",
    response_model=Difference,
    responses=documented(404, 503, not_found=NOT_FOUND_SESSION + " (either of the two)"),
)
async def session_difference(
    session: SessionDep,
    manager: ManagerDep,
    other_id: Annotated[str, Path(description="the other session's id")],
    request: Request,
) -> Response:
    """What the two sessions' configs differ in, in words, as a fork names it: the compare
    view over two sessions titles each run with its side."""
    other = await manager.get(other_id)
    sides = difference(session.run.config, other.run.config)
    return send_json({"difference": one_line(sides), "sides": list(sides)}, request)
