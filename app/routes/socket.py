"""/ws/sessions/{id}: a live view of a session, and commands to drive it.

Each socket is a receiver coroutine (commands in) and a sender coroutine (frames out) in
one task group; its Subscriber is removed from the session in `finally`, however the
socket ends.

What the server sends goes out as binary messages of UTF-8 JSON: the frame's bytes as they
were built, with no per-socket text copy (a str for send_text, which uvicorn encodes back to
bytes, would be two more copies of every frame for every socket). A send that has not gone
out within `send_timeout_seconds` (the client stopped reading) ends the socket with 1008.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Annotated, Literal, assert_never
from urllib.parse import urlsplit

import anyio
from fastapi import APIRouter, Query, WebSocket
from pydantic import Field, TypeAdapter, ValidationError
from starlette.websockets import WebSocketDisconnect

from app import commands
from app.errors import APIError, config_error, invalid, validation_fields
from app.frames import topology_message
from app.heavy import HeavyCalls
from app.jsonio import dumps
from app.live import NOT_READING, Subscriber
from app.schemas import DataSeed, LiveConfig, ParamList, Phase, RowsRequest, Strict, Until, to_engine
from app.sessions import Session, Stepped
from core.errors import ConfigError, StateError

router = APIRouter()
log = logging.getLogger("nnplay.socket")

CLOSE_POLICY = 1008  # refused origin, or a client that stopped reading
CLOSE_NOT_FOUND = 4404  # no such session (never existed, expired or deleted)
INBOX = 4  # client messages read ahead while one is carried out (each up to max_message_bytes)
CLOSE_BUSY = 1013  # "try again later": the session is in the store and memory is full, or it moved


class PlayCommand(Strict):
    type: Literal["play"]
    steps_per_second: Annotated[float, Field(gt=0, le=5000)] = 30.0
    until: Until | None = None  # pause by itself there


class PauseCommand(Strict):
    type: Literal["pause"]


class StepCommand(Strict):
    type: Literal["step"]
    steps: Annotated[int, Field(ge=1, le=10_000)] | None = None
    epochs: Annotated[int, Field(ge=1, le=1000)] | None = None
    phase: Phase | None = None
    until: Until | None = None


class SetCommand(LiveConfig):
    type: Literal["set"]


class ResetCommand(Strict):
    type: Literal["reset"]


class NewDataCommand(Strict):
    type: Literal["new_data"]
    seed: DataSeed = None


class DataCommand(RowsRequest):
    """Rows to train on from now on, as PUT /api/sessions/{id}/data takes them."""

    type: Literal["data"]


class ParamsCommand(Strict):
    type: Literal["params"]
    params: ParamList


class ViewCommand(Strict):
    """How this socket wants its frames: grid size (2-D data) and units a layer."""

    type: Literal["view"]
    grid: Annotated[int, Field(ge=2, le=200)] | None = None
    units: Annotated[int, Field(ge=1, le=1024)] | None = None


Command = TypeAdapter(
    Annotated[
        PlayCommand
        | PauseCommand
        | StepCommand
        | SetCommand
        | ResetCommand
        | NewDataCommand
        | DataCommand
        | ParamsCommand
        | ViewCommand,
        Field(discriminator="type"),
    ]
)


def origin_allowed(websocket: WebSocket) -> bool:
    """Same origin, or one listed in the settings; no Origin header means no browser."""
    origin = websocket.headers.get("origin")
    if origin is None:
        return True
    if origin in websocket.app.state.settings.allowed_origins:
        return True
    return urlsplit(origin).netloc.lower() == websocket.headers.get("host", "").lower()


@router.websocket("/ws/sessions/{session_id}")
async def session_socket(
    websocket: WebSocket,
    session_id: str,
    grid: Annotated[int | None, Query(ge=2, le=200)] = None,
    units: Annotated[int | None, Query(ge=1, le=1024)] = None,
) -> None:
    if not origin_allowed(websocket):
        await websocket.close(code=CLOSE_POLICY)  # before accept: the handshake gets a 403
        return
    await websocket.accept()
    try:
        session = await websocket.app.state.sessions.get(session_id)  # back from the store, too
    except APIError as error:
        if error.status != 404:  # no memory for it now: say so, and let the page retry
            await _send(websocket, _error(error.code, error.message))
            await websocket.close(code=CLOSE_BUSY, reason=error.message[:120])
            return
        await _send(websocket, _error("not_found", "no session with this id (it may have expired)"))
        await websocket.close(code=CLOSE_NOT_FOUND)
        return
    subscriber = Subscriber(
        session,
        grid,
        units,
        pool=websocket.app.state.frame_pool,
        max_frame_bytes=websocket.app.state.settings.max_frame_bytes,
    )
    session.subscribers.add(subscriber)
    session.touch()
    if session.resume_playing:  # it was training when the server stopped or nobody watched
        session.resume_playing = False
        if session.run.status != "diverged":
            await commands.play(session, session.steps_per_second, resume=True)
    try:
        subscriber.send(topology_message(session))
        subscriber.notify()
        # Messages are read while a command runs, so a socket closed meanwhile is seen
        # at once: cancelling the group stops the command's work (app/heavy.py).
        inbox, messages = anyio.create_memory_object_stream[dict](INBOX)
        async with inbox, messages, anyio.create_task_group() as group:
            # A client that stopped reading may block our send forever: closing must not
            # wait for that send, so the subscriber can cancel the whole socket.
            subscriber.cancel = group.cancel_scope.cancel
            group.start_soon(_receive, websocket, inbox, group.cancel_scope)
            group.start_soon(_work, websocket, subscriber, messages)
            group.start_soon(_deliver, websocket, subscriber, group.cancel_scope)
    except* WebSocketDisconnect:
        # The task group wraps what its tasks raise in an ExceptionGroup: a client gone
        # mid-send must end the socket quietly, not as a traceback.
        pass
    finally:
        session.subscribers.discard(subscriber)


async def _receive(websocket: WebSocket, inbox, scope) -> None:
    """Read the client's messages into the inbox, until it goes away."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            scope.cancel()
            return
        await inbox.send(message)  # waits (and reads no further) while the inbox is full


