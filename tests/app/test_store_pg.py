"""What the PostgreSQL store does beyond the contract both stores keep (tests/app/test_store.py):
its tables made at start and versioned, once, by one of several servers starting at once;
an unusable database stops the start in one line naming NNPLAY_DATABASE_URL, its password
never shown; and sessions come back from it bit for bit after a restart."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.persistence import StoreUnusable, open_database
from app.settings import BadSetting, Settings, load
from app.store import Save
from app.store_pg import MIGRATIONS, DatabaseUnusable, PostgresStore
from tests.app.conftest import make_settings
from tests.app.stores import sql
from tests.app.test_persistence import ROOT, Server

PASSWORD = "Pa55-w0rd-not-for-logs"
RECORD = {"format": "nnplay-session/1", "run": {"step": 1, "history": {"step": [0]}}}
ALL_VERSIONS = [(n,) for n in range(1, len(MIGRATIONS) + 1)]  # as versions() lists them


def versions(store) -> list[tuple]:
    return sql(store, "SELECT version FROM schema_version ORDER BY version")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def saved_through(url: str, session_id: str, step: int) -> None:
    """Wait (at most 30 s) until the database holds the session's history through `step`."""
    store = PostgresStore(url)
    try:
        deadline = time.monotonic() + 30
        while (record := store.load(session_id)) is None or record["run"]["history"]["step"][-1] != step:
            assert time.monotonic() < deadline, f"session {session_id[:8]} not saved through step {step}"
            time.sleep(0.1)
    finally:
        store.close()


def test_the_tables_are_made_once_and_a_second_start_changes_nothing(postgres_url):
    first = PostgresStore(postgres_url)
    assert first.version == len(MIGRATIONS) and versions(first) == ALL_VERSIONS
    first.save_many({"a": Save(RECORD, {}, 0)})
    first.close()
    second = PostgresStore(postgres_url)
    assert versions(second) == ALL_VERSIONS and [sid for sid, _, _ in second.load_all()] == ["a"]
    second.close()


def test_an_older_schema_is_migrated_and_a_newer_one_refused(postgres_url):
    """What a later version adds (here, a column for a note) is applied
    to a database the older version made, keeping its sessions; that older version then
    refuses the database rather than write past what it knows."""
    old = PostgresStore(postgres_url, migrations=MIGRATIONS[:1])  # the first release's tables
    old.save_many({"a": Save(RECORD, {}, 0)})
    old.close()
    later = (*MIGRATIONS, ("ALTER TABLE sessions ADD COLUMN note text",))
    new = PostgresStore(postgres_url, migrations=later)
    newest = len(later)
    assert new.version == newest and versions(new) == [*ALL_VERSIONS, (newest,)]
    assert sql(new, "SELECT id, note FROM sessions") == [("a", None)]
    assert sql(new, "SELECT count(*) FROM leases") == [(0,)]  # (a later version's table, made on the way)
    assert new.load("a")["run"]["step"] == 1
    new.close()
    with pytest.raises(DatabaseUnusable, match=f"schema version {newest}, made by a newer nnplay"):
        PostgresStore(postgres_url)


