"""Sessions survive a restart: changed sessions are saved every few seconds and on
shutdown, and loaded again at start. A damaged record or page costs only the sessions in
it: they are dropped from the store, which is copied aside first, and /api/health says so.

The store is also where idle sessions go when memory is short (SessionManager.make_room):
saved, dropped from memory, and loaded again, exactly as they were, when asked for.
Sessions that do not fit in memory at start stay in the store the same way."""

from __future__ import annotations

import asyncio
import dataclasses
import errno
import logging
import math
import os
import sqlite3
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio

from app import records
from app.salvage import Salvage, copy_aside, is_damage, rebuild
from app.sessions import Session, SessionManager
from app.settings import Settings, variable
from app.store import Save, SessionStore, SQLiteStore
from core.config import resolve_config
from core.errors import ConfigError
from core.memory import estimate
from core.state import export_state, import_state
from core.targets import KINDS, Target

if TYPE_CHECKING:
    from app.classroom_pg import PostgresClassroom

log = logging.getLogger("nnplay.persistence")

FORMAT = "nnplay-session/1"
YIELD_SECONDS = 0.005  # most time a save holds the event loop before letting others run
# The arrays a save copies before they are written: bounds what saving many sessions holds.
FLUSH_BYTES = 32 * 2**20
MAX_CHUNKS = 64  # history chunks a session may have in the store before it is rewritten whole


DATABASE = "sessions.sqlite3"
DATABASE_VARIABLE = variable(Settings, "database_url")  # a PostgreSQL store instead (open_database)
PROBE_BYTES = 64 * 1024  # written and removed at start: room for a save's pages, or not
READ_ONLY = (errno.EROFS, errno.EACCES, errno.EPERM)
FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class StoreUnusable(Exception):
    """Why the data directory cannot keep sessions, in words for the log and /api/health."""


def open_store(data_dir: Path) -> tuple[SQLiteStore, Salvage | None]:
    """The store in `data_dir`, and what it cost if its file was damaged: then the file is
    copied aside, and what could be read of it is in a fresh one (app/salvage.py). Raises
    StoreUnusable for a folder that is read-only or full, sqlite3.Error or OSError for
    another store that cannot be used."""
    _check_room(data_dir)
    path = data_dir / DATABASE
    store = None
    try:
        store = SQLiteStore(path)
        damage = store.damage()
        if damage is None:
            return store, None
    except sqlite3.DatabaseError as error:
        if not is_damage(error):
            if store is not None:
                store.close()
            raise
        damage = str(error)
    log.error("%s is damaged (%s): it is copied aside, and what can be read of it kept", path, damage)
    try:
        kept_at = copy_aside(path)  # before the store is closed: that folds its -wal in
    finally:
        if store is not None:
            store.close()
    return rebuild(path, damage, kept_at)


def open_database(url: str) -> SessionStore:
    """The PostgreSQL store at `url` (NNPLAY_DATABASE_URL), its tables made or updated;
    StoreUnusable naming the variable and why (never the URL's password) when it cannot
    be used. There is no falling back to SQLite: a class would find its work missing."""
    from app.store_pg import DatabaseUnusable, PostgresStore, redacted  # (psycopg: only when asked for)

    try:
        return PostgresStore(url)
    except DatabaseUnusable as error:
        raise StoreUnusable(
            f"{DATABASE_VARIABLE}: cannot use the database at {redacted(url)}: {error}"
        ) from None


def open_class(url: str, manager: SessionManager, code: str | None) -> PostgresClassroom:
    """The class shared through the PostgreSQL database at `url` (its tables made by
    open_database's migrations), `code` replacing its class code when given; StoreUnusable
    as open_database says it."""
    import psycopg

    from app.classroom_pg import PostgresClassroom
    from app.store_pg import redacted, secret_free

    try:
        return PostgresClassroom(url, manager, code)
    except psycopg.Error as error:
        why = secret_free(" ".join(str(error).split()) or type(error).__name__, url)
        raise StoreUnusable(
            f"{DATABASE_VARIABLE}: cannot keep the class in the database at {redacted(url)}: {why}"
        ) from None


