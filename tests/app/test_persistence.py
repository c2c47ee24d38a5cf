"""Nothing lost on restart: sessions saved in SQLite come back after SIGKILL or SIGTERM,
a damaged record or database costs only itself, and a restored run continues bit for bit.
The tests run in one process go through the store's interface, against both stores
(tests/app/stores.py); those of `nnplay serve` damage SQLite's file."""

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from websockets.sync.client import connect as ws_connect

from app import records
from tests.app.stores import sql

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`nnplay serve` in a subprocess with its own data directory (the log beside it, in
    `log_dir`, which is the data directory unless that is to be unwritable), running this
    checkout's code, with `env` added to its environment. `before_start` runs in the child
    before the server does (to limit it)."""

    def __init__(
        self, data_dir: Path, interval: float = 0.5, log_dir: Path | None = None, before_start=None, env=None
    ):
        self.data_dir, self.interval, self.before_start = data_dir, interval, before_start
        self.env = env or {}  # more variables for the server (NNPLAY_DATABASE_URL, say)
        self.port = free_port()
        self.process = None
        self.log = (log_dir or data_dir) / "server.log"

    def start(self):
        env = dict(
            os.environ,
            NNPLAY_DATA_DIR=str(self.data_dir),
            NNPLAY_SAVE_INTERVAL_SECONDS=str(self.interval),
            PYTHONUNBUFFERED="1",
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            **self.env,
        )
        with self.log.open("ab") as log:  # the child keeps its own copy of the handle
            self.process = subprocess.Popen(
                [sys.executable, "-m", "app.cli", "serve", "--port", str(self.port)],
                cwd=self.log.parent,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                preexec_fn=self.before_start,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # serving, whatever its health says
            try:
                self.call("GET", "/api/health")
                return self
            except urllib.error.HTTPError:
                return self
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        raise AssertionError("the server did not start:\n" + self.log.read_text())

    def health(self) -> dict:
        return self.call("GET", "/api/health")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=20)
        self.process = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            data=data,
            method=method,
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read() or b"null")

    def status(self, path):
        try:
            self.call("GET", path)
            return 200
        except urllib.error.HTTPError as error:
            return error.code


def copies(folder: Path) -> list[Path]:
    """The copies of a damaged store kept in `folder` (without their -wal and -shm)."""
    return [p for p in folder.glob("sessions.sqlite3.damaged-*") if not p.name.endswith(("-wal", "-shm"))]


@pytest.fixture
def server(tmp_path):
    made = []

    def make(interval=0.5, data_dir=None, before_start=None):
        s = Server(data_dir or tmp_path, interval, tmp_path, before_start)
        made.append(s)
        return s.start()

    yield make
    for s in made:
        s.stop(signal.SIGKILL)


def test_sigkill_mid_training_loses_at_most_the_save_interval(server, tmp_path):
    first = server(interval=0.5)
    stepped = first.call("POST", "/api/sessions", {"preset": "xor", "seed": 3})["id"]
    first.call("POST", f"/api/sessions/{stepped}/step", {"steps": 40})
    other = first.call("POST", "/api/sessions", {"preset": "seed-2-3-1-train"})["id"]
    first.call("POST", f"/api/sessions/{other}/step", {"steps": 7})
    time.sleep(1.5)  # three save intervals
    first.stop(signal.SIGKILL)

    second = server()
    assert second.call("GET", f"/api/sessions/{stepped}")["snapshot"]["step"] == 40
    assert second.call("GET", f"/api/sessions/{other}")["snapshot"]["step"] == 7
    # The restored run continues exactly as an uninterrupted one would.
    continued = second.call("POST", f"/api/sessions/{stepped}/step", {"steps": 25})["snapshot"]
    fresh = second.call("POST", "/api/sessions", {"preset": "xor", "seed": 3})["id"]
    straight = second.call("POST", f"/api/sessions/{fresh}/step", {"steps": 65})["snapshot"]
    assert continued["params"] == straight["params"] and continued["loss"] == straight["loss"]
    history = second.call("GET", f"/api/sessions/{stepped}/history")
    assert history["step"] == list(range(66))
    # Time travel reaches back to the restored step, and refuses (409, not 500) before it.
    assert second.call("GET", f"/api/sessions/{other}")["snapshot"]["earliest_step"] == 7
    assert second.status(f"/api/sessions/{other}/at/3") == 409
    assert second.status(f"/api/sessions/{other}/at/7") == 200


def test_sigterm_saves_the_final_state(server):
    first = server(interval=60)  # no periodic save before the shutdown
    sid = first.call("POST", "/api/sessions", {"preset": "circle"})["id"]
    snap = first.call("POST", f"/api/sessions/{sid}/step", {"steps": 13})["snapshot"]
    first.stop(signal.SIGTERM)
    second = server()
    again = second.call("GET", f"/api/sessions/{sid}")["snapshot"]
    assert again["step"] == 13 and again["params"] == snap["params"]


def _play_briefly(server: Server, sid: str, frames: int = 5, play: bool = True) -> dict:
    """Watch over a socket (and press play) until `frames` snapshots of the run playing
    arrived, then close the socket (the run plays on for the grace period); the last one."""
    with ws_connect(f"ws://127.0.0.1:{server.port}/ws/sessions/{sid}", open_timeout=10) as ws:
        if play:
            ws.send(json.dumps({"type": "play", "steps_per_second": 100}))
        seen = []
        while len(seen) < frames:
            message = json.loads(ws.recv(timeout=10))
            if message["type"] == "snapshot" and message["playing"]:
                seen.append(message)
    return seen[-1]


def test_a_restart_plays_again_what_was_playing_once_its_page_is_back(server):
    first = server(interval=60)  # only the save at shutdown
    playing = first.call("POST", "/api/sessions", {"preset": "xor"})["id"]
    diverging = first.call(
        "POST",
        "/api/sessions",
        {
            "preset": "xor",
            "layers": [2, 4, 1],
            "activations": ["tanh", "linear"],
            "loss": "mse",
            "optimizer": {"lr": 100},
        },
    )["id"]
    _play_briefly(first, playing)
    with ws_connect(f"ws://127.0.0.1:{first.port}/ws/sessions/{diverging}", open_timeout=10) as ws:
        ws.send(json.dumps({"type": "play", "steps_per_second": 500}))
        while json.loads(ws.recv(timeout=10))["type"] != "diverged":
            pass
    diverged = first.call("GET", f"/api/sessions/{diverging}")["snapshot"]
    first.stop(signal.SIGTERM)  # while `playing` still plays

    second = server(interval=60)
    waiting = second.call("GET", f"/api/sessions/{playing}")["snapshot"]
    assert waiting["status"] == "paused" and waiting["step"] > 0  # nobody watches yet
    # Its page is back: it plays (frames may come before its first steps on a busy machine).
    with ws_connect(f"ws://127.0.0.1:{second.port}/ws/sessions/{playing}", open_timeout=10) as ws:
        back = {"step": waiting["step"]}
        for _ in range(200):
            back = json.loads(ws.recv(timeout=10))
            if back["type"] == "snapshot" and back["playing"] and back["step"] > waiting["step"]:
                break
    assert back["status"] == "running" and back["step"] > waiting["step"]
    again = second.call("GET", f"/api/sessions/{diverging}")["snapshot"]
    assert again["status"] == "diverged" and not again["playing"]
    assert again["divergence"] == diverged["divergence"] and again["step"] == diverged["step"]
    with ws_connect(f"ws://127.0.0.1:{second.port}/ws/sessions/{diverging}", open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "topology"
        assert json.loads(ws.recv(timeout=10))["status"] == "diverged"


def test_a_student_keeps_their_name_and_seat_across_a_restart(stores):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.app.conftest import make_settings

    settings = make_settings(**stores.settings, class_code="ROOM42")
    with TestClient(create_app(settings)) as client:
        sid = client.post(
            "/api/sessions?class_code=ROOM42&name=ann&seat=ann-laptop-0001", json={"preset": "xor"}
        ).json()["id"]
    with TestClient(create_app(settings)) as client:
        session = client.app.state.sessions.sessions[sid]
        assert (session.student, session.seat) == ("ann", "ann-laptop-0001")


def test_a_damaged_record_costs_only_its_session(server, tmp_path):
    first = server()
    good = first.call("POST", "/api/sessions", {"preset": "xor"})["id"]
    bad = first.call("POST", "/api/sessions", {"preset": "circle"})["id"]
    worse = first.call("POST", "/api/sessions", {"preset": "spiral"})["id"]
    first.stop(signal.SIGTERM)
    db = sqlite3.connect(tmp_path / "sessions.sqlite3")
    db.execute("UPDATE sessions SET record = ? WHERE id = ?", (b"{not json", bad))
    db.execute(
        "UPDATE sessions SET record = ? WHERE id = ?",
        (
            json.dumps({"format": "nnplay-session/1", "run": {"config": {"preset": "nope"}, "params": []}}),
            worse,
        ),
    )
    db.commit()
    db.close()
    second = server()
    assert second.status(f"/api/sessions/{good}") == 200
    assert second.status(f"/api/sessions/{bad}") == 404
    assert second.status(f"/api/sessions/{worse}") == 404
    log = (tmp_path / "server.log").read_text()
    assert f"session {bad[:8]} was not restored" in log and f"session {worse[:8]} was not restored" in log
    health = second.health()
    assert health["status"] == "degraded"
    (copy,) = copies(tmp_path)
    assert health["problems"] == [
        f"2 of 3 saved sessions could not be restored at start; a copy "
        f"of the store as it was is kept at {copy}"
    ]
    kept = sqlite3.connect(copy)
    assert kept.execute("SELECT record FROM sessions WHERE id = ?", (bad,)).fetchone() == (b"{not json",)
    kept.close()
    second.stop(signal.SIGTERM)
    third = server()  # the two are in the copy, not tried again at every start
    assert third.health()["status"] == "ok" and third.status(f"/api/sessions/{good}") == 200
    assert len(copies(tmp_path)) == 1


def test_an_unreadable_database_is_copied_aside_and_replaced(server, tmp_path):
    garbage = b"this is not a database" * 100
    (tmp_path / "sessions.sqlite3").write_bytes(garbage)
    s = server()
    sid = s.call("POST", "/api/sessions", {"preset": "xor"})["id"]
    assert s.status(f"/api/sessions/{sid}") == 200
    (copy,) = copies(tmp_path)
    assert copy.read_bytes() == garbage


def _sessions_for_damage(server, count: int) -> tuple[Server, dict[str, tuple[str, int, int]]]:
    """A server holding `count` sessions of different presets, seeds and steps (enough to
    fill a few hundred kB of pages); {id: (preset, seed, steps)}."""
    first = server(interval=60)
    made = {}
    for n in range(count):
        preset, seed, steps = ("xor", "circle", "spiral")[n % 3], n, 30 + n
        sid = first.call("POST", "/api/sessions", {"preset": preset, "seed": seed})["id"]
        first.call("POST", f"/api/sessions/{sid}/step", {"steps": steps})
        made[sid] = (preset, seed, steps)
    first.stop(signal.SIGTERM)  # saved, and folded into the one file
    return first, made


def _continues_bit_for_bit(s: Server, sid: str, preset: str, seed: int, steps: int) -> bool:
    continued = s.call("POST", f"/api/sessions/{sid}/step", {"steps": 5})["snapshot"]
    fresh = s.call("POST", "/api/sessions", {"preset": preset, "seed": seed})["id"]
    straight = s.call("POST", f"/api/sessions/{fresh}/step", {"steps": steps + 5})["snapshot"]
    s.call("DELETE", f"/api/sessions/{fresh}")
    return (
        continued["step"] == steps + 5
        and continued["params"] == straight["params"]
        and continued["loss"] == straight["loss"]
    )


def test_random_bytes_inside_the_database_cost_only_the_sessions_they_hit(server, tmp_path):
    """60 kB of noise in the middle of the file (a bad disk, a stray write): the sessions
    on other pages come back and continue exactly; the file is copied aside as it was;
    the log and /api/health say how many were lost; the next start finds a healthy store."""
    import random

    _, made = _sessions_for_damage(server, 24)
    path = tmp_path / "sessions.sqlite3"
    with path.open("r+b") as file:
        file.seek(path.stat().st_size // 2)
        file.write(random.Random(15).randbytes(60_000))
    damaged = path.read_bytes()

    second = server()
    back = {sid for sid in made if second.status(f"/api/sessions/{sid}") == 200}
    assert 0 < len(back) < len(made), len(back)
    health = second.health()
    (copy,) = copies(tmp_path)
    assert health["status"] == "degraded" and health["sessions"] == len(back)
    lost = f"{len(made) - len(back)} of {len(made)} saved sessions could not be restored at start"
    assert health["problems"] == [
        f"{lost} (the store was damaged); a copy of the store as it was is kept at {copy}"
    ]
    assert lost in (tmp_path / "server.log").read_text()
    assert copy.read_bytes() == damaged and copy.stat().st_mode & 0o777 == 0o600
    assert path.stat().st_mode & 0o777 == 0o600
    for sid in back:
        assert _continues_bit_for_bit(second, sid, *made[sid]), sid
    second.stop(signal.SIGTERM)

    third = server()
    assert third.health()["status"] == "ok"
    assert {sid for sid in made if third.status(f"/api/sessions/{sid}") == 200} == back
    assert sqlite3.connect(path).execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@pytest.mark.parametrize("spoiled", [100, 4096])
def test_a_damaged_header_or_first_page_costs_no_session(server, tmp_path, spoiled):
    """The file's header (its first 100 bytes), or the whole first page with the schema
    after it, is made again as this store makes it: every session is read."""
    import random

    _, made = _sessions_for_damage(server, 6)
    path = tmp_path / "sessions.sqlite3"
    with path.open("r+b") as file:
        file.write(random.Random(spoiled).randbytes(spoiled))
    second = server()
    assert second.health()["status"] == "ok"
    assert all(second.status(f"/api/sessions/{sid}") == 200 for sid in made)
    sid = next(iter(made))
    assert _continues_bit_for_bit(second, sid, *made[sid])
    assert "made again" in (tmp_path / "server.log").read_text()
    assert len(copies(tmp_path)) == 1


def test_a_record_whose_gradients_do_not_fit_costs_only_itself_at_start(server, tmp_path):
    """Reported: one such record stopped the start ("async generator raised StopIteration")."""
    first = server()
    good = first.call("POST", "/api/sessions", {"preset": "xor"})["id"]
    bad = first.call("POST", "/api/sessions", {"preset": "circle"})["id"]
    for sid in (good, bad):
        first.call("POST", f"/api/sessions/{sid}/step", {"steps": 3})
    first.stop(signal.SIGTERM)
    db = sqlite3.connect(tmp_path / "sessions.sqlite3")
    record = records.decode(db.execute("SELECT record FROM sessions WHERE id = ?", (bad,)).fetchone()[0])
    record["run"]["last_grads"] = record["run"]["last_grads"][:1]  # one layer short
    db.execute("UPDATE sessions SET record = ? WHERE id = ?", (records.encode(record), bad))
    db.commit()
    db.close()
    second = server()
    assert second.status(f"/api/sessions/{good}") == 200 and second.status(f"/api/sessions/{bad}") == 404
    health = second.health()
    assert health["status"] == "degraded" and health["sessions"] == 1
    assert health["problems"][0].startswith("1 of 2 saved sessions could not be restored")
    assert (
        f"session {bad[:8]} was not restored: cannot rebuild the session"
        in (tmp_path / "server.log").read_text()
    )


def _without_root_override():
    """In the child, before the server starts: as root, give up the right to write where
    the mode says no (CAP_DAC_OVERRIDE), so that a read-only folder is read-only."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP: gone after exec
            raise OSError(ctypes.get_errno(), "cannot drop CAP_DAC_OVERRIDE")


