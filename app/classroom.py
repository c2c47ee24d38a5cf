"""One class per deployment: students join with a short code, the teacher watches the room,
broadcasts a network to everyone and runs challenges with a live leaderboard. Classroom
keeps it in one server's memory; app/classroom_pg.py shares it between the server processes
of one PostgreSQL database.

Students are known by the nickname they give; their session ids (the secret that lets
someone drive a session) never leave the server in anything the teacher board shows.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import tempfile
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from app import commands
from app.live import broadcast
from app.sessions import Session, SessionManager
from app.settings import CLASS_CODE_PATTERN

log = logging.getLogger("nnplay")

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector
CURVE_POINTS = 40
CODE_FILE = "class-code.txt"  # in the data directory, beside the saved sessions


NICKNAME_LENGTH = 40


def nickname(text: str) -> str:
    """A student's name as the board shows it: NFC-normalized, trimmed, at most
    NICKNAME_LENGTH characters, and without control or format characters (NUL, a
    right-to-left override, zero-width joiners), which would garble or disguise a row."""
    name = unicodedata.normalize("NFC", text).strip()
    if not name:
        raise ValueError("must not be empty")
    if len(name) > NICKNAME_LENGTH:
        raise ValueError(f"must be at most {NICKNAME_LENGTH} characters")
    bad = next((c for c in name if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")), None)
    if bad is not None:
        raise ValueError(f"must not contain control or formatting characters (U+{ord(bad):04X})")
    return name


def new_code(length: int = 6) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def kept_code(data_dir: Path | None) -> str:
    """The class code generated once and kept in `data_dir`, so that students' links and
    the code on the board stay the same across restarts; a new one each start without it."""
    if data_dir is None:
        return new_code()
    path = data_dir / CODE_FILE
    try:
        code = path.read_text(encoding="utf-8").strip()
        if re.fullmatch(CLASS_CODE_PATTERN, code):
            return code
        log.warning("%s does not hold a class code (%r); writing a new one", path, code[:20])
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError) as error:
        log.warning("cannot read %s (%s); writing a new class code", path, error)
    code = new_code()
    try:
        _write_atomically(path, code + "\n")
    except OSError as error:  # the class still runs; only the next start gets another code
        log.error(
            "cannot keep the class code in %s (%s): it changes at the next start",
            path,
            error.strerror or error,
        )
    return code


def _write_atomically(path: Path, text: str) -> None:
    """Write a temporary file beside `path`, then rename it over `path`: a crash or a full
    disk mid-write leaves the old file or none, never half a code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


def handle(session_id: str) -> str:
    """A short public name for a session: it identifies a row, it cannot control anything."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:10]


@dataclass
class Challenge:
    id: str
    title: str
    data: str  # the data set every entry must train on
    metric: str  # "test_loss" | "train_loss" | "test_accuracy"
    target: float
    max_hidden_units: int | None
    created: float = field(default_factory=time.time)

    def admits(self, row: dict) -> bool:
        """Whether a board row's network may enter: on the data set, within the units."""
        if row["data"] != self.data:
            return False
        return self.max_hidden_units is None or hidden_units(row) <= self.max_hidden_units

    def score(self, row: dict) -> float | None:
        split, kind = self.metric.split("_", 1)
        return row[kind][split]

    def met(self, score: float | None) -> bool:
        if score is None:
            return False
        return bool(score >= self.target if self.metric.endswith("accuracy") else score <= self.target)

    def leaderboard(self, rows: list[dict]) -> list[dict]:
        """The board rows that may enter, best first (computed from rows alone, so a board
        gathered from several processes ranks the same way as one process's)."""
        entries = [
            {
                "student": row["student"],
                "handle": row["handle"],
                "score": (score := self.score(row)),
                "met": self.met(score),
                "step": row["step"],
                "hidden_units": hidden_units(row),
            }
            for row in rows
            if self.admits(row)
        ]
        better_high = self.metric.endswith("accuracy")
        entries.sort(
            key=lambda e: (e["score"] is None, -(e["score"] or 0) if better_high else (e["score"] or 0))
        )
        return entries


def hidden_units(row: dict) -> int:
    return sum(row["layers"][1:-1])


def reached(sessions: list[Session], message: dict[str, Any]) -> dict[str, int]:
    """Send `message` to the sockets of `sessions`; how many students and sockets it reached."""
    for session in sessions:
        broadcast(session, message)
    return {"students": len(sessions), "sockets": sum(len(s.subscribers) for s in sessions)}