def test_servers_starting_at_once_make_the_tables_once(postgres_url):
    starting = 4
    barrier = threading.Barrier(starting)
    opened: list = []
    failed: list = []

    def start():
        barrier.wait()
        try:
            opened.append(PostgresStore(postgres_url))
        except Exception as error:  # reported below, with the others
            failed.append(error)

    threads = [threading.Thread(target=start) for _ in range(starting)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert failed == [] and len(opened) == starting
        assert versions(opened[0]) == ALL_VERSIONS
        opened[0].save_many({"a": Save(RECORD, {}, 0)})
        assert all(store.load("a") is not None for store in opened)
    finally:
        for store in opened:
            store.close()


def test_a_database_that_cannot_be_used_is_said_without_its_password(postgres_server, caplog, monkeypatch):
    unreachable = f"postgresql://nnplay:{PASSWORD}@127.0.0.1:{free_port()}/nnplay"
    missing = postgres_server.url("no_such_database", password=PASSWORD)
    with caplog.at_level(logging.DEBUG):
        for url, reason in ((unreachable, "refused"), (missing, "does not exist")):
            with pytest.raises(StoreUnusable) as raised:
                open_database(url)
            message = str(raised.value)
            assert message.startswith(
                "NNPLAY_DATABASE_URL: cannot use the database at postgresql://nnplay:***@"
            )
            assert reason in message and PASSWORD not in message and "\n" not in message
    assert all(PASSWORD not in record.getMessage() for record in caplog.records)
    # Nor in the settings, shown or refused.
    settings = Settings(database_url=unreachable)
    assert PASSWORD not in repr(settings) and PASSWORD not in str(settings.model_dump())
    monkeypatch.setenv("NNPLAY_DATABASE_URL", f"mysql://nnplay:{PASSWORD}@db/nnplay")
    with pytest.raises(BadSetting) as refused:
        load(Settings)
    assert str(refused.value).startswith(
        "NNPLAY_DATABASE_URL: not a postgresql:// URL (its scheme is 'mysql')"
    )
    assert PASSWORD not in str(refused.value)


def test_nnplay_serve_stops_in_one_line_when_the_database_cannot_be_used(tmp_path):
    """Never a fall back to SQLite: a class would find its work missing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NNPLAY_")}
    env["NNPLAY_DATABASE_URL"] = f"postgresql://nnplay:{PASSWORD}@127.0.0.1:{free_port()}/nnplay"
    env["NNPLAY_DATA_DIR"] = str(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve", "--port", str(free_port())],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith("nnplay: NNPLAY_DATABASE_URL: cannot use the database at postgresql://nnplay:***@")
    assert "refused" in line and PASSWORD not in line
    assert not (tmp_path / "sessions.sqlite3").exists()


def test_the_app_does_not_start_on_a_database_it_cannot_use(tmp_path):
    url = f"postgresql://nnplay:{PASSWORD}@127.0.0.1:{free_port()}/nnplay"
    app = create_app(make_settings(data_dir=tmp_path, database_url=url))
    with pytest.raises(StoreUnusable, match="NNPLAY_DATABASE_URL: cannot use the database"), TestClient(app):
        pass
    assert not (tmp_path / "sessions.sqlite3").exists()


def test_sessions_come_back_from_the_database_bit_for_bit(postgres_url, tmp_path):
    settings = make_settings(data_dir=tmp_path, database_url=postgres_url, save_interval_seconds=3600)
    with TestClient(create_app(settings)) as api:
        sid = api.post("/api/sessions", json={"preset": "spiral", "seed": 7}).json()["id"]
        api.post(f"/api/sessions/{sid}/step", json={"steps": 30})
        run = api.app.state.sessions.sessions[sid].run
        params = [a.tobytes() for a in run.param_arrays()]
        history = api.get(f"/api/sessions/{sid}/history").json()
    assert not (tmp_path / "sessions.sqlite3").exists()  # the database is the only store
    with TestClient(create_app(settings)) as api:
        back = api.app.state.sessions.sessions[sid].run
        assert [a.tobytes() for a in back.param_arrays()] == params
        assert api.get(f"/api/sessions/{sid}/history").json() == history and history["step"] == list(
            range(31)
        )
        continued = api.post(f"/api/sessions/{sid}/step", json={"steps": 5}).json()["snapshot"]
        fresh = api.post("/api/sessions", json={"preset": "spiral", "seed": 7}).json()["id"]
        straight = api.post(f"/api/sessions/{fresh}/step", json={"steps": 35}).json()["snapshot"]
        assert continued["params"] == straight["params"] and continued["loss"] == straight["loss"]


@pytest.mark.slow
def test_nnplay_serve_keeps_sessions_in_the_database_across_a_sigkill(postgres_url, tmp_path):
    first = Server(tmp_path, interval=0.5, env={"NNPLAY_DATABASE_URL": postgres_url}).start()
    try:
        sid = first.call("POST", "/api/sessions", {"preset": "xor", "seed": 3})["id"]
        stepped = first.call("POST", f"/api/sessions/{sid}/step", {"steps": 40})["snapshot"]
        saved_through(postgres_url, sid, 40)
    finally:
        first.stop(signal.SIGKILL)
    second = Server(tmp_path, env={"NNPLAY_DATABASE_URL": postgres_url}).start()
    try:
        again = second.call("GET", f"/api/sessions/{sid}")["snapshot"]
        assert again["step"] == 40 and again["params"] == stepped["params"]
        assert second.call("GET", f"/api/sessions/{sid}/history")["step"] == list(range(41))
        assert second.health()["status"] == "ok"
    finally:
        second.stop(signal.SIGTERM)
    log = (tmp_path / "server.log").read_text()
    assert "sessions are kept in the PostgreSQL database at postgresql://nnplay@/" in log
    assert not (tmp_path / "sessions.sqlite3").exists()
