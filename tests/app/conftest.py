"""Shared fixtures for the server tests: test settings, an app, a TestClient, a live server.

    def test_something(client):                 # Starlette TestClient, lifespan running
        client.post("/api/sessions", json={"preset": "xor"})

    @pytest.mark.nnplay_settings(max_fps=10)    # override any Settings field for one test
    def test_slow(client, app): ...

    def test_network(live_server, app):         # uvicorn on 127.0.0.1:<free port>, in a thread
        httpx2.get(live_server + "/api/health")  # live_server.ws_url == "ws://127.0.0.1:<port>"

`app` is shared by `client` and `live_server` in one test, so a test may use both, or reach
`app.state.sessions` to look at the server's side. Helpers (`strict_json`, `ws_receive`,
`ws_json`) are plain functions here: `from tests.app.conftest import strict_json`.
"""

from __future__ import annotations

import json

import anyio
import pytest
import uvicorn
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings
from tests.app.stores import stores  # noqa: F401 (fixtures: the stores, PostgreSQL's server)
from tests.postgres import postgres_server, postgres_url  # noqa: F401
from tests.threaded_server import threaded_server

# Small, fast, and independent of the NNPLAY_* environment of whoever runs the tests
# (fields a Settings version lacks are ignored).
TEST_SETTINGS = dict(
    host="127.0.0.1",
    port=8000,
    allowed_origins=[],
    allowed_hosts=["testserver"],  # the name Starlette's TestClient gives the server
    max_sessions=200,
    memory_base_mb=0,  # the test process is not the server's own: sessions get the whole total
    session_idle_seconds=3600.0,
    max_steps_per_call=5000,
    max_fps=30.0,
    mnist_dir=None,
    data_dir=None,  # sessions in memory only: nothing written to disk
    teacher_token=None,
    class_code=None,
    frame_workers=0,  # frames rendered in process; tests/app/test_framepool.py runs the workers
)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "nnplay_settings(**fields): override Settings fields for the `settings` fixture"
    )


def make_settings(**overrides) -> Settings:
    """Test settings, with `overrides` applied (any Settings field)."""
    return Settings(**{**TEST_SETTINGS, **overrides})


def strict_json(text: str | bytes):
    """json.loads that refuses NaN, Infinity and -Infinity, as a browser's JSON.parse does."""

    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def ws_receive(ws, timeout: float = 5.0) -> dict:
    """The next ASGI message of a TestClient websocket, or TimeoutError after `timeout` s.

    Starlette's `receive_*` block forever; this waits on the same stream with a deadline, so
    a missing frame fails the test instead of hanging it. Returns the raw message:
    {"type": "websocket.send", "bytes": ...} or {"type": "websocket.close", "code": ...}.
    """

    async def receive():
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    return ws.portal.call(receive)


def ws_json(message: dict):
    """A server message (an ASGI "websocket.send") parsed strictly: the server sends binary
    messages of UTF-8 JSON, never text ones."""
    assert message["type"] == "websocket.send", message
    assert message.get("text") is None and isinstance(message.get("bytes"), bytes), message
    return strict_json(message["bytes"].decode("utf-8"))


def ws_receive_json(ws, timeout: float = 5.0) -> dict:
    """The next message of a TestClient websocket, parsed strictly (fails on a close)."""
    return ws_json(ws_receive(ws, timeout))


@pytest.fixture
def settings(request) -> Settings:
    """Test settings; `nnplay_settings` marks (module, class, function) override fields,
    the closest mark winning."""
    fields: dict = {}
    for marker in reversed(list(request.node.iter_markers("nnplay_settings"))):
        fields.update(marker.kwargs)
    return make_settings(**fields)


@pytest.fixture
def app(settings):
    return create_app(settings)


@pytest.fixture
def client(app):
    """A TestClient with the app's lifespan running (one event loop for every request)."""
    with TestClient(app) as test_client:
        yield test_client


class LiveServer(str):
    """The base URL ("http://127.0.0.1:PORT"), with `.ws_url`, `.port`, `.app` and `.server`."""

    port: int
    ws_url: str
    app: object
    server: uvicorn.Server


@pytest.fixture
def live_server(app):
    """uvicorn serving `app` on 127.0.0.1 at a free port, in a background thread.

    The listening socket is bound here and handed to uvicorn, so there is no race for the
    port. uvicorn does not configure logging (log_config=None), so caplog sees its records.
    """
    with threaded_server(app, "nnplay-live-server") as (server, port):
        url = LiveServer(f"http://127.0.0.1:{port}")
        url.port, url.ws_url, url.app, url.server = port, f"ws://127.0.0.1:{port}", app, server
        yield url


EVALUATION_COLUMNS = ("train_loss", "test_loss", "train_accuracy", "test_accuracy")


def assert_same_rows(shown: dict, alone: dict) -> None:
    """A served session's history (as_dict) against the same run stepped alone: the same
    rows, the same batch losses and norms bit for bit; every row the lone run evaluated is
    evaluated in the session too, with the same numbers; the session's other evaluated rows
    (what its replies and frames showed) have numbers where the lone run has none."""
    assert shown["step"] == alone["step"]
    for name in ("epoch", "batch_loss", "grad_norm"):
        assert shown[name] == alone[name], name
    for i, (mine, theirs) in enumerate(zip(shown["evaluated"], alone["evaluated"])):
        assert mine or not theirs, f"row {i} lost its evaluation"
        if theirs:
            assert all(shown[name][i] == alone[name][i] for name in EVALUATION_COLUMNS), f"row {i}"
