"""The API contract: /openapi.json is a valid OpenAPI document, every response the server
sends is one it declares (status, media type, body schema), a client generated from it
drives a session, and the docs list every route the app serves."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx2
import jsonschema_rs
import pytest
import schemathesis

from app.main import create_app
from tests.app.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "teacher-secret-42"
TEACHER = {"authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def document() -> dict:
    return create_app(make_settings()).openapi()


def test_the_document_is_valid_openapi(document):
    schemathesis.openapi.from_dict(document).validate()  # against the OpenAPI 3.1 meta-schema
    assert "HTTPValidationError" not in str(document)  # FastAPI's {"detail"} body: never sent


def test_every_error_response_is_the_error_body_and_every_json_success_has_a_model(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                content = response.get("content", {})
                if status.startswith("2"):
                    for media, body in content.items():
                        assert body.get("schema"), (method, path, status, media)
                        if media == "application/json":
                            assert "$ref" in str(body["schema"]), (method, path, "no model")
                else:
                    assert list(content) == ["application/json"], (method, path, status)
                    assert content["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_routes_with_validated_input_document_422_and_full_ones_503_with_retry_after(document):
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            queried = any(p["in"] == "query" for p in operation.get("parameters", []))
            if queried or "requestBody" in operation:
                assert "422" in operation["responses"], (method, path)
            if "503" in operation["responses"]:
                assert "Retry-After" in operation["responses"]["503"]["headers"]


def test_the_teacher_routes_declare_the_bearer_scheme(document):
    schemes = document["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["HTTPBearer"]["description"],
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/api/teacher/"):
                assert {"HTTPBearer": []} in operation["security"], (method, path)
                assert {"401", "403", "404"} <= set(operation["responses"])
                assert operation["responses"]["401"]["headers"]["WWW-Authenticate"]
            else:
                assert "security" not in operation, (method, path)


@pytest.mark.nnplay_settings(teacher_token=TOKEN)
def test_the_token_opens_the_board_from_the_header_only(client):
    assert client.get("/api/teacher/board").status_code == 401
    assert client.get("/api/teacher/board", headers={"authorization": "Basic abc"}).status_code == 401
    assert (
        client.get("/api/teacher/board", headers={"authorization": "Bearer wrong-token"}).status_code == 403
    )
    assert client.get("/api/teacher/board", headers=TEACHER).status_code == 200
    # A cookie, which another site's page could make the browser send, opens nothing.
    client.cookies.set("nnplay_teacher", TOKEN)
    assert client.get("/api/teacher/board").status_code == 401


# -- every response as declared --------------------------------------------------------------
class Checked:
    """Calls the app and checks each response against the operation OpenAPI declares for
    it: the status is listed, with its headers and media type, and a JSON body fits the
    schema."""

    def __init__(self, client, document: dict):
        self.client, self.document = client, document
        self.seen: set[tuple[str, str]] = set()
        self.statuses: set[tuple[str, str, int]] = set()

    def __call__(self, method: str, url: str, **kwargs):
        response = self.client.request(method, url, **kwargs)
        path = self.route_path(method, url.split("?")[0])
        operation = self.document["paths"][path][method.lower()]
        self.seen.add((method, path))
        self.statuses.add((method, path, response.status_code))
        declared = operation["responses"].get(str(response.status_code))
        assert declared is not None, (method, path, response.status_code, response.text[:300])
        for header in declared.get("headers", {}):  # Retry-After, WWW-Authenticate
            assert header in response.headers, (method, path, response.status_code, header)
        media = response.headers.get("content-type", "").split(";")[0]
        content = declared.get("content", {})
        if response.status_code == 204:
            assert not response.content and not content
            return response
        assert media in content, (method, path, media, list(content))
        if media == "application/json":
            schema = {**content[media]["schema"], "components": self.document["components"]}
            errors = [
                f"{e.instance_path}: {e.message}"[:300]
                for e in jsonschema_rs.Draft202012Validator(schema).iter_errors(response.json())
            ]
            assert not errors, (method, path, errors[:5])
        return response

    def route_path(self, method: str, path: str) -> str:
        """The documented path template this request falls under (a literal one first)."""
        fits = [
            template
            for template, operations in self.document["paths"].items()
            if method.lower() in operations and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", template), path)
        ]
        assert fits, f"no documented operation for {method} {path}"
        return min(fits, key=lambda template: template.count("{"))


@pytest.mark.nnplay_settings(teacher_token=TOKEN, class_code="PHYS101", max_sessions=12)
def test_every_response_is_one_the_document_declares(client):
    call = Checked(client, client.app.openapi())
    for path in [
        "/api/health",
        "/api/ready",
        "/api/presets",
        "/api/datasets",
        "/api/config/fields",
        "/api/lessons",
        "/api/lessons/nope",
        "/api/class/PHYS101",
        "/api/class/nope",
        "/api/explorer/activation?name=tanh&points=9",
        "/api/explorer/activation?name=tanh&low=3&high=1",
        "/api/sessions/nope",
    ]:
        call("GET", path)
    call("POST", "/api/explorer/losses", json={"prediction": [0.2, 0.8], "target": [0, 1]})
    call("POST", "/api/explorer/losses", json={"prediction": [0.2], "target": [0, 1]})
    call("POST", "/api/datasets/check", json={"data": {"name": "csv", "text": "x,y\n1,a\n2,b\n"}})
    call("POST", "/api/datasets/check", json={"data": {"name": "csv", "text": "x,y\n1\n"}})
    lessons = call("GET", "/api/lessons").json()
    call("GET", f"/api/lessons/{lessons[2]['id']}")
    call("POST", f"/api/lessons/{lessons[2]['id']}/steps/1/session?grid=4")
    call("POST", f"/api/lessons/{lessons[2]['id']}/steps/99/session")
    call("POST", "/api/lessons/nope/steps/1/session")

    for preset, grid in [("seed-2-3-1", ""), ("xor", "?grid=5"), ("two-layer-digits", "")]:
        created = call("POST", "/api/sessions" + grid, json={"preset": preset}).json()
        session = f"/api/sessions/{created['id']}"
        width = created["config"]["layers"][0]
        call("GET", session + "?grid=3&units=2")
        call("POST", session + "/forward", json={"inputs": [[1] * width], "explain": True})
        call("POST", session + "/forward", json={"inputs": [[1] * (width + 1)]})
        for phase in ["forward", "loss", "backward", "update"]:
            call("POST", session + "/step", json={"phase": phase})
        call("POST", session + "/step", json={"steps": 7})
        call("POST", session + "/step?grid=3", json={"epochs": 1})
        call("POST", session + "/step", json={"steps": 1, "epochs": 1})
        call("GET", session + "/at/3?grid=3")
        call("GET", session + "/at/3")
        call("GET", session + "/explain/neuron?layer=1&unit=0")
        call("GET", session + "/explain/weight?layer=1&i=0&j=0&step=2")
        call("GET", session + "/explain/weight?layer=9&i=0&j=0")
        call("GET", session + "/gradients?samples=5")
        call("GET", session + "/landscape?resolution=5")
        call("GET", session + "/landscape?resolution=4")
        call("POST", session + "/sweep", json={"field": "optimizer.lr", "values": [0.1, 1], "steps": 3})
        call("POST", session + "/sweep", json={"field": "layers", "values": [2]})
        call("GET", session + "/sweep")
        call("DELETE", session + "/sweep")
        call("GET", session + "/sweep")
        call("GET", session + "/evaluation?limit=2")
        call("GET", session + "/diagnostics")
        call("GET", session + "/code?framework=pytorch&steps=3")
        call("GET", session + "/code?steps=0")
        call("GET", session + "/history")
        call("GET", session + "/history?format=csv")
        call("GET", session + "/history?format=xml")
        call("GET", session + "/figure?format=png&width=200&height=150")
        call("GET", session + "/figure?panel=formula&layer=1&unit=0&width=200&height=150")
        exported = call("GET", session + "/export").json()
        call("PATCH", session + "?grid=3", json={"optimizer": {"lr": 0.5}})
        call("PUT", session + "/params", json={"params": exported["params"]})
        call("POST", session + "/rewind", json={"step": 2})
        call("POST", session + "/new-data", json={"seed": 4})
        call("POST", session + "/new-data", json={"seed": -4})
        call("PUT", session + "/data", json={"inputs": [[0.5, 0.5], [1.0, 0.0]], "labels": [1, 0]})
        call("PUT", session + "/data", json={"inputs": [], "labels": []})
        call("POST", session + "/reset")
        twin = call("POST", session + "/fork?grid=3", json={"optimizer": {"lr": 0.2}}).json()
        call("POST", session + "/fork", json={"optimizer": {"lr": -1}})
        call("GET", f"{session}/difference/{twin['id']}")
        call("GET", f"{session}/difference/nope")
        call("DELETE", f"/api/sessions/{twin['id']}")
        imported = call("POST", "/api/sessions/import", json=exported).json()
        call("DELETE", f"/api/sessions/{imported['id']}")
        call("DELETE", f"/api/sessions/{imported['id']}")
    imported = call("POST", "/api/sessions/import", json=exported).json()

    call("POST", "/api/sessions?class_code=phys101&name=Ada", json={"preset": "xor"})
    call("POST", "/api/sessions?class_code=WRONG1", json={"preset": "xor"})
    call("GET", "/api/teacher/class", headers=TEACHER)
    call("GET", "/api/teacher/board", headers=TEACHER)
    call("GET", "/api/teacher/board")
    call("GET", "/api/teacher/board", headers={"authorization": "Bearer wrong-token"})
    call(
        "POST", "/api/teacher/broadcast", headers=TEACHER, json={"config": {"preset": "xor"}, "message": "hi"}
    )
    call("POST", "/api/teacher/broadcast", headers=TEACHER, json={"config": {"preset": "nope"}})
    challenge = call(
        "POST",
        "/api/teacher/challenges",
        headers=TEACHER,
        json={"title": "xor", "data": "xor", "target": 0.5},
    ).json()
    call("POST", "/api/teacher/challenges", headers=TEACHER, json={"title": "", "data": "xor", "target": 0.5})
    call("GET", "/api/teacher/challenges", headers=TEACHER)
    call("GET", "/api/class/PHYS101")
    call("POST", "/api/teacher/lesson", headers=TEACHER, json={"lesson": "01-forward-pass", "step": 1})
    call("POST", "/api/teacher/lesson", headers=TEACHER, json={"lesson": "nope"})
    handle = call("GET", "/api/teacher/board", headers=TEACHER).json()[0]["handle"]
    call("POST", f"/api/teacher/students/{handle}/reset", headers=TEACHER)
    call("POST", "/api/teacher/students/nobody/reset", headers=TEACHER)
    call("DELETE", f"/api/teacher/challenges/{challenge['id']}", headers=TEACHER)
    call("DELETE", f"/api/teacher/challenges/{challenge['id']}", headers=TEACHER)

    # A run that diverges (linear units, a learning rate of 10): its snapshot, then a 409.
    diverging = call(
        "POST",
        "/api/sessions",
        json={"preset": "seed-2-3-1", "activations": ["linear", "linear"], "optimizer": {"lr": 10}},
    ).json()
    assert call("POST", f"/api/sessions/{diverging['id']}/restore").status_code == 409  # not diverged
    for _ in range(2):
        call("POST", f"/api/sessions/{diverging['id']}/step", json={"steps": 20})
    assert call("GET", f"/api/sessions/{diverging['id']}/code").status_code == 409
    assert call("POST", f"/api/sessions/{diverging['id']}/restore").status_code == 200
    # An imported run keeps no states before its step: going back there is a 409.
    assert call("GET", f"/api/sessions/{imported['id']}/at/0").status_code == 409
    while call("POST", "/api/sessions", json={"preset": "seed-2-3-1"}).status_code == 201:
        pass  # until the server is full: 503
    assert call("POST", f"/api/sessions/{diverging['id']}/fork").status_code == 503
    assert call("POST", "/api/sessions/nope/fork", json={}).status_code == 404

    operations = {(method.upper(), path) for path, ops in call.document["paths"].items() for method in ops}
    assert call.seen == operations
    for status in [404, 409, 422, 503, 401, 403]:
        assert any(s == status for _, _, s in call.statuses), status


# -- a generated client --------------------------------------------------------------------
def generate_client(base_url: str, where: Path):
    """openapi-python-client's package for the server's /openapi.json, imported."""
    (where / "openapi.json").write_bytes(httpx2.get(base_url + "/openapi.json").content)
    bin_dir = Path(sys.executable).parent  # the generator runs ruff from PATH
    result = subprocess.run(
        [
            str(bin_dir / "openapi-python-client"),
            "generate",
            "--path",
            str(where / "openapi.json"),
            "--output-path",
            str(where / "nnplay_client"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module("nnplay_client")
    finally:
        sys.path.remove(str(where))


@pytest.fixture
def generated(live_server, tmp_path):
    package = generate_client(live_server, tmp_path)
    yield package
    for name in [m for m in sys.modules if m == "nnplay_client" or m.startswith("nnplay_client.")]:
        del sys.modules[name]


@pytest.mark.nnplay_settings(teacher_token=TOKEN)
def test_a_generated_client_drives_a_session(live_server, generated):
    from nnplay_client import AuthenticatedClient, Client

    with (
        httpx2.Client(base_url=live_server) as plain,
        Client(base_url=live_server, raise_on_unexpected_status=True) as client,
        AuthenticatedClient(base_url=live_server, token=TOKEN) as teacher,
        AuthenticatedClient(base_url=live_server, token="wrong-token") as stranger,
    ):
        drive(plain, client, teacher, stranger)


def drive(plain, client, teacher, stranger):
    """create, forward, step, history, export, import, a figure, errors, the teacher's board."""
    from nnplay_client.api.classroom import board
    from nnplay_client.api.sessions import (
        create_session,
        export,
        forward,
        get_session,
        history,
        import_session,
        step,
    )
    from nnplay_client.models import (
        ConfigModel,
        ErrorBody,
        ExportDocument,
        FigureFormat,
        ForwardRequest,
        HistoryFormat,
        SessionView,
        StepRequest,
    )

    created = create_session.sync(client=client, body=ConfigModel.from_dict({"preset": "seed-2-3-1"}))
    assert isinstance(created, SessionView)
    assert created.to_dict() == plain.get(f"/api/sessions/{created.id}").json()
    assert created.config.layers == [2, 3, 1] and created.snapshot.step == 0

    # The 2-3-1 network worked by hand (y_hat 1.2332, loss 1.5208): the typed numbers are
    # the server's numbers.
    question = {"inputs": [[1, 1]], "targets": [[0]]}
    typed = forward.sync(created.id, client=client, body=ForwardRequest.from_dict(question))
    answer = plain.post(f"/api/sessions/{created.id}/forward", json=question).json()
    assert typed.output == answer["output"] and typed.loss == answer["loss"]
    assert [layer.a for layer in typed.layers] == [layer["a"] for layer in answer["layers"]]

    stepped = step.sync(created.id, client=client, body=StepRequest.from_dict({"steps": 3}))
    assert stepped.snapshot.step == 3
    assert stepped.snapshot.to_dict() == plain.get(f"/api/sessions/{created.id}").json()["snapshot"]
    assert stepped.snapshot.loss.train < created.snapshot.loss.train

    columns = history.sync(created.id, client=client)
    assert columns.step == [0, 1, 2, 3]
    assert columns.to_dict() == plain.get(f"/api/sessions/{created.id}/history").json()
    # The generator types JSON bodies only: the CSV file and the figure (PNG or SVG) come
    # through its HTTP client.
    csv = client.get_httpx_client().get(
        f"/api/sessions/{created.id}/history", params={"format": HistoryFormat.CSV.value}
    )
    assert (
        csv.headers["content-type"].startswith("text/csv")
        and csv.content == plain.get(f"/api/sessions/{created.id}/history?format=csv").content
    )

    saved = export.sync(created.id, client=client)
    assert saved.step == 3 and saved.to_dict() == plain.get(f"/api/sessions/{created.id}/export").json()
    restored = import_session.sync(client=client, body=ExportDocument.from_dict(saved.to_dict()))
    assert restored.id != created.id
    assert restored.snapshot.params == stepped.snapshot.params
    assert restored.snapshot.to_dict()["params"] == stepped.snapshot.to_dict()["params"]

    image = client.get_httpx_client().get(
        f"/api/sessions/{created.id}/figure", params={"format": FigureFormat.PNG.value, "width": 200}
    )
    assert image.headers["content-type"] == "image/png" and image.content.startswith(b"\x89PNG")

    missing = get_session.sync("no-such-session", client=client)
    assert isinstance(missing, ErrorBody) and missing.error.code == "not_found"

    assert board.sync(client=teacher) == []
    refused = board.sync(client=stranger)
    assert isinstance(refused, ErrorBody) and refused.error.code == "forbidden"


