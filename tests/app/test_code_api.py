"""GET /api/sessions/{id}/code: the script as a download, its input checked by field."""

from __future__ import annotations

import ast

from app.codegen import MAX_STEPS
from tests.app.conftest import strict_json

UNKNOWN = "x" * 22


def create(client, **config) -> str:
    response = client.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def fields_of(response) -> list[str]:
    return [f["field"] for f in strict_json(response.text)["error"]["fields"]]


def test_each_framework_downloads_a_script(client):
    sid = create(client, preset="seed-2-3-1")
    for framework in ("numpy", "pytorch", "keras"):
        response = client.get(f"/api/sessions/{sid}/code", params={"framework": framework, "steps": 3})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/x-python")
        disposition = response.headers["content-disposition"]
        assert disposition == f'attachment; filename="nnplay-{sid[:8]}-{framework}.py"'
        ast.parse(response.text)
        assert "BATCH_SIZES = [1] * 3" in response.text


def test_the_session_does_not_move(client):
    sid = create(client, preset="xor")
    client.post(f"/api/sessions/{sid}/step", json={"steps": 5})
    before = client.get(f"/api/sessions/{sid}/export").json()
    assert client.get(f"/api/sessions/{sid}/code", params={"steps": 50}).status_code == 200
    after = client.get(f"/api/sessions/{sid}/export").json()
    assert after == before


def test_bad_input_names_the_field(client):
    sid = create(client, preset="xor")
    url = f"/api/sessions/{sid}/code"
    for params, field in (
        ({"framework": "jax"}, "framework"),
        ({"steps": 0}, "steps"),
        ({"steps": MAX_STEPS + 1}, "steps"),
        ({"steps": "many"}, "steps"),
    ):
        response = client.get(url, params=params)
        assert response.status_code == 422, params
        assert fields_of(response) == [field]
    assert client.get(f"/api/sessions/{UNKNOWN}/code").status_code == 404


def test_what_the_framework_cannot_say_is_a_422_naming_the_config_field(client):
    sid = create(client, preset="perceptron-and")
    response = client.get(f"/api/sessions/{sid}/code", params={"framework": "pytorch"})
    assert response.status_code == 422
    assert fields_of(response) == ["optimizer.name"]
    assert "numpy" in strict_json(response.text)["error"]["message"]
    numeric = create(client, preset="xor", gradient={"method": "numeric-forward"})
    response = client.get(f"/api/sessions/{numeric}/code")
    assert response.status_code == 422 and fields_of(response) == ["gradient.method"]


def test_a_network_too_big_to_write_out_is_refused(client):
    sid = create(client, layers=[2, 512, 512, 1], activations=["tanh", "tanh", "sigmoid"])
    response = client.get(f"/api/sessions/{sid}/code")
    assert response.status_code == 422
    assert fields_of(response) == ["layers"]


def test_a_diverged_run_has_no_next_steps(client):
    sid = create(
        client,
        preset="xor",
        layers=[2, 4, 1],
        activations=["tanh", "linear"],
        loss="mse",
        optimizer={"name": "sgd", "lr": 100},
    )
    response = client.post(f"/api/sessions/{sid}/step", json={"steps": 500})
    assert strict_json(response.text)["snapshot"]["status"] == "diverged"
    assert client.get(f"/api/sessions/{sid}/code").status_code == 409
