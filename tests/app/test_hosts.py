"""The server answers under its own names only (app/hosts.py): a DNS-rebound page, whose
requests and sockets name the attacker's host, gets a 400 naming the Host header; the
loopback names, the machine's names, any IP address and the names listed in
NNPLAY_ALLOWED_HOSTS are answered, the port aside; `*` answers any name."""

import base64
import json
import os
import socket
import urllib.request

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketDenialResponse

from app.main import create_app
from app.settings import Settings, load
from tests.app.conftest import make_settings


def answers(app, host: str, path: str = "/api/health") -> int:
    with TestClient(app, base_url=f"http://{host}") as api:
        return api.get(path).status_code


def assert_names_host(body: dict, host: str) -> None:
    error = body["error"]
    assert error["code"] == "bad_host" and repr(host) in error["message"]
    assert error["fields"] == [{"field": "Host", "reason": error["fields"][0]["reason"]}]
    assert "NNPLAY_ALLOWED_HOSTS" in error["fields"][0]["reason"]


def test_a_foreign_name_is_refused_over_http_with_the_error_body():
    app = create_app(make_settings(allowed_hosts=[]))
    for host in ("evil.example", "EVIL.example:8000", "localhost.evil.example", "127.0.0.1.nip.io"):
        with TestClient(app, base_url=f"http://{host}") as api:
            for method, path in (("GET", "/api/health"), ("GET", "/"), ("POST", "/api/sessions")):
                response = api.request(method, path, json={"preset": "xor"})
                assert response.status_code == 400, (host, path)
                assert_names_host(response.json(), host.split(":")[0].lower())
                assert response.headers["x-content-type-options"] == "nosniff"
    assert app.state.sessions.sessions == {}  # refused before any work


def test_a_foreign_name_is_refused_a_websocket():
    app = create_app(make_settings(allowed_hosts=[]))
    with TestClient(app, base_url="http://127.0.0.1") as api:
        session_id = api.post("/api/sessions", json={"preset": "xor"}).json()["id"]
    with TestClient(app) as api:
        # The origin check alone let this in: Origin and Host agree.
        rebound = {"host": "evil.example", "origin": "http://evil.example"}
        with (
            pytest.raises(WebSocketDenialResponse) as refused,
            api.websocket_connect(f"/ws/sessions/{session_id}", headers=rebound),
        ):
            pytest.fail("a DNS-rebound page got a socket")
        assert refused.value.status_code == 400
        assert_names_host(refused.value.json(), "evil.example")


def handshake(port: int, host: str | None, path: str) -> tuple[int, bytes]:
    """A WebSocket handshake by hand (a client library sets Host from the URL): the status
    and the body of the answer."""
    lines = [
        f"GET {path} HTTP/1.1",
        "Upgrade: websocket",
        "Connection: Upgrade",
        f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
        "Sec-WebSocket-Version: 13",
    ] + ([f"Host: {host}"] if host else [])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        answer = b""
        while not answer.startswith(b"HTTP/1.1 101") and b"}}" not in answer:
            chunk = conn.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.nnplay_settings(allowed_hosts=[])
def test_a_real_server_refuses_the_handshake_with_the_error_body(live_server):
    made = urllib.request.Request(
        f"{live_server}/api/sessions", data=b'{"preset": "xor"}', headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(made, timeout=30) as response:
        session_id = json.loads(response.read())["id"]
    path = f"/ws/sessions/{session_id}"
    status, body = handshake(live_server.port, "evil.example", path)
    assert status == 400
    assert_names_host(json.loads(body), "evil.example")
    for host in (f"localhost:{live_server.port}", f"127.0.0.1:{live_server.port}", socket.gethostname()):
        assert handshake(live_server.port, host, path)[0] == 101, host


def test_loopback_and_the_machines_names_and_any_address_are_answered():
    app = create_app(make_settings(allowed_hosts=[]))
    hostname = socket.gethostname()
    for host in (
        "localhost",
        "LOCALHOST.:8000",
        "localhost:1",
        hostname,
        f"{hostname}:8000",
        socket.getfqdn(),
        "127.0.0.1",
        "127.0.0.1:8000",
        "[::1]:8000",
        "10.1.2.3",
        "192.168.0.20:8000",
        "[fe80::1]",
    ):
        assert answers(app, host) == 200, host


def test_listed_names_and_domains_are_answered_and_star_answers_any():
    app = create_app(make_settings(allowed_hosts=["lab-pc.school.lan", "*.class.example"]))
    assert answers(app, "lab-pc.school.lan:8000") == 200
    assert answers(app, "Lab-PC.School.Lan") == 200
    assert answers(app, "room-3.class.example") == 200
    assert answers(app, "class.example.evil.example") == 400
    assert answers(app, "school.lan") == 400
    anything = create_app(make_settings(allowed_hosts=["*"]))
    assert answers(anything, "evil.example") == 200


def test_a_request_without_a_host_is_answered(live_server):
    """No browser sends one without a Host: an HTTP/1.0 client, a probe."""
    with socket.create_connection(("127.0.0.1", live_server.port), timeout=10) as conn:
        conn.sendall(b"GET /api/health HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200"), answer[:200]


@pytest.mark.parametrize(
    ("text", "hosts"),
    [
        ("lab-pc, lab-pc.school.lan", ["lab-pc", "lab-pc.school.lan"]),
        ('["*.school.lan"]', ["*.school.lan"]),
        ("*", ["*"]),
        ("", []),
    ],
)
def test_the_setting_is_comma_separated_or_a_json_list(monkeypatch, text, hosts):
    monkeypatch.setenv("NNPLAY_ALLOWED_HOSTS", text)
    assert load(Settings).allowed_hosts == hosts
