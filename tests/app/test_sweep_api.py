"""POST/GET/DELETE /api/sessions/{id}/sweep: results, background work, limits, progress."""

import time

import pytest

from core.run import Run
from core.sweep import sweep
from tests.app.conftest import strict_json, ws_receive_json

XOR = {"preset": "xor"}
LONG = {"field": "optimizer.lr", "values": [0.01 * k for k in range(1, 17)], "steps": 5000}


def create(client, config=XOR) -> str:
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def finished(client, sid: str, timeout: float = 60.0) -> dict:
    """The sweep's status once it is over (polled; generous, never a time check)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = strict_json(client.get(f"/api/sessions/{sid}/sweep").content)
        if body["status"] in ("done", "stopped", "failed"):
            return body
        time.sleep(0.02)
    raise AssertionError("the sweep did not finish")


def test_a_sweep_answers_at_once_and_its_results_are_the_engines_for_the_sessions_state(client):
    sid = create(client)
    client.post(f"/api/sessions/{sid}/step", json={"steps": 7})
    body = {"field": "optimizer.lr", "from": 0.01, "to": 1, "count": 3, "steps": 60}
    response = client.post(f"/api/sessions/{sid}/sweep", json=body)
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/api/sessions/{sid}/sweep"
    started = response.json()
    assert started["status"] in ("queued", "running") and started["of"] == 180
    assert started["values"] == [0.01, 0.1, 1]
    over = finished(client, sid)
    assert over["status"] == "done" and over["done"] == 180 and over["stopped_early"] is None
    run = Run(XOR)
    run.step(7)
    expected = sweep(run, "optimizer.lr", [0.01, 0.1, 1], 60)["results"]
    assert over["results"] == expected  # the same numbers, bit for bit
    snapshot = client.get(f"/api/sessions/{sid}").json()["snapshot"]
    assert snapshot["step"] == 7  # the session itself did not move


def test_one_sweep_at_a_time_the_session_answers_meanwhile_and_delete_stops_it(client, app):
    sid = create(client)
    assert client.post(f"/api/sessions/{sid}/sweep", json=LONG).status_code == 202
    manager = app.state.sessions
    session = manager.sessions[sid]
    assert session.borrowed > 0  # its copies count against the server's memory
    again = client.post(f"/api/sessions/{sid}/sweep", json={"field": "optimizer.lr", "values": [0.1]})
    assert again.status_code == 409 and "DELETE" in again.json()["error"]["message"]
    assert client.get(f"/api/sessions/{sid}").status_code == 200  # a cheap call, while it trains
    assert client.post(f"/api/sessions/{sid}/step", json={"steps": 3}).json()["steps_taken"] == 3
    assert client.get(f"/api/sessions/{sid}/sweep").json()["status"] in ("queued", "running")
    assert client.delete(f"/api/sessions/{sid}/sweep").status_code == 204
    assert session.borrowed == 0  # DELETE returns once the sweep has stopped
    assert client.get(f"/api/sessions/{sid}/sweep").status_code == 404
    small = {"field": "optimizer.lr", "values": [0.1], "steps": 5}
    assert client.post(f"/api/sessions/{sid}/sweep", json=small).status_code == 202
    assert finished(client, sid)["status"] == "done"


@pytest.mark.nnplay_settings(sweep_seconds=0.05)
def test_a_sweep_over_its_time_budget_stops_with_the_variants_it_finished(client):
    sid = create(client)
    client.post(f"/api/sessions/{sid}/sweep", json=LONG)
    over = finished(client, sid)
    assert over["status"] == "stopped" and over["stopped_early"] == "time budget"
    assert over["done"] < over["of"] and len(over["results"]) < 16


def test_a_diverged_variant_is_a_result_without_nan(client):
    sid = create(client, {"preset": "seed-2-3-1", "activations": ["linear", "linear"]})
    client.post(
        f"/api/sessions/{sid}/sweep", json={"field": "optimizer.lr", "values": [0.01, 10], "steps": 20}
    )
    calm, wild = finished(client, sid)["results"]  # strict_json: no NaN anywhere
    assert calm["diverged_at"] is None and calm["train_loss"] is not None
    assert wild["diverged_at"] == 5 and wild["train_loss"] is None and wild["test_loss"] is None


@pytest.mark.parametrize(
    "body, field",
    [
        ({"field": "layers", "values": [2]}, "field"),
        ({"field": "optimizer.momentum", "values": [0.5]}, "field"),  # sgd reads no momentum
        ({"field": "optimizer.lr", "values": [0.1, 0]}, "values"),
        ({"field": "optimizer.lr", "values": [0.1, "fast"]}, "values"),
        ({"field": "optimizer.lr", "values": []}, "values"),
        ({"field": "optimizer.lr", "values": [0.1] * 17}, "values"),
        ({"field": "optimizer.lr", "values": [0.1], "from": 0.1}, "from"),
        ({"field": "optimizer.lr", "from": 0.1, "to": 1}, "count"),
        ({"field": "optimizer.lr", "from": 0, "to": 1, "count": 3}, "from"),
        ({"field": "optimizer.lr", "from": 0.1, "to": 1, "count": 1}, "count"),
        ({"field": "optimizer.lr", "from": 0.1, "to": 1, "count": 3, "scale": "cubic"}, "scale"),
        ({"field": "optimizer.lr", "values": [0.1], "steps": 0}, "steps"),
        ({"field": "optimizer.lr", "values": [0.1], "steps": 10**6}, "steps"),
        ({"field": "optimizer.lr", "values": [0.1], "speed": 2}, "speed"),
        ({"values": [0.1]}, "field"),
    ],
)
def test_a_bad_sweep_is_a_422_naming_the_field(client, body, field):
    sid = create(client)
    response = client.post(f"/api/sessions/{sid}/sweep", json=body)
    assert response.status_code == 422, response.text
    assert [f["field"] for f in response.json()["error"]["fields"]] == [field]


@pytest.mark.nnplay_settings(sweep_max_work=10_000)
def test_a_sweep_over_its_work_budget_is_a_422_naming_steps(client):
    sid = create(client)
    response = client.post(f"/api/sessions/{sid}/sweep", json={"field": "optimizer.lr", "values": [0.1, 1]})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["fields"][0]["field"] == "steps" and "NNPLAY_SWEEP_MAX_WORK" in error["message"]


def test_no_session_or_no_sweep_is_a_404(client):
    body = {"field": "optimizer.lr", "values": [0.1]}
    assert client.post("/api/sessions/nope/sweep", json=body).status_code == 404
    sid = create(client)
    assert client.get(f"/api/sessions/{sid}/sweep").status_code == 404
    assert client.delete(f"/api/sessions/{sid}/sweep").status_code == 404


def test_the_sockets_of_the_session_are_told_how_far_the_sweep_got(client):
    sid = create(client)
    with client.websocket_connect(f"/ws/sessions/{sid}") as ws:
        body = {"field": "batch.size", "values": [1, 10, None], "steps": 300}
        client.post(f"/api/sessions/{sid}/sweep", json=body)
        told = []
        while not told or told[-1]["status"] not in ("done", "stopped", "failed"):
            message = ws_receive_json(ws, timeout=60)
            if message["type"] == "sweep":
                told.append(message)
    assert told[0]["status"] in ("queued", "running") and told[-1]["status"] == "done"
    dones = [m["done"] for m in told]
    assert dones == sorted(dones) and dones[-1] == told[-1]["of"] == 900
    assert [len(m["results"]) for m in told if m["done"] in (300, 600)][-2:] == [1, 2]
    assert told[-1]["results"] == client.get(f"/api/sessions/{sid}/sweep").json()["results"]


@pytest.mark.nnplay_settings(session_memory_mb=4)
def test_a_sweep_whose_copies_would_pass_the_session_memory_limit_is_a_422_naming_values(client):
    sid = create(client)  # about 3 MB: a copy of it and a variant would be twice that
    response = client.post(f"/api/sessions/{sid}/sweep", json={"field": "optimizer.lr", "values": [0.1]})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "values"
    assert "a session may use at most 4 MB" in response.json()["error"]["message"]


@pytest.mark.nnplay_settings(memory_mb=5, memory_base_mb=0)
def test_a_sweep_the_servers_memory_has_no_room_for_is_a_503_and_leaves_nothing_behind(client, app):
    sid = create(client)
    response = client.post(f"/api/sessions/{sid}/sweep", json={"field": "optimizer.lr", "values": [0.1]})
    assert response.status_code == 503 and response.headers["retry-after"]
    assert app.state.sessions.sessions[sid].borrowed == 0
    assert client.get(f"/api/sessions/{sid}/sweep").status_code == 404
