"""Sessions kept in PostgreSQL (NNPLAY_DATABASE_URL=postgresql://...): the same tables as
SQLiteStore's, the same bytes in them, behind the same SessionStore methods, for servers
on several machines sharing one database.

The tables are made and changed by the server itself at start: MIGRATIONS is an ordered
list, schema_version says how much of it a database has had, and each server applies
what is missing in one transaction under an advisory lock, so servers starting together
do it once. A later change to the tables (an owner and a lease for each session, say) is
one more entry at the end of MIGRATIONS (as the session leases of app/owners.py are).

Records and history chunks are bytea: a record is mostly raw array bytes (app/records.py),
and a chunk's JSON goes back and forth unparsed (jsonb would parse every number on the way
in, and hand back another spelling of some).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Sequence
from urllib.parse import unquote, urlsplit

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from app.classroom_pg import CLASS_TABLES
from app.store import UNREADABLE, Save, assembled, prepared

# Each entry: the statements that bring the schema from the version before to this one
# (its place in the list, counted from 1). Never change an entry once released: append.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (  # 1: the sessions and their history chunks, as SQLiteStore keeps them
        "CREATE TABLE sessions (id text PRIMARY KEY, saved double precision NOT NULL, record bytea NOT NULL)",
        "CREATE TABLE history ("
        " id text NOT NULL, first_row integer NOT NULL, rows bytea NOT NULL, PRIMARY KEY (id, first_row))",
    ),
    CLASS_TABLES,  # 2: one class shared by the processes (app/classroom_pg.py)
    (  # 3: which server process holds each session (app/owners.py), until when; `wanted` by
        # the one it names
        "CREATE TABLE leases (id text PRIMARY KEY, owner text NOT NULL,"
        " expires timestamptz NOT NULL, wanted boolean NOT NULL DEFAULT false)",
        "CREATE INDEX leases_owner ON leases (owner)",
    ),
)
# pg_advisory_xact_lock's key for applying migrations: any number other programs on the
# same database do not use ("nnplay" in ASCII).
MIGRATION_LOCK = 0x6E6E706C6179
CONNECT_SECONDS = 10  # how long a connection may take to open before it is an error
POOL_SIZE = 4  # saves, loads and deletes at once (saves are one at a time: a few suffice)
KEPT_PREFIX = "nnplay_kept_"  # the schemas keep_copy makes


class DatabaseUnusable(Exception):
    """Why the database cannot keep sessions, in one line without the URL's password."""


class PostgresStore:
    """The sessions and history tables in a PostgreSQL database, used through a small pool
    of connections (each method takes one for its transaction, from any thread)."""

    errors: tuple[type[Exception], ...] = (psycopg.Error,)  # the pool's timeouts are among them

    def __init__(self, url: str, migrations: Sequence[Sequence[str]] = MIGRATIONS):
        """Open the database at `url` and bring its schema up to date; DatabaseUnusable
        (its words free of the password) when it cannot be reached or used."""
        try:
            with psycopg.connect(url, connect_timeout=CONNECT_SECONDS) as db:
                self.version = migrate(db, migrations)
                self.database = db.info.dbname
        except psycopg.Error as error:
            raise DatabaseUnusable(secret_free(_first_line(error), url)) from None
        # check: a connection the server closed (a restart, an idle timeout) is replaced
        # before it is lent, rather than failing the save that got it.
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"connect_timeout": CONNECT_SECONDS},
            timeout=CONNECT_SECONDS,  # a save waits so long for a connection, then fails (and is tried again)
            check=ConnectionPool.check_connection,
            name="nnplay-store",
            open=True,
        )

    # With several server processes, this one's name (app/owners.py): it writes and deletes
    # only the sessions whose lease it holds, checked in the write's own transaction.
    lease_owner: str | None = None

    def save_many(self, saves: dict[str, Save]) -> dict[str, str]:
        records, replaced, chunks, failed = prepared(saves)
        with self._pool.connection() as db, db.transaction(), db.cursor() as cursor:
            if self.lease_owner is not None and records:
                others = _not_held(cursor, self.lease_owner, [record[0] for record in records])
                failed.update({sid: "another server process holds it now" for sid in others})
                records = [r for r in records if r[0] not in others]
                replaced = [r for r in replaced if r[0] not in others]
                chunks = [c for c in chunks if c[0] not in others]
            if records:
                cursor.executemany(
                    "INSERT INTO sessions VALUES (%s, %s, %s)"
                    " ON CONFLICT (id) DO UPDATE SET saved = excluded.saved, record = excluded.record",
                    records,
                )
            if replaced:
                cursor.executemany("DELETE FROM history WHERE id = %s", replaced)
            if chunks:
                cursor.executemany(
                    "INSERT INTO history VALUES (%s, %s, %s)"
                    " ON CONFLICT (id, first_row) DO UPDATE SET rows = excluded.rows",
                    chunks,
                )
        return failed

    def delete(self, session_id: str) -> None:
        with self._pool.connection() as db, db.transaction(), db.cursor() as cursor:
            if self.lease_owner is not None and _not_held(cursor, self.lease_owner, [session_id]):
                return  # another process's now: not this one's to delete
            db.execute("DELETE FROM sessions WHERE id = %s", (session_id,))
            db.execute("DELETE FROM history WHERE id = %s", (session_id,))

    def keep_copy(self) -> str:
        """Both tables copied, in one transaction, into a new schema of the same database
        (nnplay_kept_<date>_<time>), where a person can query them as they were."""
        stamp = time.strftime("%Y%m%d_%H%M%S")
        with self._pool.connection() as db, db.transaction():
            taken = {
                name
                for (name,) in db.execute(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (KEPT_PREFIX + stamp + "%",)
                )
            }
            name, n = KEPT_PREFIX + stamp, 1
            while name in taken:
                n += 1
                name = f"{KEPT_PREFIX}{stamp}_{n}"
            schema = sql.Identifier(name)
            db.execute(sql.SQL("CREATE SCHEMA {}").format(schema))
            for table in ("sessions", "history"):
                db.execute(
                    sql.SQL("CREATE TABLE {}.{} AS TABLE {}").format(schema, *[sql.Identifier(table)] * 2)
                )
        return f"schema {name} of the PostgreSQL database {self.database}"

    def load_all(
        self, wanted: Callable[[str], bool] | None = None
    ) -> Iterator[tuple[str, dict | None, str | None]]:
        with self._pool.connection() as db:
            ids = [sid for (sid,) in db.execute("SELECT id FROM sessions ORDER BY id")]
        for session_id in ids:  # one record in memory at a time: a class's can be large
            if wanted is not None and not wanted(session_id):
                continue  # (another server process's: not even read)
            try:
                record = self._record(session_id)
            except UNREADABLE as error:
                yield session_id, None, f"unreadable record: {error}"
                continue
            if record is not None:  # (else deleted meanwhile)
                yield session_id, record, None

    def load(self, session_id: str) -> dict | None:
        try:
            return self._record(session_id)
        except UNREADABLE as error:
            raise ValueError(f"unreadable record: {error}") from None

    def _record(self, session_id: str) -> dict | None:
        """The record with its whole history, read in one transaction (a save in between
        would leave the record and its history apart); None when there is none."""
        with self._pool.connection() as db, db.transaction():
            row = db.execute("SELECT record FROM sessions WHERE id = %s", (session_id,)).fetchone()
            if row is None:
                return None
            chunks = db.execute(
                "SELECT first_row, rows FROM history WHERE id = %s ORDER BY first_row", (session_id,)
            ).fetchall()
        return assembled(row[0], chunks)

    def connection(self) -> contextlib.AbstractContextManager[psycopg.Connection]:
        """A connection of the pool for a transaction of another module's (app/owners.py)."""
        return self._pool.connection()

    def close(self) -> None:
        self._pool.close()


