"""One class per server: students join with a short code, the teacher watches the room,
broadcasts a network to everyone and runs challenges with a live leaderboard.

Students are known by the nickname they give; their session ids (the secret that lets
someone drive a session) never leave the server in anything the teacher board shows.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass, field

from app.sessions import Session, SessionManager

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector
CURVE_POINTS = 40


def new_code(length: int = 6) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def handle(session_id: str) -> str:
    """A short public name for a session: it identifies a row, it cannot control anything."""
    return hashlib.sha256(session_id.encode()).hexdigest()[:10]


@dataclass
class Challenge:
    id: str
    title: str
    data: str                     # the data set every entry must train on
    metric: str                   # "test_loss" | "train_loss" | "test_accuracy"
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

    def join(self, session: Session, name: str) -> None:
        session.student = name  # saved with the session, so the class survives a restart

    def students(self) -> list[Session]:
        return [s for s in list(self.manager.sessions.values()) if s.student is not None]

    def board(self) -> list[dict]:
        rows = []
        for session in self.students():
            run = session.run
            losses = [v for v in run.history.column("train_loss") if v is not None]
            stride = max(1, len(losses) // CURVE_POINTS)
            m = run.metrics()
            rows.append({
                "student": session.student, "handle": handle(session.id),
                "preset": run.config.get("preset"), "data": run.config["data"]["name"],
                "layers": run.config["layers"], "step": run.step_count, "status": session.status(),
                "loss": m["loss"], "accuracy": m["accuracy"], "curve": losses[::stride][-CURVE_POINTS:],
                "watching": len(session.subscribers),
            })
        return sorted(rows, key=lambda r: r["student"].lower())

    def leaderboard(self, challenge: Challenge) -> list[dict]:
        entries = []
        for session in self.students():
            if not challenge.admits(session):
                continue
            score = challenge.score(session)
            entries.append({"student": session.student, "handle": handle(session.id),
                            "score": score, "met": challenge.met(score), "step": session.run.step_count,
                            "hidden_units": sum(session.run.config["layers"][1:-1])})
        better_high = challenge.metric.endswith("accuracy")
        entries.sort(key=lambda e: (e["score"] is None,
                                    -(e["score"] or 0) if better_high else (e["score"] or 0)))
        return entries
