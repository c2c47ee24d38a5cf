"""CSV data through the API: a session from a CSV text, every bad file a 422 naming
data.text with its line and column (and nothing already there lost), the check route, and
export / import of a CSV session bit for bit."""

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from core.data.csv import MAX_TEXT_BYTES

FOUR_INPUTS = """sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.3,3.3,6.0,2.5,virginica
4.9,3.0,1.4,0.2,setosa
6.4,3.2,4.5,1.5,versicolor
5.8,2.7,5.1,1.9,virginica
5.0,3.4,1.5,0.2,setosa
5.7,2.8,4.5,1.3,versicolor
"""
FOUR_INPUT_NET = {"layers": [4, 5, 3], "activations": ["tanh", "softmax"], "loss": "cce"}


@pytest.fixture
def api():
    settings = Settings(allowed_hosts=["testserver"], max_sessions=20, max_steps_per_call=5000)
    with TestClient(create_app(settings)) as client:
        yield client


def csv_config(text: str, **data) -> dict:
    return {"data": {"name": "csv", "text": text, **data}, **FOUR_INPUT_NET}


def test_a_four_input_csv_session_steps_and_learns(api):
    response = api.post("/api/sessions", json={**csv_config(FOUR_INPUTS, test_fraction=0), "seed": 1})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["config"]["data"] == {
        "name": "csv",
        "text": FOUR_INPUTS,
        "target": None,
        "test_fraction": 0.0,
    }
    sid = body["id"]
    first = api.post(f"/api/sessions/{sid}/step", json={"steps": 1}).json()["snapshot"]["loss"]["train"]
    later = api.post(f"/api/sessions/{sid}/step", json={"steps": 300}).json()["snapshot"]["loss"]["train"]
    assert later < first / 2


@pytest.mark.parametrize(
    ("text", "line_and_column"),
    [
        ("", "the file is empty"),
        ("a,b,c,d,y\n", "has a header (line 1) but no rows"),
        ("a,b,c,d,y\n1,2,3,4,cat\n1,2,3\n", "line 3 has 3 cells, the header (line 1) has 5"),
        ("a,b,c,d,y\n1,2,3,4,cat\n1,abc,3,4,dog\n", "line 3, column b: 'abc' is not a number"),
        ("a,b\n" + "1,0\n" * 10_001, "10,001 rows: at most 10,000"),
        ("\n".join([",".join(f"c{j}" for j in range(1026)), ",".join("0" * 1026)]), "1,026 columns"),
    ],
    ids=["empty", "no-rows", "ragged", "text-in-number", "too-many-rows", "too-many-columns"],
)
def test_every_bad_file_is_a_422_naming_data_text_and_nothing_is_lost(api, text, line_and_column):
    kept = api.post("/api/sessions", json=csv_config(FOUR_INPUTS)).json()
    api.post(f"/api/sessions/{kept['id']}/step", json={"steps": 3})
    before = api.get(f"/api/sessions/{kept['id']}").json()
    response = api.post("/api/sessions", json=csv_config(text))
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert fields[0]["field"] == "data.text" and line_and_column in fields[0]["reason"]
    check = api.post("/api/datasets/check", json={"data": {"name": "csv", "text": text}})
    assert check.status_code == 422 and check.json()["error"]["fields"] == fields
    assert api.get(f"/api/sessions/{kept['id']}").json() == before


def test_a_text_too_large_and_a_missing_target_are_422s(api):
    response = api.post("/api/sessions", json=csv_config("x,y\n1,0\n" + " " * MAX_TEXT_BYTES))
    assert response.status_code == 422
    (field,) = response.json()["error"]["fields"]
    assert field["field"] == "data.text" and f"at most {MAX_TEXT_BYTES:,}" in field["reason"]
    response = api.post("/api/sessions", json=csv_config(FOUR_INPUTS, target="petal"))
    assert response.status_code == 422
    (field,) = response.json()["error"]["fields"]
    assert field["field"] == "data.target" and "no column is named 'petal'" in field["reason"]
    response = api.post("/api/sessions", json=csv_config(None))
    assert response.json()["error"]["fields"][0]["field"] == "data.text"
    response = api.post("/api/sessions", json=csv_config(["a,b", "1,2"]))
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "data.text"


def test_a_network_that_does_not_fit_the_csv_is_told_its_width(api):
    response = api.post("/api/sessions", json={"data": {"name": "csv", "text": FOUR_INPUTS}})
    assert response.status_code == 422
    reasons = {f["field"]: f["reason"] for f in response.json()["error"]["fields"]}
    assert "the data has 4 inputs" in reasons["layers[0]"]


