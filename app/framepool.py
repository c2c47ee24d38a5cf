"""Frame workers: the heavy part of live frames rendered in other processes, on other cores.

With a class streaming 2-D networks, drawing their decision grids (a float32 forward pass
over a few thousand points, then packing) took about a third of the event loop's time,
and serializing each frame's arrays most of the rest of a frame's cost. Each worker is a
process that reads FrameArrays (core/frame.py) from a pipe and writes back their members'
JSON; the loop hears the answers through `add_reader` and only splices the bytes into the
frame (app/frames.py).

Whatever goes wrong with a worker (not started yet, too far behind, gone), the arrays are
rendered in the server's own process instead, by the same render(): a frame never depends
on where it was rendered.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import multiprocessing
import os
import pickle
import signal
import struct
import time

from app.jsonio import dumps
from core.frame import FrameArrays, frame_members

try:
    import fcntl
except ImportError:  # not a Unix: pipes keep the size they have
    fcntl = None  # type: ignore[assignment]  # its uses below then raise AttributeError, as caught

log = logging.getLogger("nnplay.frames")

MAX_JOB_VALUES = 20_000  # larger networks are rendered in process: their params make big messages
PIPE_BYTES = 1 << 20  # asked for each worker's pipes (Linux grants up to pipe-max-size)
MAX_QUEUE = 128  # jobs waiting for one worker (about 25 ms of rendering) before the
# server renders them itself rather than let frames wait longer
STALL_SECONDS = 2.0  # a worker whose oldest job waits longer is given up (stopped, stuck)
HEADER = struct.Struct("!i")  # multiprocessing's own framing: a length, then the message
REPLY_ID = struct.Struct("<Q")
READ_BYTES = 1 << 20  # each worker's reply buffer to begin with (it grows for bigger replies)


def render(arrays: FrameArrays) -> bytes:
    """The frame members of `arrays` as a JSON object (core.frame.frame_members): what a
    worker writes back, and what the server writes when it renders them itself."""
    return dumps(frame_members(arrays))


def automatic_workers() -> int:
    """One worker for each CPU this process may use beyond the event loop's, at most 4."""
    try:
        cpus = len(os.sched_getaffinity(0))  # what a container or taskset allows, on Linux
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(0, min(4, cpus - 1))


class _Worker:
    def __init__(self, process, requests, replies):
        self.process = process
        self.requests = requests  # the loop writes jobs here (blocking, but never into a full pipe)
        self.replies = replies  # and reads the answers here, without blocking
        # Requests waiting in the pipe stay under three quarters of its size: a write
        # then always fits, so the loop never waits on a busy worker.
        self.room = 3 * _pipe_size(requests.fileno()) // 4
        # Replies are read into one buffer kept for the worker's life: reading into a fresh
        # bytes object as large as a reply may be cost a megabyte's allocation a read,
        # more than the copying.
        self.buffer = bytearray(READ_BYTES)
        self.view = memoryview(self.buffer)
        self.filled = 0  # bytes of the buffer holding replies not yet handed out
        self.pending: dict[int, tuple[asyncio.Future, int, float]] = {}  # id -> (answer, bytes, sent)
        self.pending_bytes = 0
        self.alive = True