def _can_drop_root_override() -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", "import os; os.listdir('/root')"],
        preexec_fn=_without_root_override,
        capture_output=True,
    )
    return probe.returncode == 0 or b"PermissionError" in probe.stderr


def test_a_read_only_data_directory_is_said_at_start_and_the_server_serves(server, tmp_path):
    """Reported: first logged as "moved aside", then an OSError stopped the start."""
    before_start = None
    if os.geteuid() == 0:  # root writes in a 0500 folder unless it gives up that right
        if sys.platform != "linux":
            pytest.skip("as root, a read-only folder is writable (and no prctl to change that)")
        try:
            _can_drop_root_override()
        except (OSError, subprocess.SubprocessError) as error:
            pytest.skip(f"as root, a read-only folder is writable, and: {error}")
        before_start = _without_root_override
    data = tmp_path / "data"
    data.mkdir()
    first = server(data_dir=data)
    sid = first.call("POST", "/api/sessions", {"preset": "xor"})["id"]
    first.stop(signal.SIGTERM)
    database = (data / "sessions.sqlite3").read_bytes()
    data.chmod(0o500)
    try:
        second = server(data_dir=data, before_start=before_start)
        made = second.call("POST", "/api/sessions", {"preset": "circle"})["id"]
        assert second.call("POST", f"/api/sessions/{made}/step", {"steps": 2})["snapshot"]["step"] == 2
        health = second.health()
        assert health["status"] == "degraded"
        assert health["problems"] == [
            f"sessions are not saved: cannot use the store in {data} "
            f"({data} is read-only for this server (Permission denied))"
        ]
        log = (tmp_path / "server.log").read_text()
        assert "moved" not in log and "copied aside" not in log and "Traceback" not in log
        assert (data / "sessions.sqlite3").read_bytes() == database  # there at the next start
        second.stop(signal.SIGTERM)
    finally:
        data.chmod(0o700)
    assert server(data_dir=data).status(f"/api/sessions/{sid}") == 200