def test_the_check_route_says_what_a_network_for_the_data_needs(api):
    response = api.post("/api/datasets/check", json={"data": {"name": "csv", "text": FOUR_INPUTS}})
    assert response.status_code == 200
    assert response.json() == {
        "name": "csv",
        "kind": "classification",
        "input_dim": 4,
        "output_dim": 3,
        "n_classes": 3,
        "class_names": ["setosa", "versicolor", "virginica"],
        "n_train": 6,
        "n_test": 2,
        "columns": ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"],
        "head": [
            {"line": i + 2, "cells": line.split(",")} for i, line in enumerate(FOUR_INPUTS.splitlines()[1:])
        ],
    }
    # The first 50 rows as written, with their lines (quoted cells as read, blank lines skipped).
    long = "x,y,label\n\n" + "".join(f'{i},"{i}",c{i % 2}\n' for i in range(60))
    head = api.post("/api/datasets/check", json={"data": {"name": "csv", "text": long}}).json()["head"]
    assert len(head) == 50 and head[0] == {"line": 3, "cells": ["0", "0", "c0"]} and head[-1]["line"] == 52
    numbers = "\n".join(line.rsplit(",", 1)[0] for line in FOUR_INPUTS.splitlines())
    chosen = {"name": "csv", "text": numbers, "target": "sepal_length"}
    summary = api.post("/api/datasets/check", json={"data": chosen}).json()
    assert (summary["kind"], summary["input_dim"], summary["output_dim"]) == ("regression", 3, 1)
    # The words are the target's: as an input they are text in a number column.
    chosen = {"name": "csv", "text": FOUR_INPUTS, "target": "sepal_length"}
    bad = api.post("/api/datasets/check", json={"data": chosen}).json()["error"]["fields"]
    assert bad == [{"field": "data.text", "reason": "line 2, column species: 'setosa' is not a number"}]
    xor = api.post("/api/datasets/check", json={"data": {"name": "xor", "n": 40}}).json()
    assert (xor["input_dim"], xor["output_dim"], xor["columns"]) == (2, 1, None)
    bad = api.post("/api/datasets/check", json={"data": {"name": "xor", "noise": 7}})
    assert bad.status_code == 422 and bad.json()["error"]["fields"][0]["field"] == "data.noise"
    mnist = api.post("/api/datasets/check", json={"data": {"name": "mnist"}})
    assert mnist.status_code == 422 and mnist.json()["error"]["fields"][0]["field"] == "data.name"


def test_export_and_import_carry_a_csv_session_bit_for_bit(api):
    sid = api.post("/api/sessions", json={**csv_config(FOUR_INPUTS), "seed": 5}).json()["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 9})
    doc = api.get(f"/api/sessions/{sid}/export").json()
    assert doc["config"]["data"]["text"] == FOUR_INPUTS
    copy = api.post("/api/sessions/import", json=doc)
    assert copy.status_code == 201, copy.text
    new = copy.json()["id"]
    assert copy.json()["config"] == api.get(f"/api/sessions/{sid}").json()["config"]
    a = api.post(f"/api/sessions/{sid}/step", json={"steps": 7}).json()["snapshot"]
    b = api.post(f"/api/sessions/{new}/step", json={"steps": 7}).json()["snapshot"]
    assert a["params"] == b["params"] and a["loss"] == b["loss"] and a["accuracy"] == b["accuracy"]


def test_a_csv_session_persists_across_a_restart_bit_for_bit(tmp_path):
    def server() -> TestClient:
        return TestClient(
            create_app(Settings(allowed_hosts=["testserver"], data_dir=tmp_path, frame_workers=0))
        )

    with server() as first:
        sid = first.post("/api/sessions", json={**csv_config(FOUR_INPUTS), "seed": 3}).json()["id"]
        first.post(f"/api/sessions/{sid}/step", json={"steps": 11})
        before = first.get(f"/api/sessions/{sid}").json()
    with server() as second:  # the first saved its sessions on shutdown
        after = second.get(f"/api/sessions/{sid}")
        assert after.status_code == 200, after.text
        assert after.json()["config"] == before["config"]
        assert after.json()["snapshot"]["params"] == before["snapshot"]["params"]
        went_on = second.post(f"/api/sessions/{sid}/step", json={"steps": 5}).json()["snapshot"]
    with server() as third:
        copy = third.post("/api/sessions", json={**csv_config(FOUR_INPUTS), "seed": 3}).json()["id"]
        again = third.post(f"/api/sessions/{copy}/step", json={"steps": 16}).json()["snapshot"]
    assert went_on["params"] == again["params"] and went_on["loss"] == again["loss"]


def test_new_data_on_a_csv_session_draws_another_split_of_the_same_rows(api):
    sid = api.post("/api/sessions", json=csv_config(FOUR_INPUTS)).json()["id"]
    before = api.get(f"/api/sessions/{sid}/evaluation?split=test&limit=8").json()
    response = api.post(f"/api/sessions/{sid}/new-data", json={"seed": 12345})
    assert response.status_code == 200, response.text
    assert response.json()["config"]["data"]["text"] == FOUR_INPUTS
    after = api.get(f"/api/sessions/{sid}/evaluation?split=test&limit=8").json()
    assert before != after


def test_an_import_with_a_damaged_csv_is_refused_with_its_line(api):
    sid = api.post("/api/sessions", json=csv_config(FOUR_INPUTS)).json()["id"]
    doc = api.get(f"/api/sessions/{sid}/export").json()
    doc["config"]["data"]["text"] = FOUR_INPUTS.replace("6.3,3.3", "6.3,oops")
    response = api.post("/api/sessions/import", json=doc)
    assert response.status_code == 422
    (field,) = response.json()["error"]["fields"]
    assert field["field"].endswith("data.text") and "line 4, column sepal_width: 'oops'" in field["reason"]
