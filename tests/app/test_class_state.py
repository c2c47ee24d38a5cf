"""The class state's contract, kept by both implementations (`classes`: in this process's
memory, and shared through PostgreSQL), and one class across two servers on one database:
students of either on the board of either, the teacher's commands reaching a student
whichever server holds them, one class code, leaderboards ranking everyone."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from app import classroom_pg
from app.main import create_app
from tests.app.conftest import make_settings, ws_receive_json

TOKEN = "teacher-secret-123"
AUTH = {"authorization": f"Bearer {TOKEN}"}
SPIRAL_SMALL = {"preset": "spiral", "layers": [2, 4, 1], "activations": ["tanh", "sigmoid"]}


@pytest.fixture(params=["memory", "postgres"])
def classes(request, tmp_path, monkeypatch):
    """Start a server (a TestClient, its lifespan running) keeping the class in memory or
    in a PostgreSQL database of the test's own: every call starts another on the same one."""
    yield from _servers(request, tmp_path, monkeypatch)


@pytest.fixture
def shared(request, tmp_path, monkeypatch):
    """Servers sharing one PostgreSQL database; `shared.stop(client)` stops one."""
    yield from _servers(request, tmp_path, monkeypatch, "postgres")


def _servers(request, tmp_path, monkeypatch, kind: str | None = None) -> Iterator[Callable[..., TestClient]]:
    monkeypatch.setattr(classroom_pg, "PUBLISH_SECONDS", 0.1)  # the tests wait less
    where = {"data_dir": tmp_path}
    if (kind or request.param) == "postgres":
        where["database_url"] = request.getfixturevalue("postgres_url")
    running: list[TestClient] = []

    def start(**settings) -> TestClient:
        app = create_app(
            make_settings(**{"teacher_token": TOKEN, "guesses_per_minute": 100, **where, **settings})
        )
        running.append(TestClient(app).__enter__())
        return running[-1]

    def stop(client: TestClient) -> None:
        running.remove(client)
        client.__exit__(None, None, None)

    start.stop = stop  # type: ignore[attr-defined]
    yield start
    for client in reversed(running):
        client.__exit__(None, None, None)


