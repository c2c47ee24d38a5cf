"""Every REST route: success, bad input and unknown id; the seed numbers through the API."""

import csv
import io
import json
import re

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

UNKNOWN = "x" * 22


def strict_json(text: str):
    def refuse(name):
        raise ValueError(f"{name} in JSON")

    return json.loads(text, parse_constant=refuse)


@pytest.fixture
def api():
    settings = Settings(allowed_hosts=["testserver"], max_sessions=20, max_steps_per_call=5000)
    with TestClient(create_app(settings)) as client:
        yield client


def create(api, **config):
    response = api.post("/api/sessions", json=config)
    assert response.status_code == 201, response.text
    return response.json()


def fields_of(response):
    body = response.json()
    assert set(body) == {"error"}
    return [f["field"] for f in body["error"]["fields"]]


def test_health_presets_and_datasets(api):
    assert api.get("/api/health").json()["status"] == "ok"
    assert api.get("/api/ready").json() == {"status": "ready", "process": None}  # one alone: always
    presets = api.get("/api/presets").json()
    ids = [p["id"] for p in presets]
    assert {
        "seed-2-3-1",
        "seed-2-3-1-train",
        "perceptron-and",
        "two-layer-digits",
        "keras-mlp",
        "linear-4-4-4-4",
        "xor",
        "circle",
        "spiral",
    } <= set(ids)
    seed = presets[ids.index("seed-2-3-1")]
    assert seed["title"] and seed["description"] and seed["config"]["layers"] == [2, 3, 1]
    datasets = {d["name"]: d for d in api.get("/api/datasets").json()}
    assert datasets["circle"]["kind"] == "classification"
    assert datasets["circle"]["params"]["noise"]["max"] == 0.5
    assert {"gate-and", "digits", "mnist", "inline", "plane"} <= set(datasets)


def test_each_data_set_says_the_output_units_its_loaded_rows_need(api):
    datasets = {d["name"]: d for d in api.get("/api/datasets").json()}
    outputs = {name: d["output_dim"] for name, d in datasets.items()}
    assert outputs["digits"] == outputs["mnist"] == 10 and outputs["inline"] is outputs["csv"] is None
    assert {n for n, k in outputs.items() if k == 1} == set(outputs) - {"digits", "mnist", "inline", "csv"}
    for name, entry in datasets.items():
        if name in ("mnist", "inline", "csv"):
            continue  # no files here; the rows given decide
        loaded = api.post("/api/datasets/check", json={"data": {"name": name}}).json()
        assert loaded["output_dim"] == entry["output_dim"], name


def test_a_session_names_its_preset_only_while_it_is_that_preset(api):
    assert create(api, preset="xor", optimizer={"lr": 0.3})["config"]["preset"] == "xor"
    for change in ({"data": {"name": "moons"}}, {"layers": [2, 6, 1]}):
        sid = create(api, preset="xor", **change)["id"]
        # What the session reports later, and what the class board reads, say the same.
        assert api.get(f"/api/sessions/{sid}").json()["config"]["preset"] is None, change


def test_create_from_a_preset_alone_and_read_it_back(api):
    body = create(api, preset="seed-2-3-1")
    assert len(body["id"]) >= 22  # 128 bits in URL-safe base64
    assert body["config"]["bias"] is False and body["config"]["data"]["name"] == "inline"
    snap = body["snapshot"]
    assert snap["step"] == 0 and snap["status"] == "ready" and snap["grads"] is None
    assert snap["params"][0]["W"] == [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]]
    assert snap["params"][0]["b"] is None
    assert [round(a, 4) for a in snap["activations"][0]["a"][0]] == [0.7311, 0.7858, 0.69]
    again = api.get(f"/api/sessions/{body['id']}").json()
    assert again["snapshot"] == snap and again["config"] == body["config"]