class FramePool:
    """`await pool.render(arrays)`: render(arrays), from a worker when one is free."""

    def __init__(self, workers: int):
        self.size = workers
        self._workers: list[_Worker] = []
        self._ids = itertools.count()
        self._turn = itertools.count()
        self.rendered_here = 0  # frames' arrays rendered in the server's process (no worker could)
        self.rendered_by_workers = 0
        self._watchdog: asyncio.Task | None = None

    async def start(self) -> None:
        if self.size <= 0:
            return
        loop = asyncio.get_running_loop()
        # Spawned, not forked: a fork of a process with an event loop and threads is unsafe.
        try:
            started = await asyncio.to_thread(_spawn, self.size)
        except (OSError, RuntimeError) as error:  # e.g. no processes allowed: render here
            log.error("frame workers could not start (%s); frames are rendered in the server", error)
            return
        self._workers = [_Worker(*ends) for ends in started]
        try:
            for worker in self._workers:
                os.set_blocking(worker.replies.fileno(), False)
                loop.add_reader(worker.replies.fileno(), self._readable, worker)
        except (NotImplementedError, OSError) as error:  # a loop that cannot watch pipes
            log.error("frame workers cannot be heard (%s); frames are rendered in the server", error)
            self.close()
            return
        self._watchdog = asyncio.create_task(self._watch())
        log.info("%d frame workers started", len(self._workers))

    async def render(self, arrays: FrameArrays) -> bytes:
        """render(arrays), by a worker when one can take them. They are the run's own
        arrays: pickled (a copy) or rendered before anything else can run."""
        if arrays.values <= MAX_JOB_VALUES and self._workers:
            rid = next(self._ids)
            message = pickle.dumps((rid, arrays), protocol=5)
            worker = self._pick(HEADER.size + len(message))
            if worker is not None:
                body = await self._ask(worker, rid, message)
                if body:  # empty: the worker failed or went away
                    self.rendered_by_workers += 1
                    return body
                # The run may have trained on meanwhile: render the copy the worker got.
                arrays = pickle.loads(message)[1]
        self.rendered_here += 1
        return render(arrays)

    def stats(self) -> dict:
        return {
            "workers": sum(w.alive for w in self._workers),
            "by_workers": self.rendered_by_workers,
            "here": self.rendered_here,
        }

    def _pick(self, size: int) -> _Worker | None:
        """The next worker in turn with room in its pipe for `size` more bytes."""
        free = [
            w
            for w in self._workers
            if w.alive and len(w.pending) < MAX_QUEUE and w.pending_bytes + size <= w.room
        ]
        return free[next(self._turn) % len(free)] if free else None

    async def _ask(self, worker: _Worker, rid: int, message: bytes) -> bytes:
        size = HEADER.size + len(message)
        future = asyncio.get_running_loop().create_future()
        worker.pending[rid] = (future, size, time.monotonic())
        worker.pending_bytes += size
        try:
            worker.requests.send_bytes(message)  # fits: see _Worker.room
        except OSError:
            self._lost(worker)
        try:
            return await future
        finally:
            if worker.pending.pop(rid, None) is not None:
                worker.pending_bytes -= size

    def _readable(self, worker: _Worker) -> None:
        """Take whatever the worker has written; hand each whole reply to its waiter."""
        try:
            count = os.readv(worker.replies.fileno(), [worker.view[worker.filled :]])
        except BlockingIOError:
            return
        except OSError:
            count = 0
        if not count:
            self._lost(worker)
            return
        end = worker.filled + count
        buffer, view, start = worker.buffer, worker.view, 0
        need = HEADER.size  # of the reply that starts at `start`
        while end - start >= HEADER.size:
            (length,) = HEADER.unpack_from(buffer, start)
            need = HEADER.size + length
            if end - start < need:
                break
            (rid,) = REPLY_ID.unpack_from(buffer, start + HEADER.size)
            entry = worker.pending.pop(rid, None)
            if entry is not None:
                worker.pending_bytes -= entry[1]
                if not entry[0].done():
                    entry[0].set_result(bytes(view[start + HEADER.size + REPLY_ID.size : start + need]))
            start += need
            need = HEADER.size
        # What is left of a reply moves to the front; the buffer grows for a reply too big for it.
        worker.filled = end - start
        if start and worker.filled:
            view[: worker.filled] = bytes(view[start:end])
        if need > len(buffer):
            view.release()
            buffer.extend(bytes(need - len(buffer)))
            worker.view = memoryview(buffer)

    def _lost(self, worker: _Worker) -> None:
        """A worker that stopped answering: its jobs are rendered here, and no more go to it."""
        if not worker.alive:
            return
        worker.alive = False
        log.error(
            "frame worker %s stopped answering (exit code %s); its frames are rendered in the server",
            worker.process.name,
            worker.process.exitcode,
        )
        _let_go(worker)
        if worker.process.is_alive():
            worker.process.kill()  # stopped or stuck: SIGKILL reaches it either way

    async def _watch(self) -> None:
        """Give up a worker that has let a job wait for STALL_SECONDS (a stopped or stuck
        process would otherwise hold its sockets' frames for good)."""
        while True:
            await asyncio.sleep(STALL_SECONDS / 4)
            now = time.monotonic()
            for worker in self._workers:
                if worker.alive and any(now - sent > STALL_SECONDS for _, _, sent in worker.pending.values()):
                    self._lost(worker)

    def close(self) -> None:
        """Stop the workers: each reads EOF and ends; any still running after a moment is
        terminated."""
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        for worker in self._workers:
            worker.alive = False
            _let_go(worker)
            worker.requests.close()
            worker.replies.close()
        for worker in self._workers:
            worker.process.join(timeout=2)
            if worker.process.is_alive():
                worker.process.terminate()
        self._workers.clear()


def _let_go(worker: _Worker) -> None:
    """Stop hearing a worker and answer its waiting jobs with b"" (rendered in the server)."""
    with _quiet():
        asyncio.get_running_loop().remove_reader(worker.replies.fileno())
    for future, *_ in worker.pending.values():
        if not future.done():
            future.set_result(b"")
    worker.pending.clear()
    worker.pending_bytes = 0


def _spawn(count: int) -> list:
    context = multiprocessing.get_context("spawn")
    started = []
    for index in range(count):
        # Two one-way pipes: plain pipes, whose size is known, unlike a socket pair's.
        jobs_out, jobs_in = context.Pipe(duplex=False)
        replies_out, replies_in = context.Pipe(duplex=False)
        # Both grown: a worker whose replies filled a small pipe would wait, idle, until
        # the loop got round to reading them, while the jobs behind pile up.
        _grow_pipe(jobs_in.fileno())
        _grow_pipe(replies_in.fileno())
        process = context.Process(
            target=_work, args=(jobs_out, replies_in), daemon=True, name=f"nnplay-frames-{index + 1}"
        )
        process.start()
        jobs_out.close()  # the worker holds these ends: when the server goes, it reads EOF
        replies_in.close()
        started.append((process, jobs_in, replies_out))
    return started


def _grow_pipe(fd: int) -> None:
    with contextlib.suppress(AttributeError, OSError):  # F_SETPIPE_SZ is Linux's; else as it is
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # AttributeError too without fcntl


def _pipe_size(fd: int) -> int:
    try:
        return fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
    except (AttributeError, OSError):
        return 4096 * 16  # a pipe's size on Linux and most other systems


def _work(jobs, replies) -> None:
    """A worker's life: render each job that comes, until the server closes the pipe."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the server's to handle
    while True:
        try:
            rid, job = pickle.loads(jobs.recv_bytes())
        except (EOFError, OSError):
            return
        try:
            body = render(job)
        except Exception:  # an empty reply: the server renders it itself and sees the error
            body = b""
        try:
            replies.send_bytes(REPLY_ID.pack(rid) + body)
        except OSError:
            return


def _quiet():
    """Closing down: a loop or pipe already gone is no error."""
    return contextlib.suppress(RuntimeError, OSError, ValueError)