def join(api: TestClient, name: str, seat: str | None = None, **config) -> str:
    code = api.get("/api/teacher/class", headers=AUTH).json()["code"]
    params = {"class_code": code.lower(), "name": name} | ({"seat": seat} if seat else {})
    response = api.post("/api/sessions", params=params, json=config or {"preset": "xor"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def board(api: TestClient) -> list[dict]:
    response = api.get("/api/teacher/board", headers=AUTH)
    assert response.status_code == 200
    return response.json()


def eventually(check: Callable[[], object], seconds: float = 15.0):
    """check()'s first truthy answer, asked every 50 ms; fails after `seconds`."""
    deadline = time.monotonic() + seconds
    while not (answer := check()):
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.05)
    return answer


def next_of(ws, kind: str) -> dict:
    while (message := ws_receive_json(ws, timeout=15))["type"] != kind:
        pass
    return message


def test_students_join_and_the_board_shows_their_current_session(classes):
    api = classes()
    ann = join(api, "ann", seat="ann-laptop-0001")
    api.post(f"/api/sessions/{ann}/step", json={"steps": 7})
    join(api, "ann", seat="ann-laptop-0001", preset="spiral")  # a reload: this one is current
    bob = join(api, "Bob")
    api.post("/api/sessions", json={"preset": "xor"})  # not in the class
    rows = board(api)
    assert [(r["student"], r["preset"], r["step"]) for r in rows] == [("ann", "spiral", 0), ("Bob", "xor", 0)]
    assert all(set(r) >= {"handle", "loss", "accuracy", "curve", "watching", "status"} for r in rows)
    text = api.get("/api/teacher/board", headers=AUTH).text
    assert ann not in text and bob not in text
    assert api.get("/api/teacher/class", headers=AUTH).json()["students"] == 2
    wrong = api.post("/api/sessions", params={"class_code": "NOPE99", "name": "eve"}, json={"preset": "xor"})
    assert wrong.status_code == 422 and wrong.json()["error"]["fields"][0]["field"] == "class_code"


def test_commands_reach_students_and_a_reset_resets_one(classes):
    api = classes()
    ann, bob = join(api, "ann"), join(api, "bob")
    for sid in (ann, bob):
        api.post(f"/api/sessions/{sid}/step", json={"steps": 5})
    with api.websocket_connect(f"/ws/sessions/{ann}") as ws:
        assert next_of(ws, "topology")
        sent = api.post(
            "/api/teacher/broadcast", headers=AUTH, json={"config": {"preset": "circle"}, "message": "hi"}
        )
        assert sent.json() == {"students": 2, "sockets": 1}
        assert next_of(ws, "broadcast")["message"] == "hi"
        handle = next(r["handle"] for r in board(api) if r["student"] == "ann")
        reset = api.post(f"/api/teacher/students/{handle}/reset", headers=AUTH)
        assert reset.status_code == 200 and (reset.json()["student"], reset.json()["step"]) == ("ann", 0)
        assert next_of(ws, "snapshot")["step"] == 0
    assert api.get(f"/api/sessions/{bob}").json()["snapshot"]["step"] == 5
    assert api.post("/api/teacher/students/0123456789/reset", headers=AUTH).status_code == 404
    lesson = api.get("/api/lessons").json()[0]["id"]
    sent = api.post("/api/teacher/lesson", headers=AUTH, json={"lesson": lesson, "step": 1})
    assert sent.status_code == 200 and sent.json()["students"] == 2
    code = api.get("/api/teacher/class", headers=AUTH).json()["code"]
    seen = api.get(f"/api/class/{code}").json()  # what a student arriving later sees
    assert seen["broadcast"]["message"] == "hi" and seen["lesson"]["lesson"] == lesson


def test_a_challenge_ranks_the_students_who_qualify_until_it_ends(classes):
    api = classes()
    ann = join(api, "ann", **SPIRAL_SMALL)
    join(api, "bob", preset="spiral")  # 24 hidden units: over the limit
    join(api, "cy", preset="xor")  # another data set
    api.post(f"/api/sessions/{ann}/step", json={"steps": 20})
    body = {
        "title": "spiral",
        "data": "spiral",
        "metric": "train_loss",
        "target": 0.01,
        "max_hidden_units": 12,
    }
    made = api.post("/api/teacher/challenges", headers=AUTH, json=body)
    assert made.status_code == 201
    assert [(e["student"], e["hidden_units"], e["met"]) for e in made.json()["leaderboard"]] == [
        ("ann", 4, False)
    ]
    listed = api.get("/api/teacher/challenges", headers=AUTH).json()
    assert [c["id"] for c in listed] == [made.json()["id"]] and listed[0]["max_hidden_units"] == 12
    assert api.delete(f"/api/teacher/challenges/{made.json()['id']}", headers=AUTH).status_code == 204
    assert api.delete(f"/api/teacher/challenges/{made.json()['id']}", headers=AUTH).status_code == 404
    assert api.get("/api/teacher/challenges", headers=AUTH).json() == []


def test_one_class_across_two_servers(shared):
    a, b = shared(), shared()
    code = a.get("/api/teacher/class", headers=AUTH).json()["code"]
    assert b.get("/api/teacher/class", headers=AUTH).json()["code"] == code  # made once, by the first
    ann = join(a, "ann", **SPIRAL_SMALL)
    bob = join(b, "bob", **SPIRAL_SMALL)
    a.post(f"/api/sessions/{ann}/step", json={"steps": 30})
    b.post(f"/api/sessions/{bob}/step", json={"steps": 3})
    for api in (a, b):  # each server's board shows both, the other's within a publish
        eventually(
            lambda api=api: [(r["student"], r["step"]) for r in board(api)] == [("ann", 30), ("bob", 3)]
        )
        assert ann not in api.get("/api/teacher/board", headers=AUTH).text
    assert b.get(f"/api/sessions/{ann}").status_code == 404  # a student's session stays on its server

    handle = next(r["handle"] for r in board(b) if r["student"] == "ann")
    with a.websocket_connect(f"/ws/sessions/{ann}") as ws:
        assert next_of(ws, "topology")
        eventually(lambda: next(r for r in board(b) if r["student"] == "ann")["watching"] == 1)
        sent = b.post(
            "/api/teacher/broadcast", headers=AUTH, json={"config": {"preset": "xor"}, "message": "go"}
        )
        assert sent.json() == {"students": 2, "sockets": 1}
        assert next_of(ws, "broadcast")["message"] == "go"  # sent through b, held by a
        reset = b.post(f"/api/teacher/students/{handle}/reset", headers=AUTH)
        assert reset.status_code == 200 and (reset.json()["student"], reset.json()["step"]) == ("ann", 0)
        assert next_of(ws, "snapshot")["step"] == 0
    assert a.get(f"/api/class/{code}").json()["broadcast"]["message"] == "go"

    a.post(f"/api/sessions/{ann}/step", json={"steps": 40})
    eventually(lambda: [r["step"] for r in board(b)] == [40, 3])
    body = {"title": "spiral", "data": "spiral", "metric": "train_loss", "target": 0.01}
    made = b.post("/api/teacher/challenges", headers=AUTH, json=body).json()
    ranked = [e["student"] for e in made["leaderboard"]]
    assert sorted(ranked) == ["ann", "bob"]
    seen = a.get(f"/api/class/{code}").json()["challenges"]  # read through the other server
    assert [c["id"] for c in seen] == [made["id"]] and [
        e["student"] for e in seen[0]["leaderboard"]
    ] == ranked
    assert a.delete(f"/api/teacher/challenges/{made['id']}", headers=AUTH).status_code == 204
    assert b.get("/api/teacher/challenges", headers=AUTH).json() == []


def test_a_servers_students_leave_the_board_when_it_stops_and_a_set_code_wins(shared):
    a, b = shared(), shared()
    join(a, "ann")
    join(b, "bob")
    eventually(lambda: len(board(b)) == 2)
    shared.stop(a)  # a clean stop takes its rows off the board at once
    assert [r["student"] for r in board(b)] == ["bob"]
    shared(class_code="ROOM42")  # a server started with NNPLAY_CLASS_CODE sets the class's
    eventually(lambda: b.get("/api/teacher/class", headers=AUTH).json()["code"] == "ROOM42")
    assert b.get("/api/class/room42").status_code == 200


def test_the_rows_of_a_server_that_stops_publishing_expire(shared, monkeypatch):
    monkeypatch.setattr(classroom_pg, "EXPIRE_SECONDS", 1.0)
    a, b = shared(), shared()
    join(a, "ann")
    join(b, "bob")
    eventually(lambda: len(board(b)) == 2)

    async def silent() -> None:  # as a server that hangs or loses the database
        pass

    a.app.state.classroom.refresh = silent
    eventually(lambda: [r["student"] for r in board(b)] == ["bob"])
    assert [r["student"] for r in board(a)] == ["ann", "bob"]  # its own students it still has


def test_wrong_guesses_are_counted_across_servers(shared):
    """A client whose wrong class codes and tokens go to different servers gets no more
    tries than from one: past NNPLAY_GUESSES_PER_MINUTE, 429 on every server."""
    a, b = shared(guesses_per_minute=3), shared(guesses_per_minute=3)
    code = a.get("/api/teacher/class", headers=AUTH).json()["code"]
    assert a.get(f"/api/class/{code}").status_code == 200  # right answers cost nothing
    assert [api.get("/api/class/NOPE99").status_code for api in (a, b, a)] == [404, 404, 404]
    for api in (a, b):
        refused = api.get(f"/api/class/{code}")
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        joining = api.post(
            "/api/sessions", params={"class_code": code, "name": "eve"}, json={"preset": "xor"}
        )
        assert joining.status_code == 429
    wrong = {"authorization": "Bearer not-the-teacher-token"}
    assert [api.get("/api/teacher/board", headers=wrong).status_code for api in (b, a, b, a)] == [
        403,
        403,
        403,
        429,
    ]


def test_a_seat_with_sessions_on_two_servers_is_one_row_the_one_used_last(shared):
    a, b = shared(), shared()
    first = join(a, "ann", seat="ann-laptop-0001")
    join(b, "ann", seat="ann-laptop-0001", preset="spiral")  # a reload the proxy sent to b
    for api in (a, b):
        eventually(lambda api=api: [(r["student"], r["preset"]) for r in board(api)] == [("ann", "spiral")])
    a.post(f"/api/sessions/{first}/step", json={"steps": 2})  # back in the first tab
    for api in (a, b):
        eventually(lambda api=api: [(r["preset"], r["step"]) for r in board(api)] == [("xor", 2)])
