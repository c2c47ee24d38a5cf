"""The FastAPI application: `uvicorn app.main:app` or `nnplay serve`."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import sys

import anyio
from fastapi import FastAPI
from starlette_compress import CompressMiddleware

from app import docs_ui, errors, heap
from app import lessons as lesson_files
from app.assets import Assets
from app.classroom import Classroom, kept_code
from app.framepool import FramePool, automatic_workers
from app.guesses import Guesses
from app.headers import SecurityHeaders
from app.heavy import HeavyCalls
from app.hosts import AllowedHosts
from app.lag import LoopLag
from app.limits import BodyLimit
from app.owners import Leases, Owners
from app.paths import STATIC_DIR
from app.persistence import Persistence, StoreUnusable, open_class, open_database, open_store
from app.responses import JSONBody
from app.routes import api_router, page_router
from app.routes.health import _version
from app.sessions import SessionManager
from app.settings import BadSetting, Settings, get_settings
from app.sweeps import Sweeps

log = logging.getLogger("nnplay")

# Responses smaller than this go out as they are: compressing them saves a few hundred
# bytes at most, less than it costs.
COMPRESS_MIN_BYTES = 1024

SWEEP_SECONDS = 30.0
GIVE_BACK_SECONDS = 2.0


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    heap.limit_arenas()  # before the worker threads that would each get one

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        manager = app.state.sessions
        measure_base = settings.memory_base_mb is None
        alone = heap.held_mb(children=False) if measure_base else 0.0  # before any session is restored
        persistence = store = owners = None
        if settings.database_url is not None:
            # The one store named: one that cannot be used stops the start (StoreUnusable,
            # naming the variable; `nnplay serve` checks it first, in one line).
            store = open_database(settings.database_url.get_secret_value())
            try:
                persistence = Persistence(store, manager, settings.save_interval_seconds)
                owners = _owners(settings, store, persistence)
                restored = persistence.restore(wanted=None if owners is None else owners.restorable)
                # The class too is the database's, one for every process sharing it.
                app.state.classroom = await anyio.to_thread.run_sync(
                    open_class, settings.database_url.get_secret_value(), manager, settings.class_code
                )
                # And the wrong guesses: a guesser gets no more tries for being spread over them.
                app.state.guesses = app.state.classroom.guesses(settings.guesses_per_minute)
            except BaseException:
                store.close()
                raise
            log.info("restored %d sessions from the PostgreSQL database", restored)
        elif settings.data_dir is not None:
            try:
                store, salvage = open_store(settings.data_dir)
                persistence = Persistence(store, manager, settings.save_interval_seconds)
                restored = persistence.restore(salvage)
                log.info("restored %d sessions from %s", restored, settings.data_dir)
            except (StoreUnusable, OSError, sqlite3.Error) as error:
                # A read-only, full or broken data directory: the class can still work,
                # without saving, and /api/health says so.
                persistence = None
                if store is not None:  # opened, but its sessions could not be read
                    with contextlib.suppress(sqlite3.Error):
                        store.close()
                app.state.store_problem = (
                    f"sessions are not saved: cannot use the store in {settings.data_dir} ({error})"
                )
                log.error("%s", app.state.store_problem)
        app.state.persistence = persistence
        app.state.owners = owners
        await app.state.frame_pool.start()
        if measure_base:  # the server without sessions: itself before the restore, and its workers
            manager.base = int((alone + heap.workers_mb()) * 2**20)
        lessons, problems = lesson_files.read_all()
        for problem in problems:
            log.error("lesson not loaded: %s", problem)
        if not lessons:
            # /lessons would list nothing and every lesson page answer 404: say why, once.
            log.error("no lessons found in %s: the lesson pages are empty", lesson_files.LESSONS_DIR)
        tasks = [
            asyncio.create_task(_sweep(manager)),
            asyncio.create_task(app.state.lag.watch()),
            asyncio.create_task(_give_back_memory()),
        ]
        if persistence is not None:
            tasks.append(asyncio.create_task(persistence.watch()))
        if settings.database_url is not None:
            tasks.append(asyncio.create_task(app.state.classroom.watch()))
        if owners is not None:
            tasks.append(asyncio.create_task(owners.watch()))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await app.state.sweeps.close()
            await app.state.classroom.close()
            await manager.close()
            app.state.frame_pool.close()
            app.state.assets.close()
            if persistence is not None:
                # Stop training first, then write the final state of every session.
                await persistence.save_changed()
                if owners is not None:  # saved: others may take them at once
                    await owners.close()
                persistence.store.close()

    app = FastAPI(
        title="nnplay",
        version=_version(),
        default_response_class=JSONBody,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        description="A playground that shows how a neural network learns: "
        "sessions, steps, gradients and live frames.",
    )
    app.state.settings = settings
    app.state.persistence = None  # made at start when there is a data directory
    app.state.store_problem = None  # why there is none although there is one
    app.state.owners = None  # the session leases, when this is one named process of several
    app.state.sessions = SessionManager(settings)
    app.state.heavy = HeavyCalls.from_settings(settings)  # long steps and gradient checks
    app.state.sweeps = Sweeps(app.state.sessions, app.state.heavy, settings.sweep_seconds)
    app.state.lag = LoopLag()
    workers = automatic_workers() if settings.frame_workers is None else settings.frame_workers
    app.state.frame_pool = FramePool(workers)
    app.state.guesses = Guesses(settings.guesses_per_minute)
    # With a database, the class is the database's, shared by every process (opened at start).
    app.state.classroom = (
        Classroom(app.state.sessions, settings.class_code or kept_code(settings.data_dir))
        if settings.database_url is None
        else None
    )
    errors.install(app)
    app.include_router(api_router)
    app.include_router(page_router)
    # Compressed files are kept in the data directory, so a restart does not redo them.
    cache_dir = None if settings.data_dir is None else settings.data_dir / "compressed"
    app.state.assets = Assets(STATIC_DIR, cache_dir)
    docs_ui.install(app, app.state.assets.docs)
    # JSON, HTML and CSV over HTTP, in brotli or gzip as the browser accepts; static files
    # come compressed already and pass through. WebSockets are not touched: their frames
    # are small and many, and uvicorn's per-message deflate is off on purpose (app/cli.py).
    app.add_middleware(CompressMiddleware, minimum_size=COMPRESS_MIN_BYTES, zstd=False)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(AllowedHosts, allowed=settings.allowed_hosts)  # before any work
    app.add_middleware(SecurityHeaders)
    return app


def _owners(settings: Settings, store, persistence: Persistence) -> Owners | None:
    """The session leases of a named process among several (app/owners.py), or None."""
    if settings.process_name is None:
        return None
    leases = Leases(store, settings.process_name, settings.lease_seconds)
    store.lease_owner = settings.process_name  # writes only what it holds
    log.info("server process %r: sessions leased for %g s", settings.process_name, settings.lease_seconds)
    return Owners(leases, persistence.manager, persistence, settings.lease_renew_seconds)


async def _give_back_memory() -> None:
    """Freed memory back to the system every few seconds (app/heap.py), in a thread: the
    event loop never waits for it."""
    while True:
        await asyncio.sleep(GIVE_BACK_SECONDS)
        await anyio.to_thread.run_sync(heap.give_back)


async def _sweep(manager: SessionManager) -> None:
    while True:
        await asyncio.sleep(SWEEP_SECONDS)
        try:
            expired = await manager.expire_idle()
            if expired:
                log.info("expired %d idle sessions", expired)
        except Exception:  # the sweeper must outlive any one bad session
            log.exception("expiring idle sessions failed")


try:
    app = create_app()
except BadSetting as error:  # `uvicorn app.main:app` with a bad NNPLAY_*: one line, not a traceback
    print(f"nnplay: {error}", file=sys.stderr)
    raise SystemExit(2) from None