class ClassState(Protocol):
    """The class as the teacher's routes see it. Classroom keeps it in this process's memory
    (one server); app/classroom_pg.py shares it through PostgreSQL between the processes
    of a deployment (NNPLAY_DATABASE_URL), whichever holds a student's session."""

    code: str  # what students join with (upper case)

    def join(self, session: Session, name: str, seat: str | None = None) -> None: ...

    async def board(self) -> list[dict]:
        """One row per student (their current session), sorted by name; never an id."""

    async def tell(self, message: dict[str, Any], keep: str | None = None) -> dict[str, int]:
        """Send `message` to every student's sockets; with `keep` ("broadcast" or "lesson"),
        it is also what news() gives under that name. How many students and sockets."""

    async def reset(self, row_handle: str) -> dict | None:
        """Reset the run of the student whose row has this handle; their row after, or None
        when there is no such student."""

    async def add_challenge(self, challenge: Challenge) -> None: ...

    async def challenges(self) -> list[Challenge]:
        """The challenges running, oldest first."""

    async def end_challenge(self, challenge_id: str) -> bool:
        """Whether there was such a challenge (now ended)."""

    async def news(self) -> dict[str, dict | None]:
        """The latest broadcast and lesson sent: {"broadcast": ..., "lesson": ...}."""

    async def refresh(self) -> None:
        """Bring what is shared up to date now (the shared one does it at the board's rate)."""

    async def close(self) -> None: ...


class Classroom:
    """The class in this process's memory: its students are the sessions this server holds
    (one server, sessions in memory or in SQLite)."""

    def __init__(self, manager: SessionManager, code: str | None = None):
        self.manager = manager
        self.code = (code or new_code()).upper()
        self._challenges: dict[str, Challenge] = {}
        # The latest broadcast and the lesson step the teacher last asked everyone to open.
        self._news: dict[str, dict | None] = {"broadcast": None, "lesson": None}

    def join(self, session: Session, name: str, seat: str | None = None) -> None:
        # Saved with the session, so the class survives a restart.
        session.student, session.seat = name, seat

    def students(self) -> list[Session]:
        """Each student's current session: of the sessions made in one browser (one seat),
        the one used last; a session joined without a seat is a student of its own."""
        current: dict[str, Session] = {}
        for session in list(self.manager.sessions.values()):
            if session.student is None:
                continue
            key = "seat:" + session.seat if session.seat else "session:" + session.id
            other = current.get(key)
            if other is None or session.last_used > other.last_used:
                current[key] = session
        return list(current.values())

    def student(self, row_handle: str) -> Session | None:
        """The current session of the student whose board row has this handle."""
        return next((s for s in self.students() if handle(s.id) == row_handle), None)

    def row(self, session: Session) -> dict:
        """A student's row on the board."""
        run = session.run
        losses = [v for v in run.history.column("train_loss") if v is not None]
        stride = max(1, len(losses) // CURVE_POINTS)
        m = run.metrics()
        return {
            "student": session.student,
            "handle": handle(session.id),
            "preset": run.config.get("preset"),
            "data": run.config["data"]["name"],
            "layers": run.config["layers"],
            "step": run.step_count,
            "status": session.status(),
            "loss": m["loss"],
            "accuracy": m["accuracy"],
            "curve": losses[::stride][-CURVE_POINTS:],
            "watching": len(session.subscribers),
        }

    async def board(self) -> list[dict]:
        return by_name(self.row(session) for session in self.students())

    async def tell(self, message: dict[str, Any], keep: str | None = None) -> dict[str, int]:
        if keep is not None:
            self._news[keep] = message
        return reached(self.students(), message)

    async def reset(self, row_handle: str) -> dict | None:
        session = self.student(row_handle)
        if session is None:
            return None
        await commands.reset(session)
        return self.row(session)

    async def add_challenge(self, challenge: Challenge) -> None:
        self._challenges[challenge.id] = challenge

    async def challenges(self) -> list[Challenge]:
        return list(self._challenges.values())

    async def end_challenge(self, challenge_id: str) -> bool:
        return self._challenges.pop(challenge_id, None) is not None

    async def news(self) -> dict[str, dict | None]:
        return dict(self._news)

    async def refresh(self) -> None:
        pass  # nothing is shared: every answer is read from this process's sessions

    async def close(self) -> None:
        pass


def by_name(rows: Iterable[dict]) -> list[dict]:
    return sorted(rows, key=lambda r: r["student"].lower())
