"""Server processes sharing one PostgreSQL database: a lease per session, taken once (a
compare-and-set), renewed by its holder, taken over only when it ran out; a session
adopted from another process's last save goes on bit for bit; a live holder's session is
refused elsewhere, and comes back to the process its id names (app/owners.py)."""

from __future__ import annotations

import threading
import time

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.owners import Held, Leases, named_id, named_process
from app.store import Save
from app.store_pg import PostgresStore
from tests.app.conftest import make_settings, ws_receive
from tests.app.stores import sql

RECORD = {"format": "nnplay-session/1", "run": {"step": 1, "history": {"step": [0]}}}


def run_out(store: PostgresStore) -> None:
    """Every lease ends now, as when its holder died a lease ago."""
    sql(store, "UPDATE leases SET expires = clock_timestamp() - interval '1 second'")


def test_ids_name_their_process_with_a_dot_that_the_random_part_never_has():
    assert named_id("p2", "Ab_-9") == "p2.Ab_-9" and named_process("p2.Ab_-9") == "p2"
    assert named_id(None, "Ab_-9") == "Ab_-9" and named_process("Ab_-9") is None  # ids made before


def test_a_lease_is_renewed_by_its_holder_and_taken_over_only_once_it_ran_out(postgres_url):
    store = PostgresStore(postgres_url)
    try:
        p1, p2 = Leases(store, "p1", 10), Leases(store, "p2", 10)
        assert p2.take("p1.a") is False  # no such saved session: nothing to adopt
        store.save_many({"p1.a": Save(RECORD, {}, 0)})
        p1.claim("p1.a")
        held = p2.take("p1.a")
        assert isinstance(held, Held) and held.owner == "p1" and 9 < held.seconds_left <= 10
        assert p1.take("p1.a") is True  # its own
        assert p1.renew() == {"p1.a": False} and p2.renew() == {}

        run_out(store)
        assert p2.take("p1.a") is True  # p1 died: p2 adopts
        stalled_store = PostgresStore(postgres_url)  # p1, had it only stalled, writes no more
        stalled_store.lease_owner = "p1"
        later = {**RECORD, "run": {"step": 2, "history": {"step": [0, 1]}}}
        assert stalled_store.save_many({"p1.a": Save(later, {}, 0)}) == {
            "p1.a": "another server process holds it now"
        }
        stalled_store.delete("p1.a")
        stalled_store.close()
        assert store.load("p1.a")["run"]["step"] == 1  # as p2 adopted it
        assert p1.renew() == {}  # and finds it gone at its next renewal
        assert isinstance(p1.take("p1.a"), Held)

        p1.want_back("p1.a")  # p1 is back, and asks for its session
        assert p2.renew() == {"p1.a": True}
        p2.release(["p1.a"])  # saved and let go
        assert p1.take("p1.a") is True and p1.renew() == {"p1.a": False}  # (the wish is spent)
        p1.release()
        assert sql(store, "SELECT count(*) FROM leases") == [(0,)]
    finally:
        store.close()


def test_expired_leases_are_taken_in_shares_and_only_for_saved_sessions(postgres_url):
    store = PostgresStore(postgres_url)
    try:
        store.save_many({sid: Save(RECORD, {}, 0) for sid in ("p1.a", "p1.b", "p1.c")})
        p1, p2, p3 = (Leases(store, name, 10) for name in ("p1", "p2", "p3"))
        for sid in ("p1.a", "p1.b", "p1.c", "p1.unsaved"):
            p1.claim(sid)
        assert p2.take_expired(5) == []  # p1 is alive
        run_out(store)
        two, three = p2.take_expired(2), p3.take_expired(5)
        assert len(two) == 2 and sorted(two + three) == ["p1.a", "p1.b", "p1.c"]  # each once
        assert p2.take_expired(5) == [] and p3.take_expired(5) == []  # held by the living now
        assert set(p2.renew()) == set(two) and p1.renew() == {"p1.unsaved": False}
    finally:
        store.close()


