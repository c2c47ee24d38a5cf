"""Drawn data over the API: PUT /api/sessions/{id}/data and the socket's `data` command
replace a session's rows, its weights and history kept, the change marked for the curves."""

from __future__ import annotations

import asyncio

import pytest

from tests.app.test_socket import collect, create, next_message, next_snapshot, send, watch

CIRCLE = {
    "layers": [2, 4, 1],
    "activations": ["tanh", "sigmoid"],
    "data": {"name": "circle", "n": 60},
    "batch": {"size": 10},
    "seed": 3,
}
THREE = {
    "layers": [2, 5, 3],
    "activations": ["tanh", "softmax"],
    "loss": "cce",
    "data": {"name": "inline", "inputs": [[0, 0], [1, 0], [0, 1]], "labels": [0, 1, 2]},
}
PLANE = {"layers": [2, 3, 1], "activations": ["tanh", "linear"], "loss": "mse", "data": {"name": "plane"}}
DRAWN = {"inputs": [[1.0, 2.0], [-3.0, 0.5], [4.0, -4.0]], "labels": [0, 1, 1]}


def fields_of(response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


def test_put_data_keeps_the_weights_and_history_and_marks_the_step(client):
    sid = create(client, **CIRCLE)
    before = client.post(f"/api/sessions/{sid}/step", json={"steps": 12}).json()["snapshot"]
    response = client.put(f"/api/sessions/{sid}/data", json=DRAWN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["snapshot"]["params"] == before["params"] and body["snapshot"]["step"] == 12
    assert body["data_changes"] == [{"step": 12, "rows": 3}]
    data = body["config"]["data"]
    assert (
        data["name"] == "inline" and data["inputs"] == DRAWN["inputs"] and data["labels"] == DRAWN["labels"]
    )
    assert data["test_fraction"] == 0.0 and data["domain"] == [[-6.0, 6.0], [-6.0, 6.0]]
    assert body["config"]["batch"]["size"] == 3  # capped at the rows
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert history["step"] == list(range(13))  # the history goes on, unbroken
    stepped = client.post(f"/api/sessions/{sid}/step", json={"steps": 4}).json()["snapshot"]
    assert stepped["step"] == 16 and stepped["params"] != before["params"]


def test_the_marks_travel_with_an_export_and_an_import(client):
    sid = create(client, **CIRCLE)
    client.post(f"/api/sessions/{sid}/step", json={"steps": 5})
    client.put(f"/api/sessions/{sid}/data", json=DRAWN)
    client.post(f"/api/sessions/{sid}/step", json={"steps": 5})
    exported = client.get(f"/api/sessions/{sid}/export").json()
    assert exported["data_changes"] == [{"step": 5, "rows": 3}]
    imported = client.post("/api/sessions/import", json=exported)
    assert imported.status_code == 201, imported.text
    again = client.get(f"/api/sessions/{imported.json()['id']}/export").json()
    assert again["data_changes"] == exported["data_changes"] and again["params"] == exported["params"]
    damaged = client.post("/api/sessions/import", json={**exported, "data_changes": [{"step": 5, "rows": 0}]})
    assert damaged.status_code == 422 and fields_of(damaged) == ["data_changes[0].rows"], damaged.text


def test_more_classes_and_regression(client):
    sid = create(client, **THREE)
    response = client.put(
        f"/api/sessions/{sid}/data", json={"inputs": [[0.2, 0.2], [0.9, 0.9]], "labels": [2, 2]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["config"]["data"]["targets"] == [[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]]
    sid = create(client, **PLANE)
    response = client.put(f"/api/sessions/{sid}/data", json={"inputs": [[1.0, 1.0]], "targets": [[2.5]]})
    assert response.status_code == 200, response.text
    assert client.post(f"/api/sessions/{sid}/step", json={"steps": 2}).json()["snapshot"]["step"] == 2


@pytest.mark.parametrize(
    ("body", "fields", "words"),
    [
        ({"inputs": [], "labels": []}, ["inputs"], "empty"),
        ({"inputs": [[1.0, 2.0, 3.0]], "labels": [0]}, ["inputs"], "input layer"),
        ({"inputs": [[1.0, 2.0], [1.0]], "labels": [0, 1]}, ["inputs"], "same length"),
        ({"inputs": [[1.0, 2.0]], "labels": [3]}, ["labels"], "classes are 0 to 1"),
        ({"inputs": [[1.0, 2.0]], "labels": [-1]}, ["labels[0]"], "greater than or equal to 0"),
        ({"inputs": [[1.0, 2.0]], "labels": [0, 1]}, ["labels"], "2 labels"),
        ({"inputs": [[1.0, 2.0]], "labels": [0], "targets": [[1.0]]}, ["labels"], "not both"),
        ({"inputs": [[1.0, 2.0]]}, ["targets"], "targets"),
        ({"inputs": [[1.0, 2.0]], "targets": [[0.5, 0.5]]}, ["targets"], "output layer"),
        ({"inputs": [["a", 2.0]], "labels": [0]}, ["inputs[0][0]"], "number"),
        ({"labels": [0]}, ["inputs"], "required"),
        ({"inputs": [[1.0, 2.0]], "labels": [0], "colour": 1}, ["colour"], "unknown field"),
    ],
)
def test_put_data_refuses_bad_rows_by_name(client, body, fields, words):
    sid = create(client, **CIRCLE)
    before = client.get(f"/api/sessions/{sid}").json()["config"]
    response = client.put(f"/api/sessions/{sid}/data", json=body)
    assert response.status_code == 422, response.text
    assert fields_of(response) == fields and words in response.text, response.text
    assert client.get(f"/api/sessions/{sid}").json()["config"] == before


def test_rows_past_the_session_memory_limit_are_refused_by_name(client, app):
    sid = create(client, **CIRCLE)
    session = app.state.sessions.sessions[sid]
    session.memory_limit = session.memory  # no room to grow
    many = {"inputs": [[0.001 * i, 0.0] for i in range(10_000)], "labels": [i % 2 for i in range(10_000)]}
    response = client.put(f"/api/sessions/{sid}/data", json=many)
    assert response.status_code == 422 and fields_of(response) == ["inputs"], response.text
    assert "memory" in response.text
    assert client.get(f"/api/sessions/{sid}").json()["config"]["data"]["name"] == "circle"
    fewer = client.put(f"/api/sessions/{sid}/data", json=DRAWN)  # fewer rows: never refused
    assert fewer.status_code == 200, fewer.text
    assert session.memory <= session.memory_limit


def test_put_data_on_no_session_is_a_404(client):
    assert client.put("/api/sessions/" + "x" * 22 + "/data", json=DRAWN).status_code == 404


def test_the_socket_data_command_sends_the_new_points_and_the_marks(client):
    sid = create(client, **CIRCLE)
    with watch(client, sid) as (ws, topology, first):
        assert topology["data_changes"] == []
        send(ws, type="step", steps=6)
        stepped = next_snapshot(ws, lambda f: f["step"] == 6)
        send(ws, type="data", **DRAWN)
        changed = next_message(ws, "topology")
        assert changed["points"]["train"]["x"] == DRAWN["inputs"]
        assert changed["points"]["train"]["labels"] == DRAWN["labels"]
        assert changed["points"]["test"]["x"] == [] and changed["dataset"]["n_train"] == 3
        assert changed["dataset"]["domain"] == topology["dataset"]["domain"]
        assert changed["data_changes"] == [{"step": 6, "rows": 3}]
        assert next_message(ws, "config")["config"]["data"]["inputs"] == DRAWN["inputs"]
        assert next_snapshot(ws)["params"] == stepped["params"]
        send(ws, type="data", inputs=[[0.0, 0.0]], labels=[5])
        error = next_message(ws, "error")
        assert error["code"] == "invalid_input" and error["fields"][0]["field"] == "labels", error
        send(ws, type="data", inputs=[], labels=[])
        error = next_message(ws, "error")
        assert error["fields"][0]["field"] == "inputs" and "empty" in error["fields"][0]["reason"], error


def test_an_edit_while_playing_keeps_playing_on_the_new_rows(client):
    sid = create(client, **CIRCLE)
    with watch(client, sid) as (ws, _, _first):
        send(ws, type="play", steps_per_second=200)
        next_snapshot(ws, lambda f: f["step"] >= 10)
        send(ws, type="data", **DRAWN)
        changed = next_message(ws, "topology")
        mark = changed["data_changes"][0]["step"]
        later = next_snapshot(ws, lambda f: f["step"] >= mark + 10)
        assert later["playing"] and later["status"] == "running"
        send(ws, type="pause")
        collect(ws, 0.2)
    history = client.get(f"/api/sessions/{sid}/history").json()
    assert history["step"] == list(range(len(history["step"])))  # no step lost or repeated
    assert client.get(f"/api/sessions/{sid}/export").json()["data_changes"] == [{"step": mark, "rows": 3}]


def test_the_drawn_rows_and_marks_come_back_after_a_restart(tmp_path):
    from app import commands
    from app.persistence import Persistence, open_store
    from app.sessions import SessionManager
    from app.settings import Settings
    from core.run import Run

    settings = Settings(data_dir=tmp_path, max_sessions=10)

    async def scenario():
        manager = SessionManager(settings)
        persistence = Persistence(open_store(tmp_path)[0], manager, interval=60)
        session = await manager.create(lambda: Run(CIRCLE))
        await session.step(steps=4)
        await commands.replace_rows(session, DRAWN["inputs"], DRAWN["labels"])
        await session.step(steps=3)
        await persistence.save_changed()
        params = [a.tolist() for a in session.run.param_arrays()]
        persistence.store.close()

        again = SessionManager(settings)
        restored = Persistence(open_store(tmp_path)[0], again, interval=60)
        assert restored.restore() == 1
        back = again.sessions[session.id].run
        assert back.data_changes == [{"step": 4, "rows": 3}] and back.step_count == 7
        assert back.data.x_train.tolist() == DRAWN["inputs"]
        assert [a.tolist() for a in back.param_arrays()] == params
        restored.store.close()

    asyncio.run(scenario())