def _check_room(data_dir: Path) -> None:
    """Raise StoreUnusable if nothing can be written in `data_dir`: said at start, rather
    than as the first save fails (or a damaged file is found and cannot be copied aside)."""
    try:
        with tempfile.TemporaryFile(dir=data_dir, prefix=".room-") as probe:
            probe.write(bytes(PROBE_BYTES))
            probe.flush()
            os.fsync(probe.fileno())  # where a disk fills up late, the write is refused here
    except OSError as error:
        if error.errno in READ_ONLY:
            raise StoreUnusable(f"{data_dir} is read-only for this server ({error.strerror})") from error
        if error.errno in FULL:
            raise StoreUnusable(f"there is no room to write in {data_dir} ({error.strerror})") from error
        raise StoreUnusable(f"cannot write in {data_dir} ({error.strerror})") from error


@dataclass
class _Saved:
    """What the store holds of a session: as of which version, and how much history."""

    version: int
    generation: int
    rows: int  # history rows in the store
    last_step: int  # the step of the last of them, to notice a history rewritten
    chunks: int  # history chunks written since the last full write


class Persistence:
    def __init__(self, store: SessionStore, manager: SessionManager, interval: float):
        self.store = store
        self.manager = manager
        self.interval = interval
        self.saved: dict[str, _Saved] = {}
        self.failing: dict[str, str] = {}  # sessions whose last save failed, and why
        self.error: str | None = None  # why the last save of all failed, if it did
        self.lost_at_start: str | None = None  # what could not be restored, and where it is kept
        manager.on_removed.append(self.forget)
        manager.on_let_go.append(self.let_go)
        manager.evictor = self

    def problems(self) -> list[str]:
        """What keeps sessions from surviving a restart now, and what was lost at start
        (for /api/health)."""
        out = [f"session {sid[:8]} is not being saved: {why}" for sid, why in self.failing.items()]
        out += [self.lost_at_start] if self.lost_at_start else []
        return out + ([f"saving failed: {self.error}"] if self.error else [])

    def restore(self, salvage: Salvage | None = None, wanted: Callable[[str], bool] | None = None) -> int:
        """Load every readable record that fits in memory, and leave the others in the
        store until they are asked for; returns how many sessions came back. Those that
        cannot come back are dropped from the store, after a copy of it is kept (the
        damaged file's, when `salvage` says the store was rebuilt from it). With `wanted`,
        only the sessions it says yes to are this server's to restore (app/owners.py)."""
        lost = dict(salvage.lost) if salvage else {}
        loaded = 0
        for session_id, record, problem in self.store.load_all(wanted):
            if record is not None:  # else `problem` says why it cannot be read
                try:
                    if not self._fits(record):
                        self.manager.evicted[session_id] = time.monotonic()
                        continue
                    self._loaded(_session_from(session_id, record, self.manager))
                    loaded += 1
                    continue
                except (ConfigError, KeyError, TypeError, ValueError) as error:
                    problem = f"cannot rebuild the session: {error}"
            lost[session_id] = problem or "it cannot be read"
        for session_id, problem in lost.items():
            log.warning("session %s was not restored: %s", session_id[:8], problem)
        if lost or (salvage and salvage.whole):
            dropped = [sid for sid in lost if sid not in (salvage.lost if salvage else {})]
            kept_at = str(salvage.kept_at) if salvage else self.store.keep_copy()
            for session_id in dropped:  # kept in the copy; not tried again at every start
                self.store.delete(session_id)
            self.lost_at_start = _lost_words(len(lost), loaded + len(lost), salvage, kept_at)
            log.error("%s", self.lost_at_start)
        elif salvage:
            log.warning(
                "%d sessions were read from the damaged store, and none was found lost; "
                "a copy of it as it was is kept at %s",
                salvage.read,
                salvage.kept_at,
            )
        return loaded

    def _fits(self, record: dict) -> bool:
        config = record["run"].get("config")
        cost = estimate(resolve_config(config))["total"]
        manager = self.manager
        return (
            manager.memory_in_use() + cost <= manager.room()
            and len(manager.sessions) < manager.settings.max_sessions
        )

    def _loaded(self, session: Session) -> None:
        """A session read from the store, in memory again."""
        self.manager.add(session)
        # Version 0 is never current: the first save writes it all once more.
        self.saved[session.id] = _Saved(0, session.generation, 0, -1, MAX_CHUNKS)

    async def save_now(self, session: Session) -> bool:
        """Save the session now if it changed since its last save; whether it is saved."""
        async with session.lock:
            return await self._save_locked(session)

    async def _save_locked(self, session: Session) -> bool:
        before = self.saved.get(session.id)
        if before is None or before.version != session.version:
            saved, save = _save_of(session, before)
            failed = await anyio.to_thread.run_sync(self.store.save_many, {session.id: save})
            if failed:
                self._failed(session.id, failed[session.id])
                return False
            self.saved[session.id] = saved
            self.failing.pop(session.id, None)
        return True

    async def evict(self, session: Session) -> bool:
        """Save the session (if it changed) and drop it from memory, unless it was used
        meanwhile; whether it was evicted. It stays in the store, to come back."""
        used = session.last_used
        async with session.lock:
            if not await self._save_locked(session):
                return False
            if session.last_used != used or session.subscribers or session.playing:
                return False  # someone came for it while it was being saved
            if self.manager.sessions.get(session.id) is not session:
                return False  # deleted meanwhile
            del self.manager.sessions[session.id]
            self.manager.evicted[session.id] = used
            self.saved.pop(session.id, None)
        log.info("session %s moved to the store to free memory", session.id[:8])
        return True

    async def bring_back(self, session_id: str) -> Session | None:
        """An evicted session from its record (in a thread: its data set is loaded again);
        None when the store has none, or one that cannot be read (logged)."""

        unusable: tuple[type[Exception], ...] = (
            ConfigError,
            KeyError,
            TypeError,
            ValueError,
            *self.store.errors,
        )

        def load() -> Session | None:
            try:
                record = self.store.load(session_id)
                return None if record is None else _session_from(session_id, record, self.manager)
            except unusable as error:
                log.warning("session %s could not come back from the store: %s", session_id[:8], error)
                return None

        session = await anyio.to_thread.run_sync(load)
        if session is not None:
            self.saved[session_id] = _Saved(0, session.generation, 0, -1, MAX_CHUNKS)
        return session

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.save_changed()
                self.error = None
            except Exception as error:  # saving must go on: the next interval tries again
                if self.error is None:
                    log.exception("saving sessions failed")
                self.error = f"{type(error).__name__}: {error}"

    async def save_changed(self) -> int:
        """Save every session changed since its last save; returns how many were written.

        The copies a save holds are written whenever they reach FLUSH_BYTES, so saving a
        few big sessions holds about one of them at a time, not all."""
        batch: dict[str, tuple[_Saved, Save]] = {}
        held = written = 0
        slice_started = time.monotonic()
        for session in list(self.manager.sessions.values()):
            before = self.saved.get(session.id)
            if before is not None and before.version == session.version:
                continue
            async with session.lock:  # a consistent state, never half a step
                try:
                    batch[session.id] = _save_of(session, before)
                    held += records.array_bytes(batch[session.id][1].record)
                except Exception as error:  # this session only: the others are saved
                    self._failed(session.id, f"{type(error).__name__}: {error}")
            if held >= FLUSH_BYTES:
                written += await self._write(batch)
                batch, held = {}, 0
                slice_started = time.monotonic()
            elif time.monotonic() - slice_started > YIELD_SECONDS:  # a class is many sessions:
                await asyncio.sleep(0)  # let frames out between
                slice_started = time.monotonic()
        return written + (await self._write(batch) if batch else 0)

    async def _write(self, saves: dict[str, tuple[_Saved, Save]]) -> int:
        failed = await anyio.to_thread.run_sync(self.store.save_many, {k: v[1] for k, v in saves.items()})
        for session_id, (saved, _) in saves.items():
            if session_id in failed:
                self._failed(session_id, failed[session_id])
            elif session_id in self.manager.sessions:  # not deleted meanwhile
                self.saved[session_id] = saved
                self.failing.pop(session_id, None)
        return len(saves) - len(failed)

    def _failed(self, session_id: str, why: str) -> None:
        """A session that cannot be saved: logged once per reason (not every few seconds),
        kept for /api/health, and tried again at every save."""
        if self.failing.get(session_id) != why:
            log.error("session %s cannot be saved (the others are): %s", session_id[:8], why)
        self.failing[session_id] = why

    def let_go(self, session_id: str) -> None:
        """Another server process holds the session now: its saves are its own."""
        self.saved.pop(session_id, None)
        self.failing.pop(session_id, None)

    def forget(self, session_id: str) -> None:
        self.saved.pop(session_id, None)
        self.failing.pop(session_id, None)
        try:
            self.store.delete(session_id)
        except self.store.errors:
            log.exception("could not delete session %s from the store", session_id[:8])


