"""Memory has a budget: a session too big for its limit is a 422 naming the field, the
server's total is kept by moving idle sessions to the store (and back, exactly), and
without a store a session that does not fit is a 503 with Retry-After."""

import json
import os

import pytest
from fastapi.testclient import TestClient

from app import sessions as sessions_module
from app.main import create_app
from core.config import resolve_config
from core.memory import estimate
from core.run import Run
from core.state import export_state
from tests.app.conftest import assert_same_rows

MB = 2**20
BIG = {
    "layers": [64, 1024, 900, 10],
    "activations": ["relu", "relu", "softmax"],
    "loss": "cce",
    "data": {"name": "digits"},
    "optimizer": {"name": "adam"},
}
XOR = {"preset": "xor", "seed": 3}
SGD = {"preset": "keras-mlp", "optimizer": {"name": "sgd"}}
SGD_MB = -(-estimate(resolve_config(SGD))["total"] // MB)  # room for SGD's state, not Adam's


def error_of(response):
    return response.json()["error"]


@pytest.fixture
def idle_at_once(monkeypatch):
    """Sessions count as idle the moment they are not used (not after ten seconds)."""
    monkeypatch.setattr(sessions_module, "EVICT_IDLE_SECONDS", 0.0)


@pytest.mark.nnplay_settings(session_memory_mb=256)
def test_a_net_too_big_for_a_session_is_a_422_naming_layers(client):
    response = client.post("/api/sessions", json=BIG)
    assert response.status_code == 422
    error = error_of(response)
    assert [f["field"] for f in error["fields"]] == ["layers"]
    need = estimate(resolve_config(BIG))["total"]
    reason = error["fields"][0]["reason"]
    assert f"about {need / MB:,.0f} MB" in reason and "at most 256 MB" in reason
    assert client.get("/api/health").json()["sessions"] == 0  # nothing was built
    # An import of such a run is refused the same way.
    doc = export_state(Run({**BIG, "layers": [64, 32, 10], "activations": ["relu", "softmax"]}))
    doc["config"]["layers"] = [64, 1024, 900, 10]
    doc["config"]["activations"] = ["relu", "relu", "softmax"]
    response = client.post("/api/sessions/import", json=doc)  # checked before it is built
    assert response.status_code == 422 and error_of(response)["fields"][0]["field"] == "layers"


@pytest.mark.nnplay_settings(session_memory_mb=SGD_MB)
def test_a_patch_that_grows_a_session_past_its_limit_is_refused(client):
    assert estimate(resolve_config({**SGD, "optimizer": {"name": "adam"}}))["total"] > SGD_MB * MB
    sid = client.post("/api/sessions", json=SGD).json()["id"]
    client.post(f"/api/sessions/{sid}/step", json={"steps": 3})
    response = client.patch(f"/api/sessions/{sid}", json={"optimizer": {"name": "adam"}})
    assert response.status_code == 422, response.text
    (field,) = error_of(response)["fields"]
    assert field["field"] == "optimizer.name" and f"at most {SGD_MB} MB" in field["reason"]
    config = client.get(f"/api/sessions/{sid}").json()["config"]
    assert config["optimizer"]["name"] == "sgd"  # nothing changed
    # Changes that do not grow it pass.
    assert client.patch(f"/api/sessions/{sid}", json={"optimizer": {"lr": 0.5}}).status_code == 200
    assert client.patch(f"/api/sessions/{sid}", json={"batch": {"size": 32}}).status_code == 200
    # Over the socket, the same change is the same refusal.
    with client.websocket_connect(f"/ws/sessions/{sid}") as ws:
        ws.send_text(json.dumps({"type": "set", "optimizer": {"name": "adam"}}))
        while (message := json.loads(ws.receive_bytes()))["type"] != "error":
            pass
        assert message["code"] == "invalid_input" and message["fields"][0]["field"] == "optimizer.name"


@pytest.mark.nnplay_settings(memory_mb=5)  # one xor session (about 3.2 MB) at a time
def test_without_a_store_a_session_that_does_not_fit_is_a_503_with_retry_after(client, idle_at_once):
    first = client.post("/api/sessions", json=XOR)
    assert first.status_code == 201
    response = client.post("/api/sessions", json=XOR)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert error_of(response)["code"] == "busy" and "memory" in error_of(response)["message"]
    memory = client.get("/api/health").json()["memory"]
    assert memory["total_mb"] == 5 and 0 < memory["used_mb"] <= 5 and memory["in_store"] == 0
    # The one that fits is untouched, and once it is gone there is room again.
    assert client.post(f"/api/sessions/{first.json()['id']}/step").status_code == 200
    client.delete(f"/api/sessions/{first.json()['id']}")
    assert client.post("/api/sessions", json=XOR).status_code == 201


@pytest.mark.nnplay_settings(memory_mb=9, memory_base_mb=5)  # 4 MB left: one xor session
def test_the_sessions_get_the_total_less_what_the_server_holds_without_them(client, idle_at_once):
    assert client.post("/api/sessions", json=XOR).status_code == 201
    response = client.post("/api/sessions", json=XOR)  # 6.4 MB would fit in 9, not in 4
    assert response.status_code == 503
    assert "of the 4 MB of memory left to them (9 MB less 5 MB" in error_of(response)["message"]
    memory = client.get("/api/health").json()["memory"]
    assert memory["total_mb"] == 9 and memory["base_mb"] == 5 and memory["used_mb"] <= 4


def test_what_the_server_holds_without_sessions_is_measured_at_start():
    """Unset, the base is the process's resident size before any session, and its frame
    workers': here the test process, which holds far more than a few MB."""
    from app import heap
    from tests.app.conftest import make_settings

    before = heap.held_mb(children=False)
    with TestClient(create_app(make_settings(memory_base_mb=None, frame_workers=1))) as client:
        memory = client.get("/api/health").json()["memory"]
        after = heap.held_mb()
    assert 0.9 * before <= memory["base_mb"] <= 1.1 * after
    assert memory["base_mb"] > 20


def reference_after(steps_and_changes):
    run = Run(XOR)
    for item in steps_and_changes:
        if isinstance(item, int):
            run.step(item)
        else:
            run.patch(item)
    return export_state(run, history=True)


@pytest.fixture
def stored(tmp_path, idle_at_once):
    """A client of a server with a store, and memory for one xor session at a time."""
    from tests.app.conftest import make_settings

    app = create_app(make_settings(data_dir=tmp_path, memory_mb=5, save_interval_seconds=3600))
    with TestClient(app) as client:
        yield client


def test_idle_sessions_move_to_the_store_and_come_back_exactly(stored):
    client = stored
    manager = client.app.state.sessions
    assert client.app.state.persistence is not None
    a = client.post("/api/sessions", json=XOR).json()["id"]
    client.post(f"/api/sessions/{a}/step", json={"steps": 7})
    client.patch(f"/api/sessions/{a}", json={"optimizer": {"lr": 0.2}})
    client.post(f"/api/sessions/{a}/step", json={"steps": 5})
    b = client.post("/api/sessions", json=XOR).json()["id"]  # no room: a goes to the store
    assert set(manager.sessions) == {b} and set(manager.evicted) == {a}
    assert client.get("/api/health").json()["memory"]["in_store"] == 1
    client.post(f"/api/sessions/{b}/step", json={"steps": 4})
    # Asking for a brings it back (b, idle now, goes), as it was: it goes on bit for bit.
    client.post(f"/api/sessions/{a}/step", json={"steps": 6})
    assert set(manager.sessions) == {a} and set(manager.evicted) == {b}
    got = client.get(f"/api/sessions/{a}/export").json()
    want = json.loads(json.dumps(reference_after([7, {"optimizer": {"lr": 0.2}}, 5, 6])))
    for key in ("params", "optimizer", "batcher", "last_grads", "step", "config"):
        assert got[key] == want[key], key
    # The rows its replies showed carry their evaluations too.
    assert_same_rows(got["history"], want["history"])
    # b comes back too, over a socket as well as a request.
    with client.websocket_connect(f"/ws/sessions/{b}") as ws:
        assert json.loads(ws.receive_bytes())["type"] == "topology"
    assert client.get(f"/api/sessions/{b}").json()["snapshot"]["step"] == 4


def test_a_session_being_watched_is_never_evicted(stored):
    client = stored
    a = client.post("/api/sessions", json=XOR).json()["id"]
    with client.websocket_connect(f"/ws/sessions/{a}") as ws:
        json.loads(ws.receive_bytes())
        response = client.post("/api/sessions", json=XOR)
        assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert a in client.app.state.sessions.sessions


def test_at_start_the_sessions_that_do_not_fit_stay_in_the_store_until_asked_for(tmp_path, idle_at_once):
    from tests.app.conftest import make_settings

    with TestClient(create_app(make_settings(data_dir=tmp_path, memory_mb=50))) as client:
        ids = [client.post("/api/sessions", json=XOR).json()["id"] for _ in range(3)]
        for steps, sid in enumerate(ids, start=1):
            client.post(f"/api/sessions/{sid}/step", json={"steps": steps})
    with TestClient(create_app(make_settings(data_dir=tmp_path, memory_mb=5))) as client:
        manager = client.app.state.sessions
        assert len(manager.sessions) == 1 and len(manager.evicted) == 2
        for steps, sid in enumerate(ids, start=1):
            assert client.get(f"/api/sessions/{sid}").json()["snapshot"]["step"] == steps
        assert client.get("/api/sessions/not-a-session").status_code == 404


def test_step_and_change_again_and_again_keeps_the_timeline_in_its_budget(client):
    """The reported case: 'step 1, PATCH lr' over and over pins a checkpoint each time.
    They count toward the budget; the oldest go, and every step still kept is exact."""
    sid = client.post("/api/sessions", json={"preset": "spiral"}).json()["id"]
    session = client.app.state.sessions.sessions[sid]
    reference = Run({"preset": "spiral"})
    params = {0: export_state(reference)["params"]}
    for cycle in range(250):
        lr = 0.01 + 0.001 * (cycle % 5)
        client.post(f"/api/sessions/{sid}/step")
        client.patch(f"/api/sessions/{sid}", json={"optimizer": {"lr": lr}})
        reference.step(1)
        reference.patch({"optimizer": {"lr": lr}})
        params[reference.step_count] = export_state(reference)["params"]
        assert session.timeline.nbytes <= session.timeline.max_bytes
    earliest = client.get(f"/api/sessions/{sid}").json()["snapshot"]["earliest_step"]
    assert earliest > 0
    for step in (earliest, earliest + 3, 200, 249):
        got = client.get(f"/api/sessions/{sid}/at/{step}").json()["snapshot"]
        assert got["params"] == json.loads(json.dumps(params[step])), step
    response = client.get(f"/api/sessions/{sid}/at/{earliest - 1}")
    assert response.status_code == 409 and f"from step {earliest} on" in error_of(response)["message"]


def test_a_socket_to_a_session_that_cannot_come_back_yet_is_told_to_retry(stored):
    from starlette.websockets import WebSocketDisconnect

    client = stored
    a = client.post("/api/sessions", json=XOR).json()["id"]
    b = client.post("/api/sessions", json=XOR).json()["id"]  # a goes to the store
    with client.websocket_connect(f"/ws/sessions/{b}") as watching:
        json.loads(watching.receive_bytes())  # b is watched: it cannot make room for a
        with client.websocket_connect(f"/ws/sessions/{a}") as ws:
            error = json.loads(ws.receive_bytes())
            assert error["type"] == "error" and error["code"] == "busy"
            with pytest.raises(WebSocketDisconnect) as closed:
                ws.receive_bytes()
            assert closed.value.code == 1013
        assert client.get(f"/api/sessions/{a}").status_code == 503
    assert client.get(f"/api/sessions/{a}").status_code == 200  # b is idle again: a comes back


def test_the_default_total_is_half_the_machine_or_its_container(monkeypatch, tmp_path):
    physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    monkeypatch.setattr(sessions_module, "CGROUP_LIMIT", tmp_path / "absent")
    assert sessions_module.machine_memory_mb() == physical // 2 // MB
    limit = tmp_path / "memory.max"
    limit.write_text(f"{2 * 1024 * MB}\n")
    monkeypatch.setattr(sessions_module, "CGROUP_LIMIT", limit)
    assert sessions_module.machine_memory_mb() == min(1024, physical // 2 // MB)
    limit.write_text("max\n")
    assert sessions_module.machine_memory_mb() == physical // 2 // MB
