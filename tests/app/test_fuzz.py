"""Property-based fuzzing of every REST operation from the app's own OpenAPI schema.

schemathesis generates valid and invalid requests for each operation (its examples,
coverage and fuzzing phases) and calls the app in-process over ASGI. For every response:
no 5xx, a JSON body parses strictly (no NaN, no Infinity), and the status, the media type,
the headers and the body are ones the schema declares for the operation.

Generated session ids would almost always miss, so `aim` points most requests on
/api/sessions/{session_id} at a live session from a small pool, and reshapes some bodies
(forward inputs, parameter matrices, import documents) to fit it: the handlers and the
engine run on arbitrary numbers, not just the 404 and the schema's 422. A test of its own
draws aimed requests per session operation and checks that they do reach the handlers.
"""

from __future__ import annotations

import collections
import itertools
import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.main import create_app
from tests.app.conftest import make_settings, strict_json

# max_steps_per_call small, so a fuzzed step request stays quick.
APP = create_app(make_settings(max_sessions=100_000, max_steps_per_call=200))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)

# Small sessions of different shapes: no biases, a perceptron, deep linear, 2-D with biases.
POOL_CONFIGS = {
    "seed": {"preset": "seed-2-3-1"},
    "perceptron": {"preset": "perceptron-and"},
    "linear": {"preset": "linear-4-4-4-4"},
    "xor": {"preset": "xor", "data": {"name": "xor", "n": 40}},
}
POOL: dict[str, str] = {}  # name -> id of a live session
MISS_EVERY = 7  # every 7th request keeps its generated (unknown) id
COUNTER = itertools.count(1)


def create_pool_session(name: str) -> str:
    response = schema["/api/sessions"]["POST"].Case(body=POOL_CONFIGS[name]).call()
    assert response.status_code == 201, response.text
    POOL[name] = response.json()["id"]
    return POOL[name]


@pytest.fixture(scope="module", autouse=True)
def session_pool():
    for name in POOL_CONFIGS:
        create_pool_session(name)
    yield POOL


# -- aiming generated requests at live sessions -----------------------------------------------
def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def numbers_in(value) -> list:
    if is_number(value):
        return [value]
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)]
    if isinstance(value, list):
        return [n for v in value for n in numbers_in(v)]
    return []


def fit_rows(rows, width: int):
    """Every row cut or cycled to `width` numbers (other shapes left as they are)."""
    if not (isinstance(rows, list) and rows and all(isinstance(r, list) and r for r in rows)):
        return rows
    return [[row[i % len(row)] for i in range(width)] for row in rows]


def fit_params(body: dict, run) -> dict:
    """The generated numbers poured into this network's W and b shapes."""
    values = itertools.cycle(numbers_in(body) or [0.5])
    params = []
    for fan_in, fan_out in zip(run.sizes, run.sizes[1:]):
        W = [[next(values) for _ in range(fan_out)] for _ in range(fan_in)]
        params.append({"W": W, "b": [next(values) for _ in range(fan_out)] if run.bias else None})
    return {**body, "params": params}


def aim(case) -> None:
    n = next(COUNTER)
    path = case.operation.path
    if "session_id" in (case.path_parameters or {}):
        if n % MISS_EVERY == 0:
            return
        session_id = POOL[sorted(POOL)[n % len(POOL)]]
        case.path_parameters["session_id"] = session_id
        if "other_id" in case.path_parameters:  # a second session (GET .../difference/{other_id})
            case.path_parameters["other_id"] = POOL[sorted(POOL)[(n + 1) % len(POOL)]]
        run = APP.state.sessions.sessions[session_id].run
        if path.endswith("/sweep") and case.method in ("GET", "DELETE"):
            start_sweep(session_id)  # a sweep for them to read or stop (409: one runs already)
        if n % 2 and isinstance(case.body, dict):
            if path.endswith("/forward"):
                case.body = {**case.body, "inputs": fit_rows(case.body.get("inputs"), run.sizes[0])}
                if "targets" in case.body:
                    case.body["targets"] = fit_rows(case.body["targets"], run.sizes[-1])
            elif path.endswith("/params") and "params" in case.body:
                case.body = fit_params(case.body, run)
    elif path.endswith("/import") and n % 2 and isinstance(case.body, dict):
        # A real export, whole or with one section replaced by a generated one.
        exported = (
            schema["/api/sessions/{session_id}/export"]["GET"]
            .Case(path_parameters={"session_id": POOL[sorted(POOL)[n % len(POOL)]]})
            .call()
            .json()
        )
        keys = sorted(case.body)
        if keys and n % 3:
            key = keys[n % len(keys)]
            exported[key] = case.body[key]
        case.body = exported


def start_sweep(session_id: str) -> None:
    body = {"field": "optimizer.lr", "values": [0.1], "steps": 1}
    schema["/api/sessions/{session_id}/sweep"]["POST"].Case(
        path_parameters={"session_id": session_id}, body=body
    ).call()


def check_response(case, response) -> None:
    case.validate_response(
        response,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
        ],
    )
    assert response.status_code < 500, response.text
    content_type = ",".join(response.headers.get("content-type", []))
    if "json" in content_type:
        strict_json(response.content)


@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
def test_no_operation_fails_or_sends_invalid_json(case):
    check_response(case, aimed_call(case))


