"""A classroom's load on one server: N sessions training and streaming, then a restart.

The issue's capacity target, on this 2-core machine: 200 concurrent sessions, each
training and streaming 5 frames/s for 60 s, with zero dropped sessions, p95 frame delay
under 250 ms and server memory flat (under 2 MiB a session); and a restart under that
load (SIGKILL, then a new server on the same port and data directory) after which the
clients reconnect by themselves, 99% within 30 s, losing at most 5 s of training.

    .venv/bin/python bench/classroom_load.py                       # 200 sessions, 60 s, restart
    .venv/bin/python bench/classroom_load.py --sessions 50 --seconds 20 --no-restart

What it does, everything on 127.0.0.1 and bounded in time:
  1. starts `nnplay serve` (this Python, `-m app.cli serve`) in a subprocess with a
     temporary NNPLAY_DATA_DIR, NNPLAY_SAVE_INTERVAL_SECONDS=2 and room for the sessions;
  2. creates N sessions over REST (a mix of small presets, each with its own seed);
  3. opens one socket per session as the page does (`?grid=40` for 2-D inputs), waits for
     every first snapshot, then all clients send {"type": "play", "steps_per_second": 5}
     at once and read for --seconds, recording per frame: arrival, `sent`, `step`;
  4. samples the server's RSS (/proc/PID/status VmRSS) every 2 s;
  5. with --restart: SIGKILLs the server, starts a new one at once on the same port and
     data directory; every client reconnects by itself (0.25 s, doubling up to 2 s) and
     reads again without sending play (the server resumes the sessions that were playing);
     it waits until every client is back (or 30 s + 10 s), then reads 3 s more.
It prints a table of each value against its target; the exit code is 1 if one is missed.
The server is always stopped at the end (and dies with this script: PR_SET_PDEATHSIG).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import http.client
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from classroom_report import RECONNECT_LIMIT, format_report, summarize
from procstat import rss_bytes, sched_ns, tree_cpu_seconds
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from app.records import decode

DEFAULT_PRESETS = ("xor", "circle", "seed-2-3-1-train")
PAGE_GRID = 40  # static/js/main.js GRID_SIZE: the page's view for 2-D inputs
SNAPSHOT = b'{"type":"snapshot"'  # the server's messages are binary: UTF-8 JSON
TOPOLOGY = b'{"type":"topology"'
CLOSE_NOT_FOUND = 4404


BACKOFF_FIRST, BACKOFF_MAX = 0.25, 2.0
SAMPLE_EVERY = 2.0  # s between RSS samples
READY_TIMEOUT = 60.0  # s for every client's first snapshot before play
AFTER_SECONDS = 3.0  # s of reading once every client is back after the restart
RESTART_SLACK = 10.0  # s waited past the reconnect limit before giving up


# ---------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_json(
    port: int,
    method: str,
    path: str,
    body: dict | None = None,
    conn: http.client.HTTPConnection | None = None,
    timeout: float = 30.0,
):
    """One request to the server (http.client: no proxy from the environment)."""
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None if body is None else json.dumps(body).encode()
        conn.request(method, path, body=data, headers={"content-type": "application/json"})
        response = conn.getresponse()
        payload = response.read()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status}: {payload[:300]!r}")
        return json.loads(payload) if payload else None
    finally:
        if own:
            conn.close()


def _die_with_parent() -> None:  # runs in the child between fork and exec
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class ServerProcess:
    """`nnplay serve` in a subprocess; start, kill and start again on the same port/data."""

    def __init__(self, port: int, data_dir: Path, sessions: int, save_interval: float):
        self.port, self.data_dir = port, data_dir
        self.log_path = data_dir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("NNPLAY_")}
        env.update(
            NNPLAY_DATA_DIR=str(data_dir),
            NNPLAY_SAVE_INTERVAL_SECONDS=str(save_interval),
            NNPLAY_MAX_SESSIONS=str(max(1000, 2 * sessions)),
            PYTHONUNBUFFERED="1",
        )
        self.env = env
        self.process: subprocess.Popen | None = None
        self.started: list[subprocess.Popen] = []

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def launch(self) -> None:
        # The death signal is tied to the thread that forks: only use it from the main one.
        pre = (
            _die_with_parent
            if (sys.platform.startswith("linux") and threading.current_thread() is threading.main_thread())
            else None
        )
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
                cwd=self.data_dir,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=pre,
            )
        self.started.append(self.process)

    async def wait_ready(self, timeout: float = 60.0) -> float:
        """Seconds until /api/health answers; raises if the process exits or times out."""
        began = time.monotonic()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                health = await asyncio.to_thread(http_json, self.port, "GET", "/api/health", None, None, 2.0)
                if health.get("status") == "ok":
                    return time.monotonic() - began
            except (OSError, RuntimeError, ValueError):
                pass
            if time.monotonic() - began > timeout:
                raise RuntimeError(f"the server did not answer within {timeout:.0f} s:\n{self.log_tail()}")
            await asyncio.sleep(0.05)

    async def wait_listening(self, timeout: float) -> float:
        """Seconds until the port accepts a connection (the restore is done by then)."""
        began = time.monotonic()
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
                return time.monotonic() - began
            except OSError:
                pass
            if time.monotonic() - began > timeout:
                raise RuntimeError(f"the server did not listen within {timeout:.0f} s:\n{self.log_tail()}")
            await asyncio.sleep(0.05)

    def copy_store(self, into: Path) -> Path:
        """Copy the SQLite store as the killed server left it (database and its WAL)."""
        into.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal"):
            source = self.data_dir / f"sessions.sqlite3{suffix}"
            if source.exists():
                shutil.copyfile(source, into / source.name)
        return into / "sessions.sqlite3"

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop_all(self) -> None:
        """SIGTERM (graceful, the server saves) then SIGKILL: no process outlives the bench."""
        for process in self.started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.started:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def log_problems(self) -> list[str]:
        """Lines of the server's log that report errors or tracebacks."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        return [
            line
            for line in text.splitlines()
            if line.startswith(("ERROR", "CRITICAL", "Traceback")) or " ERROR " in line
        ]


