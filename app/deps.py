"""Dependencies shared by the routes, as Annotated aliases.

They are coroutines: FastAPI runs a plain function dependency in anyio's thread pool, where
one request would wait for a free thread behind all the work there; these only look
things up."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request

from app.sessions import Session, SessionManager
from app.settings import Settings


async def _settings(request: Request) -> Settings:
    return request.app.state.settings


async def _manager(request: Request) -> SessionManager:
    return request.app.state.sessions


SettingsDep = Annotated[Settings, Depends(_settings)]
ManagerDep = Annotated[SessionManager, Depends(_manager)]


async def _session(
    manager: ManagerDep, session_id: Annotated[str, Path(description="the session's id")]
) -> Session:
    # Any unknown id, however long, is the same 404; an evicted session comes back here.
    return await manager.get(session_id)


SessionDep = Annotated[Session, Depends(_session)]
