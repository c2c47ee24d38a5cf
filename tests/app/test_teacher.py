"""The teacher board: locked without the token, a class joined by code, broadcasts that
reach every student, challenges with a leaderboard, and no session id ever shown."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

TOKEN = "teacher-secret-123"
CODE = "ROOM42"


def class_app(**settings):
    """The app with the built-in settings, a board token and a class code, and `settings`."""
    return create_app(
        Settings(allowed_hosts=["testserver"], teacher_token=TOKEN, class_code=CODE, **settings)
    )


@pytest.fixture
def api():
    # Room for the wrong tokens these tests try on purpose (the limit has a test of its own).
    with TestClient(class_app(guesses_per_minute=100)) as client:
        yield client


def teacher(api, method, path, **kwargs):
    return getattr(api, method)(path, headers={"authorization": f"Bearer {TOKEN}"}, **kwargs)


def join(api, name, seat=None, **config):
    query = f"class_code={CODE.lower()}&name={name}" + (f"&seat={seat}" if seat else "")
    response = api.post(f"/api/sessions?{query}", json=config or {"preset": "xor"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


TEACHER_ROUTES = [
    ("get", "/api/teacher/class"),
    ("get", "/api/teacher/board"),
    ("post", "/api/teacher/broadcast"),
    ("post", "/api/teacher/challenges"),
    ("get", "/api/teacher/challenges"),
    ("delete", "/api/teacher/challenges/abc"),
]


def test_teacher_routes_refuse_without_the_token_and_with_a_students_id(api):
    student = join(api, "ann")
    for method, path in TEACHER_ROUTES:
        kwargs = {"json": {}} if method == "post" else {}
        assert getattr(api, method)(path, **kwargs).status_code == 401, path
        for wrong in ("not-the-token", student):
            response = getattr(api, method)(path, headers={"authorization": f"Bearer {wrong}"}, **kwargs)
            assert response.status_code == 403, (path, wrong)
        assert getattr(api, method)(f"{path}?token={TOKEN}", **kwargs).status_code == 401  # never from a URL
    assert teacher(api, "get", "/api/teacher/class").json()["code"] == CODE


def test_the_board_is_off_without_a_configured_token():
    with TestClient(create_app(Settings(allowed_hosts=["testserver"]))) as api:
        response = api.get("/api/teacher/board", headers={"authorization": "Bearer anything-at-all"})
        assert response.status_code == 404 and "NNPLAY_TEACHER_TOKEN" in response.json()["error"]["message"]
        assert api.get("/teacher").status_code == 404


def test_students_join_by_code_and_the_board_never_shows_their_ids(api):
    ids = [join(api, "ann"), join(api, "bob", preset="spiral")]
    api.post("/api/sessions", json={"preset": "xor"})  # not in the class
    assert api.post("/api/sessions?class_code=WRONG1&name=eve", json={"preset": "xor"}).status_code == 422
    api.post(f"/api/sessions/{ids[0]}/step", json={"steps": 30})
    response = teacher(api, "get", "/api/teacher/board")
    rows = response.json()
    assert [r["student"] for r in rows] == ["ann", "bob"]
    assert rows[0]["step"] == 30 and rows[0]["preset"] == "xor"
    # The curve: the training loss of every row that carries it (fewer than 40 here).
    measured = [v for v in api.get(f"/api/sessions/{ids[0]}/history").json()["train_loss"] if v is not None]
    assert rows[0]["curve"] == measured and len(measured) > 3
    assert rows[1]["preset"] == "spiral" and rows[1]["status"] == "ready"
    for sid in ids:
        assert sid not in response.text
    assert teacher(api, "get", "/api/teacher/class").json()["students"] == 2


def test_the_board_has_one_row_per_student_their_latest_session(api):
    """A reload or a rebuild makes a new session in the same browser (the same seat): the
    board shows that student once, with the session they used last."""
    first = join(api, "ann", seat="ann-laptop-0001")
    api.post(f"/api/sessions/{first}/step", json={"steps": 5})
    latest = join(api, "ann", seat="ann-laptop-0001", preset="spiral")
    join(api, "ann", seat="other-ann-0002")  # another student who chose the same name
    join(api, "bob")  # a client that sends no seat: a student per session
    rows = teacher(api, "get", "/api/teacher/board").json()
    assert sorted((r["student"], r["preset"]) for r in rows) == [
        ("ann", "spiral"),
        ("ann", "xor"),
        ("bob", "xor"),
    ]
    assert teacher(api, "get", "/api/teacher/class").json()["students"] == 3
    api.post(f"/api/sessions/{first}/step")  # back in the first tab: that one is current now
    rows = teacher(api, "get", "/api/teacher/board").json()
    assert sorted((r["student"], r["preset"], r["step"]) for r in rows)[:2] == [
        ("ann", "xor", 0),
        ("ann", "xor", 6),
    ]
    assert latest in api.app.state.sessions.sessions  # nothing deleted: only shown once


@pytest.mark.parametrize(
    "query,field",
    [
        ("seat=abcdefgh1234", "seat"),  # a seat outside a class
        (f"class_code={CODE}&seat=short", "seat"),  # not a seat's shape
        (f"class_code={CODE}&seat=" + "x" * 65, "seat"),
        (f"class_code={CODE}&seat=has%20space1", "seat"),
    ],
)
def test_a_bad_seat_is_a_field_error(api, query, field):
    response = api.post(f"/api/sessions?{query}", json={"preset": "xor"})
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == field


def test_a_broadcast_reaches_every_connected_student(api):
    ids = [join(api, name) for name in ("ann", "bob", "cy")]
    sockets = [api.websocket_connect(f"/ws/sessions/{sid}") for sid in ids]
    try:
        for ws in sockets:
            ws.__enter__()
            assert ws.receive_json(mode="binary")["type"] == "topology"
        body = {
            "config": {"preset": "circle", "layers": [2, 3, 1], "activations": ["tanh", "sigmoid"]},
            "message": "try this one",
        }
        result = teacher(api, "post", "/api/teacher/broadcast", json=body).json()
        assert result == {"students": 3, "sockets": 3}
        for ws in sockets:
            message = ws.receive_json(mode="binary")
            while message["type"] != "broadcast":
                message = ws.receive_json(mode="binary")
            assert message["message"] == "try this one" and message["config"]["layers"] == [2, 3, 1]
            assert message["config"]["data"]["name"] == "circle"  # fully resolved: ready to fork
    finally:
        for ws in sockets:
            ws.__exit__(None, None, None)
    fork = api.post(
        "/api/sessions", json={"preset": "circle", "layers": [2, 3, 1], "activations": ["tanh", "sigmoid"]}
    )
    assert fork.status_code == 201
    assert api.get(f"/api/class/{CODE}").json()["broadcast"]["message"] == "try this one"
    bad = teacher(api, "post", "/api/teacher/broadcast", json={"config": {"preset": "nope"}})
    assert bad.status_code == 422


def test_challenges_rank_the_students_who_qualify(api):
    ann = join(api, "ann", preset="spiral", layers=[2, 6, 6, 1], activations=["tanh", "tanh", "sigmoid"])
    bob = join(api, "bob", preset="spiral")  # 24 hidden units: too many
    cy = join(api, "cy", preset="spiral", layers=[2, 4, 1], activations=["tanh", "sigmoid"])
    for sid, steps in ((ann, 300), (bob, 300), (cy, 10)):
        api.post(f"/api/sessions/{sid}/step", json={"steps": steps})
    response = teacher(
        api,
        "post",
        "/api/teacher/challenges",
        json={
            "title": "spiral under 0.05 with 12 units",
            "data": "spiral",
            "metric": "test_loss",
            "target": 0.05,
            "max_hidden_units": 12,
        },
    )
    assert response.status_code == 201
    board = response.json()["leaderboard"]
    assert (
        [e["student"] for e in board]
        == sorted([e["student"] for e in board], key=lambda n: {"ann": 0, "cy": 1}[n])
        == ["ann", "cy"]
    )
    assert board[0]["score"] <= board[1]["score"] and board[0]["hidden_units"] == 12
    seen = api.get(f"/api/class/{CODE.lower()}")
    assert seen.status_code == 200 and seen.json()["challenges"][0]["title"].startswith("spiral")
    for sid in (ann, bob, cy):
        assert sid not in seen.text
    assert api.get("/api/class/NOPE99").status_code == 404
    for bad in (
        {"title": "x", "data": "nope", "target": 1},
        {"title": "", "data": "xor", "target": 1},
        {"title": "x", "data": "xor", "target": -1},
    ):
        assert teacher(api, "post", "/api/teacher/challenges", json=bad).status_code == 422
    cid = response.json()["id"]
    accuracy = teacher(
        api,
        "post",
        "/api/teacher/challenges",
        json={"title": "spiral at 60%", "data": "spiral", "metric": "train_accuracy", "target": 0.6},
    )
    assert accuracy.status_code == 201, accuracy.text
    entries = accuracy.json()["leaderboard"]
    assert len(entries) == 3 and all(type(e["met"]) is bool and 0 <= e["score"] <= 1 for e in entries)
    assert [e["score"] for e in entries] == sorted((e["score"] for e in entries), reverse=True)
    assert teacher(api, "delete", f"/api/teacher/challenges/{cid}").status_code == 204
    assert teacher(api, "delete", f"/api/teacher/challenges/{cid}").status_code == 404


@pytest.mark.parametrize(
    "name,reason",
    [
        ("a\u202eb", "U+202E"),
        ("nul\x00", "U+0000"),
        ("zero\u200bwidth", "U+200B"),
        ("x" * 41, "at most 40 characters"),
        ("   ", "must not be empty"),
    ],
)
def test_a_nickname_that_would_garble_the_board_is_refused(name, reason):
    with TestClient(class_app()) as api:
        response = api.post(
            "/api/sessions", params={"class_code": CODE, "name": name}, json={"preset": "xor"}
        )
        assert response.status_code == 422
        fields = response.json()["error"]["fields"]
        assert [f["field"] for f in fields] == ["name"] and reason in fields[0]["reason"]
        assert api.get("/api/teacher/board", headers={"Authorization": f"Bearer {TOKEN}"}).json() == []


def test_a_nickname_is_kept_as_its_normal_form():
    with TestClient(class_app()) as api:
        # "Zoe" + a combining diaeresis, padded: the board shows the composed, trimmed name.
        response = api.post(
            "/api/sessions", params={"class_code": CODE, "name": "  Zoe\u0308 "}, json={"preset": "xor"}
        )
        assert response.status_code == 201
        board = api.get("/api/teacher/board", headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert [row["student"] for row in board] == ["Zo\u00eb"]


def test_guessing_a_class_code_or_the_token_is_slow():
    """Past NNPLAY_GUESSES_PER_MINUTE wrong tries from one address, every try is a 429 with
    Retry-After, the right code included; right answers before that cost nothing."""
    with TestClient(class_app(guesses_per_minute=3)) as api:
        for _ in range(5):  # right answers are never counted
            assert api.get(f"/api/class/{CODE}").status_code == 200
        for code in ("AAAA11", "BBBB22", "CCCC33"):
            assert api.get(f"/api/class/{code}").status_code == 404
        for path in (f"/api/class/{CODE}", "/api/class/DDDD44"):
            refused = api.get(path)
            assert refused.status_code == 429, path
            assert refused.json()["error"]["code"] == "too_many_guesses"
            assert 1 <= int(refused.headers["retry-after"]) <= 60
        # Joining with a code counts against the same address too.
        join = api.post("/api/sessions", params={"class_code": CODE, "name": "eve"}, json={"preset": "xor"})
        assert join.status_code == 429
        # The teacher token has its own count.
        wrong = {"authorization": "Bearer not-the-teacher-token"}
        assert [api.get("/api/teacher/board", headers=wrong).status_code for _ in range(4)] == [
            403,
            403,
            403,
            429,
        ]
        assert api.get("/api/teacher/board", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 429


def test_a_wrong_code_when_joining_is_a_field_error_and_counts_as_a_guess():
    with TestClient(class_app(guesses_per_minute=2)) as api:
        for _ in range(2):
            response = api.post(
                "/api/sessions", params={"class_code": "NOPE99", "name": "eve"}, json={"preset": "xor"}
            )
            assert (
                response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "class_code"
            )
        assert api.get(f"/api/class/{CODE}").status_code == 429


def _next_of(ws, kind: str) -> dict:
    message = ws.receive_json(mode="binary")
    while message["type"] != kind:
        message = ws.receive_json(mode="binary")
    return message


def test_a_lesson_opened_in_the_class_joins_it_and_broadcasts_reach_it(api):
    before = set(api.app.state.sessions.sessions)
    wrong = api.post("/api/lessons/01-forward-pass/steps/1/session?class_code=NOPE42&name=dee")
    assert wrong.status_code == 422 and wrong.json()["error"]["fields"][0]["field"] == "class_code"
    assert set(api.app.state.sessions.sessions) == before  # refused before anything was built
    response = api.post(
        f"/api/lessons/01-forward-pass/steps/2/session?class_code={CODE}&name=dee&seat=dee-tablet-0001"
    )
    assert response.status_code == 201, response.text
    sid = response.json()["id"]
    rows = teacher(api, "get", "/api/teacher/board").json()
    assert [(r["student"], r["preset"]) for r in rows] == [("dee", response.json()["config"]["preset"])]
    with api.websocket_connect(f"/ws/sessions/{sid}") as ws:
        assert ws.receive_json(mode="binary")["type"] == "topology"
        reached = teacher(api, "post", "/api/teacher/broadcast", json={"config": {"preset": "xor"}}).json()
        assert reached == {"students": 1, "sockets": 1}
        assert _next_of(ws, "broadcast")["config"]["data"]["name"] == "xor"


def test_the_teacher_sends_everyone_to_a_lesson_step(api):
    ids = [join(api, name) for name in ("ann", "bob")]
    lessons = api.get("/api/lessons").json()
    target = lessons[1]
    with (
        api.websocket_connect(f"/ws/sessions/{ids[0]}") as first,
        api.websocket_connect(f"/ws/sessions/{ids[1]}") as second,
    ):
        for ws in (first, second):
            assert ws.receive_json(mode="binary")["type"] == "topology"
        result = teacher(
            api,
            "post",
            "/api/teacher/lesson",
            json={"lesson": target["id"], "step": 2, "message": "look at the loss"},
        ).json()
        assert result == {"students": 2, "sockets": 2}
        for ws in (first, second):
            message = _next_of(ws, "lesson")
            assert (message["lesson"], message["step"], message["title"], message["message"]) == (
                target["id"],
                2,
                target["title"],
                "look at the loss",
            )
            lesson = api.get(f"/api/lessons/{target['id']}").json()
            assert message["step_title"] == lesson["steps"][1]["title"]
    # A student who comes later sees it in the class's view.
    assert api.get(f"/api/class/{CODE}").json()["lesson"]["lesson"] == target["id"]
    for body, field in (
        ({"lesson": "no-such-lesson"}, "lesson"),
        ({"lesson": target["id"], "step": target["steps"] + 1}, "step"),
        ({"lesson": target["id"], "step": 0}, "step"),
    ):
        response = teacher(api, "post", "/api/teacher/lesson", json=body)
        assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == field
    assert api.post("/api/teacher/lesson", json={"lesson": target["id"]}).status_code == 401


def test_the_teacher_resets_one_students_run(api):
    ann, bob = join(api, "ann"), join(api, "bob")
    for sid in (ann, bob):
        api.post(f"/api/sessions/{sid}/step", json={"steps": 12})
    first = api.get(f"/api/sessions/{ann}").json()["snapshot"]["params"]
    row = next(r for r in teacher(api, "get", "/api/teacher/board").json() if r["student"] == "ann")
    with api.websocket_connect(f"/ws/sessions/{ann}") as ws:
        assert ws.receive_json(mode="binary")["type"] == "topology"
        assert _next_of(ws, "snapshot")["step"] == 12
        response = teacher(api, "post", f"/api/teacher/students/{row['handle']}/reset")
        assert response.status_code == 200 and response.json()["step"] == 0
        assert response.json()["student"] == "ann"
        assert _next_of(ws, "snapshot")["step"] == 0  # the student's page shows it at once
    again = api.get(f"/api/sessions/{ann}").json()["snapshot"]
    assert again["step"] == 0 and again["params"] != first
    assert api.get(f"/api/sessions/{bob}").json()["snapshot"]["step"] == 12  # only that student
    assert teacher(api, "post", "/api/teacher/students/0123456789/reset").status_code == 404
    assert api.post(f"/api/teacher/students/{row['handle']}/reset").status_code == 401


def test_the_join_link_names_an_address_students_can_reach(api):
    from app.lan import lan_addresses

    seen_as = teacher(api, "get", "/api/teacher/class").json()  # TestClient's host: "testserver"
    assert seen_as["join_url"] == f"http://testserver/?class={CODE}"
    qr = seen_as["join_qr"]
    assert qr.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in qr and "<path" in qr
    local = api.get(
        "/api/teacher/class", headers={"authorization": f"Bearer {TOKEN}", "host": "127.0.0.1:8000"}
    ).json()
    lan = lan_addresses()
    assert all(not a.startswith("127.") for a in lan)
    expected = [f"http://{a}:8000/?class={CODE}" for a in lan] or [f"http://127.0.0.1:8000/?class={CODE}"]
    assert local["join_urls"] == expected and local["join_url"] == expected[0]
    assert local["join_qr"] != seen_as["join_qr"]  # the QR code is of the link shown