def _files_of_at_most_32_kib():
    """In the child: no file may grow past 32 KiB (a disk that is all but full); a write
    past it fails with EFBIG rather than killing the process."""
    import resource

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (32 * 1024, 32 * 1024))


def test_a_full_data_directory_is_said_at_start_and_the_server_serves(server, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    s = server(data_dir=data, before_start=_files_of_at_most_32_kib)
    made = s.call("POST", "/api/sessions", {"preset": "xor"})["id"]
    assert s.call("POST", f"/api/sessions/{made}/step", {"steps": 2})["snapshot"]["step"] == 2
    health = s.health()
    assert health["status"] == "degraded"
    assert health["problems"] == [
        f"sessions are not saved: cannot use the store in {data} "
        f"(there is no room to write in {data} (File too large))"
    ]
    assert not list(data.glob(".room-*")) and not (data / "sessions.sqlite3").exists()


def test_a_deleted_session_stays_deleted(server):
    first = server()
    sid = first.call("POST", "/api/sessions", {"preset": "xor"})["id"]
    time.sleep(1.2)
    first.call("DELETE", f"/api/sessions/{sid}")
    first.stop(signal.SIGTERM)
    assert server().status(f"/api/sessions/{sid}") == 404


def test_saves_append_history_and_rewrite_it_after_a_reset_or_rewind(stores):
    """In one process: each save writes only the rows since the last one, a reset or a
    rewind writes the history again from row 0, and a restore gets it all back."""
    import asyncio

    from app import commands
    from app.persistence import Persistence
    from app.sessions import SessionManager
    from app.settings import Settings
    from core.run import Run

    settings = Settings(**stores.settings, max_sessions=10)

    async def scenario():
        manager = SessionManager(settings)
        persistence = Persistence(stores.open(), manager, interval=60)
        session = await manager.create(lambda: Run({"preset": "xor", "seed": 5}))
        chunks = lambda: sql(  # noqa: E731
            persistence.store, "SELECT first_row FROM history WHERE id = ? ORDER BY first_row", (session.id,)
        )
        await session.step(steps=10)
        await persistence.save_changed()
        await session.step(steps=5)
        await persistence.save_changed()
        assert await persistence.save_changed() == 0  # nothing changed: nothing written
        assert chunks() == [(0,), (11,)]
        await commands.rewind(session, 12)
        await session.step(steps=2)
        await persistence.save_changed()
        assert chunks() == [(0,)]
        expected = session.run.history.as_dict()
        assert expected["step"] == list(range(15))
        await session.step(steps=3)
        await persistence.save_changed()
        await commands.reset(session)
        await session.step(steps=4)
        await persistence.save_changed()
        assert chunks() == [(0,)]
        after_reset = session.run.history.as_dict()
        await session.step(steps=1)
        await persistence.save_changed()
        assert chunks() == [(0,), (5,)]
        final = session.run.history.as_dict()
        persistence.store.close()

        again = SessionManager(settings)
        restored = Persistence(stores.open(), again, interval=60)
        assert restored.restore() == 1
        back = again.sessions[session.id].run
        assert back.history.as_dict() == final and back.step_count == 5
        assert after_reset["step"] == [0, 1, 2, 3, 4]
        restored.store.close()

    asyncio.run(scenario())


def test_a_diverged_session_with_huge_weights_comes_back_and_looks_back(stores):
    """Weights far past what a user may type in (1e6) grow on the way to diverging: the
    server's own saves and time-travel checkpoints hold them, and restore them."""
    import asyncio

    import numpy as np

    from app.persistence import Persistence
    from app.sessions import SessionManager
    from app.settings import Settings
    from core.run import Run

    settings = Settings(**stores.settings, max_sessions=10)
    config = {
        "preset": "xor",
        "layers": [2, 4, 1],
        "activations": ["tanh", "linear"],
        "loss": "mse",
        "optimizer": {"name": "sgd", "lr": 100},
    }

    async def scenario():
        manager = SessionManager(settings)
        persistence = Persistence(stores.open(), manager, interval=60)
        session = await manager.create(lambda: Run(config))
        await session.step(steps=500)
        run = session.run
        assert run.status == "diverged" and max(np.abs(a).max() for a in run.param_arrays()) > 1e6
        past = session.timeline.state_at(run, run.step_count - 1)  # from a checkpoint past 1e6
        assert past.step_count == run.step_count - 1
        await persistence.save_changed()
        persistence.store.close()

        again = SessionManager(settings)
        restored = Persistence(stores.open(), again, interval=60)
        assert restored.restore() == 1
        back = again.sessions[session.id].run
        assert back.status == "diverged" and back.step_count == run.step_count
        assert [a.tobytes() for a in back.param_arrays()] == [a.tobytes() for a in run.param_arrays()]
        restored.store.close()

    asyncio.run(scenario())


def test_a_session_that_cannot_be_saved_costs_only_itself_and_health_says_so(stores):
    """One session whose state cannot be written (here an integer past 64 bits slipped into
    its config) must not stop the others' saves, and /api/health says degraded, and why."""
    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    app = create_app(
        Settings(allowed_hosts=["testserver"], **stores.settings, save_interval_seconds=3600, frame_workers=0)
    )
    with TestClient(app) as api:
        good = api.post("/api/sessions", json={"preset": "xor"}).json()["id"]
        bad = api.post("/api/sessions", json={"preset": "circle"}).json()["id"]
        persistence = app.state.persistence
        app.state.sessions.sessions[bad].run.config["seed"] = 2**70
        api.post(f"/api/sessions/{good}/step", json={"steps": 3})
        assert api.portal.call(persistence.save_changed) == 1  # the one that could be written
        health = api.get("/api/health").json()
        assert health["status"] == "degraded"
        assert len(health["problems"]) == 1 and bad[:8] in health["problems"][0]
        assert "64-bit" in health["problems"][0]
        app.state.sessions.sessions[bad].run.config["seed"] = 5  # mended: saved, and ok again
        api.post(f"/api/sessions/{bad}/step", json={"steps": 1})
        api.portal.call(persistence.save_changed)
        health = api.get("/api/health").json()
        assert health["status"] == "ok" and health["problems"] == []
    store = stores.open()
    saved = {sid for sid, record, problem in store.load_all() if problem is None}
    store.close()
    assert saved == {good, bad}


def test_a_store_that_cannot_be_used_leaves_the_server_serving_without_saving(tmp_path, caplog):
    """A data directory whose database cannot be opened (here its file is a folder; a
    read-only or full disk does the same): the server starts, serves, and says degraded."""
    import logging

    from fastapi.testclient import TestClient

    from app.main import create_app
    from app.settings import Settings

    (tmp_path / "sessions.sqlite3").mkdir()
    with (
        caplog.at_level(logging.ERROR, logger="nnplay"),
        TestClient(
            create_app(Settings(allowed_hosts=["testserver"], data_dir=tmp_path, frame_workers=0))
        ) as api,
    ):
        made = api.post("/api/sessions", json={"preset": "xor"})
        assert made.status_code == 201
        assert api.post(f"/api/sessions/{made.json()['id']}/step", json={"steps": 2}).status_code == 200
        health = api.get("/api/health").json()
        assert health["status"] == "degraded"
        assert any("sessions are not saved" in p and str(tmp_path) in p for p in health["problems"])
    assert any("sessions are not saved" in r.getMessage() for r in caplog.records)


def test_a_record_whose_gradients_do_not_fit_costs_only_itself(stores):
    """A record saved with gradients of another network (a damaged store, an old bug) is
    skipped at start with its reason; the other sessions come back."""
    import asyncio

    from app.persistence import Persistence
    from app.sessions import SessionManager
    from app.settings import Settings
    from core.run import Run

    settings = Settings(**stores.settings, max_sessions=10)

    async def scenario():
        manager = SessionManager(settings)
        persistence = Persistence(stores.open(), manager, interval=60)
        good = await manager.create(lambda: Run({"preset": "xor"}))
        bad = await manager.create(lambda: Run({"preset": "circle"}))
        for session in (good, bad):
            await session.step(steps=2)
        await persistence.save_changed()
        store = persistence.store
        record = records.decode(sql(store, "SELECT record FROM sessions WHERE id = ?", (bad.id,))[0][0])
        record["run"]["last_grads"] = record["run"]["last_grads"][:1]  # one layer short
        sql(store, "UPDATE sessions SET record = ? WHERE id = ?", (records.encode(record), bad.id))
        store.close()
        again = SessionManager(settings)
        restored = Persistence(stores.open(), again, interval=60)
        assert restored.restore() == 1 and set(again.sessions) == {good.id}
        restored.store.close()

    asyncio.run(scenario())


def test_a_playing_session_keeps_its_target_across_a_restart(stores):
    from fastapi.testclient import TestClient

    from app.main import create_app
    from tests.app.conftest import make_settings

    settings = make_settings(**stores.settings)
    with TestClient(create_app(settings)) as client:
        sid = client.post("/api/sessions", json={"preset": "xor"}).json()["id"]
        with client.websocket_connect(f"/ws/sessions/{sid}") as ws:
            ws.send_json({"type": "play", "steps_per_second": 1, "until": {"steps": 500}})
            while client.app.state.sessions.sessions[sid].until is None:
                time.sleep(0.01)
        before = client.app.state.sessions.sessions[sid].until
    with TestClient(create_app(settings)) as client:
        session = client.app.state.sessions.sessions[sid]
        assert session.resume_playing and session.until == before
        assert (before.kind, before.value, before.end) == ("steps", 500, before.end) and before.end >= 500