# ---------------------------------------------------------------------------- clients


@dataclass
class Client:
    """One student's page: a socket to its session that reconnects by itself."""

    index: int
    session_id: str
    preset: str
    url: str
    frames: list = field(default_factory=list)  # (arrival, sent, step, playing, connection)
    opens: list = field(default_factory=list)  # (time, connection)
    closes: list = field(default_factory=list)  # (time, connection, why)
    failed_attempts: int = 0  # connects that did not open
    messages: list = field(default_factory=list)  # error / diverged messages (time, text)
    conn: int = 0  # connections opened so far
    played: bool = False
    gone: bool = False  # closed with 4404: the page gives up
    kill_conn: int | None = None  # `conn` when the server was killed
    back_at: float | None = None  # first frame after the kill (time.time)


class Fleet:
    """All the clients, and the moments the orchestrator waits for."""

    def __init__(self, clients: list[Client], steps_per_second: float):
        self.clients = clients
        self.play = json.dumps({"type": "play", "steps_per_second": steps_per_second})
        self.start = asyncio.Event()
        self.all_ready = asyncio.Event()
        self.all_back = asyncio.Event()
        self.ready = 0
        self.restarting = False

    def mark_ready(self) -> None:
        self.ready += 1
        if self.ready >= len(self.clients):
            self.all_ready.set()

    def check_back(self) -> None:
        if self.restarting and all(c.back_at is not None or c.gone for c in self.clients):
            self.all_back.set()


async def run_client(client: Client, fleet: Fleet) -> None:
    """Connect, send play once (after the common start), read frames; on any loss of the
    socket, retry after 0.25 s, doubling up to 2 s, as the page does (its cap is 5 s)."""
    retries = 0
    while True:
        opened = False
        try:
            async with connect(
                client.url, proxy=None, max_size=None, open_timeout=10, close_timeout=2, ping_interval=None
            ) as ws:
                opened = True
                retries = 0
                client.conn += 1
                conn = client.conn
                client.opens.append((time.time(), conn))
                async for data in ws:
                    now = time.time()
                    if data.startswith(SNAPSHOT):
                        frame = orjson.loads(data)
                        client.frames.append((now, frame["sent"], frame["step"], frame["playing"], conn))
                        if (
                            client.kill_conn is not None
                            and conn > client.kill_conn
                            and client.back_at is None
                        ):
                            client.back_at = now
                            fleet.check_back()
                        if not client.played:
                            fleet.mark_ready()
                            await fleet.start.wait()
                            await ws.send(fleet.play)
                            client.played = True
                    elif not data.startswith(TOPOLOGY):
                        client.messages.append((now, data[:300].decode(errors="replace")))
            client.closes.append((time.time(), client.conn, f"closed by the server ({ws.close_code})"))
            if ws.close_code == CLOSE_NOT_FOUND:
                client.gone = True
        except ConnectionClosed as error:
            code = error.rcvd.code if error.rcvd is not None else None
            client.closes.append((time.time(), client.conn, f"connection lost ({code or 'no close frame'})"))
            if code == CLOSE_NOT_FOUND:
                client.gone = True
        except (TimeoutError, OSError, InvalidHandshake, InvalidURI) as error:
            if opened:
                client.closes.append((time.time(), client.conn, f"connection lost ({error!r})"))
            else:
                client.failed_attempts += 1
        if client.gone:
            fleet.check_back()
            return
        await asyncio.sleep(min(BACKOFF_MAX, BACKOFF_FIRST * 2**retries))
        retries += 1


