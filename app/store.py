"""Where sessions are kept across restarts: one interface, a SQLite implementation.

A record is the engine's export document (config, params, optimizer and generator state,
history) plus what the server knows (created, playing, speed), as JSON. Growing past one
machine means another implementation of `SessionStore` (PostgreSQL, say) behind the same
four methods; nothing else changes.
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import orjson

log = logging.getLogger("nnplay.store")


class SessionStore(Protocol):
    def save_many(self, records: dict[str, dict]) -> None:
        """Insert or replace whole records, by session id, in one transaction."""

    def delete(self, session_id: str) -> None: ...

    def load_all(self) -> Iterator[tuple[str, dict | None, str | None]]:
        """(id, record, None) for each readable record; (id, None, why) for a damaged one."""

    def close(self) -> None: ...


class SQLiteStore:
    """One table, one row per session, written from a worker thread (hence the lock)."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        # check_same_thread=False: saves run in a thread pool, one at a time (the lock).
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")   # a crash mid-write never corrupts old rows
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("CREATE TABLE IF NOT EXISTS sessions ("
                         " id TEXT PRIMARY KEY, saved REAL NOT NULL, record BLOB NOT NULL)")

    def save_many(self, records: dict[str, dict]) -> None:
        rows = [(sid, time.time(), orjson.dumps(doc, option=orjson.OPT_SERIALIZE_NUMPY))
                for sid, doc in records.items()]
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany("INSERT OR REPLACE INTO sessions VALUES (?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except Exception:
                self._db.execute("ROLLBACK")
                raise

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE id = ?", (session_id,))

    def load_all(self) -> Iterator[tuple[str, dict | None, str | None]]:
        with self._lock:
            rows = self._db.execute("SELECT id, record FROM sessions").fetchall()
        for session_id, blob in rows:
            try:
                record = orjson.loads(blob)
                if not isinstance(record, dict):
                    raise ValueError("the record is not an object")
            except (orjson.JSONDecodeError, ValueError, TypeError) as error:
                yield session_id, None, f"unreadable record: {error}"
                continue
            yield session_id, record, None

    def close(self) -> None:
        with self._lock:
            self._db.close()
