"""Joining the class when a session is made: the query parameters every route that makes a
student's session takes (a network of their own, a lesson step), checked once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import AfterValidator

from app.classroom import NICKNAME_LENGTH, nickname
from app.errors import APIError, invalid
from app.guesses import check_class_code
from app.sessions import Session

SEAT_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"

ClassCode = Annotated[str | None, Query(max_length=12, description="join the class with this code")]
Nickname = Annotated[
    str | None,
    Query(min_length=1, max_length=4 * NICKNAME_LENGTH, description="the student's name in the class"),
    AfterValidator(lambda text: None if text is None else nickname(text)),
]
Seat = Annotated[
    str | None,
    Query(
        pattern=SEAT_PATTERN,
        description="the browser's own random key: the board shows one "
        "row per seat, its most recently used session",
    ),
]


@dataclass
class Joining:
    """Who joins, once the code is known to be right; `into` makes a session a student's."""

    name: str
    seat: str | None

    def into(self, request: Request, session: Session) -> None:
        request.app.state.classroom.join(session, self.name, self.seat)


async def _joining(
    request: Request, class_code: ClassCode = None, name: Nickname = None, seat: Seat = None
) -> Joining | None:
    # A coroutine: checked on the event loop, not in a pool thread that long calls may fill.
    for field, value in (("name", name), ("seat", seat)):
        if value is not None and class_code is None:
            raise invalid(field, "only used together with class_code")
    if class_code is None:
        return None
    try:
        await check_class_code(request, class_code)
    except APIError as error:  # a field of the request: said as one (422), or the 429 as it is
        if error.status != 404:
            raise
        raise invalid("class_code", "no class with this code") from None
    return Joining(name or "student", seat)


JoiningDep = Annotated[Joining | None, Depends(_joining)]