async def _work(websocket: WebSocket, subscriber: Subscriber, messages) -> None:
    """Carry out the client's messages one after another, in the order they came."""
    settings = websocket.app.state.settings
    limit = settings.max_message_bytes
    async for message in messages:
        text = message.get("text")
        if text is None:
            subscriber.send(_error("bad_message", "send JSON text, not binary"))
            continue
        # The limit is in bytes: a character may take up to four of them in UTF-8.
        if len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit:
            subscriber.send(_error("too_large", f"a message may have at most {limit} bytes"))
            continue
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:
            subscriber.send(_error("bad_message", f"not valid JSON: {error}"))
            continue
        await _handle(
            subscriber, data, max_steps=settings.max_steps_per_call, heavy=websocket.app.state.heavy
        )


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a number JSON allows")


async def _handle(
    subscriber: Subscriber, data, max_steps: int = 10_000, heavy: HeavyCalls | None = None
) -> None:
    session: Session = subscriber.session
    try:
        command = Command.validate_python(data)
        # One case per command class: each case knows its command's fields.
        match command:
            case PlayCommand():
                until = None if command.until is None else command.until.pair()
                await commands.play(session, command.steps_per_second, until)
            case PauseCommand():
                await commands.pause(session)
            case StepCommand():  # the same rules as POST /step
                stepped = await commands.step(
                    session,
                    steps=command.steps,
                    epochs=command.epochs,
                    phase=command.phase,
                    limit=max_steps,
                    heavy=heavy,
                    budget=None if heavy is None else heavy.budget(),
                    until=None if command.until is None else command.until.pair(),
                )
                if stepped.stopped_early:
                    subscriber.send(_stopped_early(stepped, command))
                if stepped.reached and command.until is not None:
                    subscriber.send(
                        {
                            "type": "reached",
                            "until": command.until.model_dump(exclude_none=True),
                            "step": session.run.step_count,
                            "message": f"stopped: {stepped.reached}",
                        }
                    )
            case SetCommand():
                partial = to_engine(command)
                partial.pop("type")
                await commands.patch(session, partial)
            case ResetCommand():
                await commands.reset(session)
            case NewDataCommand():
                await commands.new_data(session, command.seed)
            case DataCommand():
                await commands.replace_rows(session, command.inputs, command.labels, command.targets)
            case ParamsCommand():
                await commands.set_params(session, [p.model_dump() for p in command.params])
            case ViewCommand():
                subscriber.grid, subscriber.units = command.grid, command.units
                subscriber.notify()
            case _:
                assert_never(command)
    except ValidationError as error:
        subscriber.send(_refusal(invalid(validation_fields(_untagged(error.errors(), data)))))
    except ConfigError as error:
        subscriber.send(_refusal(config_error(error)))
    except StateError as error:
        subscriber.send(_error("conflict", str(error)))
    except APIError as error:
        subscriber.send(_refusal(error))