# ---------------------------------------------------------------------------- the run


async def _sample_memory(server: ServerProcess, samples: list) -> None:
    while True:
        pid = server.pid
        rss = rss_bytes(pid) if pid else None
        if rss is not None:
            samples.append((time.time(), rss, pid))
        await asyncio.sleep(SAMPLE_EVERY)


async def run_load(
    sessions: int = 200,
    seconds: float = 60.0,
    fps: float = 5.0,
    restart: bool = True,
    port: int | None = None,
    grid: int | None = PAGE_GRID,
    presets: tuple[str, ...] = DEFAULT_PRESETS,
    save_interval: float = 2.0,
    data_dir: Path | None = None,
    log=None,
) -> dict:
    """Run the whole scenario and return the raw measurements plus `rows` (the table)."""
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    port = port or free_port()
    scratch = None
    if data_dir is None:
        scratch = tempfile.TemporaryDirectory(prefix="nnplay-load-")
        data_dir = Path(scratch.name)
    server = ServerProcess(port, Path(data_dir), sessions, save_interval)
    samples: list = []
    tasks: list[asyncio.Task] = []
    sampler = None
    marks: dict = {"load_start": os.getloadavg(), "port": port}
    clients: list[Client] = []
    try:
        server.launch()
        marks["first_start_s"] = await server.wait_ready()
        pid0 = server.pid
        marks["rss_baseline"] = rss_bytes(pid0)
        sampler = asyncio.create_task(_sample_memory(server, samples))

        log(f"creating {sessions} sessions ({', '.join(presets)}) on port {port}")
        began = time.monotonic()
        ids = await asyncio.to_thread(_create_sessions, port, sessions, presets)
        marks["create_s"] = time.monotonic() - began
        marks["rss_created"] = rss_bytes(pid0)
        query = f"?grid={grid}" if grid else ""  # all the presets used here have 2-D inputs
        clients = [
            Client(i, sid, preset, f"ws://127.0.0.1:{port}/ws/sessions/{sid}{query}")
            for i, (sid, preset) in enumerate(ids)
        ]
        fleet = Fleet(clients, fps)
        tasks = [asyncio.create_task(run_client(c, fleet)) for c in clients]

        log(f"connecting {sessions} sockets")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(fleet.all_ready.wait(), READY_TIMEOUT)
        marks["ready"] = fleet.ready
        cpu_server0, cpu_self0, sched0 = tree_cpu_seconds(pid0), time.process_time(), sched_ns(pid0)
        t0 = time.time()
        fleet.start.set()
        log(f"streaming: {sessions} sessions x {fps:g} frames/s for {seconds:g} s")
        await asyncio.sleep(seconds)
        t_end = time.time()
        marks["rss_end"] = rss_bytes(pid0)
        samples.append((t_end, marks["rss_end"], pid0))
        marks["server_cpu"] = (tree_cpu_seconds(pid0) - cpu_server0) / (t_end - t0)
        marks["client_cpu"] = (time.process_time() - cpu_self0) / (t_end - t0)
        sched1 = sched_ns(pid0)
        if sched0 and sched1:
            marks["loop_running"] = (sched1[0] - sched0[0]) / 1e9 / (t_end - t0)
            marks["loop_waiting"] = (sched1[1] - sched0[1]) / 1e9 / (t_end - t0)
        marks["load_mid"] = os.getloadavg()
        try:
            marks["loop_lag"] = (
                await asyncio.to_thread(http_json, port, "GET", "/api/health", None, None, 10.0)
            )["loop_lag_ms"]
        except (OSError, RuntimeError, ValueError) as error:
            marks["loop_lag"] = {"error": repr(error)}
        marks.update(t0=t0, t_end=t_end)

        if restart:
            for c in clients:
                c.kill_conn = c.conn
            fleet.restarting = True
            kill = time.time()
            server.kill()
            marks["kill"] = kill
            # What the new server will restore: the store as the killed one left it (a copy
            # takes milliseconds; it is read once the new server is up).
            store_copy = server.copy_store(Path(data_dir) / "at-kill")
            server.launch()
            marks["relaunch_s"] = time.time() - kill
            log("killed the server (SIGKILL) and started a new one on the same port and data")
            fleet.check_back()
            try:
                await server.wait_listening(timeout=RECONNECT_LIMIT + RESTART_SLACK)
                marks["back_listening_s"] = time.time() - kill
                marks["rss_restored"] = rss_bytes(server.pid)
            except RuntimeError as error:
                marks["restart_error"] = str(error)
            if "restart_error" not in marks:
                remaining = kill + RECONNECT_LIMIT + RESTART_SLACK - time.time()
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(fleet.all_back.wait(), max(0.0, remaining))
                await asyncio.sleep(AFTER_SECONDS)
            marks["restart_end"] = time.time()
            marks["rss_after_restart"] = rss_bytes(server.pid)
            marks["saved"] = await asyncio.to_thread(read_saved, store_copy)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if sampler is not None:
            sampler.cancel()
            await asyncio.gather(sampler, return_exceptions=True)
        server.stop_all()
        marks["log_problems"] = server.log_problems()
        if scratch is not None:
            scratch.cleanup()
    marks["load_end"] = os.getloadavg()
    return summarize(
        clients,
        samples,
        marks,
        sessions=sessions,
        seconds=seconds,
        fps=fps,
        restart=restart,
        grid=grid,
        presets=presets,
        save_interval=save_interval,
    )


