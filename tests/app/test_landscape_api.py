"""GET /api/sessions/{id}/landscape: the grid, the path, every bad parameter, the budgets."""

import pytest

from tests.app.conftest import strict_json

XOR_2881 = {
    "layers": [2, 8, 8, 1],
    "activations": ["tanh", "tanh", "sigmoid"],
    "loss": "bce",
    "data": {"name": "xor", "n": 200, "noise": 0.0, "test_fraction": 0.5},
    "batch": {"size": 10, "order": "shuffle"},
}


def create(client, config=XOR_2881) -> str:
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def fields_of(response) -> list[str]:
    return [f["field"] for f in response.json()["error"]["fields"]]


def test_the_landscape_of_a_trained_session_is_centred_on_its_training_loss(client):
    sid = create(client)
    client.post(f"/api/sessions/{sid}/step", json={"steps": 20})
    response = client.get(f"/api/sessions/{sid}/landscape", params={"seed": 4, "resolution": 7, "span": 0.5})
    assert response.status_code == 200, response.text
    body = strict_json(response.content)
    assert body["directions"] == "random" and body["seed"] == 4 and body["resolution"] == 7
    assert body["axis"][0] == -0.5 and body["axis"][3] == 0.0 and body["axis"][6] == 0.5
    assert len(body["loss"]) == 7 and all(len(row) == 7 for row in body["loss"])
    assert body["points"] == 49 and body["stopped_early"] is None
    snapshot = client.get(f"/api/sessions/{sid}").json()["snapshot"]
    assert body["center_loss"] == body["loss"][3][3] == snapshot["loss"]["train"]
    path = body["path"]
    assert path["steps"] == [0, 8, 16, 20]  # the checkpoints, then the step now
    assert path["alpha"][-1] == path["beta"][-1] == 0.0
    again = client.get(f"/api/sessions/{sid}/landscape", params={"seed": 4, "resolution": 7, "span": 0.5})
    assert again.json()["loss"] == body["loss"]


def test_weight_directions_name_their_weights(client):
    sid = create(client)
    response = client.get(
        f"/api/sessions/{sid}/landscape",
        params={"directions": "weights", "weights": "W1[0,2], b3[0]", "resolution": 5},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["weights"] == ["W1[0,2]", "b3[0]"] and "seed" not in body
    assert body["path"]["residual"] == [0.0]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"directions": "diagonal"}, "directions"),
        ({"seed": -1}, "seed"),
        ({"seed": "one"}, "seed"),
        ({"span": 0}, "span"),
        ({"span": "nan"}, "span"),
        ({"span": "inf"}, "span"),
        ({"span": 1e9}, "span"),
        ({"resolution": 1}, "resolution"),
        ({"resolution": 20}, "resolution"),
        ({"resolution": 1001}, "resolution"),
        ({"directions": "weights"}, "weights"),
        ({"directions": "weights", "weights": "W1[0,0]"}, "weights"),
        ({"directions": "weights", "weights": "W1[0,0],W1[0,0]"}, "weights"),
        ({"directions": "weights", "weights": "W1[0,0],W7[0,0]"}, "weights"),
        ({"directions": "weights", "weights": "W1[0,0],W1[0,99]"}, "weights"),
        ({"directions": "weights", "weights": "W1[0,0],x"}, "weights"),
    ],
)
def test_every_bad_parameter_is_a_422_naming_it(client, params, field):
    sid = create(client)
    response = client.get(f"/api/sessions/{sid}/landscape", params=params)
    assert response.status_code == 422, response.text
    assert field in fields_of(response), response.text


@pytest.mark.nnplay_settings(landscape_max_work=1_000_000)
def test_a_landscape_over_the_work_budget_is_refused_naming_the_resolution(client):
    sid = create(client)
    # 88 multiply-adds a row (2*8 + 8*8 + 8*1), 100 training rows: 9x9 is 712,800, 11x11 1,064,800.
    ok = client.get(f"/api/sessions/{sid}/landscape", params={"resolution": 9})
    assert ok.status_code == 200, ok.text
    response = client.get(f"/api/sessions/{sid}/landscape", params={"resolution": 11})
    assert response.status_code == 422 and fields_of(response) == ["resolution"]
    assert "NNPLAY_LANDSCAPE_MAX_WORK" in response.json()["error"]["message"]


@pytest.mark.nnplay_settings(call_seconds=0.02, landscape_max_work=10**12)
def test_a_landscape_over_its_time_budget_says_how_far_it_got(client):
    sid = create(client, {"preset": "two-layer-digits"})
    body = client.get(f"/api/sessions/{sid}/landscape", params={"resolution": 101}).json()
    assert body["stopped_early"] == "time budget"
    assert 0 < body["points"] < 101 * 101
    cells = [value for row in body["loss"] for value in row]
    assert None not in cells[: body["points"]]
    assert set(cells[body["points"] :]) == {None}


def test_an_unknown_session_is_a_404(client):
    assert client.get("/api/sessions/" + "x" * 22 + "/landscape").status_code == 404