# -- the docs list every route -----------------------------------------------------------------
try:  # FastAPI 0.16x keeps an included router as one branch of app.routes
    from fastapi.routing import iter_route_contexts
except ImportError:  # earlier versions copy its routes into app.routes

    def iter_route_contexts(routes):
        return routes


def served_routes() -> set[tuple[str, str]]:
    """(method, path) of every route the app serves (GET standing for its HEAD too), "WS"
    for a WebSocket, path parameters written {} (docs name them for the reader); not the
    routes FastAPI adds itself (/openapi.json, and its docs pages when it serves them) nor
    a mounted app."""
    app = create_app(make_settings())
    own = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    served = set()
    for route in iter_route_contexts(app.routes):
        path = getattr(route, "path", None)
        if path in own or getattr(route, "endpoint", None) is None:  # a Mount has no endpoint
            continue
        for method in getattr(route, "methods", None) or ["WS"]:
            if method != "HEAD":
                served.add((method, unnamed(path)))
    return served


def unnamed(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


def test_docs_api_md_lists_every_route_the_app_serves():
    """Its "All routes at a glance" tables: one row per route, no more, no fewer."""
    text = (ROOT / "docs" / "api.md").read_text()
    section = text.split("## 3. All routes at a glance", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (GET|POST|PUT|PATCH|DELETE|WS) \| `([^`]+)` \|", section, flags=re.M)
    listed = [(method, unnamed(path)) for method, path in rows]
    assert len(listed) == len(set(listed)), "a route listed twice"
    assert set(listed) == served_routes()


def test_the_readme_lists_exactly_the_api_routes():
    """README.md, "The API in brief": its `METHOD /path` list (`...` standing for
    /api/sessions/{id}) is every /api route."""
    readme = (ROOT / "README.md").read_text()
    paragraph = re.search(r"^Routes: .*?(?=\n\n)", readme, flags=re.M | re.S).group(0)
    listed = []
    for methods, path in re.findall(r"`((?:GET|POST|PUT|PATCH|DELETE)(?:\|[A-Z]+)*) ([^`]+)`", paragraph):
        path = path.replace("...", "/api/sessions/{id}", 1)
        listed += [(method, unnamed(path)) for method in methods.split("|")]
    assert len(listed) == len(set(listed)), "a route listed twice"
    assert set(listed) == {(m, p) for m, p in served_routes() if p.startswith("/api/")}
