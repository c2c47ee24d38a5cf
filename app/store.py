"""Where sessions are kept across restarts: one interface, a SQLite implementation.

A record is the engine's export document (config, params, optimizer and generator state)
plus what the server knows (created, playing, speed), as JSON. The run's history, which
grows with every step, is kept apart in chunks of rows: a save appends the rows recorded
since the last one instead of writing the whole history again, so saving a class costs
the same in the first minute and the sixtieth. Growing past one machine means another
implementation of `SessionStore` behind the same methods: app/store_pg.py keeps them in
PostgreSQL (NNPLAY_DATABASE_URL), with the same tables and the same encoding.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import orjson

from app.records import decode, encode
from core.history import COLUMNS, OPTIONAL

log = logging.getLogger("nnplay.store")

# What reading a damaged record or history chunk raises (assembled()).
UNREADABLE = (orjson.JSONDecodeError, ValueError, TypeError, KeyError)


@dataclass
class Save:
    """What to write for one session: the record (its run document without the history)
    and history rows from `first_row` on; `first_row` 0 replaces any rows saved before,
    n > 0 appends to the n rows already saved."""

    record: dict
    rows: dict[str, list]
    first_row: int = 0


class SessionStore(Protocol):
    # What its methods raise when the database itself cannot be used (not a damaged record):
    # the callers that carry on without it catch these.
    errors: tuple[type[Exception], ...]

    def save_many(self, saves: dict[str, Save]) -> dict[str, str]:
        """Write records and history rows, by session id, in one transaction; a session
        whose record cannot be written is left out. Returns {id: why} for those."""

    def delete(self, session_id: str) -> None: ...

    def keep_copy(self) -> str:
        """Copy the whole store where a person can look into it (before sessions that
        could not be restored are deleted from it); returns where."""

    def load_all(
        self, wanted: Callable[[str], bool] | None = None
    ) -> Iterator[tuple[str, dict | None, str | None]]:
        """(id, record with its whole history in record["run"]["history"], None) for each
        readable session; (id, None, why) for a damaged one. With `wanted`, only the
        sessions it says yes to (by id) are read."""

    def load(self, session_id: str) -> dict | None:
        """One session's record as load_all gives it (a session evicted from memory coming
        back); None when there is none, ValueError when it is damaged."""

    def close(self) -> None: ...


class SQLiteStore:
    """A table of records and one of history chunks, written from a worker thread (hence
    the lock)."""

    errors: tuple[type[Exception], ...] = (sqlite3.Error,)

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Every session's id is the secret that drives it: the database is for the server's
        # user alone, and SQLite gives its WAL and shared-memory files the database's mode.
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        path.chmod(0o600)  # a database made before this rule, too
        self._lock = threading.Lock()
        # check_same_thread=False: saves run in a thread pool, one at a time (the lock).
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")  # a crash mid-write never corrupts old rows
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS sessions ("
            " id TEXT PRIMARY KEY, saved REAL NOT NULL, record BLOB NOT NULL)"
        )
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS history ("
            " id TEXT NOT NULL, first_row INTEGER NOT NULL, rows BLOB NOT NULL,"
            " PRIMARY KEY (id, first_row))"
        )

    def save_many(self, saves: dict[str, Save]) -> dict[str, str]:
        records, replaced, chunks, failed = prepared(saves)
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)", records)
                self._db.executemany("DELETE FROM history WHERE id = ?", replaced)
                self._db.executemany("INSERT OR REPLACE INTO history VALUES (?, ?, ?)", chunks)
                self._db.execute("COMMIT")
            except Exception:
                self._db.execute("ROLLBACK")
                raise
        return failed

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
            self._db.execute("DELETE FROM history WHERE id = ?", (session_id,))
            self._db.execute("COMMIT")

    def damage(self) -> str | None:
        """What SQLite's structural check finds wrong with the file, or None; raises
        sqlite3.DatabaseError when it cannot even read that far."""
        with self._lock:
            found = [line for (line,) in self._db.execute("PRAGMA quick_check(5)")]
        return None if found == ["ok"] else "; ".join(" ".join(line.split()) for line in found)

    def keep_copy(self) -> str:
        with self._lock:
            aside = aside_path(self.path)
            os.close(os.open(aside, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # ids are secrets
            copy = sqlite3.connect(aside)
            try:
                self._db.backup(copy)  # a consistent copy, WAL and all
            finally:
                copy.close()
        return str(aside)

    def copy_in(self, session_id: str, saved: float, record: bytes, chunks: list[tuple[int, bytes]]) -> None:
        """One session's rows as another store held them (what a salvage could read)."""
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)", (session_id, saved, record))
            self._db.executemany(
                "INSERT OR REPLACE INTO history VALUES (?, ?, ?)",
                [(session_id, first, rows) for first, rows in chunks],
            )
            self._db.execute("COMMIT")

    def load_all(
        self, wanted: Callable[[str], bool] | None = None
    ) -> Iterator[tuple[str, dict | None, str | None]]:
        with self._lock:
            rows = self._db.execute("SELECT id, record FROM sessions").fetchall()
        for session_id, blob in rows:
            if wanted is not None and not wanted(session_id):
                continue
            try:
                record = self._record(session_id, blob)
            except sqlite3.DatabaseError as error:  # a damaged page: this session's only
                yield session_id, None, f"unreadable history: {error}"
                continue
            except UNREADABLE as error:
                yield session_id, None, f"unreadable record: {error}"
                continue
            yield session_id, record, None

    def load(self, session_id: str) -> dict | None:
        with self._lock:
            row = self._db.execute("SELECT record FROM sessions WHERE id = ?", (session_id,)).fetchone()
        if row is None:
            return None
        try:
            return self._record(session_id, row[0])
        except UNREADABLE as error:
            raise ValueError(f"unreadable record: {error}") from None

    def _record(self, session_id: str, blob: bytes) -> dict:
        """The record with its whole history; raises on a damaged one."""
        with self._lock:
            chunks = self._db.execute(
                "SELECT first_row, rows FROM history WHERE id = ? ORDER BY first_row", (session_id,)
            ).fetchall()
        return assembled(blob, chunks)

    def close(self) -> None:
        with self._lock:
            self._db.close()


