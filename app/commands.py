"""What a client can ask of a session, shared by the REST routes and the socket.

Every command that changes the state tells all sockets watching the session.
"""
from __future__ import annotations

from app.live import broadcast, start_playing, stop_playing
from app.sessions import Session
from core.errors import StateError
from core.run import PHASES
from core.state import export_state


async def step(session: Session, *, steps: int | None = None, epochs: int | None = None,
               phase: str | None = None) -> None:
    """One of: n steps, n epochs, or phases up to and including `phase`."""
    await stop_playing(session)
    if phase is not None:
        await session.call(_phase, session, phase, cost=session.step_seconds)
    else:
        await session.step(steps=steps or 0, epochs=epochs or 0)
    _announce(session)


def _phase(session: Session, wanted: str) -> None:
    """Run phases until `wanted` has run: from idle, "update" runs a whole step."""
    for _ in PHASES:
        if session.run.step_phase() == wanted:
            return


async def patch(session: Session, partial: dict) -> None:
    await session.call(session.run.patch, partial, cost=0.0)
    broadcast(session, {"type": "config", "config": session.run.config})
    broadcast(session)


async def reset(session: Session) -> None:
    await stop_playing(session)
    await session.call(session.run.reset, cost=0.0)
    session.generation += 1
    broadcast(session)


async def set_params(session: Session, params: list[dict]) -> None:
    await session.call(session.run.set_params, params, cost=0.0)
    broadcast(session)


async def play(session: Session, steps_per_second: float) -> None:
    if session.run.status == "diverged":
        raise StateError("the run diverged; reset it, edit the weights or lower the learning rate")
    start_playing(session, steps_per_second)
    broadcast(session)


async def pause(session: Session) -> None:
    await stop_playing(session)
    broadcast(session)


async def export(session: Session) -> dict:
    return await session.call(export_state, session.run, cost=0.0)


def _announce(session: Session) -> None:
    if session.run.status == "diverged":
        broadcast(session, {"type": "diverged", **session.run.divergence})
    broadcast(session)
