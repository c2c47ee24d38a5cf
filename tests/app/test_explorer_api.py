"""The explorer routes and the diagnostics route."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings


@pytest.fixture
def api():
    with TestClient(create_app(Settings(allowed_hosts=["testserver"]))) as client:
        yield client


def test_activation_curve_route(api):
    body = api.get("/api/explorer/activation?name=sigmoid&low=-2&high=2&points=5").json()
    assert body["z"] == [-2.0, -1.0, 0.0, 1.0, 2.0]
    assert round(body["a"][3], 4) == 0.7311 and body["da"][2] == pytest.approx(0.25)
    for query, field in (
        ("name=swish", "name"),
        ("name=tanh&points=1", "points"),
        ("name=tanh&low=3&high=1", "high"),
        ("name=tanh&low=nan", "low"),
    ):
        response = api.get(f"/api/explorer/activation?{query}")
        assert response.status_code == 422
        assert field in [f["field"] for f in response.json()["error"]["fields"]], query


def test_loss_explorer_route(api):
    body = api.post("/api/explorer/losses", json={"prediction": [0.8], "target": [1]}).json()
    names = [row["name"] for row in body["losses"]]
    assert names == ["mse", "sse", "bce", "cce"]
    for bad in (
        {"prediction": [0.5, 0.5], "target": [1]},
        {"prediction": [1.5], "target": [1]},
        {"prediction": [], "target": []},
    ):
        assert api.post("/api/explorer/losses", json=bad).status_code == 422


def test_diagnostics_route(api):
    sid = api.post(
        "/api/sessions",
        json={
            "preset": "xor",
            "activations": ["sigmoid", "sigmoid", "sigmoid"],
            "init": {"scheme": "normal", "std": 30.0},
        },
    ).json()["id"]
    findings = api.get(f"/api/sessions/{sid}/diagnostics").json()
    assert findings and findings[0]["kind"] == "saturated" and findings[0]["units"]
    assert api.get("/api/sessions/unknown-id/diagnostics").status_code == 404