def _untagged(errors: list, data) -> list:
    """Drop the command's tag from error locations: "optimizer.lr", not "set.optimizer.lr",
    as PATCH and the engine's own checks name it."""
    tag = data.get("type") if isinstance(data, dict) else None
    return [{**e, "loc": e["loc"][1:]} if e.get("loc") and e["loc"][0] == tag else e for e in errors]


def _stopped_early(stepped: Stepped, command: StepCommand) -> dict:
    """To the socket that asked: its step command did not take all it asked for."""
    asked = f"{command.epochs:,} epochs" if command.epochs else f"{command.steps or 1:,} steps"
    return {
        "type": "stopped_early",
        "steps_taken": stepped.steps_taken,
        "reason": stepped.stopped_early,
        "message": f"stopped after {stepped.steps_taken:,} steps of the {asked} asked for: "
        f"its {stepped.stopped_early} was used up; step again to go on",
    }


def _error(code: str, message: str, fields: list | None = None) -> dict:
    return {"type": "error", "code": code, "message": message, "fields": fields or []}


def _refusal(error: APIError) -> dict:
    """An API error as the socket's error message."""
    return _error(error.code, error.message, error.fields)


async def _deliver(websocket: WebSocket, subscriber: Subscriber, scope) -> None:
    """Control messages at once; snapshot frames at most max_fps a second, newest first."""
    settings = websocket.app.state.settings
    interval = 1.0 / settings.max_fps
    timeout = settings.send_timeout_seconds
    due = 0.0  # the earliest the next frame may go
    while True:
        await subscriber.wakeup.wait()
        subscriber.wakeup.clear()
        while subscriber.control and not subscriber.closed:
            if not await _send_within(websocket, subscriber.control.popleft(), timeout):
                subscriber.close(NOT_READING)
        if subscriber.closed:
            await _close(websocket, subscriber, subscriber.closed, timeout)
            scope.cancel()
            return
        if subscriber.frame_pending:
            now = time.monotonic()
            if now < due:
                await asyncio.sleep(due - now)
                subscriber.wakeup.set()  # look again: more may have arrived meanwhile
                continue
            subscriber.frame_pending = False
            # Frames keep to a clock too: one sent a little late (up to half an interval)
            # does not push every later one back, so a play loop ticking at exactly
            # max_fps gets all its frames through; over any second there are still at
            # most about max_fps of them.
            due = max(due, now - 0.5 * interval) + interval
            frame = await subscriber.frame()
            if frame is None:  # over the socket's budget: it was sent an error instead
                continue
            sent = await _send_within(websocket, frame, timeout)
            del frame  # not held while the socket closes
            if not sent:
                subscriber.close(NOT_READING)  # wakes this loop, which then closes


async def _send_within(websocket: WebSocket, data: bytes, timeout: float) -> bool:
    """Send `data`; False if it has not gone out after `timeout` seconds.

    uvicorn takes a message at once while the connection's write buffer is low, and makes
    the next send wait while it is high: to a client that stopped reading, one message goes
    into the buffer and the next one waits, and is dropped after the timeout rather than
    held for good.
    """
    with anyio.move_on_after(timeout) as waiting:
        await websocket.send_bytes(data)
    return not waiting.cancelled_caught


async def _close(websocket: WebSocket, subscriber: Subscriber, reason: str, timeout: float) -> None:
    """Close with the code that says why: the session no longer has the socket at once,
    and the close frame gets as long as any send to go out (a slow client then still
    learns the code), then the connection is let go without it."""
    subscriber.session.subscribers.discard(subscriber)
    code = CLOSE_NOT_FOUND if "deleted" in reason else CLOSE_BUSY if "moved" in reason else CLOSE_POLICY
    with anyio.move_on_after(timeout):
        await websocket.close(code=code, reason=reason[:120])


async def _send(websocket: WebSocket, message: dict) -> None:
    await websocket.send_bytes(dumps(message))
