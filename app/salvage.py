"""What can still be read of a damaged session store, in a fresh one.

A disk error, a bad sector or a stray write spoils some pages of the database file; SQLite
then refuses ("database disk image is malformed") any query that walks through one of
them, while the sessions on the other pages are as good as ever. So the damaged file is
first copied aside as it is (with its -wal and -shm: a person may want to look into it),
then each session is read on its own, by every path SQLite has to its rows (the table
and the index beside it are separate pages: a scan stopped by one damaged page of one
often gets past it on the other), and what could be read is written to a fresh file that
takes the damaged one's place. A file whose first page is spoiled (its header, or the
schema after it) is read through a copy whose first page is made again as this store
makes it.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from app.store import SQLiteStore, aside_path

log = logging.getLogger("nnplay.store")

COMPANIONS = ("-wal", "-shm")  # SQLite's files beside the database: its journal and index
HEADER_BYTES = 100  # SQLite's file header, at the start of the first page
# The paths to the session ids: each b-tree holding them, scanned until a damaged page.
ID_QUERIES = (
    "SELECT id FROM sessions NOT INDEXED",
    "SELECT id FROM sessions ORDER BY id",
    "SELECT DISTINCT id FROM history ORDER BY id",
    "SELECT id FROM history NOT INDEXED",
)
RECORD_QUERIES = (
    "SELECT saved, record FROM sessions WHERE id = ?",
    "SELECT saved, record FROM sessions NOT INDEXED WHERE id = ?",
)
HISTORY_QUERIES = (
    "SELECT first_row, rows FROM history WHERE id = ? ORDER BY first_row",
    "SELECT first_row, rows FROM history NOT INDEXED WHERE id = ? ORDER BY first_row",
)


@dataclass
class Salvage:
    """What a damaged store cost: where the damaged file is kept, and each session that
    could not be read, with why."""

    kept_at: Path
    damage: str
    lost: dict[str, str] = field(default_factory=dict)
    read: int = 0
    whole: bool = False  # nothing could be read: not even which sessions there were


def is_damage(error: sqlite3.Error) -> bool:
    """A file spoiled (not one SQLite may not open or write, or a full disk)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def rebuild(path: Path, damage: str, kept_at: Path) -> tuple[SQLiteStore, Salvage]:
    """Read every session that can be read of the damaged database at `path` (copied
    aside to `kept_at` already) into a fresh database, and put that in its place. Raises
    OSError or sqlite3.Error (and leaves `path` as it was) when there is no room or no
    right to write."""
    salvage = Salvage(kept_at, damage)
    fresh_path = path.with_name(path.name + ".new")
    _remove(fresh_path)
    try:
        fresh = SQLiteStore(fresh_path)
        try:
            with tempfile.TemporaryDirectory(dir=path.parent, prefix=".salvage-") as scratch:
                source = _readable(path, Path(scratch))
                salvage.whole = source is None
                if source is not None:
                    try:
                        _read_sessions(source, fresh, salvage)
                    finally:
                        source.close()
        finally:
            fresh.close()  # (its WAL is folded in: one file to move)
    except BaseException:
        _remove(fresh_path)
        raise
    for suffix in COMPANIONS:  # the old journal, left beside the new file, would be replayed into it
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    os.replace(fresh_path, path)
    return SQLiteStore(path), salvage


def _read_sessions(source: sqlite3.Connection, fresh: SQLiteStore, salvage: Salvage) -> None:
    ids: set[str] = set()
    for query in ID_QUERIES:
        ids.update(row[0] for row in _rows(source, query) if isinstance(row[0], str))
    for session_id in sorted(ids):
        record = _first_complete(source, RECORD_QUERIES, (session_id,))
        chunks = _first_complete(source, HISTORY_QUERIES, (session_id,))
        if not record:
            salvage.lost[session_id] = "its record is on a damaged page"
        elif chunks is None:
            salvage.lost[session_id] = "its history is on a damaged page"
        elif not _row_types(record[0], (float, int), (bytes, str)) or not all(
            _row_types(chunk, (int,), (bytes, str)) for chunk in chunks
        ):
            salvage.lost[session_id] = "its rows are damaged"
        else:
            ((saved, blob),) = record[:1]
            fresh.copy_in(session_id, saved, blob, chunks)
            salvage.read += 1


def _row_types(row: tuple, *types: tuple[type, ...]) -> bool:
    """Whether each column holds what the store writes there (a damaged cell may not)."""
    return len(row) == len(types) and all(isinstance(v, t) for v, t in zip(row, types))


def _rows(db: sqlite3.Connection, query: str, params: tuple = ()) -> list[tuple]:
    """The rows `query` gives before it meets a damaged page."""
    rows = []
    try:
        for row in db.execute(query, params):  # one by one: fetchall() would keep none
            rows.append(row)
    except sqlite3.DatabaseError:
        pass
    return rows


def _first_complete(db: sqlite3.Connection, queries: tuple[str, ...], params: tuple) -> list | None:
    """The rows of the first of `queries` that reads to its end; None if none does."""
    for query in queries:
        try:
            return db.execute(query, params).fetchall()
        except sqlite3.DatabaseError:
            continue
    return None


def _readable(path: Path, scratch: Path) -> sqlite3.Connection | None:
    """A connection that reads the sessions table of the database at `path`: the file
    itself, or a copy in `scratch` with its header made again, or with its whole first
    page made again as this store makes it (the schema on it holds nothing but where
    each table begins, always the same pages in a file this store made)."""
    db = _open_if_readable(path)
    if db is not None:
        return db
    fresh_page = _first_page(scratch)
    for name, patch in (("header", fresh_page[:HEADER_BYTES]), ("first page", fresh_page)):
        copy = scratch / f"{name.replace(' ', '-')}.sqlite3"
        shutil.copyfile(path, copy)
        with copy.open("r+b") as file:
            file.write(patch)
            pages = os.fstat(file.fileno()).st_size // len(fresh_page)
            file.seek(28)  # the header's page count, which SQLite trusts over the file's size
            file.write(pages.to_bytes(4, "big"))
        if Path(f"{path}-wal").exists():
            shutil.copyfile(f"{path}-wal", f"{copy}-wal")
        db = _open_if_readable(copy)
        if db is not None:
            log.warning("read %s through a copy with its %s made again", path, name)
            return db
    return None


def _open_if_readable(path: Path) -> sqlite3.Connection | None:
    db = sqlite3.connect(path)
    try:
        db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sessions'").fetchone()
        return db
    except sqlite3.DatabaseError:
        db.close()
        return None


def _first_page(scratch: Path) -> bytes:
    """The first page of an empty store (its header and schema), as this store makes it."""
    empty = scratch / "empty.sqlite3"
    SQLiteStore(empty).close()
    with empty.open("rb") as file:
        header = file.read(HEADER_BYTES)
        size = int.from_bytes(header[16:18], "big")
        file.seek(0)
        return file.read(65536 if size == 1 else size)


def copy_aside(path: Path) -> Path:
    """Copy the database and its companions to a new name beside it, for people to read;
    returns the copy's path."""
    aside = aside_path(path)
    for suffix in ("", *COMPANIONS):
        source = Path(f"{path}{suffix}")
        if source.exists():
            # For the server's user alone, as the database is: it holds the sessions' ids.
            target = os.open(f"{aside}{suffix}", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            with source.open("rb") as reader, open(target, "wb") as writer:
                shutil.copyfileobj(reader, writer)
    return aside


def _remove(path: Path) -> None:
    for suffix in ("", *COMPANIONS):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
