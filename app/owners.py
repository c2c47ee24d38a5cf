"""Which server process holds which session, when several share one PostgreSQL database.

A process with a name (NNPLAY_PROCESS_NAME) starts its sessions' ids with it ("p2.<random>";
the random part never holds a dot), so a proxy routes their requests to it by the path
alone. It holds a lease on each session it keeps in memory or in the store for later (a
row of the `leases` table: owner, expiry by the database's clock), and renews them all
every NNPLAY_LEASE_RENEW_SECONDS. A process that dies stops renewing: once its leases
run out, the first process a request for one of its sessions reaches takes the lease, in
one compare-and-set statement (two processes cannot both win), and loads the session from
its last save, to go on from there exactly (app/persistence.py brings it back). Sessions
nobody asks for are adopted too, in the background: at each renewal a live process takes a
bounded batch of the leases that ran out (processes doing so at once take different ones),
loads them and plays again those that were playing, so a class's runs keep training while
their owner is down.

A lease held by a live process is never taken: a request that reaches another process is
a 503 with Retry-After naming the holder (the proxy should not have sent it). When the
process an id names comes back, it asks for its sessions back (`wanted`): the adopter saves
them and lets them go at its next renewal, and the named process takes them on the next
request. A process that stops cleanly saves its sessions and gives its leases up, so
others can take them at once. docs/scaling.md tells the whole design.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio

from app.errors import APIError

if TYPE_CHECKING:
    from app.persistence import Persistence
    from app.sessions import SessionManager
    from app.store_pg import PostgresStore

log = logging.getLogger("nnplay.owners")

SEPARATOR = "."  # between a process's name and the random part of its sessions' ids
# Expired leases one process takes per renewal in the background: a dead process's class
# comes back over a few renewals rather than in one burst that stalls every frame here
# (and a request for one of them adopts it at once, without waiting its turn).
ADOPT_BATCH = 25


def named_id(process_name: str | None, random_part: str) -> str:
    """A new session's id: the random part, after the process's name when it has one."""
    return random_part if process_name is None else f"{process_name}{SEPARATOR}{random_part}"


def named_process(session_id: str) -> str | None:
    """The process a session's id names, or None for an id made without a name."""
    name, separator, _ = session_id.partition(SEPARATOR)
    return name if separator else None


@dataclass
class Held:
    """Who holds a session's lease, that is not this process, and for how long yet."""

    owner: str
    seconds_left: float