def test_create_rejects_bad_configs_with_named_fields(api):
    cases = [
        ({"preset": "nope"}, "preset"),
        ({"preset": "xor", "optimizer": {"lr": 0}}, "optimizer.lr"),
        ({"preset": "xor", "optimizer": {"lr": 1000}}, "optimizer.lr"),
        ({"preset": "xor", "layers": [2, 5000, 1]}, "layers[1]"),
        ({"preset": "xor", "layers": [2] + [3] * 9 + [1]}, "layers"),
        ({"preset": "xor", "colour": "red"}, "colour"),
        ({"preset": "xor", "seed": "1"}, "seed"),
        ({"preset": "xor", "bias": 1}, "bias"),
        ({"preset": "xor", "layers": [3, 4, 1]}, "layers[0]"),
        ({"preset": "xor", "loss": "cce"}, "loss"),
        ({"preset": "xor", "data": {"name": "circle", "noise": 0.9}}, "data.noise"),
        ({"preset": "two-layer-mnist"}, "data.name"),
    ]
    for config, field in cases:
        response = api.post("/api/sessions", json=config)
        assert response.status_code == 422, (config, response.text)
        assert field in fields_of(response), (config, response.json())
    for raw, field in (
        ('{"preset": "xor", "optimizer": {"lr": NaN}}', "optimizer.lr"),
        ('{"preset": "xor", "optimizer": {"lr": Infinity}}', "optimizer.lr"),
        ('{"preset": "xor", "optimizer": {"lr": 1e999}}', "optimizer.lr"),
        ('{"preset": "xor", "init": {"scheme": "uniform", "low": -1e999}}', "init.low"),
    ):
        response = api.post("/api/sessions", content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422 and field in fields_of(response)
    response = api.post("/api/sessions", content="{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422


def test_unknown_ids_get_the_same_404_everywhere(api):
    routes = [
        ("get", ""),
        ("delete", ""),
        ("post", "/step"),
        ("post", "/forward"),
        ("get", "/gradients"),
        ("get", "/landscape"),
        ("put", "/params"),
        ("patch", ""),
        ("post", "/reset"),
        ("get", "/history"),
        ("get", "/export"),
        ("get", "/explain/neuron?layer=1&unit=0"),
        ("get", "/explain/weight?layer=1&i=0&j=0"),
    ]
    bodies = {
        "/step": {"steps": 1},
        "/forward": {"inputs": [[1, 1]]},
        "/params": {"params": [{"W": [[1.0]], "b": None}]},
        "": {"optimizer": {"lr": 0.1}},
    }
    seen = set()
    for method, path in routes:
        kwargs = {"json": bodies[path]} if method in ("post", "put", "patch") and path in bodies else {}
        response = getattr(api, method)(f"/api/sessions/{UNKNOWN}{path}", **kwargs)
        assert response.status_code == 404, (method, path, response.text)
        seen.add(response.text)
    assert len(seen) == 1  # nothing tells a never-issued id from an expired one
    sid = create(api, preset="xor")["id"]
    assert api.delete(f"/api/sessions/{sid}").status_code == 204
    assert api.get(f"/api/sessions/{sid}").text in seen


def test_forward_of_the_2_3_1_gives_the_seed_numbers(api):
    sid = create(api, preset="seed-2-3-1")["id"]
    body = api.post(
        f"/api/sessions/{sid}/forward", json={"inputs": [[1, 1]], "targets": [[0]], "explain": True}
    ).json()
    assert [round(z, 4) for z in body["layers"][0]["z"][0]] == [1.0, 1.3, 0.8]
    assert round(body["output"][0][0], 4) == 1.2332
    assert round(body["loss"], 4) == 1.5208
    neuron = body["explain"][0][0][0]  # row 0, layer 1, unit 0
    assert [(t["input_value"], t["weight_value"]) for t in neuron["terms"]] == [(1.0, 0.8), (1.0, 0.2)]
    assert round(neuron["a"], 4) == 0.7311 and neuron["activation"] == "sigmoid"
    for bad, field in (
        ({"inputs": [[1, 1, 1]]}, "inputs"),
        ({"inputs": [[1, 1]], "targets": [[0, 1]]}, "targets"),
        ({"inputs": []}, "inputs"),
        ({"inputs": [[1, "a"]]}, "inputs[0][1]"),
        ({"inputs": [[1, 1]], "extra": 1}, "extra"),
    ):
        response = api.post(f"/api/sessions/{sid}/forward", json=bad)
        assert response.status_code == 422 and field in fields_of(response), (bad, response.text)


def test_explain_routes_give_the_chain_rule(api):
    sid = create(api, preset="seed-2-3-1")["id"]
    weight = api.get(f"/api/sessions/{sid}/explain/weight?layer=1&i=0&j=0").json()
    assert [round(f["value"], 4) for f in weight["factors"]] == [2.4664, 0.3, 0.1966, 1.0]
    assert round(weight["gradient"], 5) == 0.14548
    neuron = api.get(f"/api/sessions/{sid}/explain/neuron?layer=2&unit=0").json()
    assert round(neuron["z"], 4) == 1.2332 and neuron["a_symbol"] == "y_hat"
    for query, field in (
        ("layer=3&unit=0", "layer"),
        ("layer=1&unit=3", "unit"),
        ("layer=0&unit=0", "layer"),
        ("layer=1&unit=0&sample=1", "sample"),
    ):
        response = api.get(f"/api/sessions/{sid}/explain/neuron?{query}")
        assert response.status_code == 422 and field in fields_of(response), (query, response.text)
    response = api.get(f"/api/sessions/{sid}/explain/weight?layer=1&i=2&j=0")
    assert response.status_code == 422 and "i" in fields_of(response)


def test_one_hundred_steps_of_finite_differences_through_the_api(api):
    sid = create(api, preset="seed-2-3-1-train")["id"]
    snap = api.post(f"/api/sessions/{sid}/step", json={"steps": 100}).json()["snapshot"]
    assert snap["step"] == 100 and snap["status"] == "paused"
    assert snap["loss"]["train"] == pytest.approx(3.05e-4, abs=5e-7)
    history = api.get(f"/api/sessions/{sid}/history").json()
    assert history["step"] == list(range(101))
    assert round(history["train_loss"][0], 5) == 0.33455
    assert set(history) >= {"step", "train_loss", "test_loss", "train_accuracy", "test_accuracy"}


def test_step_by_epochs_phases_and_bad_step_requests(api):
    sid = create(api, preset="perceptron-and")["id"]
    snap = api.post(f"/api/sessions/{sid}/step", json={"epochs": 10}).json()["snapshot"]
    assert snap["step"] == 40 and snap["epoch"] == 10
    assert snap["params"][0]["W"] == [[pytest.approx(0.1)], [pytest.approx(0.2)]]
    sid = create(api, preset="seed-2-3-1")["id"]
    phases = []
    for name in ("forward", "loss", "backward", "update"):
        snap = api.post(f"/api/sessions/{sid}/step", json={"phase": name}).json()["snapshot"]
        phases.append(snap["phase"])
    assert phases == ["forward", "loss", "backward", "update"] and snap["step"] == 1
    assert round(snap["pending"]["grads"][0]["W"][0][0], 5) == 0.14548
    assert api.post(f"/api/sessions/{sid}/step", json={}).json()["snapshot"]["step"] == 2
    for bad, field in (
        ({"steps": 0}, "steps"),
        ({"steps": 5001}, "steps"),
        ({"steps": 1, "epochs": 1}, "steps"),
        ({"phase": "sideways"}, "phase"),
        ({"steps": 1.5}, "steps"),
        ({"jump": 1}, "jump"),
    ):
        response = api.post(f"/api/sessions/{sid}/step", json=bad)
        assert response.status_code == 422 and field in fields_of(response), (bad, response.text)


def test_gradient_check_route(api):
    sid = create(api, preset="two-layer-digits")["id"]
    body = api.get(f"/api/sessions/{sid}/gradients?method=numeric-central&epsilon=1e-4&samples=50").json()
    assert body["samples"] == 50 and body["parameters"] == 64 * 50 + 50 + 50 * 10 + 10
    assert len(body["backprop"]) == len(body["numeric"]) == len(body["check"]) == 2
    assert all(layer[k]["max_rel"] < 1e-5 for layer in body["check"] for k in ("W", "b"))
    assert body["cost"]["numeric"]["loss_evaluations"] == 1 + 2 * body["parameters"]
    for query, field in (
        ("method=guess", "method"),
        ("epsilon=0", "epsilon"),
        ("epsilon=nan", "epsilon"),
        ("samples=0", "samples"),
    ):
        response = api.get(f"/api/sessions/{sid}/gradients?{query}")
        assert response.status_code == 422 and field in fields_of(response), (query, response.text)
    big = create(api, preset="keras-mlp")["id"]
    response = api.get(f"/api/sessions/{big}/gradients")
    assert response.status_code == 422 and "samples" in fields_of(response)


def test_edit_params_takes_effect_at_once(api):
    sid = create(api, preset="seed-2-3-1")["id"]
    params = [{"W": [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]], "b": None}, {"W": [[0.0], [0.5], [0.9]], "b": None}]
    snap = api.put(f"/api/sessions/{sid}/params", json={"params": params}).json()["snapshot"]
    assert snap["params"][1]["W"] == [[0.0], [0.5], [0.9]]
    assert snap["activations"][1]["a"][0][0] == pytest.approx(0.7858 * 0.5 + 0.69 * 0.9, abs=1e-4)
    for bad, field in (
        ([{"W": [[1.0, 2.0]], "b": None}, params[1]], "params[0].W"),
        ([params[0]], "params"),
        ([{"W": params[0]["W"], "b": [1.0, 2.0, 3.0]}, params[1]], "params[0].b"),
    ):
        response = api.put(f"/api/sessions/{sid}/params", json={"params": bad})
        assert response.status_code == 422 and field in fields_of(response), (bad, response.text)
    assert api.get(f"/api/sessions/{sid}").json()["snapshot"]["params"][1]["W"] == [[0.0], [0.5], [0.9]]


def test_patch_changes_live_settings_and_refuses_topology(api):
    sid = create(api, preset="xor")["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 5})
    body = api.patch(f"/api/sessions/{sid}", json={"optimizer": {"lr": 0.05}, "batch": {"size": 20}}).json()
    assert body["config"]["optimizer"]["lr"] == 0.05 and body["config"]["batch"]["size"] == 20
    assert body["snapshot"]["step"] == 5
    for bad, field in (
        ({"layers": [2, 3, 1]}, "layers"),
        ({"activations": ["relu", "relu", "sigmoid"]}, "activations"),
        ({"bias": False}, "bias"),
        ({"optimizer": {"lr": -1}}, "optimizer.lr"),
        ({"seed": 4}, "seed"),
        ({"batch": {"size": 1000}}, "batch.size"),
    ):
        response = api.patch(f"/api/sessions/{sid}", json=bad)
        assert response.status_code == 422 and field in fields_of(response), (bad, response.text)
    assert api.get(f"/api/sessions/{sid}").json()["config"]["optimizer"]["lr"] == 0.05


def test_reset_returns_the_same_initial_params(api):
    body = create(api, preset="circle", seed=5)
    sid = body["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 40})
    snap = api.post(f"/api/sessions/{sid}/reset").json()["snapshot"]
    assert snap["params"] == body["snapshot"]["params"] and snap["step"] == 0
    assert api.get(f"/api/sessions/{sid}/history").json()["step"] == [0]


def test_history_csv_and_bad_format(api):
    sid = create(api, preset="xor")["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 3})
    response = api.get(f"/api/sessions/{sid}/history?format=csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["step"] for r in rows] == ["0", "1", "2", "3"] and rows[0]["train_accuracy"]
    response = api.get(f"/api/sessions/{sid}/history?format=xml")
    assert response.status_code == 422 and fields_of(response) == ["format"]


def test_export_and_import_make_a_session_in_the_same_state(api):
    sid = create(api, preset="spiral", seed=2)["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 12})
    doc = api.get(f"/api/sessions/{sid}/export").json()
    assert {"config", "params", "history"} <= set(doc)
    copy = api.post("/api/sessions/import", json=doc)
    assert copy.status_code == 201
    new = copy.json()["id"]
    assert (
        new != sid
        and copy.json()["snapshot"]["params"] == api.get(f"/api/sessions/{sid}").json()["snapshot"]["params"]
    )
    a = api.post(f"/api/sessions/{sid}/step", json={"steps": 7}).json()["snapshot"]
    b = api.post(f"/api/sessions/{new}/step", json={"steps": 7}).json()["snapshot"]
    assert a["params"] == b["params"] and a["loss"] == b["loss"]
    for bad in (
        {"config": {"preset": "xor"}},
        {"params": []},
        {"config": {"preset": "nope"}, "params": []},
        {"config": {"preset": "xor"}, "params": [{"W": [[1]]}]},
    ):
        assert api.post("/api/sessions/import", json=bad).status_code == 422, bad


def test_an_import_is_checked_like_a_new_session_and_a_bad_one_makes_nothing(api):
    sid = create(api, preset="xor")["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 3})
    doc = api.get(f"/api/sessions/{sid}/export").json()
    nested: object = 1
    for _ in range(300):
        nested = {"a": nested}
    big = {"name": "inline", "inputs": [[10**30]], "targets": [[1]]}
    for change, field in (
        ({"step": 2**70}, "step"),
        ({"step": 2**63 - 1}, "step"),
        ({"status": "diverged", "divergence": nested}, "divergence.step"),
        ({"status": "diverged", "divergence": "boom"}, "divergence"),
        ({"status": "sleeping"}, "status"),
        ({"history": {}}, "history"),
        ({"config": {**doc["config"], "data": big}}, "config.data.inputs[0][0]"),
        ({"config": {**doc["config"], "optimizer": {"lr": 500}}}, "config.optimizer.lr"),
        ({"last_grads": [{"W": [[1.0]], "b": None}]}, "last_grads"),
        ({"batcher": {**doc["batcher"], "permutation": [999] * 100}}, "batcher"),
        ({"batcher": {**doc["batcher"], "position": -3}}, "batcher"),
    ):
        before = api.get("/api/health").json()["sessions"]
        response = api.post("/api/sessions/import", json={**doc, **change})
        assert response.status_code == 422, (change, response.text)
        assert field in fields_of(response), (field, response.json())
        assert api.get("/api/health").json()["sessions"] == before, "a refused import made a session"
    assert api.post("/api/sessions/import", json=doc).status_code == 201  # the real one still goes


def test_grid_on_snapshot_routes(api):
    sid = create(api, preset="xor")["id"]
    snap = api.get(f"/api/sessions/{sid}?grid=10").json()["snapshot"]
    grid = snap["grid"]
    assert len(grid["x"]) == len(grid["y"]) == 10
    assert len(grid["output"]) == 1 and len(grid["output"][0]) == 10 and len(grid["output"][0][0]) == 10
    assert [len(layer) for layer in grid["layers"]] == [4, 2]
    assert api.get(f"/api/sessions/{sid}?grid=1").status_code == 422
    digits = create(api, preset="two-layer-digits")["id"]
    assert api.get(f"/api/sessions/{digits}?grid=10").json()["snapshot"]["grid"] is None


def test_a_diverged_session_stays_strict_json(api):
    sid = create(
        api,
        preset="xor",
        layers=[2, 4, 1],
        activations=["tanh", "linear"],
        loss="mse",
        optimizer={"name": "sgd", "lr": 100},
    )["id"]
    response = api.post(f"/api/sessions/{sid}/step", json={"steps": 500})
    snap = strict_json(response.text)["snapshot"]
    assert snap["status"] == "diverged" and snap["divergence"]["array"]
    assert api.post(f"/api/sessions/{sid}/step", json={"steps": 1}).status_code == 409
    strict_json(api.get(f"/api/sessions/{sid}/export").text)
    strict_json(api.get(f"/api/sessions/{sid}/history").text)
    strict_json(api.get(f"/api/sessions/{sid}?grid=20").text)


def test_restore_takes_a_diverged_session_back_to_its_last_good_step(api):
    # Parameters far over 1e6 but finite: the server keeps them itself, no round trip.
    sid = create(
        api,
        preset="xor",
        data={"name": "plane"},
        activations=["tanh", "tanh", "linear"],
        loss="mse",
        optimizer={"name": "sgd", "lr": 100},
    )["id"]
    assert api.post(f"/api/sessions/{sid}/restore").status_code == 409  # not diverged
    snap = api.post(f"/api/sessions/{sid}/step", json={"steps": 500}).json()["snapshot"]
    assert snap["status"] == "diverged"
    good = snap["step"]
    assert snap["divergence"]["step"] == good + 1
    assert max(abs(v) for layer in snap["params"] for row in layer["W"] for v in row) > 1e6
    restored = strict_json(api.post(f"/api/sessions/{sid}/restore").text)["snapshot"]
    assert restored["status"] == "paused" and restored["divergence"] is None
    assert restored["step"] == good and restored["params"] == snap["params"]
    assert restored["phase"] is None
    assert api.post(f"/api/sessions/{sid}/restore").status_code == 409  # once is enough
    assert api.patch(f"/api/sessions/{sid}", json={"optimizer": {"lr": 1e-9}}).status_code == 200
    assert api.post(f"/api/sessions/{sid}/step", json={"steps": 2}).json()["snapshot"]["step"] == good + 2
    assert api.post(f"/api/sessions/{UNKNOWN}/restore").status_code == 404


def test_session_limit_answers_503_with_retry_after():
    with TestClient(create_app(Settings(allowed_hosts=["testserver"], max_sessions=2))) as api:
        create(api, preset="xor")
        create(api, preset="xor")
        response = api.post("/api/sessions", json={"preset": "xor"})
        assert response.status_code == 503 and response.headers["retry-after"]
        assert response.json()["error"]["code"] == "busy"


def test_pages_and_plotly_are_served_locally(api):
    page = api.get("/")
    scripts = re.findall(r'src="(/vendor/[^"]+/plotly.min.js)"', page.text)
    assert page.status_code == 200 and len(scripts) == 1 and "/static/" in page.text
    js = api.get(scripts[0])
    assert js.status_code == 200 and len(js.content) > 1_000_000
    assert api.get("/docs").status_code == 200
    assert api.get("/openapi.json").json()["info"]["title"] == "nnplay"


def test_allowed_origins_setting_takes_json_or_commas(monkeypatch):
    monkeypatch.setenv("NNPLAY_ALLOWED_ORIGINS", "http://lab-1:8000, http://lab-2:8000")
    assert Settings().allowed_origins == ["http://lab-1:8000", "http://lab-2:8000"]
    monkeypatch.setenv("NNPLAY_ALLOWED_ORIGINS", '["http://lab-3:8000"]')
    assert Settings().allowed_origins == ["http://lab-3:8000"]


def test_small_contract_points(api):
    sid = create(api, preset="xor")["id"]
    assert api.post(f"/api/sessions/{sid}/step").json()["snapshot"]["step"] == 1  # no body: one step
    assert api.get(f"/api/sessions/{'z' * 300}").status_code == 404  # long ids: the same 404
    assert api.post("/api/sessions?name=ann", json={"preset": "xor"}).status_code == 422
    phased = create(api, preset="seed-2-3-1")["id"]
    snap = api.post(f"/api/sessions/{phased}/step", json={"phase": "forward"}).json()["snapshot"]
    assert snap["epoch"] == 0  # a drawn batch is not an epoch until it is learned
    grid = api.get(f"/api/sessions/{sid}?grid=5&units=1").json()["snapshot"]["grid"]
    assert [len(layer) for layer in grid["layers"]] == [1, 1] and len(grid["output"]) == 1


def test_epochs_count_against_the_steps_limit(api):
    sid = create(api, preset="two-layer-digits", batch={"size": 1, "order": "shuffle"})["id"]
    response = api.post(f"/api/sessions/{sid}/step", json={"epochs": 10})
    assert response.status_code == 422 and fields_of(response) == ["epochs"]
    assert "14,380 steps" in response.json()["error"]["message"]


def test_time_travel_views_and_continues_from_an_earlier_step(api):
    sid = create(api, preset="circle", seed=11)["id"]
    initial = api.get(f"/api/sessions/{sid}").json()["snapshot"]["params"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 30})
    reference = create(api, preset="circle", seed=11)["id"]
    seen = api.post(f"/api/sessions/{reference}/step", json={"steps": 17}).json()["snapshot"]
    assert api.get(f"/api/sessions/{sid}/at/0").json()["snapshot"]["params"] == initial
    past = api.get(f"/api/sessions/{sid}/at/17").json()["snapshot"]
    assert past["params"] == seen["params"] and past["step"] == 17 and past["viewing_past"] is True
    assert api.get(f"/api/sessions/{sid}").json()["snapshot"]["step"] == 30  # it did not move
    figure_past = api.get(f"/api/sessions/{sid}/figure?panel=network&step=17").content
    figure_ref = api.get(f"/api/sessions/{reference}/figure?panel=network").content
    assert figure_past.replace(b"at step 17", b"") == figure_ref.replace(b"at step 17", b"")
    snap = api.post(f"/api/sessions/{sid}/rewind", json={"step": 17}).json()["snapshot"]
    assert snap["step"] == 17 and snap["params"] == seen["params"]
    assert api.get(f"/api/sessions/{sid}/history").json()["step"] == list(range(18))
    a = api.post(f"/api/sessions/{sid}/step", json={"steps": 5}).json()["snapshot"]
    b = api.post(f"/api/sessions/{reference}/step", json={"steps": 5}).json()["snapshot"]
    assert a["params"] == b["params"]
    for bad in (f"/api/sessions/{sid}/at/999",):
        response = api.get(bad)
        assert response.status_code == 422 and fields_of(response) == ["step"]
    response = api.post(f"/api/sessions/{sid}/rewind", json={"step": 999})
    assert response.status_code == 422 and fields_of(response) == ["step"]


def test_time_travel_after_an_import_reaches_back_to_the_import_and_refuses_before(api):
    sid = create(api, preset="circle", seed=4)["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 30})
    doc = api.get(f"/api/sessions/{sid}/export").json()
    new = api.post("/api/sessions/import", json=doc).json()["id"]
    assert api.get(f"/api/sessions/{sid}").json()["snapshot"]["earliest_step"] == 0
    assert api.get(f"/api/sessions/{new}").json()["snapshot"]["earliest_step"] == 30
    assert api.get(f"/api/sessions/{new}/history").json()["step"] == list(range(31))
    # Before the import's step: a 409 that says why, on every route that goes back.
    for response in (
        api.get(f"/api/sessions/{new}/at/10"),
        api.get(f"/api/sessions/{new}/explain/neuron?layer=1&unit=0&step=10"),
        api.get(f"/api/sessions/{new}/figure?panel=network&step=10"),
        api.post(f"/api/sessions/{new}/rewind", json={"step": 10}),
    ):
        assert response.status_code == 409, response.text
        assert "keeps its states from step 30 on" in response.json()["error"]["message"]
    assert api.get(f"/api/sessions/{new}").json()["snapshot"]["step"] == 30  # nothing moved
    # From the import on, the past is exact again.
    api.post(f"/api/sessions/{new}/step", json={"steps": 6})
    api.post(f"/api/sessions/{sid}/step", json={"steps": 6})
    for step in (30, 33):
        ours = api.get(f"/api/sessions/{new}/at/{step}").json()["snapshot"]
        theirs = api.get(f"/api/sessions/{sid}/at/{step}").json()["snapshot"]
        assert ours["params"] == theirs["params"] and ours["step"] == step
    assert api.post(f"/api/sessions/{new}/rewind", json={"step": 33}).json()["snapshot"]["step"] == 33
    # A reset starts the timeline over: step 0 is the run's own again.
    api.post(f"/api/sessions/{new}/reset")
    api.post(f"/api/sessions/{new}/step", json={"steps": 3})
    assert api.get(f"/api/sessions/{new}").json()["snapshot"]["earliest_step"] == 0
    assert api.get(f"/api/sessions/{new}/at/1").status_code == 200


def test_explaining_and_drawing_an_earlier_step(api):
    sid = create(api, preset="seed-2-3-1")["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 5})
    then = api.get(f"/api/sessions/{sid}/explain/weight?layer=1&i=0&j=0&step=0").json()
    assert then["step"] == 0 and round(then["product"], 5) == 0.14548
    now = api.get(f"/api/sessions/{sid}/explain/neuron?layer=2&unit=0").json()
    assert now["step"] == 5 and round(now["z"], 4) != 1.2332
    past = api.get(f"/api/sessions/{sid}/explain/neuron?layer=2&unit=0&step=0").json()
    assert round(past["z"], 4) == 1.2332
    grid = api.get(f"/api/sessions/{sid}/at/2?grid=8").json()["snapshot"]["grid"]
    assert grid["encoding"] == "u8" and len(grid["x"]) == 8 and grid["output"][0]["data"]
    assert api.get(f"/api/sessions/{sid}/explain/neuron?layer=1&unit=0&step=99").status_code == 422


def test_step_until_a_target_says_it_was_reached(api):
    sid = create(api, preset="perceptron-and")["id"]  # 4 rows, one at a time: 4 steps an epoch
    api.post(f"/api/sessions/{sid}/step", json={"steps": 2})
    body = api.post(f"/api/sessions/{sid}/step", json={"until": {"epochs": 3}}).json()
    assert (body["snapshot"]["step"], body["snapshot"]["epoch"], body["steps_taken"]) == (12, 3, 10)
    assert body["reached"] == "reached 3 epochs (epoch 3, step 12)" and body["stopped_early"] is None
    # A step's target lasts that call: the session plays towards none.
    assert body["snapshot"]["until"] is None and body["snapshot"]["playing"] is False
    assert api.get(f"/api/sessions/{sid}").json()["snapshot"]["until"] is None
    body = api.post(f"/api/sessions/{sid}/step", json={"until": {"steps": 5}}).json()
    assert body["snapshot"]["step"] == 17 and body["reached"] == "reached 5 steps (step 17)"

    sid = create(api, preset="circle", seed=3)["id"]
    start = api.get(f"/api/sessions/{sid}").json()["snapshot"]["loss"]["test"]
    body = api.post(f"/api/sessions/{sid}/step", json={"until": {"test_loss": start / 2}}).json()
    step = body["snapshot"]["step"]
    history = api.get(f"/api/sessions/{sid}/history").json()
    assert history["step"][-1] == step and body["steps_taken"] == step
    assert history["test_loss"][-1] <= start / 2 < min(history["test_loss"][:-1])
    assert body["reached"] == f"test loss {history['test_loss'][-1]:.4g} <= {start / 2:g} at step {step:,}"

    # With steps, those are the most it takes: a target not reached by then is not reached.
    body = api.post(f"/api/sessions/{sid}/step", json={"steps": 20, "until": {"train_loss": 1e-9}}).json()
    assert (body["steps_taken"], body["reached"], body["snapshot"]["step"]) == (20, None, step + 20)


def test_bad_untils_are_refused_naming_the_field(api):
    sid = create(api, preset="xor", metrics={"every": 0})["id"]
    for bad, field in (
        ({"until": {}}, "until"),
        ({"until": {"steps": 5, "epochs": 1}}, "until"),
        ({"until": {"steps": None}}, "until"),
        ({"until": {"steps": 0}}, "until.steps"),
        ({"until": {"steps": 5001}}, "until.steps"),  # more than one call may take
        ({"until": {"epochs": 5001}}, "until.epochs"),  # at least a step an epoch
        ({"until": {"test_loss": -1}}, "until.test_loss"),
        ({"until": {"test_loss": "low"}}, "until.test_loss"),
        ({"until": {"train_loss": 0.1}}, "until.train_loss"),  # metrics.every 0: never measured
        ({"until": {"accuracy": 0.9}}, "until.accuracy"),
        ({"until": {"steps": 5}, "phase": "loss"}, "until"),
    ):
        response = api.post(f"/api/sessions/{sid}/step", json=bad)
        assert response.status_code == 422 and field in fields_of(response), (bad, response.text)
    assert api.get(f"/api/sessions/{sid}").json()["snapshot"]["step"] == 0