def _lost_words(lost: int, saved: int, salvage: Salvage | None, kept_at: str) -> str:
    """What a damaged store cost, in one line for the log and /api/health."""
    if salvage and salvage.whole:
        what = "the store was damaged past reading: its sessions could not be restored"
    else:
        what = f"{lost} of {saved} saved sessions could not be restored at start" + (
            " (the store was damaged)" if salvage else ""
        )
    return f"{what}; a copy of the store as it was is kept at {kept_at}"


def _save_of(session: Session, before: _Saved | None) -> tuple[_Saved, Save]:
    """The record, and the history rows the store lacks: the new ones when the saved rows
    are still the start of this history, else all of them (after a reset, a rewind, an
    import, or every MAX_CHUNKS saves, so a session's chunks stay few)."""
    history = session.run.history
    steps = history.steps
    n = len(history)
    first = 0
    if (
        before is not None
        and before.generation == session.generation
        and before.chunks < MAX_CHUNKS
        and 0 < before.rows <= n
        and steps[before.rows - 1] == before.last_step
    ):
        first = before.rows
    chunks = before.chunks + 1 if first and before is not None else 1
    saved = _Saved(session.version, session.generation, n, int(steps[n - 1]) if n else -1, chunks)
    return saved, Save(_record_of(session), history.rows(first, n), first)