class Leases:
    """The lease rows of one process (`owner`), each method one transaction (run them in a
    thread: they wait for the database)."""

    def __init__(self, store: PostgresStore, owner: str, seconds: float):
        self.store = store
        self.owner = owner
        self.seconds = seconds

    def _params(self, session_id: str | None = None) -> dict:
        return {"id": session_id, "owner": self.owner, "seconds": self.seconds}

    def claim(self, session_id: str) -> None:
        """The lease of a session this process has just made (its id is new)."""
        with self.store.connection() as db:
            db.execute(
                "INSERT INTO leases (id, owner, expires)"
                " VALUES (%(id)s, %(owner)s, clock_timestamp() + %(seconds)s * interval '1 second')"
                " ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, expires = excluded.expires",
                self._params(session_id),
            )

    def take(self, session_id: str) -> Held | bool:
        """Take a saved session's lease if nobody holds it, it ran out, or it is this
        process's already: True. False when there is no such saved session; who holds it
        (Held) when a live process does. Compare-and-set: of two processes taking one
        lease at once, one wins."""
        with self.store.connection() as db, db.transaction():
            taken = db.execute(
                "INSERT INTO leases (id, owner, expires)"
                " SELECT id, %(owner)s, clock_timestamp() + %(seconds)s * interval '1 second'"
                " FROM sessions WHERE id = %(id)s"
                " ON CONFLICT (id) DO UPDATE"
                " SET owner = excluded.owner, expires = excluded.expires, wanted = false"
                " WHERE leases.owner = excluded.owner OR leases.expires < clock_timestamp()"
                " RETURNING id",
                self._params(session_id),
            ).fetchone()
            if taken is not None:
                return True
            held = db.execute(
                "SELECT owner, extract(epoch FROM expires - clock_timestamp()) FROM leases WHERE id = %(id)s",
                self._params(session_id),
            ).fetchone()
        if held is None:
            return False
        return Held(held[0], max(0.0, float(held[1])))

    def take_expired(self, limit: int) -> list[str]:
        """Take the leases of up to `limit` saved sessions that ran out (their holder died
        or stalled), longest expired first: their ids, for this process to load. Processes
        doing this at once skip the rows another is taking (SKIP LOCKED): each gets a share,
        none the same session."""
        with self.store.connection() as db:
            rows = db.execute(
                "UPDATE leases SET owner = %(owner)s, wanted = false,"
                " expires = clock_timestamp() + %(seconds)s * interval '1 second'"
                " WHERE id IN (SELECT leases.id FROM leases JOIN sessions ON sessions.id = leases.id"
                "  WHERE leases.expires < clock_timestamp() ORDER BY leases.expires LIMIT %(limit)s"
                "  FOR UPDATE OF leases SKIP LOCKED)"
                " RETURNING id",
                {**self._params(), "limit": limit},
            ).fetchall()
        return [session_id for (session_id,) in rows]

    def want_back(self, session_id: str) -> None:
        """Ask the process holding a session for it: this one's name is in its id, or the
        holder only adopted it and the proxy sends its requests here."""
        with self.store.connection() as db:
            db.execute(
                "UPDATE leases SET wanted = true WHERE id = %(id)s AND owner <> %(owner)s",
                self._params(session_id),
            )

    def renew(self) -> dict[str, bool]:
        """Renew every lease this process holds: {id: wanted back by the process it names}."""
        with self.store.connection() as db:
            rows = db.execute(
                "UPDATE leases SET expires = clock_timestamp() + %(seconds)s * interval '1 second'"
                " WHERE owner = %(owner)s RETURNING id, wanted",
                self._params(),
            ).fetchall()
        return {session_id: wanted for session_id, wanted in rows}

    def release(self, session_ids: list[str] | None = None) -> None:
        """Give up these leases (None: all of this process's)."""
        with self.store.connection() as db:
            if session_ids is None:
                db.execute("DELETE FROM leases WHERE owner = %(owner)s", self._params())
            else:
                db.execute(
                    "DELETE FROM leases WHERE owner = %(owner)s AND id = ANY(%(ids)s)",
                    {**self._params(), "ids": session_ids},
                )


