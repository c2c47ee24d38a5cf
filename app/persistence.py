"""Sessions survive a restart: changed sessions are saved every few seconds and on
shutdown, and loaded again at start. A damaged record costs only its own session."""
from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import time
from pathlib import Path

import anyio

from app.sessions import Session, SessionManager
from app.store import SessionStore, SQLiteStore
from core.errors import ConfigError
from core.state import export_state, import_state

log = logging.getLogger("nnplay.persistence")

FORMAT = "nnplay-session/1"


def open_store(data_dir: Path) -> SQLiteStore:
    """The store in `data_dir`; a database file that SQLite cannot read is moved aside."""
    path = data_dir / "sessions.sqlite3"
    try:
        store = SQLiteStore(path)
        store._db.execute("SELECT count(*) FROM sessions").fetchone()
        return store
    except sqlite3.DatabaseError as error:
        aside = path.with_name(f"{path.name}.damaged-{int(time.time())}")
        log.error("cannot read %s (%s); moved it to %s and started an empty store", path, error, aside)
        shutil.move(str(path), aside)
        return SQLiteStore(path)


class Persistence:
    def __init__(self, store: SessionStore, manager: SessionManager, interval: float):
        self.store = store
        self.manager = manager
        self.interval = interval
        self.saved: dict[str, int] = {}   # session id -> the version last written
        manager.on_removed.append(self.forget)

    def restore(self) -> int:
        """Load every readable record; returns how many sessions came back."""
        loaded = 0
        for session_id, record, problem in self.store.load_all():
            if problem is None:
                try:
                    self.manager.sessions[session_id] = _session_from(session_id, record, self.manager)
                    self.saved[session_id] = 0
                    loaded += 1
                    continue
                except (ConfigError, KeyError, TypeError, ValueError) as error:
                    problem = f"cannot rebuild the session: {error}"
            log.warning("session %s was not restored: %s", session_id[:8], problem)
        return loaded

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.save_changed()
            except Exception:  # saving must go on for everyone else
                log.exception("saving sessions failed")

    async def save_changed(self) -> int:
        records = {}
        for session in list(self.manager.sessions.values()):
            if self.saved.get(session.id) == session.version:
                continue
            async with session.lock:  # a consistent state, never half a step
                records[session.id] = (session.version, _record_of(session))
        if records:
            await anyio.to_thread.run_sync(self.store.save_many, {k: v[1] for k, v in records.items()})
            for session_id, (version, _) in records.items():
                self.saved[session_id] = version
        return len(records)

    def forget(self, session_id: str) -> None:
        self.saved.pop(session_id, None)
        try:
            self.store.delete(session_id)
        except sqlite3.Error:
            log.exception("could not delete session %s from the store", session_id[:8])


def _record_of(session: Session) -> dict:
    return {"format": FORMAT, "created": session.created, "playing": session.playing,
            "steps_per_second": session.steps_per_second, "generation": session.generation,
            "student": session.student,
            "run": export_state(session.run)}


def _session_from(session_id: str, record: dict, manager: SessionManager) -> Session:
    if record.get("format") != FORMAT:
        raise ValueError(f"unknown record format {record.get('format')!r}")
    run = import_state(record["run"], mnist_dir=manager.settings.mnist_dir)
    session = Session(session_id, run, manager.settings.max_fps)
    session.created = float(record.get("created", session.created))
    session.steps_per_second = float(record.get("steps_per_second", 30.0))
    session.generation = int(record.get("generation", 0))
    student = record.get("student")
    session.student = student if isinstance(student, str) else None
    # Training resumes when a student is back, not while nobody watches.
    session.resume_playing = bool(record.get("playing")) and run.status != "diverged"
    return session