def _record_of(session: Session) -> dict:
    return {
        "format": FORMAT,
        "created": session.created,
        "playing": session.wants_to_play(),
        "steps_per_second": session.steps_per_second,
        # Where that play pauses by itself, counted when it was asked (core/targets.py).
        "until": None if session.until is None else dataclasses.asdict(session.until),
        "generation": session.generation,
        "student": session.student,
        "seat": session.seat,
        # The arrays as copies (the run goes on while they are written), written as bytes
        # (app/records.py); the config is never changed in place, so it is shared.
        "run": export_state(session.run, history=False, arrays=True, config=session.run.config),
    }


def _session_from(session_id: str, record: dict, manager: SessionManager) -> Session:
    if record.get("format") != FORMAT:
        raise ValueError(f"unknown record format {record.get('format')!r}")
    run = import_state(record["run"], mnist_dir=manager.settings.mnist_dir, own=True)  # saved by us
    session = manager.new_session(session_id, run)
    session.created = float(record.get("created", session.created))
    session.steps_per_second = float(record.get("steps_per_second", 30.0))
    session.generation = int(record.get("generation", 0))
    student = record.get("student")
    session.student = student if isinstance(student, str) else None
    seat = record.get("seat")
    session.seat = seat if isinstance(seat, str) else None
    # Training resumes when a student is back, not while nobody watches, towards its target.
    session.resume_playing = bool(record.get("playing")) and run.status != "diverged"
    session.until = _target(record.get("until")) if session.resume_playing else None
    return session


def _target(saved: object) -> Target | None:
    """A saved play target, or None for none or one that is not a target's."""
    if not isinstance(saved, dict) or saved.get("kind") not in KINDS:
        return None
    value, end = saved.get("value"), saved.get("end", 0)
    if not isinstance(value, int | float) or not math.isfinite(value) or value <= 0:
        return None
    if not isinstance(end, int):
        return None
    return Target(saved["kind"], value, end)