def read_saved(path: Path) -> dict[str, tuple[int, bool, float]]:
    """session id -> (step, playing, time saved) of each record in a copy of the store."""
    out = {}
    if not path.exists():
        return out
    db = sqlite3.connect(path)
    try:
        for session_id, saved, blob in db.execute("SELECT id, saved, record FROM sessions"):
            try:
                record = decode(blob)  # the store's format (app/records.py)
                out[session_id] = (int(record["run"]["step"]), bool(record.get("playing")), float(saved))
            except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
                continue
    finally:
        db.close()
    return out


def _create_sessions(port: int, count: int, presets: tuple[str, ...]) -> list[tuple[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        out = []
        for i in range(count):
            preset = presets[i % len(presets)]
            body = http_json(port, "POST", "/api/sessions", {"preset": preset, "seed": i}, conn)
            out.append((body["id"], preset))
        return out
    finally:
        conn.close()


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0, help="streaming time before the restart")
    parser.add_argument("--fps", type=float, default=5.0, help="steps (and so frames) a second")
    parser.add_argument(
        "--restart",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="SIGKILL and restart the server under load (default on)",
    )
    parser.add_argument("--port", type=int, default=None, help="default: a free port")
    parser.add_argument(
        "--grid",
        type=int,
        default=PAGE_GRID,
        help=f"decision-boundary grid a frame (the page's: {PAGE_GRID}; 0 = none)",
    )
    parser.add_argument("--presets", default=",".join(DEFAULT_PRESETS))
    parser.add_argument("--save-interval", type=float, default=2.0)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.seconds <= 0 or args.fps <= 0:
        parser.error("--sessions, --seconds and --fps must be positive")
    signal.signal(signal.SIGTERM, _interrupt)  # a SIGTERM cleans up as Ctrl+C does
    try:
        result = asyncio.run(
            run_load(
                args.sessions,
                args.seconds,
                args.fps,
                args.restart,
                args.port,
                args.grid or None,
                tuple(args.presets.split(",")),
                args.save_interval,
            )
        )
    except KeyboardInterrupt:
        print("interrupted; the server was stopped", file=sys.stderr)
        return 130
    print(format_report(result))
    if args.json:
        args.json.write_text(
            json.dumps({k: v for k, v in result.items() if k != "rows"}, default=str, indent=1)
        )
    return 0 if result["all_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