def aimed_call(case):
    """The case aimed at the pool and called; a pool session it deleted is made again."""
    aim(case)
    response = case.call()
    if (
        case.operation.path == "/api/sessions/{session_id}"
        and case.method == "DELETE"
        and response.status_code == 204
    ):
        for name, session_id in list(POOL.items()):
            if session_id == case.path_parameters.get("session_id"):
                create_pool_session(name)  # the cases after this one need it
    return response


# Every operation on one session, and those whose aimed requests must sometimes succeed.
SESSION_OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in APP.openapi()["paths"].items()
    if "{session_id}" in path
    for method in item
)
MUST_SUCCEED = [
    ("GET", ""),
    ("PATCH", ""),
    ("DELETE", ""),
    ("POST", "/step"),
    ("POST", "/forward"),
    ("PUT", "/params"),
    ("POST", "/reset"),
    ("GET", "/gradients"),
    ("GET", "/history"),
    ("GET", "/export"),
]


@pytest.mark.parametrize("method, path", SESSION_OPERATIONS)
def test_the_fuzzing_reaches_the_handlers(method, path):
    """Most aimed requests get past the session lookup's 404, and the main operations
    sometimes succeed: the fuzzing tests the handlers, not only the lookup. The requests are
    drawn here, so the test stands alone."""
    statuses: collections.Counter = collections.Counter()

    @given(case=schema[path][method].as_strategy())
    @settings(
        max_examples=30,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    def draw(case):
        statuses[aimed_call(case).status_code] += 1

    draw()
    total = sum(statuses.values())
    assert total > 0
    assert total - statuses[404] >= 0.6 * total, dict(statuses)
    if (method, path.removeprefix("/api/sessions/{session_id}")) in MUST_SUCCEED:
        assert any(200 <= status < 300 for status in statuses), dict(statuses)


# -- non-finite numbers and wrong types in a create body --------------------------------------
@pytest.mark.parametrize(
    "body, field",
    [
        ('{"preset": "xor", "seed": NaN}', "seed"),
        ('{"preset": "xor", "optimizer": {"lr": NaN}}', "optimizer.lr"),
        ('{"preset": "xor", "optimizer": {"lr": Infinity}}', "optimizer.lr"),
        ('{"preset": "xor", "optimizer": {"momentum": -Infinity}}', "optimizer.momentum"),
        ('{"preset": "xor", "optimizer": {"lr": 1e999}}', "optimizer.lr"),
        ('{"preset": "xor", "init": {"scheme": "normal", "std": 1e999}}', "init.std"),
        ('{"preset": "xor", "data": {"name": "xor", "noise": NaN}}', "data.noise"),
        ('{"preset": "xor", "layers": [2, NaN, 1]}', "layers[1]"),
        ('{"preset": "xor", "layers": [2, 1e999, 1]}', "layers[1]"),
        ('{"data": {"name": "inline", "inputs": [[1, Infinity]], "targets": [[0]]}}', "data.inputs[0][1]"),
        (
            '{"preset": "seed-2-3-1", "init": {"scheme": "explicit", "params": '
            '[{"W": [[NaN, 0, 0], [0, 0, 0]]}, {"W": [[0], [0], [0]]}]}}',
            "init.params[0].W[0][0]",
        ),
        ('{"preset": "xor", "seed": "1"}', "seed"),
        ('{"preset": "xor", "seed": 1.5}', "seed"),
        ('{"preset": "xor", "bias": 1}', "bias"),
        ('{"preset": "xor", "layers": "2,4,1"}', "layers"),
        ('{"preset": "xor", "layers": [2, "4", 1]}', "layers[1]"),
        ('{"preset": "xor", "optimizer": {"lr": "fast"}}', "optimizer.lr"),
        ('{"preset": "xor", "optimizer": [0.1]}', "optimizer"),
        ('{"preset": "xor", "batch": {"size": true}}', "batch.size"),
        ('{"preset": 7}', "preset"),
        ('{"preset": "xor", "activations": [null, "tanh", "sigmoid"]}', "activations[0]"),
    ],
)
def test_non_finite_numbers_and_wrong_types_get_422_naming_the_field(client, body, field):
    response = client.post("/api/sessions", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    error = strict_json(response.text)["error"]
    assert error["code"] == "invalid_input"
    assert field in [f["field"] for f in error["fields"]], error
    assert field in error["message"]


def test_non_finite_numbers_elsewhere_get_422_too(client):
    session_id = client.post("/api/sessions", json={"preset": "xor"}).json()["id"]
    for method, path, body, field in [
        ("PATCH", "", '{"optimizer": {"lr": NaN}}', "optimizer.lr"),
        ("POST", "/step", '{"steps": Infinity}', "steps"),
        ("POST", "/forward", '{"inputs": [[0.5, 1e999]]}', "inputs[0][1]"),
        ("PUT", "/params", '{"params": [{"W": [[NaN]]}]}', "params[0].W[0][0]"),
    ]:
        response = client.request(
            method,
            f"/api/sessions/{session_id}{path}",
            content=body,
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 422, (path, response.text)
        assert field in [f["field"] for f in strict_json(response.text)["error"]["fields"]], path
    for query, field in [("grid=NaN", "grid"), ("grid=1e999", "grid")]:
        response = client.get(f"/api/sessions/{session_id}?{query}")
        assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == field
    response = client.get(f"/api/sessions/{session_id}/gradients?epsilon=NaN")
    assert response.status_code == 422 and response.json()["error"]["fields"][0]["field"] == "epsilon"
    # and the session is unharmed
    assert json.loads(client.get(f"/api/sessions/{session_id}").text)["snapshot"]["step"] == 0