class Owners:
    """This process's side of the leases: claims new sessions, adopts others', renews on a
    timer, lets go of sessions another process took or wants back (the manager's `owners`)."""

    def __init__(
        self, leases: Leases, manager: SessionManager, persistence: Persistence, renew_seconds: float
    ):
        self.leases = leases
        self.manager = manager
        self.persistence = persistence
        self.renew_seconds = renew_seconds
        # Leases claimed or taken for sessions not yet in the manager (being built or
        # loaded), by when: not strays to give up.
        self.pending: dict[str, float] = {}
        self.error: str | None = None  # why the last renewal failed, if it did (for /api/health)
        self.renewed_at = time.monotonic()  # the last renewal that reached the database
        manager.owners = self

    def lapsed(self) -> float | None:
        """Seconds since the last renewal when this process's leases have run out since
        (others may have adopted its sessions: /api/ready says so to the proxy); None
        while they hold. A failure shorter than a lease leaves nothing to another."""
        unrenewed = time.monotonic() - self.renewed_at
        return unrenewed if self.error is not None and unrenewed > self.leases.seconds else None

    def restorable(self, session_id: str) -> bool:
        """Whether to load a saved session at start: one of this process's own, whose
        lease it can take (sessions other processes hold, or made without a name, come
        when they are asked for). Called by Persistence.restore, before the loop runs."""
        if named_process(session_id) != self.leases.owner:
            return False
        return self.leases.take(session_id) is True

    async def claim(self, session_id: str) -> None:
        self.pending[session_id] = time.monotonic()
        await anyio.to_thread.run_sync(self.leases.claim, session_id)

    async def adopt(self, session_id: str) -> bool:
        """Take the lease of a saved session this process does not hold: True when it is
        now this process's, to load from the store; False when there is no such session;
        a 503 naming the live process that holds it."""
        self.pending[session_id] = time.monotonic()
        taken = await anyio.to_thread.run_sync(self.leases.take, session_id)
        if isinstance(taken, Held):
            self.pending.pop(session_id, None)
            named = named_process(session_id)
            if named == self.leases.owner:  # ours by name: ask for it back
                await anyio.to_thread.run_sync(self.leases.want_back, session_id)
                wait = self.renew_seconds
                why = f"this session is coming back from server process {taken.owner!r}"
            elif named != taken.owner:
                # Adopted in the background by a process the proxy does not send it to (its
                # hash of the id picked this one while the named process is down): ask for
                # it here, as its own process would, or its page would never reach it.
                await anyio.to_thread.run_sync(self.leases.want_back, session_id)
                wait = self.renew_seconds
                why = f"this session is coming to this server process from {taken.owner!r}"
            else:
                wait = taken.seconds_left
                why = f"this session is held by server process {taken.owner!r}, not by this one"
            raise APIError(
                503,
                "elsewhere",
                f"{why}; try again shortly",
                headers={"Retry-After": str(max(1, round(wait)))},
            )
        if taken:
            log.info("adopted session %s from the store", session_id[:12])
        else:
            self.pending.pop(session_id, None)
        return taken

    async def watch(self) -> None:
        while True:
            await asyncio.sleep(self.renew_seconds)
            try:
                await self.renew()
                self.error = None
                self.renewed_at = time.monotonic()
            except Exception as error:  # renewing must go on: the next interval tries again
                if self.error is None:
                    log.exception("renewing the session leases failed")
                self.error = f"renewing the session leases failed: {type(error).__name__}: {error}"
                continue  # (a process that cannot renew its own leases adopts no others)
            try:
                await self.adopt_expired()
            except Exception:  # the next renewal tries again; a request adopts one meanwhile
                log.exception("adopting the sessions of a stopped server process failed")

    async def adopt_expired(self, limit: int = ADOPT_BATCH) -> list[str]:
        """Adopt, without waiting for a request, up to `limit` sessions whose leases ran
        out: each is loaded from its last save and, if it was playing, plays again (it
        pauses as ever once nobody has watched it for NNPLAY_UNWATCHED_SECONDS). Returns
        the ids now held here."""
        taken = await anyio.to_thread.run_sync(self.leases.take_expired, limit)
        now = time.monotonic()
        self.pending.update((session_id, now) for session_id in taken)
        manager = self.manager
        for session_id in taken:
            if session_id in manager.sessions or session_id in manager.evicted:
                continue  # this process's own, whose renewals had failed: it holds it still
            manager.evicted[session_id] = now  # in the store, for the manager to bring back
            try:
                session = await manager.get(session_id)
            except APIError as error:  # gone meanwhile (404), or no memory for it now (503)
                log.warning("session %s was not adopted: %s", session_id[:12], error.message)
                continue
            log.info("adopted session %s from the store in the background", session_id[:12])
            if session.resume_playing and not session.subscribers:
                # Imported here: app.commands imports the session manager, which imports this.
                from app.commands import play

                session.resume_playing = False
                await play(session, session.steps_per_second, resume=True)
        return taken

    async def renew(self) -> None:
        """Renew the leases; then let go of the sessions whose lease another process took
        (this one must have stalled past it), hand back those wanted back, and give up
        the leases of sessions no longer here (deleted, expired)."""
        manager = self.manager
        before = set(manager.sessions) | set(manager.evicted)  # each had its lease then
        held = await anyio.to_thread.run_sync(self.leases.renew)
        for session_id in before - set(held):
            log.warning("session %s was taken over by another server process", session_id[:12])
            await manager.let_go(session_id, "the session moved to another server process")
        wanted = [sid for sid, back in held.items() if back and sid in before]
        handed = [sid for sid in wanted if await self.hand_back(sid)]
        now = time.monotonic()
        self.pending = {
            sid: at
            for sid, at in self.pending.items()
            if now - at < self.leases.seconds and sid not in before
        }
        here = set(manager.sessions) | set(manager.evicted) | set(self.pending)
        strays = [sid for sid in held if sid not in here] + handed
        if strays:
            await anyio.to_thread.run_sync(self.leases.release, strays)

    async def hand_back(self, session_id: str) -> bool:
        """Save a session and let it go, for the process that asked for it to take it from the
        store; whether it went (a session that cannot be saved stays, till the next try)."""
        session = self.manager.sessions.get(session_id)
        if session is not None:
            session.resume_playing = session.wants_to_play()  # it plays on over there
            await self.manager.stop(session, "the session moved back to its own server process")
            if not await self.persistence.save_now(session):
                return False
        log.info("session %s handed to the server process that asked for it", session_id[:12])
        await self.manager.let_go(session_id, "the session moved back to its own server process")
        return True

    async def close(self) -> None:
        """Give up every lease (after the sessions were saved), for others to take at once."""
        await anyio.to_thread.run_sync(self.leases.release)
