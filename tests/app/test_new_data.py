"""Sessions on the function data sets, and "new data": the data drawn afresh, the weights kept
(POST /api/sessions/{id}/new-data and the socket's `new_data`)."""

from __future__ import annotations

import pytest

from tests.app.test_socket import create, next_message, next_snapshot, send, watch

SINE = {"layers": [2, 4, 1], "activations": ["tanh", "sigmoid"], "data": {"name": "sine", "noise": 0.1}}


def fields_of(response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


@pytest.mark.parametrize("name", ["sine", "cubic", "abs"])
def test_sessions_on_the_function_sets(client, name):
    listed = {d["name"]: d for d in client.get("/api/datasets").json()}
    assert listed[name]["kind"] == "classification" and listed[name]["input_dim"] == 2
    sid = create(client, **{**SINE, "data": {"name": name}})
    body = client.post(f"/api/sessions/{sid}/step", json={"steps": 20}).json()
    assert body["snapshot"]["step"] == 20
    assert client.get(f"/api/sessions/{sid}").json()["config"]["data"] == {
        "name": name,
        "n": 200,
        "noise": 0.0,
        "test_fraction": 0.5,
    }


def test_new_data_keeps_the_weights_bit_for_bit(client):
    sid = create(client, **SINE, seed=3)
    before = client.post(f"/api/sessions/{sid}/step", json={"steps": 15}).json()["snapshot"]
    export_before = client.get(f"/api/sessions/{sid}/export").json()
    response = client.post(f"/api/sessions/{sid}/new-data", json={"seed": 77})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["config"]["data"]["seed"] == 77 and body["config"]["seed"] == 3
    assert body["snapshot"]["params"] == before["params"] and body["snapshot"]["step"] == 15
    after = client.get(f"/api/sessions/{sid}/export").json()
    assert after["params"] == export_before["params"]
    # The run goes on from there, on the new data; a session made with data.seed 77 from
    # the start has the same rows (what an export reloads).
    assert client.post(f"/api/sessions/{sid}/step", json={"steps": 2}).json()["snapshot"]["step"] == 17
    imported = client.post("/api/sessions/import", json=client.get(f"/api/sessions/{sid}/export").json())
    assert imported.status_code == 201, imported.text
    assert imported.json()["config"]["data"]["seed"] == 77


def test_new_data_without_a_seed_draws_one(client):
    sid = create(client, **SINE)
    first = client.post(f"/api/sessions/{sid}/new-data").json()["config"]["data"]["seed"]
    second = client.post(f"/api/sessions/{sid}/new-data", json={}).json()["config"]["data"]["seed"]
    assert isinstance(first, int) and isinstance(second, int) and first != second


def test_new_data_refuses_a_bad_seed_by_name(client):
    sid = create(client, **SINE)
    for bad in (-1, 2**32, 1.5, "7"):
        response = client.post(f"/api/sessions/{sid}/new-data", json={"seed": bad})
        assert response.status_code == 422 and fields_of(response) == ["seed"], response.text
    assert "seed" not in client.get(f"/api/sessions/{sid}").json()["config"]["data"]
    assert client.post("/api/sessions/" + "x" * 22 + "/new-data").status_code == 404


def test_the_socket_new_data_sends_the_new_points_and_keeps_the_weights(client):
    sid = create(client, **SINE, seed=2)
    with watch(client, sid) as (ws, topology, first):
        send(ws, type="step", steps=4)
        stepped = next_snapshot(ws, lambda f: f["step"] == 4)
        send(ws, type="new_data", seed=5)
        changed = next_message(ws, "topology")
        assert changed["config"]["data"]["seed"] == 5
        assert changed["points"]["train"]["x"] != topology["points"]["train"]["x"]
        assert next_message(ws, "config")["config"]["data"]["seed"] == 5
        assert next_snapshot(ws)["params"] == stepped["params"]
        send(ws, type="new_data", seed=-3)
        error = next_message(ws, "error")
        assert error["code"] == "invalid_input" and error["fields"][0]["field"] == "seed"


@pytest.mark.parametrize(
    ("data", "fixed"),
    [
        ({"name": "gate-and"}, True),  # the four rows, nothing drawn
        ({"name": "gate-and", "noise": 0.1}, False),  # jitter drawn
        ({"name": "gate-and", "test_fraction": 0.5}, False),  # a test split drawn
        ({"name": "inline", "inputs": [[0, 0], [1, 1]], "labels": [0, 1]}, True),
        (
            {"name": "inline", "inputs": [[0, 0], [1, 1], [2, 2]], "labels": [0, 1, 1], "test_fraction": 0.4},
            False,
        ),
        ({"name": "sine"}, False),  # points drawn
    ],
)
def test_new_data_where_no_seed_changes_the_rows_is_refused_naming_data_seed(client, data, fixed):
    sid = create(client, layers=[2, 1], activations=["sigmoid"], data=data)
    with watch(client, sid) as (ws, topology, first):
        reason = topology["dataset"]["fixed_rows"]
        assert (reason is not None) == fixed
        response = client.post(f"/api/sessions/{sid}/new-data", json={"seed": 9})
        if not fixed:
            assert response.status_code == 200, response.text
            return
        assert response.status_code == 422 and fields_of(response) == ["data.seed"], response.text
        assert response.json()["error"]["fields"][0]["reason"] == f"new data would be the same rows: {reason}"
        assert "seed" not in client.get(f"/api/sessions/{sid}").json()["config"]["data"]  # nothing changed
        send(ws, type="new_data")
        error = next_message(ws, "error")
        assert [f["field"] for f in error["fields"]] == ["data.seed"]