def test_of_processes_taking_a_lease_at_once_one_wins(postgres_url):
    store = PostgresStore(postgres_url)
    try:
        store.save_many({"p0.a": Save(RECORD, {}, 0)})
        Leases(store, "p0", 10).claim("p0.a")
        takers = [Leases(store, f"p{n}", 10) for n in range(1, 5)]  # the pool's 4 connections
        for _ in range(5):
            run_out(store)
            start, won = threading.Barrier(len(takers)), []
            threads = [threading.Thread(target=race, args=(leases, start, won)) for leases in takers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            (winner,) = won
            assert sql(store, "SELECT owner FROM leases") == [(winner,)]
    finally:
        store.close()


def race(leases: Leases, start: threading.Barrier, won: list[str]) -> None:
    """Take the lease as the others do, all at once; note a win."""
    start.wait()
    if leases.take("p0.a") is True:
        won.append(leases.owner)


def settings_of(name: str, url: str, tmp_path):
    return make_settings(
        process_name=name,
        database_url=url,
        data_dir=tmp_path / name,
        save_interval_seconds=0.2,
        lease_seconds=2.0,
        lease_renew_seconds=0.2,
    )


def wait_for(predicate, seconds: float = 15.0):
    """predicate()'s first true value, polled until `seconds` have passed."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("not within the time allowed")


def saved_as_is(client: TestClient, sid: str) -> bool:
    """Whether the session's last save holds its state as it is now."""
    saved = client.app.state.persistence.saved.get(sid)
    return saved is not None and saved.version == client.app.state.sessions.sessions[sid].version


async def unreachable() -> None:
    """A renewal that cannot reach the database."""
    raise OSError("the database does not answer")


def snapshot_after(client: TestClient, sid: str, steps: int) -> dict:
    response = client.post(f"/api/sessions/{sid}/step", json={"steps": steps})
    assert response.status_code == 200, response.text
    return response.json()["snapshot"]


@pytest.mark.slow
def test_a_session_is_refused_while_held_adopted_when_its_owner_stops_and_handed_back(postgres_url, tmp_path):
    """p1 makes a session; p2 refuses it (REST and socket) while p1 renews; p1 cannot reach
    the database for a while (its health says so), its lease runs out and p2 adopts the
    session from its last save, going on bit for bit; p1, back, finds it taken, asks for
    it back and gets it (p2's socket on it closes, to reconnect); p1 stopping gives it up."""
    with TestClient(create_app(settings_of("p2", postgres_url, tmp_path))) as two:
        with TestClient(create_app(settings_of("p1", postgres_url, tmp_path))) as one:
            sid = one.post("/api/sessions", json={"preset": "xor", "seed": 3}).json()["id"]
            assert sid.startswith("p1.")
            snapshot_after(one, sid, 20)

            refused = two.get(f"/api/sessions/{sid}")
            assert refused.status_code == 503 and refused.json()["error"]["code"] == "elsewhere"
            assert "'p1'" in refused.json()["error"]["message"] and int(refused.headers["retry-after"]) >= 1
            with two.websocket_connect(f"/ws/sessions/{sid}") as ws:
                said = ws_receive(ws)
                assert b"'p1'" in said["bytes"] and ws_receive(ws)["type"] == "websocket.close"
            assert one.get("/api/health").json()["process"] == "p1"

            owners = one.app.state.owners  # once saved, p1 cannot renew: it loses the lease
            wait_for(lambda: saved_as_is(one, sid))
            owners.renew = unreachable
            adopted = wait_for(lambda: (r := two.get(f"/api/sessions/{sid}")).status_code == 200 and r)
            assert adopted.json()["snapshot"]["step"] == 20
            health = one.get("/api/health").json()
            assert health["status"] == "degraded" and "the database does not answer" in health["problems"][0]
            fresh = two.post("/api/sessions", json={"preset": "xor", "seed": 3}).json()["id"]
            assert fresh.startswith("p2.")
            straight, continued = snapshot_after(two, fresh, 25), snapshot_after(two, sid, 5)
            assert continued["step"] == 25 and continued["params"] == straight["params"]
            assert continued["loss"] == straight["loss"]

            del owners.renew  # p1 reaches the database again: the session is another's now
            wait_for(lambda: sid not in one.app.state.sessions.sessions)
            with two.websocket_connect(f"/ws/sessions/{sid}") as watching:  # a page on p2
                coming = one.get(f"/api/sessions/{sid}")  # p1's by name: it asks for it back
                assert coming.status_code == 503
                assert "coming back from server process 'p2'" in coming.json()["error"]["message"]
                back = wait_for(lambda: (r := one.get(f"/api/sessions/{sid}")).status_code == 200 and r)
                assert back.json()["snapshot"]["step"] == 25 and sid not in two.app.state.sessions.sessions
                closed = wait_for(lambda: (m := ws_receive(watching))["type"] == "websocket.close" and m)
                assert closed["code"] == 1013 and "moved back" in closed["reason"]  # the page reconnects
            assert snapshot_after(one, sid, 5)["params"] == snapshot_after(two, fresh, 5)["params"]
        # p1 stopped cleanly: saved, and its leases given up
        assert two.get(f"/api/sessions/{sid}").json()["snapshot"]["step"] == 30  # at once, not a lease later


def test_a_named_process_restores_its_own_sessions_and_adopts_others_when_asked(postgres_url, tmp_path):
    made = {}
    for name in ("p1", "p2"):
        with TestClient(create_app(settings_of(name, postgres_url, tmp_path))) as client:
            made[name] = client.post("/api/sessions", json={"preset": "xor", "seed": 1}).json()["id"]
            snapshot_after(client, made[name], 7)
    with TestClient(create_app(settings_of("p1", postgres_url, tmp_path))) as one:
        assert set(one.app.state.sessions.sessions) == {made["p1"]}  # p2's stays in the store
        assert one.get(f"/api/sessions/{made['p2']}").json()["snapshot"]["step"] == 7  # given up at p2's stop
        assert one.get("/api/sessions/p2.no-such-session").status_code == 404


def test_sessions_of_a_process_that_stopped_renewing_are_adopted_without_a_request(postgres_url, tmp_path):
    """p1 holds a paused session and a playing one; it stops renewing (as if dead). p2,
    asked for neither, takes both within a lease and a few renewals: the paused one goes
    on bit for bit from its save, the playing one trains on there."""
    with (
        TestClient(create_app(settings_of("p2", postgres_url, tmp_path))) as two,
        TestClient(create_app(settings_of("p1", postgres_url, tmp_path))) as one,
    ):
        assert one.get("/api/ready").json() == {"status": "ready", "process": "p1"}
        paused = one.post("/api/sessions", json={"preset": "xor", "seed": 3}).json()["id"]
        playing = one.post("/api/sessions", json={"preset": "xor", "seed": 4}).json()["id"]
        snapshot_after(one, paused, 20)
        with one.websocket_connect(f"/ws/sessions/{playing}") as ws:
            ws.send_json({"type": "play", "steps_per_second": 50})
            wait_for(lambda: one.app.state.sessions.sessions[playing].run.step_count > 0)
            wait_for(lambda: saved_as_is(one, paused))
            wait_for(lambda: one.app.state.persistence.saved.get(playing) is not None)
            one.app.state.owners.renew = unreachable  # p1 is as good as dead
            held = two.app.state.sessions.sessions  # the lease, and renewals to spare:
            wait_for(lambda: paused in held and playing in held, seconds=2.0 + 5.0)
            not_ready = wait_for(lambda: (r := one.get("/api/ready")).status_code == 503 and r)
            assert not_ready.json()["error"]["code"] == "not_ready"  # the proxy takes p1 out
            assert "the database does not answer" in not_ready.json()["error"]["message"]
            assert one.get("/api/health").status_code == 200 and two.get("/api/ready").status_code == 200
            adopted = held[playing]
            assert adopted.playing and not adopted.subscribers  # nobody asked for it there
            resumed_at = adopted.run.step_count
            wait_for(lambda: adopted.run.step_count > resumed_at + 10)
            fresh = two.post("/api/sessions", json={"preset": "xor", "seed": 3}).json()["id"]
            straight, continued = snapshot_after(two, fresh, 25), snapshot_after(two, paused, 5)
            assert continued["step"] == 25 and continued["params"] == straight["params"]
            with TestClient(create_app(settings_of("p3", postgres_url, tmp_path))) as three:
                # The proxy's hash of the id may pick another live process than the one
                # that adopted it: that one asks for it, and gets it at the next renewal.
                coming = three.get(f"/api/sessions/{paused}")
                assert coming.status_code == 503
                assert "coming to this server process from 'p2'" in coming.json()["error"]["message"]
                moved = wait_for(lambda: (r := three.get(f"/api/sessions/{paused}")).status_code == 200 and r)
                assert moved.json()["snapshot"]["step"] == 25 and paused not in held
            del one.app.state.owners.renew  # back: it finds both taken, and lets them go
            wait_for(lambda: not one.app.state.sessions.sessions)
            assert one.get("/api/ready").json() == {"status": "ready", "process": "p1"}
