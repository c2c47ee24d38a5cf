"""One class for every server process sharing a PostgreSQL database (NNPLAY_DATABASE_URL).

A student's session lives in the memory of one process; the teacher's board may be opened
on any. So, through the database:

- the class code is one row, made by the first process to start (NNPLAY_CLASS_CODE, when
  set, replaces it); every process reads it again at each publish;
- every PUBLISH_SECONDS each process publishes the board rows of the students it holds
  (only the rows that changed; never a session id) and a heartbeat: a process that stops
  publishing for EXPIRE_SECONDS no longer has rows on the board;
- what the teacher sends is a row of class_commands: a message for everyone's sockets
  (broadcast, lesson, challenge), which every other process delivers to its students once,
  or a reset for the one process whose row names the student, which applies it to its
  session as one process does and writes the row after as the command's result;
- challenges and the latest broadcast and lesson are rows too; leaderboards are ranked
  from the published rows.

Commands are found by polling at the publish rate rather than by LISTEN/NOTIFY: a reset
or a broadcast reaches a student on another process within about PUBLISH_SECONDS, the
board itself shows rows no fresher than that, and a poll needs no connection held open
per process, nor any catching up after a missed notification.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any

import anyio
import orjson
import psycopg
from psycopg_pool import ConnectionPool
from starlette.requests import HTTPConnection

from app import commands
from app.classroom import Challenge, Classroom, by_name, handle, new_code, reached
from app.guesses import BlockingGuesses, address, retry_after
from app.sessions import Session, SessionManager, busy

log = logging.getLogger("nnplay")

# The class's tables: appended to the store's migrations (app/store_pg.py MIGRATIONS).
CLASS_TABLES: tuple[str, ...] = (
    "CREATE TABLE class_code (one boolean PRIMARY KEY DEFAULT true CHECK (one), code text NOT NULL)",
    "CREATE TABLE class_publishers (publisher text PRIMARY KEY, seen timestamptz NOT NULL)",
    # used: when the session was last used (seconds since the epoch), to pick a seat's
    # current session among several processes; row: the board row as JSON.
    "CREATE TABLE class_rows (handle text PRIMARY KEY,"
    " publisher text NOT NULL REFERENCES class_publishers ON DELETE CASCADE,"
    " seat text, used double precision NOT NULL, row bytea NOT NULL)",
    "CREATE TABLE class_news (kind text PRIMARY KEY, message bytea NOT NULL)",
    "CREATE TABLE class_challenges ("
    " id text PRIMARY KEY, created double precision NOT NULL, body bytea NOT NULL)",
    # target: the one publisher to apply it (a reset), or null for every other one (a
    # message to everyone's sockets); done and result: when and with what it was applied.
    "CREATE TABLE class_commands (id bigserial PRIMARY KEY, sent timestamptz NOT NULL DEFAULT now(),"
    " sender text NOT NULL, target text, kind text NOT NULL, body bytea NOT NULL,"
    " done timestamptz, result bytea)",
    # Wrong class codes and teacher tokens, by client address (SharedGuesses).
    "CREATE TABLE class_guesses (what text NOT NULL, address text NOT NULL, at timestamptz NOT NULL)",
    "CREATE INDEX class_guesses_by_address ON class_guesses (what, address, at)",
)

PUBLISH_SECONDS = 1.0  # the board's rate: rows published, commands looked for
EXPIRE_SECONDS = 10.0  # a process silent for this long has no rows on the board
FORGET_SECONDS = 3600.0  # commands and silent processes older than this are deleted
LOOK_BACK_SECONDS = 60.0  # how late a command may be committed and still be applied
RESET_WAIT_SECONDS = 10.0  # how long a reset waits for the process holding the student
CONNECT_SECONDS = 10  # as the store's (app/store_pg.py, which imports this module)
GUESS_WINDOW_SECONDS = 60.0  # wrong guesses are counted over the last minute (as app/guesses.py)
POOL_SIZE = 3  # the publisher's loop and a few teacher or student requests at once


class PostgresClassroom(Classroom):
    """The class shared through PostgreSQL: this process's students are still its own
    sessions (Classroom's), the board and everything the teacher sends are everyone's."""

    errors: tuple[type[Exception], ...] = (psycopg.Error,)

    def __init__(self, url: str, manager: SessionManager, code: str | None = None):
        """Open a small pool on the database (its tables made by the store's migrations)
        and read the class code, making it if this is the first process (`code`, when
        given, replaces it)."""
        self.publisher = secrets.token_hex(8)  # this process, as long as it runs
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=POOL_SIZE,
            kwargs={"connect_timeout": CONNECT_SECONDS},
            timeout=CONNECT_SECONDS,
            check=ConnectionPool.check_connection,
            name="nnplay-class",
            open=True,
        )
        try:
            with self._pool.connection() as db, db.transaction():
                if code:
                    db.execute(
                        "INSERT INTO class_code VALUES (true, %s)"
                        " ON CONFLICT (one) DO UPDATE SET code = excluded.code",
                        (code.upper(),),
                    )
                else:  # the first process to start makes it; the others find it
                    db.execute(
                        "INSERT INTO class_code VALUES (true, %s) ON CONFLICT DO NOTHING", (new_code(),)
                    )
                row = db.execute("SELECT code FROM class_code").fetchone()
                # Commands sent before this process started were for the processes then.
                last = db.execute("SELECT coalesce(max(id), 0) FROM class_commands").fetchone()
        except BaseException:
            self._pool.close()
            raise
        super().__init__(manager, row[0] if row else None)
        self._before = last[0] if last else 0  # commands up to this one were sent before it started
        self._applied: set[int] = set()  # the commands of the last LOOK_BACK_SECONDS applied
        self._published: dict[str, tuple[float, bytes]] = {}  # handle -> (used, JSON) as last published
        self._rows: dict[str, tuple[tuple, dict]] = {}  # session id -> (what it was of, row)
        self._failing = False  # said once in the log until the database answers again

    def guesses(self, per_minute: int) -> SharedGuesses:
        """Wrong class codes and teacher tokens counted in this class's database."""
        return SharedGuesses(per_minute, self)

    async def board(self) -> list[dict]:
        return by_name(await self._everyone())

    async def tell(self, message: dict[str, Any], keep: str | None = None) -> dict[str, int]:
        here = reached(self.students(), message)  # this process's students at once
        body = orjson.dumps(message)
        await self._db(self._send, None, "tell", body, keep)
        rows = await self._everyone()
        mine = {handle(s.id) for s in self.students()}
        theirs = [r for r in rows if r["handle"] not in mine]
        return {
            "students": here["students"] + len(theirs),
            "sockets": here["sockets"] + sum(r["watching"] for r in theirs),
        }

    async def reset(self, row_handle: str) -> dict | None:
        if self.student(row_handle) is not None:
            return await super().reset(row_handle)
        owner = await self._db(self._owner, row_handle)
        if owner is None:
            return None
        command = await self._db(self._send, owner, "reset", orjson.dumps({"handle": row_handle}))
        with anyio.move_on_after(RESET_WAIT_SECONDS):
            while True:
                await asyncio.sleep(PUBLISH_SECONDS / 10)
                done = await self._db(self._result, command)
                if done is not None:
                    return orjson.loads(done) if done else None
        raise busy("the server holding this student's session did not apply the reset in time")

    async def add_challenge(self, challenge: Challenge) -> None:
        body = orjson.dumps({k: v for k, v in vars(challenge).items() if k not in ("id", "created")})
        await self._db(
            self._write,
            "INSERT INTO class_challenges VALUES (%s, %s, %s)",
            (challenge.id, challenge.created, body),
        )

    async def challenges(self) -> list[Challenge]:
        rows = await self._db(
            self._read, "SELECT id, created, body FROM class_challenges ORDER BY created, id"
        )
        return [Challenge(id=cid, created=created, **orjson.loads(body)) for cid, created, body in rows]

    async def end_challenge(self, challenge_id: str) -> bool:
        gone = await self._db(
            self._read, "DELETE FROM class_challenges WHERE id = %s RETURNING id", (challenge_id,)
        )
        return bool(gone)

    async def news(self) -> dict[str, dict | None]:
        rows = await self._db(self._read, "SELECT kind, message FROM class_news")
        return {"broadcast": None, "lesson": None} | {kind: orjson.loads(m) for kind, m in rows}

    async def watch(self) -> None:
        """Publish and look for commands every PUBLISH_SECONDS, as long as the server runs;
        a database that does not answer is said once, and tried again at the next turn."""
        while True:
            await asyncio.sleep(PUBLISH_SECONDS)
            try:
                await self.refresh()
            except psycopg.Error as error:
                if not self._failing:
                    log.error("cannot share the class through the database: %s", error)
                self._failing = True
            except Exception:  # the loop must outlive any one bad session or command
                log.exception("sharing the class failed")
            else:
                if self._failing:
                    log.info("the class is shared through the database again")
                self._failing = False

    async def refresh(self) -> None:
        """Publish this process's rows (the changed ones) and apply the commands sent to it."""
        rows = {}
        for session in self.students():
            row = self.row(session)
            rows[row["handle"]] = (session.seat, _wall_clock(session.last_used), orjson.dumps(row))
        self._rows = {sid: kept for sid, kept in self._rows.items() if sid in self.manager.sessions}
        code, found = await self._db(self._publish, rows)
        self.code = code or self.code
        for command, kind, body in found:
            await self._apply(command, kind, orjson.loads(body))

    async def close(self) -> None:
        """Take this process's rows off the board (it no longer holds those sessions)."""
        try:
            await self._db(
                self._write, "DELETE FROM class_publishers WHERE publisher = %s", (self.publisher,)
            )
        except self.errors as error:  # they expire by themselves
            log.warning("could not take this server's students off the board: %s", error)
        finally:
            self._pool.close()

    def row(self, session: Session) -> dict:
        """The session's row, worked out again only when the session changed: every process
        makes its students' rows every second, most of them as they were."""
        of = (session.version, id(session.run), session.status(), len(session.subscribers), session.last_used)
        kept = self._rows.get(session.id)
        if kept is None or kept[0] != of:
            kept = self._rows[session.id] = (of, super().row(session))
        return kept[1]

    async def _apply(self, command: int, kind: str, body: dict) -> None:
        if kind == "tell":
            reached(self.students(), body)
            return
        # A reset: the row after it, or an empty result when the student left meanwhile.
        session = self.student(body["handle"])
        result = b""
        if session is not None:
            await commands.reset(session)
            result = orjson.dumps(self.row(session))
        await self._db(
            self._write,
            "UPDATE class_commands SET done = now(), result = %s WHERE id = %s",
            (result, command),
        )

    async def _everyone(self) -> list[dict]:
        """Every student's row, this process's as they are now and the others' as last
        published; of one seat's sessions (on any process), the one used last."""
        current: dict[str, tuple[float, dict]] = {}

        def offer(seat: str | None, used: float, row: dict) -> None:
            key = "seat:" + seat if seat else "handle:" + row["handle"]
            if key not in current or used > current[key][0]:
                current[key] = (used, row)

        for session in self.students():
            offer(session.seat, _wall_clock(session.last_used), self.row(session))
        for seat, used, body in await self._db(self._others):
            offer(seat, used, orjson.loads(body))
        return [row for _, row in current.values()]

    async def _db(self, work, *args):
        """Run `work(*args)` (blocking database calls) in a thread: the event loop never waits."""
        return await anyio.to_thread.run_sync(work, *args)

    # -- in a thread ---------------------------------------------------------------------

    def _publish(self, rows: dict[str, tuple[str | None, float, bytes]]) -> tuple[str | None, list[tuple]]:
        with self._pool.connection() as db, db.transaction(), db.cursor() as cursor:
            new = cursor.execute(
                "INSERT INTO class_publishers VALUES (%s, now())"
                " ON CONFLICT (publisher) DO UPDATE SET seen = now() RETURNING xmax = 0",
                (self.publisher,),
            ).fetchone()
            if new and new[0]:  # first, or forgotten after a long silence: none of its rows is there
                self._published = {}
            cursor.execute(
                "DELETE FROM class_rows WHERE publisher = %s AND NOT handle = ANY(%s)",
                (self.publisher, list(rows)),
            )
            changed = [
                (h, self.publisher, seat, used, body)
                for h, (seat, used, body) in rows.items()
                if self._published.get(h) != (used, body)
            ]
            if changed:
                cursor.executemany(
                    "INSERT INTO class_rows VALUES (%s, %s, %s, %s, %s) ON CONFLICT (handle) DO UPDATE SET"
                    " publisher = excluded.publisher, seat = excluded.seat, used = excluded.used,"
                    " row = excluded.row",
                    changed,
                )
            for table, column, seconds in (
                ("class_publishers", "seen", FORGET_SECONDS),
                ("class_commands", "sent", FORGET_SECONDS),
                ("class_guesses", "at", GUESS_WINDOW_SECONDS),
            ):
                cursor.execute(
                    f"DELETE FROM {table} WHERE {column} < now() - make_interval(secs => %s)", (seconds,)
                )
            code = cursor.execute("SELECT code FROM class_code").fetchone()
            # Every command of the last LOOK_BACK_SECONDS not applied yet, rather than those
            # after the last one seen: ids are handed out as commands are sent, but a later
            # id may be committed first.
            recent = cursor.execute(
                "SELECT id, kind, body FROM class_commands WHERE id > %s AND sender <> %s"
                " AND (target IS NULL OR target = %s) AND done IS NULL"
                " AND sent > now() - make_interval(secs => %s) ORDER BY id",
                (self._before, self.publisher, self.publisher, LOOK_BACK_SECONDS),
            ).fetchall()
        self._published = {h: (used, body) for h, (_, used, body) in rows.items()}  # what the table holds
        found = [command for command in recent if command[0] not in self._applied]
        self._applied = {command[0] for command in recent}  # older ones are out of the window
        return (code[0] if code else None), found

    def _others(self) -> list[tuple]:
        return self._read(
            "SELECT r.seat, r.used, r.row FROM class_rows r JOIN class_publishers p USING (publisher)"
            " WHERE r.publisher <> %s AND p.seen > now() - make_interval(secs => %s)",
            (self.publisher, EXPIRE_SECONDS),
        )

    def _owner(self, row_handle: str) -> str | None:
        found = self._read(
            "SELECT r.publisher FROM class_rows r JOIN class_publishers p USING (publisher)"
            " WHERE r.handle = %s AND r.publisher <> %s AND p.seen > now() - make_interval(secs => %s)",
            (row_handle, self.publisher, EXPIRE_SECONDS),
        )
        return found[0][0] if found else None

    def _send(self, target: str | None, kind: str, body: bytes, keep: str | None = None) -> int:
        with self._pool.connection() as db, db.transaction():
            if keep is not None:
                db.execute(
                    "INSERT INTO class_news VALUES (%s, %s)"
                    " ON CONFLICT (kind) DO UPDATE SET message = excluded.message",
                    (keep, body),
                )
            row = db.execute(
                "INSERT INTO class_commands (sender, target, kind, body)"
                " VALUES (%s, %s, %s, %s) RETURNING id",
                (self.publisher, target, kind, body),
            ).fetchone()
        assert row is not None
        return row[0]

    def _result(self, command: int) -> bytes | None:
        """A reset's result (b"" when there was no such student), or None while not applied."""
        found = self._read("SELECT done IS NOT NULL, result FROM class_commands WHERE id = %s", (command,))
        if not found or not found[0][0]:
            return None
        return bytes(found[0][1] or b"")

    def _read(self, query: str, params: tuple = ()) -> list[tuple]:
        with self._pool.connection() as db, db.transaction():
            return db.execute(query, params).fetchall()

    def _write(self, query: str, params: tuple = ()) -> None:
        with self._pool.connection() as db, db.transaction():
            db.execute(query, params)


class SharedGuesses(BlockingGuesses):
    """Wrong guesses counted in the database: a client whose tries the proxy spreads over
    the processes gets no more of them than from one process (the same moving minute)."""

    def __init__(self, per_minute: int, room: PostgresClassroom):
        super().__init__(per_minute)
        self.per_minute, self.room = per_minute, room

    def check(self, what: str, client: HTTPConnection) -> None:
        [(count, wait)] = self.room._read(
            "SELECT count(*), extract(epoch FROM min(at) + make_interval(secs => %s) - clock_timestamp())"
            " FROM class_guesses WHERE what = %s AND address = %s"
            " AND at > clock_timestamp() - make_interval(secs => %s)",
            (GUESS_WINDOW_SECONDS, what, address(client), GUESS_WINDOW_SECONDS),
        )
        if count >= self.per_minute:
            raise retry_after(what, float(wait))

    def failed(self, what: str, client: HTTPConnection) -> None:
        self.room._write(
            "INSERT INTO class_guesses VALUES (%s, %s, clock_timestamp())", (what, address(client))
        )


def _wall_clock(monotonic: float) -> float:
    """A time.monotonic() reading as seconds since the epoch, which other processes (and
    machines, their clocks set alike) can compare with theirs."""
    return time.time() - (time.monotonic() - monotonic)
