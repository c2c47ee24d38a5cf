"""POST /api/sessions/{id}/fork: a twin session, its difference in words, bad input, limits."""

import pytest

from tests.app.conftest import strict_json

UNKNOWN = "x" * 22


def create(client, **config):
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def fork(client, session_id, body=None):
    return client.post(f"/api/sessions/{session_id}/fork", json=body)


def fields_of(response):
    return [f["field"] for f in response.json()["error"]["fields"]]


def test_an_empty_fork_is_a_new_session_that_steps_on_exactly_as_its_original(client):
    original = create(client, preset="xor")
    client.post(f"/api/sessions/{original}/step", json={"steps": 7})
    response = fork(client, original, {})
    assert response.status_code == 201
    twin = strict_json(response.text)
    assert twin["id"] != original and twin["twin_of"] == original
    assert twin["difference"] == "this run vs its copy"
    assert twin["snapshot"]["step"] == 7
    for session in (original, twin["id"]):
        client.post(f"/api/sessions/{session}/step", json={"steps": 20})
    a, b = (client.get(f"/api/sessions/{s}/export").json() for s in (original, twin["id"]))
    assert a["params"] == b["params"] and a["history"] == b["history"] and a["step"] == b["step"] == 27


def test_a_fork_without_a_body_is_a_copy_too(client):
    original = create(client, preset="seed-2-3-1")
    response = client.post(f"/api/sessions/{original}/fork")
    assert response.status_code == 201 and response.json()["difference"] == "this run vs its copy"


def test_a_fork_changes_the_settings_given_and_names_the_difference(client):
    original = create(client, preset="xor")
    client.post(f"/api/sessions/{original}/step", json={"steps": 3})
    twin = fork(client, original, {"optimizer": {"lr": 0.3}, "activations": ["relu", "relu", "sigmoid"]})
    assert twin.status_code == 201
    body = twin.json()
    assert body["difference"] == "act tanh, lr 0.1 vs act relu, lr 0.3"
    assert body["sides"] == ["act tanh, lr 0.1", "act relu, lr 0.3"]
    assert body["config"]["optimizer"]["lr"] == 0.3
    assert body["snapshot"]["step"] == 3
    before = client.get(f"/api/sessions/{original}").json()
    assert before["config"]["optimizer"]["lr"] == 0.1 and before["snapshot"]["step"] == 3
    reseeded = fork(client, original, {"seed": 4}).json()
    assert reseeded["difference"] == "seed 0 vs seed 4" and reseeded["snapshot"]["step"] == 0
    # Its batches are its original's, also once exported and imported.
    exported = client.get(f"/api/sessions/{reseeded['id']}/export").json()
    assert exported["streams"] == 0
    assert client.post("/api/sessions/import", json=exported).status_code == 201
    refused = client.post("/api/sessions/import", json={**exported, "streams": -1})
    assert refused.status_code == 422 and fields_of(refused) == ["streams"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"optimizer": {"lr": -1}}, "optimizer.lr"),
        ({"optimizer": {"lr": "fast"}}, "optimizer.lr"),
        ({"batch": {"size": 500}}, "batch.size"),
        ({"layers": [3, 4, 1]}, "layers[0]"),
        ({"preset": "circle"}, "preset"),
        ({"bogus": 1}, "bogus"),
        ([1, 2], "body"),
    ],
)
def test_bad_changes_are_a_422_naming_the_field(client, body, field):
    original = create(client, preset="xor")
    response = fork(client, original, body)
    assert response.status_code == 422
    assert field in fields_of(response)


def test_an_unknown_session_is_a_404(client):
    response = fork(client, UNKNOWN, {})
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.mark.nnplay_settings(max_sessions=2)
def test_a_twin_counts_against_the_session_limit(client, app):
    original = create(client, preset="xor")
    assert fork(client, original, {}).status_code == 201
    full = fork(client, original, {"optimizer": {"lr": 0.5}})
    assert full.status_code == 503 and full.headers["retry-after"]
    assert len(app.state.sessions.sessions) == 2


def test_the_difference_of_two_sessions_is_named_as_a_fork_names_it(client):
    original = create(client, preset="xor")
    twin = fork(client, original, {"batch": {"size": None}}).json()
    response = client.get(f"/api/sessions/{original}/difference/{twin['id']}")
    assert response.status_code == 200
    assert response.json() == {"difference": twin["difference"], "sides": twin["sides"]}
    assert twin["difference"] == "batch 10 vs batch full"
    other = create(client, preset="xor", optimizer={"name": "adam"})
    assert client.get(f"/api/sessions/{other}/difference/{original}").json()["sides"] == [
        "optimizer adam",
        "optimizer sgd",
    ]
    for a, b in ((original, UNKNOWN), (UNKNOWN, original)):
        assert client.get(f"/api/sessions/{a}/difference/{b}").status_code == 404
