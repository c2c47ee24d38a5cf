"""Sessions whose network sees features of the plane: create, step, export/import, the grids
and input thumbnails, explanations, refusals, and a restart of a server with a store."""

import json

from fastapi.testclient import TestClient

from app.main import create_app
from core.features import FEATURES
from core.run import Run
from core.snapshot import snapshot
from tests.app.conftest import make_settings
from tests.app.test_socket import create, next_message, send, watch

SQUARES = {
    "preset": "circle",
    "features": ["x1^2", "x2^2", "sin(x1)"],
    "layers": [3, 3, 1],
    "activations": ["tanh", "sigmoid"],
}


def error_fields(response) -> dict:
    return {f["field"]: f["reason"] for f in response.json()["error"]["fields"]}


def test_a_session_with_features_creates_steps_exports_and_imports(client):
    created = client.post("/api/sessions", json=SQUARES)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["config"]["features"] == SQUARES["features"] and body["config"]["layers"] == [3, 3, 1]
    sid = body["id"]
    stepped = client.post(f"/api/sessions/{sid}/step", json={"steps": 25}).json()["snapshot"]
    # The same numbers as the engine's run of the same config: the API adds nothing.
    run = Run(SQUARES)
    run.step(25)
    assert stepped["params"] == json.loads(json.dumps(snapshot(run)["params"]))
    assert stepped["probe"]["inputs"][0] == run.network_data.x_train[0].tolist()  # the features
    doc = client.get(f"/api/sessions/{sid}/export").json()
    assert doc["config"]["features"] == SQUARES["features"]
    copy = client.post("/api/sessions/import", json=doc)
    assert copy.status_code == 201 and copy.json()["config"]["features"] == SQUARES["features"]
    a = client.post(f"/api/sessions/{sid}/step", json={"steps": 9}).json()["snapshot"]
    b = client.post(f"/api/sessions/{copy.json()['id']}/step", json={"steps": 9}).json()["snapshot"]
    assert a["params"] == b["params"] and a["loss"] == b["loss"]


def test_bad_features_are_refused_naming_the_field(client):
    for config, field in (
        ({**SQUARES, "layers": [2, 3, 1]}, "layers[0]"),
        ({**SQUARES, "features": ["x1", "x1"], "layers": [2, 3, 1]}, "features[1]"),
        ({**SQUARES, "features": ["x3"]}, "features[0]"),
        ({**SQUARES, "features": []}, "features"),
        ({"preset": "two-layer-digits", "features": ["x1^2"]}, "features"),
    ):
        response = client.post("/api/sessions", json=config)
        assert response.status_code == 422 and field in error_fields(response), (config, response.text)


def test_features_change_the_topology_so_a_patch_or_a_set_refuses_them(client):
    sid = create(client, **SQUARES)
    response = client.patch(f"/api/sessions/{sid}", json={"features": ["x1", "x2"]})
    assert response.status_code == 422
    assert error_fields(response) == {"features": "changes the topology; start a new session instead"}
    with watch(client, sid) as (ws, _, _):
        send(ws, type="set", features=["x1", "x2"])
        error = next_message(ws, "error")
        assert [f["field"] for f in error["fields"]] == ["features"]


def test_the_grids_and_the_input_thumbnails_follow_the_features(client):
    sid = create(client, **SQUARES)
    grid = client.get(f"/api/sessions/{sid}?grid=12").json()["snapshot"]["grid"]
    assert len(grid["x"]) == 12 and grid["x"][0] == -6 and grid["x"][-1] == 6  # the raw plane
    assert [len(layer) for layer in grid["layers"]] == [3]
    past = client.get(f"/api/sessions/{sid}/at/0?grid=20").json()["snapshot"]["grid"]
    assert list(past["features"]) == list(FEATURES)  # the u8 grid of the past: every feature's thumbnail
    # x1^2 over the plane: 0 in the middle, 36 at the edges.
    assert past["features"]["x1^2"]["low"] < 0.2 and past["features"]["x1^2"]["high"] == 36
    with watch(client, sid, "?grid=20") as (_, topology, first):
        assert topology["config"]["features"] == SQUARES["features"]
        assert topology["points"]["train"]["x"][0] == Run(SQUARES).data.x_train[0].tolist()  # raw points
        thumbs = first["grid_axes"]["features"]
        assert thumbs == past["features"]
        assert 0.9 < thumbs["sin(x1)"]["high"] <= 1  # sin(x1) on the thumbnails' cells
    plain = create(client, preset="xor")
    with watch(client, plain, "?grid=20") as (_, _, first):
        assert first["grid_axes"]["features"] == thumbs  # x1 and x2 get their thumbnails too


def test_explanations_name_an_input_by_its_feature(client):
    sid = create(client, **SQUARES)
    neuron = client.get(f"/api/sessions/{sid}/explain/neuron?layer=1&unit=0").json()
    assert [t["input"] for t in neuron["terms"]] == SQUARES["features"]
    weight = client.get(f"/api/sessions/{sid}/explain/weight?layer=1&i=2&j=0").json()
    assert weight["factors"][-1]["meaning"] == "the input on this edge, sin(x1)"
    plain = create(client, preset="xor")
    neuron = client.get(f"/api/sessions/{plain}/explain/neuron?layer=1&unit=0").json()
    assert [t["input"] for t in neuron["terms"]] == ["x1", "x2"]


def test_the_fields_route_lists_every_feature(client):
    fields = client.get("/api/config/fields").json()
    (entry,) = [f for f in fields if f["path"] == "features"]
    assert entry["choices"] == list(FEATURES) and entry["default"] == ["x1", "x2"] and entry["topology"]


def test_a_restarted_server_brings_a_features_session_back(tmp_path):
    settings = make_settings(data_dir=tmp_path, save_interval_seconds=3600)
    with TestClient(create_app(settings)) as client:
        sid = create(client, **SQUARES)
        client.post(f"/api/sessions/{sid}/step", json={"steps": 13})
        before = client.get(f"/api/sessions/{sid}/export").json()
    with TestClient(create_app(settings)) as client:
        after = client.get(f"/api/sessions/{sid}/export").json()
        assert after["config"]["features"] == SQUARES["features"]
        assert after["params"] == before["params"] and after["step"] == 13


def test_points_drawn_or_brought_take_features(client):
    """A session of drawn points (inline rows with the plane's box) and one of a 2-column
    CSV both take features; more points drawn later are the plane's two inputs."""
    drawn = {
        "name": "inline",
        "inputs": [[0, 0], [3, 0], [0, -3], [1, 1]],
        "labels": [1, 0, 0, 1],
        "domain": [[-4, 4], [-4, 4]],
    }
    sid = create(client, **{**SQUARES, "preset": None, "data": drawn})
    stepped = client.post(f"/api/sessions/{sid}/step", json={"steps": 3}).json()["snapshot"]
    assert stepped["step"] == 3 and stepped["probe"]["inputs"][0] == [0.0, 0.0, 0.0]  # x1^2, x2^2, sin(x1)
    more = client.put(f"/api/sessions/{sid}/data", json={"inputs": [[2, -1], [0.5, 0.5]], "labels": [0, 1]})
    assert more.status_code == 200, more.text
    assert more.json()["config"]["features"] == SQUARES["features"]
    text = "a,b,label\n0,0,1\n3,0,0\n0,-3,0\n1,1,1\n"
    csv = client.post(
        "/api/sessions", json={**SQUARES, "preset": None, "data": {"name": "csv", "text": text}}
    )
    assert csv.status_code == 201, csv.text
    assert csv.json()["config"]["features"] == SQUARES["features"]