def prepared(saves: dict[str, Save]) -> tuple[list, list, list, dict[str, str]]:
    """What save_many writes, as rows: (id, saved, record) for the sessions table, (id,) for
    each session whose history is replaced, (id, first_row, rows) for the history table,
    and {id: why} for the sessions that cannot be written (left out of the others)."""
    now = time.time()
    records, replaced, chunks, failed = [], [], [], {}
    for sid, save in saves.items():
        try:  # one session that cannot be written must not stop the others
            record = encode(save.record)
            rows = _dumps(save.rows) if save.rows.get("step") else None
        except (TypeError, ValueError, RecursionError) as error:  # orjson's JSONEncodeError is a TypeError
            failed[sid] = f"cannot be written: {error}"
            continue
        records.append((sid, now, record))
        if save.first_row == 0:
            replaced.append((sid,))
        if rows is not None:
            chunks.append((sid, save.first_row, rows))
    return records, replaced, chunks, failed


def assembled(blob: bytes, chunks: list[tuple[int, bytes]]) -> dict:
    """A record from its stored bytes and its history chunks (in row order), with its whole
    history in record["run"]["history"]; raises ValueError (or orjson's, TypeError,
    KeyError) when it is damaged."""
    record = decode(blob)
    if not isinstance(record.get("run"), dict):
        raise ValueError("the record is not an object with a run")
    if chunks:
        record["run"]["history"] = _joined(chunks)
    elif record["run"].get("history") is None:  # (older records carry it inline)
        raise ValueError("its history is missing")
    return record


def aside_path(path: Path) -> Path:
    """A new name beside `path` for a copy of it kept for a person to look into."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside, n = path.with_name(f"{path.name}.damaged-{stamp}"), 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
    return aside


def _dumps(value) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY)


def _joined(chunks: list[tuple[int, bytes]]) -> dict[str, list]:
    """History chunks in row order -> one history; raises ValueError if they do not join
    up (a missing or overlapping chunk) or a chunk is damaged."""
    history: dict[str, list] = {name: [] for name in COLUMNS}
    for first_row, blob in chunks:
        if first_row != len(history["step"]):
            raise ValueError(f"history chunk at row {first_row} does not follow row {len(history['step'])}")
        rows = orjson.loads(blob)
        if isinstance(rows, dict):  # a chunk from before a column was added: what its rows were
            rows = {**{k: [v] * len(rows.get("step") or []) for k, v in OPTIONAL.items()}, **rows}
        if not isinstance(rows, dict) or len({len(rows.get(name) or []) for name in COLUMNS}) != 1:
            raise ValueError(f"history chunk at row {first_row} is damaged")
        for name in COLUMNS:
            history[name] += rows[name]
    return history
