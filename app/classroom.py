"""One class per server: students join with a short code, the teacher watches the room,
broadcasts a network to everyone and runs challenges with a live leaderboard.

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
from dataclasses import dataclass, field
from pathlib import Path

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

    def admits(self, session: Session) -> bool:
        config = session.run.config
        if config["data"]["name"] != self.data:
            return False
        hidden = sum(config["layers"][1:-1])
        return self.max_hidden_units is None or hidden <= self.max_hidden_units

    def score(self, session: Session) -> float | None:
        m = session.run.metrics()
        kind, split = self.metric.split("_", 1)[1], self.metric.split("_", 1)[0]
        return m[kind][split]

    def met(self, score: float | None) -> bool:
        if score is None:
            return False
        return bool(score >= self.target if self.metric.endswith("accuracy") else score <= self.target)


class Classroom:
    def __init__(self, manager: SessionManager, code: str | None = None):
        self.manager = manager
        self.code = (code or new_code()).upper()
        self.challenges: dict[str, Challenge] = {}
        self.broadcasts: list[dict] = []
        self.lesson: dict | None = None  # the lesson step the teacher last asked everyone to open

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

    def board(self) -> list[dict]:
        return sorted((self.row(session) for session in self.students()), key=lambda r: r["student"].lower())

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

    def leaderboard(self, challenge: Challenge) -> list[dict]:
        entries = []
        for session in self.students():
            if not challenge.admits(session):
                continue
            score = challenge.score(session)
            entries.append(
                {
                    "student": session.student,
                    "handle": handle(session.id),
                    "score": score,
                    "met": challenge.met(score),
                    "step": session.run.step_count,
                    "hidden_units": sum(session.run.config["layers"][1:-1]),
                }
            )
        better_high = challenge.metric.endswith("accuracy")
        entries.sort(
            key=lambda e: (e["score"] is None, -(e["score"] or 0) if better_high else (e["score"] or 0))
        )
        return entries