def _not_held(cursor: psycopg.Cursor, owner: str, session_ids: list[str]) -> set[str]:
    """Which of these sessions `owner` holds no lease on. The leases it holds stay locked
    (FOR SHARE) until the transaction ends: a process taking one over waits for this
    write, and then loads what it wrote."""
    held = cursor.execute(
        "SELECT id FROM leases WHERE owner = %s AND id = ANY(%s) FOR SHARE", (owner, session_ids)
    ).fetchall()
    return set(session_ids) - {session_id for (session_id,) in held}


def migrate(db: psycopg.Connection, migrations: Sequence[Sequence[str]] = MIGRATIONS) -> int:
    """Apply the migrations the database has not had yet, in one transaction; the schema's
    version after. DatabaseUnusable for a schema newer than `migrations` know."""
    with db.transaction():
        # Servers starting together wait here for the first one; each then sees its work.
        db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        db.execute(
            "CREATE TABLE IF NOT EXISTS schema_version ("
            " version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())"
        )
        row = db.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
        current = row[0] if row else 0
        if current > len(migrations):
            raise DatabaseUnusable(
                f"its tables are of schema version {current}, made by a newer nnplay; "
                f"this one knows versions up to {len(migrations)}"
            )
        for version in range(current + 1, len(migrations) + 1):
            for statement in migrations[version - 1]:
                db.execute(statement)
            db.execute("INSERT INTO schema_version (version) VALUES (%s)", (version,))
    return len(migrations)


def redacted(url: str) -> str:
    """The URL as it may be shown: its password, if it has one, as ***."""
    return secret_free(url, url)


def secret_free(text: str, url: str) -> str:
    """`text` with the password of `url` (written in the URL, or as its password=
    parameter, raw or percent-decoded) replaced by ***."""
    secrets = set()
    try:
        parts = urlsplit(url)
        if parts.password:
            secrets |= {parts.password, unquote(parts.password)}
        secrets |= {
            unquote(v) for k, v in re.findall(r"(?:^|[?&])(\w+)=([^&]*)", parts.query) if k == "password"
        }
    except ValueError:  # a URL urlsplit refuses (a bad port, a bracket): libpq's reading of it, below
        pass
    with contextlib.suppress(psycopg.Error):  # (a URL libpq cannot read names no password it uses)
        secrets.add(str(conninfo_to_dict(url).get("password") or ""))
    for secret in sorted(filter(None, secrets), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _first_line(error: Exception) -> str:
    """libpq's message, whose further lines are hints ("Is the server running ...")."""
    lines = str(error).strip().splitlines()
    return " ".join(lines[0].split()) if lines else type(error).__name__
