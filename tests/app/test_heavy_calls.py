"""Long step calls and gradient checks: a time budget each, a few at once, and never in the
way of the cheap routes (app/heavy.py).

The report this answers: forty clients each asking a big net for 10,000 steps stalled every
route for everyone. Here, at a quicker scale: two slots, long calls filling them, and the
cheap routes answering meanwhile; a call beyond the queue refused at once; calls over
budget answering early with what they did; and a client that leaves stopping its work.
"""

from __future__ import annotations

import threading
import time

import httpx2
import numpy as np
import pytest

from core.config import resolve_config
from core.run import Run
from tests.app.conftest import assert_same_rows, ws_receive_json

# About a tenth of a second a step here (a 64-512-10 network on all 1,438 rows at once):
# 5,000 steps would take minutes, so a call asking for them always runs into its budget.
SLOW = {"preset": "keras-mlp", "batch": {"size": None}}
MANY = 5000


def wait_for(condition, timeout: float = 20.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


class Call(threading.Thread):
    """One HTTP request in a thread of its own; .response once it is done."""

    def __init__(self, method: str, url: str, **kwargs):
        super().__init__(daemon=True)
        self.method, self.url, self.kwargs = method, url, kwargs
        self.response: httpx2.Response | None = None
        self.start()

    def run(self) -> None:
        with httpx2.Client(timeout=60) as client:
            self.response = client.request(self.method, self.url, **self.kwargs)


def create(base: str, config: dict = SLOW) -> str:
    response = httpx2.post(f"{base}/api/sessions", json=config, timeout=60)
    assert response.status_code == 201, response.text
    return response.json()["id"]


@pytest.mark.nnplay_settings(heavy_calls=2, heavy_queue=1, call_seconds=3.0)
def test_cheap_routes_answer_while_long_calls_fill_every_slot(live_server, app):
    heavy = app.state.heavy
    a, b, c, d = (create(live_server) for _ in range(4))
    running = [Call("POST", f"{live_server}/api/sessions/{s}/step", json={"steps": MANY}) for s in (a, b)]
    wait_for(lambda: heavy.slots.borrowed_tokens == 2, what="both slots to be taken")

    with httpx2.Client(base_url=live_server, timeout=60) as client:
        assert client.post("/api/sessions", json={"preset": "xor"}).status_code == 201
        assert client.get(f"/api/sessions/{c}").status_code == 200
        assert client.get("/api/health").json()["status"] == "ok"
        assert client.get(f"/api/sessions/{c}/figure").status_code == 200
        # All of them answered while the long calls were still at it.
        assert heavy.slots.borrowed_tokens == 2 and all(call.is_alive() for call in running)

        queued = Call("POST", f"{live_server}/api/sessions/{c}/step", json={"steps": MANY})
        wait_for(lambda: heavy.waiting == 1, what="the third call to wait")
        refused = client.post(f"/api/sessions/{d}/step", json={"steps": MANY})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "3"
        assert refused.json()["error"]["code"] == "busy"
        assert heavy.slots.borrowed_tokens == 2 and heavy.waiting == 1
        assert app.state.sessions.sessions[d].run.step_count == 0

    for call in [*running, queued]:
        call.join(60)
        assert call.response.status_code == 200, call.response.text
        reply = call.response.json()
        assert reply["stopped_early"] == "time budget"
        assert 0 < reply["steps_taken"] < MANY
        assert reply["steps_taken"] == reply["snapshot"]["step"]
    assert heavy.slots.borrowed_tokens == 0 and heavy.waiting == 0


@pytest.mark.nnplay_settings(heavy_calls=2, heavy_queue=0, call_seconds=2.0)
def test_a_sessions_second_long_call_does_not_wait_beyond_the_queue(live_server, app):
    heavy = app.state.heavy
    session = create(live_server)
    first = Call("POST", f"{live_server}/api/sessions/{session}/step", json={"steps": MANY})
    wait_for(lambda: heavy.slots.borrowed_tokens == 1, what="the first call to run")
    # A slot is free, but the session has its one heavy call already, and none may wait.
    second = httpx2.post(f"{live_server}/api/sessions/{session}/step", json={"steps": MANY}, timeout=60)
    assert second.status_code == 503 and "Retry-After" in second.headers
    assert heavy.slots.borrowed_tokens == 1
    first.join(60)
    assert first.response.json()["stopped_early"] == "time budget"


@pytest.mark.nnplay_settings(call_seconds=0.3)
def test_a_call_over_budget_stops_at_a_step_and_going_on_gives_the_same_numbers(client, app):
    session_id = client.post("/api/sessions", json=SLOW).json()["id"]
    total = 0
    for asked in (MANY, MANY, 1):  # cut twice by the budget, then a short call
        reply = client.post(f"/api/sessions/{session_id}/step", json={"steps": asked}).json()
        assert reply["stopped_early"] == ("time budget" if asked == MANY else None)
        assert 0 < reply["steps_taken"] <= asked
        total += reply["steps_taken"]
        assert reply["snapshot"]["step"] == total and reply["snapshot"]["phase"] == "update"
    run = app.state.sessions.sessions[session_id].run
    whole = Run(resolve_config(SLOW))
    assert whole.step(total) == total
    for mine, theirs in zip(run.param_arrays(), whole.param_arrays()):
        assert np.array_equal(mine, theirs)
    assert_same_rows(run.history.as_dict(), whole.history.as_dict())


@pytest.mark.nnplay_settings(call_seconds=0.3)
def test_an_epoch_call_over_budget_stops_at_a_step(client, app):
    session_id = client.post("/api/sessions", json=SLOW).json()["id"]
    reply = client.post(f"/api/sessions/{session_id}/step", json={"epochs": 200}).json()
    assert reply["stopped_early"] == "time budget"
    run = app.state.sessions.sessions[session_id].run
    assert run.step_count == reply["steps_taken"] > 0 and run.phase == "update"
    whole = Run(resolve_config(SLOW))
    whole.step(reply["steps_taken"])
    for mine, theirs in zip(run.param_arrays(), whole.param_arrays()):
        assert np.array_equal(mine, theirs)


def test_a_short_call_says_it_took_every_step(client):
    session_id = client.post("/api/sessions", json={"preset": "xor"}).json()["id"]
    reply = client.post(f"/api/sessions/{session_id}/step", json={"steps": 3}).json()
    assert (reply["steps_taken"], reply["stopped_early"], reply["snapshot"]["step"]) == (3, None, 3)
    reply = client.post(f"/api/sessions/{session_id}/step", json={"phase": "forward"}).json()
    assert (reply["steps_taken"], reply["stopped_early"]) == (0, None)
    reply = client.post(f"/api/sessions/{session_id}/step", json={"phase": "update"}).json()
    assert (reply["steps_taken"], reply["snapshot"]["step"]) == (1, 4)


def settled(app, session_id: str, quiet: float = 1.0) -> int:
    """The session's step count once it has not moved for `quiet` seconds."""
    run = app.state.sessions.sessions[session_id].run
    while True:
        before = run.step_count
        time.sleep(quiet)
        if run.step_count == before:
            return before


@pytest.mark.nnplay_settings(call_seconds=120.0)
def test_a_client_that_leaves_stops_its_work(live_server, app):
    heavy = app.state.heavy
    session_id = create(live_server)
    run = app.state.sessions.sessions[session_id].run
    with httpx2.Client(timeout=httpx2.Timeout(60, read=1.0)) as client, pytest.raises(httpx2.ReadTimeout):
        client.post(f"{live_server}/api/sessions/{session_id}/step", json={"steps": MANY})
    assert run.step_count > 0
    # Gone: the work stops within a slice, long before its budget or its steps run out.
    wait_for(lambda: heavy.slots.borrowed_tokens == 0, timeout=10, what="the slot to be freed")
    assert settled(app, session_id) < MANY
    assert run.phase == "update"


@pytest.mark.nnplay_settings(call_seconds=0.3)
def test_a_socket_step_over_budget_says_it_stopped_early(client, app):
    session_id = client.post("/api/sessions", json=SLOW).json()["id"]
    with client.websocket_connect(f"/ws/sessions/{session_id}") as ws:
        ws.send_json({"type": "step", "steps": MANY})
        message = ws_receive_json(ws, 30)
        while message["type"] != "stopped_early":
            message = ws_receive_json(ws, 30)
        run = app.state.sessions.sessions[session_id].run
        assert message["reason"] == "time budget"
        assert 0 < message["steps_taken"] == run.step_count < MANY
        assert f"{MANY:,} steps" in message["message"]
        frame = ws_receive_json(ws, 30)
        while frame["type"] != "snapshot" or frame["step"] != run.step_count:
            frame = ws_receive_json(ws, 30)


@pytest.mark.nnplay_settings(call_seconds=120.0)
def test_closing_the_socket_stops_its_step(client, app):
    heavy = app.state.heavy
    session_id = client.post("/api/sessions", json=SLOW).json()["id"]
    run = app.state.sessions.sessions[session_id].run
    with client.websocket_connect(f"/ws/sessions/{session_id}") as ws:
        ws.send_json({"type": "step", "steps": MANY})
        wait_for(lambda: run.step_count > 0, what="the step to start")
    wait_for(lambda: heavy.slots.borrowed_tokens == 0, timeout=10, what="the slot to be freed")
    assert settled(app, session_id) < MANY


@pytest.mark.nnplay_settings(heavy_calls=1, heavy_queue=0, call_seconds=30.0)
def test_a_socket_step_beyond_the_queue_is_told_busy(client, app):
    heavy = app.state.heavy
    first, second = (client.post("/api/sessions", json=SLOW).json()["id"] for _ in range(2))
    with (
        client.websocket_connect(f"/ws/sessions/{first}") as busy,
        client.websocket_connect(f"/ws/sessions/{second}") as ws,
    ):
        busy.send_json({"type": "step", "steps": MANY})
        wait_for(lambda: heavy.slots.borrowed_tokens == 1, what="the first step to run")
        ws.send_json({"type": "step", "steps": MANY})
        message = ws_receive_json(ws, 30)
        while message["type"] != "error":
            message = ws_receive_json(ws, 30)
        assert message["code"] == "busy" and "try again" in message["message"]
        assert app.state.sessions.sessions[second].run.step_count == 0


@pytest.mark.nnplay_settings(call_seconds=0.05)
def test_a_gradient_check_over_budget_says_how_far_it_got(client):
    session_id = client.post("/api/sessions", json={"preset": "two-layer-digits"}).json()["id"]
    reply = client.get(f"/api/sessions/{session_id}/gradients", params={"samples": 50}).json()
    assert reply["stopped_early"] == "time budget"
    assert 0 < reply["checked"] < reply["parameters"]
    # Parameter order, each array row by row: W1, b1, W2, b2.
    numeric = [
        value
        for layer in reply["numeric"]
        for array in (layer["W"], [layer["b"]])
        for row in array
        for value in row
    ]
    assert all(v is not None for v in numeric[: reply["checked"]])
    assert all(v is None for v in numeric[reply["checked"] :])
    measures = [layer[name] for layer in reply["check"] for name in ("W", "b")]
    sizes = np.array([64 * 50, 50, 50 * 10, 10])
    starts = np.cumsum(sizes) - sizes
    assert all(
        m == {"max_abs": None, "max_rel": None, "rel_norm": None}
        for m, start in zip(measures, starts)
        if start >= reply["checked"]
    )
    assert all(None not in m.values() for m, start in zip(measures, starts) if start < reply["checked"])
