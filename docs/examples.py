"""Real requests against the nnplay server, printed with their real responses.

The literal examples in docs/api.md and docs/protocol.md come from this script's output.
Run it again whenever the server changes, and copy what changed:

    .venv/bin/python docs/examples.py > /tmp/examples.txt

`tests/docs/test_examples.py` runs it and fails when a number the docs quote is no longer
one it prints (blocks whose numbers depend on timing are marked
`<!-- numbers depend on timing -->` in the docs and left out).

Each example starts with a line `--- example: NAME` (the docs use the same names), then
`>>> METHOD PATH` with the request's headers and body, and `<<< STATUS` with the response's
headers and body; WebSocket messages are `client -> ...` and `server -> ...`.

It builds the app with `app.main.create_app()` and talks to it in-process with Starlette's
TestClient (REST and WebSocket); nothing listens on a port. It uses the built-in default
settings (NNPLAY_* variables are ignored; NNPLAY_DATA_DIR is unset, so nothing is written
to disk), plus a few changes where an example needs them (a teacher token, one session
at most, a short idle time). Session ids, timings and the number of steps taken while
playing differ from run to run; every other number is the same on every run (same config
and seed, same numbers).

Long arrays are shortened: the first few items are printed and the rest are replaced by
`… (N more)`, which is not JSON but never stands for an invented value.
"""

from __future__ import annotations

import base64
import json
import time

from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.main import create_app
from app.settings import Settings
from core.run import PHASES

WIDTH = 108  # a JSON value that fits in this many columns is printed on one line
LIMIT = 12  # lists longer than this are shortened ...
KEEP = 4  # ... to their first KEEP items


class More:
    """Stands for the items left out of a shortened list."""

    def __init__(self, count: int):
        self.count = count


def shorten(value, limit: int = LIMIT, keep: int = KEEP, top: int | None = None):
    """Lists longer than `limit` -> their first `keep` items and a More; with `top`, only
    the first `top` items of the outermost list are kept."""
    if top is not None and isinstance(value, list):
        items = [shorten(v, limit, keep) for v in value[:top]]
        return items + ([More(len(value) - top)] if len(value) > top else [])
    if isinstance(value, dict):
        return {k: shorten(v, limit, keep) for k, v in value.items()}
    if isinstance(value, list):
        items = [shorten(v, limit, keep) for v in value]
        if len(items) > limit:
            return items[:keep] + [More(len(items) - keep)]
        return items
    return value


def _flat(value) -> str:
    if isinstance(value, More):
        return f"… ({value.count} more)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_flat(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flat(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def pretty(value, indent: int = 0, column: int | None = None) -> str:
    """JSON indented by 2, every value that fits on its line kept on one line.

    `indent` is the indentation of the value's lines, `column` where its first line starts.
    """
    column = indent if column is None else column
    flat = _flat(value)
    if column + len(flat) <= WIDTH or not isinstance(value, (dict, list)) or not value:
        return flat
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = f"{inner}{json.dumps(k)}: "
            items.append(key + pretty(v, indent + 2, len(key)))
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    items = [inner + pretty(v, indent + 2) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"


def heading(title: str) -> None:
    print()
    print("=" * 100)
    print(f"## {title}")
    print("=" * 100)


def note(text: str) -> None:
    print(f"# {text}")


def tag(name: str | None) -> None:
    """Every example starts with `--- example: name`: the docs refer to examples by name."""
    print()
    if name:
        print(f"--- example: {name}")


def show(
    client: TestClient,
    method: str,
    path: str,
    body=None,
    *,
    params: dict | None = None,
    raw: str | None = None,
    headers: dict | None = None,
    limit: int = LIMIT,
    keep: int = KEEP,
    top: int | None = None,
    name: str | None = None,
):
    """Send one request, print it and its response; returns the response JSON (or text)."""
    query = "" if not params else "?" + "&".join(f"{k}={v}" for k, v in params.items())
    tag(name)
    print(f">>> {method} {path}{query}")
    kwargs: dict = {"params": params, "headers": dict(headers or {})}
    for key, value in (headers or {}).items():
        print(f">>> {key}: {value}")
    if raw is not None:
        print(raw)
        kwargs["content"] = raw
        kwargs["headers"]["content-type"] = "application/json"
    elif body is not None:
        print(pretty(body))
        kwargs["json"] = body
    response = client.request(method, path, **kwargs)
    print(f"<<< {response.status_code} {response.reason_phrase}")
    for key, value in response.headers.items():
        if key.lower() in ("content-type", "retry-after", "content-disposition", "allow", "www-authenticate"):
            print(f"<<< {key}: {value}")
    if not response.content:
        return None
    kind = response.headers.get("content-type", "")
    if kind.startswith("application/json"):
        data = response.json()
        print(pretty(shorten(data, limit, keep, top)))
        return data
    if kind.startswith("image/svg"):
        text = response.text
        print(text[:600] + f"… ({len(text) - 600} more characters)" if len(text) > 600 else text)
        return text
    if kind.startswith("image/"):
        print(f"({len(response.content)} bytes of binary data, starting {response.content[:8]!r})")
        return response.content
    print(response.text, end="" if response.text.endswith("\n") else "\n")
    return response.text


# -- WebSocket helpers --------------------------------------------------------------------
def ws_send(ws, message: dict, name: str | None = None) -> None:
    tag(name)
    print("client ->", pretty(message, 0, 10))
    ws.send_json(message)


def ws_receive(
    ws, *, limit: int = LIMIT, keep: int = KEEP, quiet: bool = False, name: str | None = None
) -> dict:
    message = json.loads(ws.receive_bytes())  # binary messages of UTF-8 JSON
    if not quiet:
        tag(name)
        print("server ->", pretty(shorten(message, limit, keep), 0, 10))
    return message


def ws_receive_until(ws, test, name: str | None = None) -> dict:
    """Read (without printing) until a message passes `test`, then print that one."""
    while True:
        message = ws_receive(ws, quiet=True)
        if test(message):
            tag(name)
            print("server ->", pretty(shorten(message), 0, 10))
            return message


def decode_u8(packed: dict, size: int) -> list[list[float]]:
    """A u8 grid -> rows (along y) of floats: low + byte * (high - low) / 255."""
    raw = base64.b64decode(packed["data"])
    low, high = packed["low"], packed["high"]
    values = [low + b * (high - low) / 255 for b in raw]
    return [values[r * size : (r + 1) * size] for r in range(size)]


def defaults(**changes) -> Settings:
    """The built-in defaults (NNPLAY_* variables are ignored here), with `changes`; and
    the name Starlette's TestClient gives the server, answered like the server's own."""
    return Settings.model_construct(**{"allowed_hosts": ["testserver"], **changes})


# -- REST ---------------------------------------------------------------------------------
SEED_PARAMS = [{"W": [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]], "b": None}, {"W": [[0.3], [0.5], [0.9]], "b": None}]
DIVERGING = {"preset": "seed-2-3-1", "activations": ["linear", "linear"], "optimizer": {"lr": 10}}


def rest_examples(c: TestClient) -> None:
    heading("GET /api/presets, /api/datasets")
    note("11 presets; only the first is printed")
    show(c, "GET", "/api/presets", top=1, name="presets")
    note("14 data sets; the first and the last are printed")
    datasets = c.get("/api/datasets").json()
    tag("datasets")
    print(">>> GET /api/datasets")
    print("<<< 200 OK")
    print("<<< content-type: application/json")
    print(pretty([datasets[0], More(len(datasets) - 2), datasets[-1]]))
    table = (
        "x1,x2,x3,x4,species\n5.1,3.5,1.4,0.2,setosa\n7.0,3.2,4.7,1.4,versicolor\n6.3,3.3,6.0,2.5,virginica\n"
    )
    show(c, "POST", "/api/datasets/check", {"data": {"name": "csv", "text": table}}, name="check-csv")
    ragged = "x1,x2,label\n0.5,1.2,red\n-1,0.3\n"
    show(c, "POST", "/api/datasets/check", {"data": {"name": "csv", "text": ragged}}, name="check-csv-error")
    fields = {entry["path"]: entry for entry in c.get("/api/config/fields").json()}
    shown = ("activations", "optimizer.momentum", "batch.size")
    note(f"{len(fields)} fields; {', '.join(shown)} are printed")
    tag("config-fields")
    print(">>> GET /api/config/fields")
    print("<<< 200 OK")
    print("<<< content-type: application/json")
    paths, picked, last = list(fields), [], -1
    for i in sorted(paths.index(path) for path in shown):
        picked += ([More(i - last - 1)] if i > last + 1 else []) + [fields[paths[i]]]
        last = i
    print(pretty(picked + ([More(len(paths) - 1 - last)] if last < len(paths) - 1 else [])))

    heading("A session of the 2-3-1 network worked by hand (preset seed-2-3-1)")
    created = show(c, "POST", "/api/sessions", {"preset": "seed-2-3-1"}, name="create")
    base = f"/api/sessions/{created['id']}"
    show(c, "GET", base, name="get")
    show(c, "POST", f"{base}/forward", {"inputs": [[1, 1]], "targets": [[0]]}, name="forward")
    show(c, "POST", f"{base}/forward", {"inputs": [[1, 1], [0, 1]], "explain": True}, name="forward-explain")
    show(c, "GET", f"{base}/explain/neuron", params={"layer": 1, "unit": 0}, name="neuron-1-0")
    show(c, "GET", f"{base}/explain/neuron", params={"layer": 2, "unit": 0}, name="neuron-2-0")
    show(c, "GET", f"{base}/explain/weight", params={"layer": 1, "i": 0, "j": 0}, name="weight-1-0-0")
    show(c, "GET", f"{base}/explain/weight", params={"layer": 2, "i": 0, "j": 0}, name="weight-2-0-0")
    note("timings vary from run to run")
    show(c, "GET", f"{base}/gradients", name="gradients")
    show(
        c,
        "GET",
        f"{base}/gradients",
        params={"method": "numeric-forward", "epsilon": 0.001},
        name="gradients-forward",
    )

    heading("Stepping: one phase at a time, then one step, n steps, one epoch")
    for phase in PHASES:
        show(c, "POST", f"{base}/step", {"phase": phase}, name=f"phase-{phase}")
    show(c, "POST", f"{base}/step", {}, name="step-one")
    show(c, "POST", f"{base}/step", {"steps": 3}, name="step-three")
    show(c, "POST", f"{base}/step", {"epochs": 1}, name="step-epoch")
    show(c, "GET", f"{base}/landscape", params={"seed": 1, "resolution": 5, "span": 0.5}, name="landscape")
    sweep_examples(c, base)

    heading("History, PATCH, PUT params, reset")
    show(c, "GET", f"{base}/history", name="history")
    show(c, "GET", f"{base}/history", params={"format": "csv"}, name="history-csv")
    show(c, "PATCH", base, {"optimizer": {"lr": 0.1}}, name="patch")
    show(c, "PUT", f"{base}/params", {"params": SEED_PARAMS}, name="params")
    show(c, "POST", f"{base}/reset", name="reset")

    heading("Export and import")
    show(c, "POST", f"{base}/step", {"steps": 2}, name="step-before-export")
    exported = show(c, "GET", f"{base}/export", name="export")
    show(c, "POST", "/api/sessions/import", exported, name="import")
    show(c, "POST", f"{base}/fork", {"optimizer": {"lr": 0.5}}, name="fork")
    show(c, "POST", f"{base}/fork", {"optimizer": {"name": "adamw"}}, name="fork-error")
    twin = c.post(f"{base}/fork", json={"activations": ["tanh", "linear"]}).json()["id"]
    show(c, "GET", f"{base}/difference/{twin}", name="difference")
    show(c, "GET", f"{base}/code", params={"framework": "numpy", "steps": 2}, name="code-numpy")
    show(c, "GET", f"{base}/code", params={"framework": "jax"}, name="code-framework-error")
    perc_code = c.post("/api/sessions", json={"preset": "perceptron-and"}).json()["id"]
    show(c, "GET", f"/api/sessions/{perc_code}/code", params={"framework": "pytorch"}, name="code-refused")

    heading("DELETE")
    show(c, "DELETE", base, name="delete")
    show(c, "GET", base, name="get-deleted")

    heading("A 2-D session: xor with a decision grid, ?units, and the evaluation")
    xor = show(
        c,
        "POST",
        "/api/sessions",
        {"preset": "xor", "layers": [2, 3, 1], "seed": 3},
        params={"grid": 3},
        name="create-xor-grid",
    )
    xbase = f"/api/sessions/{xor['id']}"
    show(c, "GET", xbase, params={"units": 2}, name="get-units")
    show(c, "GET", f"{xbase}/evaluation", params={"split": "test", "limit": 2}, name="evaluation-xor")

    heading("Drawn points: the xor session's rows replaced at step 12, the weights kept")
    drawn = c.post("/api/sessions", json={"preset": "xor", "layers": [2, 3, 1], "seed": 3}).json()["id"]
    c.post(f"/api/sessions/{drawn}/step", json={"steps": 12})
    rows = {"inputs": [[1.5, 2.0], [-3.0, 0.5], [4.0, -4.0]], "labels": [0, 1, 1]}
    show(c, "PUT", f"/api/sessions/{drawn}/data", rows, name="put-data")
    show(c, "PUT", f"/api/sessions/{drawn}/data", {**rows, "labels": [2, 1, 1]}, name="put-data-error")

    heading("Features: the circle seen through x1^2 and x2^2, learned with no hidden layer")
    squares = {"preset": "circle", "features": ["x1^2", "x2^2"], "layers": [2, 1], "activations": ["sigmoid"]}
    feat = show(c, "POST", "/api/sessions", squares, name="create-features", top=0)
    show(c, "POST", f"/api/sessions/{feat['id']}/step", {"steps": 200}, name="features-step")
    show(c, "POST", "/api/sessions", {**squares, "layers": [3, 1]}, name="features-layers-mismatch")

    heading("The perceptron learns AND: 10 epochs, then the evaluation")
    perc = c.post("/api/sessions", json={"preset": "perceptron-and"}).json()
    pbase = f"/api/sessions/{perc['id']}"
    show(c, "POST", f"{pbase}/step", {"epochs": 10}, name="perceptron-epochs")
    show(c, "GET", f"{pbase}/evaluation", params={"split": "train", "limit": 4}, name="evaluation-perceptron")

    heading("Stepping until a target: the seed network until its train loss is at most 0.01")
    seed = c.post("/api/sessions", json={"preset": "seed-2-3-1"}).json()
    show(
        c, "POST", f"/api/sessions/{seed['id']}/step", {"until": {"train_loss": 0.01}}, name="step-until-loss"
    )

    heading("Diagnostics and figures")
    show(c, "GET", f"{xbase}/diagnostics", name="diagnostics-none")
    hot = c.post(
        "/api/sessions",
        json={"preset": "xor", "layers": [2, 3, 1], "seed": 3, "init": {"scheme": "normal", "std": 10}},
    ).json()["id"]
    show(c, "GET", f"/api/sessions/{hot}/diagnostics", name="diagnostics")
    note("the first 600 characters of the SVG")
    show(c, "GET", f"{base_of(c, 'seed-2-3-1')}/figure", params={"panel": "network"}, name="figure-svg")
    show(
        c,
        "GET",
        f"{xbase}/figure",
        params={"panel": "boundary", "format": "png", "theme": "projector", "width": 640, "height": 480},
        name="figure-png",
    )

    heading("The activation and loss explorers")
    show(
        c,
        "GET",
        "/api/explorer/activation",
        params={"name": "sigmoid", "low": -2, "high": 2, "points": 5},
        name="explorer-activation",
    )
    show(
        c,
        "POST",
        "/api/explorer/losses",
        {"prediction": [0.7, 0.2, 0.1], "target": [1, 0, 0]},
        name="explorer-losses",
    )
    show(
        c,
        "GET",
        "/api/explorer/activation",
        params={"name": "relu", "low": 2, "high": -2},
        name="explorer-error",
    )

    heading("GET /api/health (after the examples above)")
    show(c, "GET", "/api/health", name="health")
    note("the teacher board is off unless NNPLAY_TEACHER_TOKEN is set")
    show(c, "GET", "/api/teacher/class", name="teacher-off")


def sweep_examples(c: TestClient, base: str) -> None:
    heading("Sweeps: one setting at several values, in the background")
    sweep = {"field": "optimizer.lr", "from": 0.01, "to": 10, "count": 4, "steps": 20}
    show(c, "POST", f"{base}/sweep", sweep, name="sweep")
    sweep_over(c, base)
    show(c, "GET", f"{base}/sweep", name="sweep-results")
    show(c, "POST", f"{base}/sweep", {"field": "layers", "values": [3]}, name="sweep-error-field")
    show(c, "POST", f"{base}/sweep", {"field": "optimizer.lr", "values": [0.1, 0]}, name="sweep-error-value")
    show(c, "DELETE", f"{base}/sweep", name="sweep-delete")


def sweep_over(c: TestClient, base: str) -> None:
    """Wait (quietly) until the session's sweep is over."""
    while c.get(f"{base}/sweep").json()["status"] in ("queued", "running"):
        time.sleep(0.01)


def base_of(c: TestClient, preset: str) -> str:
    """The path of a new session of `preset`."""
    return f"/api/sessions/{c.post('/api/sessions', json={'preset': preset}).json()['id']}"


def error_examples(c: TestClient) -> None:
    heading("Errors: 404, 409, 422")
    sid = c.post("/api/sessions", json={"preset": "seed-2-3-1"}).json()["id"]
    base = f"/api/sessions/{sid}"

    note("404: an id that never existed")
    show(c, "GET", "/api/sessions/no-such-session", name="error-404")

    note("409: stepping a diverged run (linear units and lr 10 blow up at step 5)")
    bad = c.post("/api/sessions", json=DIVERGING).json()["id"]
    show(c, "POST", f"/api/sessions/{bad}/step", {"steps": 10}, name="diverging-steps")
    show(c, "POST", f"/api/sessions/{bad}/step", {}, name="error-409")
    note("a lower learning rate (or new weights, or a reset) makes it usable again")
    show(c, "PATCH", f"/api/sessions/{bad}", {"optimizer": {"lr": 0.001}}, name="patch-diverged")
    note("or POST .../restore: the run goes back to its last good step, paused")
    again = c.post("/api/sessions", json=DIVERGING).json()["id"]
    c.post(f"/api/sessions/{again}/step", json={"steps": 10})
    show(c, "POST", f"/api/sessions/{again}/restore", name="restore")

    note("422: a field out of range, NaN, an unknown field")
    show(
        c, "POST", "/api/sessions", {"preset": "seed-2-3-1", "optimizer": {"lr": -1}}, name="error-422-lr-low"
    )
    show(
        c,
        "POST",
        "/api/sessions",
        {"preset": "seed-2-3-1", "optimizer": {"lr": 150}},
        name="error-422-lr-high",
    )
    show(
        c,
        "POST",
        "/api/sessions",
        raw='{"preset": "seed-2-3-1", "optimizer": {"lr": NaN}}',
        name="error-422-nan",
    )
    show(c, "POST", "/api/sessions", {"preset": "seed-2-3-1", "colour": "blue"}, name="error-422-unknown")
    note("422: limits on the network's size")
    show(c, "POST", "/api/sessions", {"preset": "xor", "layers": [2] + [4] * 9 + [1]}, name="error-422-depth")
    show(c, "POST", "/api/sessions", {"preset": "xor", "layers": [2, 2000, 1]}, name="error-422-width")
    show(
        c,
        "POST",
        "/api/sessions",
        {"preset": "xor", "layers": [2, 1024, 1024, 1]},
        name="error-422-parameters",
    )
    note("422: the engine's checks that need the data")
    show(c, "POST", "/api/sessions", {"preset": "seed-2-3-1", "layers": [3, 3, 1]}, name="error-422-fit")
    note("422: steps")
    show(c, "POST", f"{base}/step", {"steps": 20000}, name="error-422-steps")
    show(c, "POST", f"{base}/step", {"steps": 2, "epochs": 1}, name="error-422-two")
    show(c, "POST", f"{base}/step", name="error-422-no-body")
    note("422: PATCH may not change the topology")
    show(c, "PATCH", base, {"layers": [2, 4, 1]}, name="error-422-topology")
    note("422: a unit that does not exist; a format that does not exist; no classes")
    show(c, "GET", f"{base}/explain/neuron", params={"layer": 3, "unit": 0}, name="error-422-layer")
    show(c, "GET", f"{base}/history", params={"format": "xml"}, name="error-422-format")
    show(c, "GET", f"{base}/evaluation", name="error-422-regression")
    note("405: a method the path does not have")
    show(c, "POST", "/api/health", name="error-405")


def expiry_example() -> None:
    heading("404 after expiry: the same body as an id that never existed")
    app = create_app(defaults(session_idle_seconds=0.05))
    with TestClient(app) as c:
        sid = c.post("/api/sessions", json={"preset": "seed-2-3-1"}).json()["id"]
        time.sleep(0.1)
        expired = c.portal.call(app.state.sessions.expire_idle)  # what the sweeper does every 30 s
        note(f"expire_idle() dropped {expired} session(s)")
        show(c, "GET", f"/api/sessions/{sid}", name="error-404-expired")


def busy_example() -> None:
    heading("503: the server holds NNPLAY_MAX_SESSIONS sessions (here 1)")
    app = create_app(defaults(max_sessions=1))
    with TestClient(app) as c:
        first = c.post("/api/sessions", json={"preset": "seed-2-3-1"})
        note(f"the first POST /api/sessions got {first.status_code}; the second:")
        show(c, "POST", "/api/sessions", {"preset": "seed-2-3-1"}, name="error-503")


# -- WebSocket ----------------------------------------------------------------------------
def socket_examples(c: TestClient) -> None:
    heading("WebSocket: connect, step, phase, set, params, reset")
    sid = c.post("/api/sessions", json={"preset": "seed-2-3-1"}).json()["id"]
    tag("ws-connect")
    print(f"connect /ws/sessions/{sid}")
    with c.websocket_connect(f"/ws/sessions/{sid}") as ws:
        ws_receive(ws, name="ws-topology")
        ws_receive(ws, name="ws-first-snapshot")
        ws_send(ws, {"type": "step"}, name="ws-step")
        ws_receive(ws, name="ws-step-snapshot")
        ws_send(ws, {"type": "step", "steps": 2}, name="ws-steps")
        ws_receive(ws, name="ws-steps-snapshot")
        ws_send(ws, {"type": "step", "phase": "backward"}, name="ws-phase")
        ws_receive(ws, name="ws-phase-snapshot")
        ws_send(ws, {"type": "set", "optimizer": {"lr": 0.05}}, name="ws-set")
        ws_receive(ws, name="ws-config")
        ws_receive(ws, name="ws-set-snapshot")
        ws_send(ws, {"type": "params", "params": SEED_PARAMS}, name="ws-params")
        ws_receive(ws, name="ws-params-snapshot")
        ws_send(ws, {"type": "reset"}, name="ws-reset")
        ws_receive(ws, name="ws-reset-snapshot")

        heading("WebSocket: play and pause (step counts vary with timing)")
        ws_send(ws, {"type": "play", "steps_per_second": 60}, name="ws-play")
        ws_receive_until(
            ws, lambda m: m["type"] == "snapshot" and m["playing"] and m["step"] >= 3, name="ws-play-snapshot"
        )
        ws_send(ws, {"type": "pause"}, name="ws-pause")
        ws_receive_until(ws, lambda m: m["type"] == "snapshot" and not m["playing"], name="ws-pause-snapshot")

        heading("WebSocket: play until 20 more steps (it pauses by itself, exactly there)")
        ws_send(ws, {"type": "play", "steps_per_second": 60, "until": {"steps": 20}}, name="ws-play-until")
        ws_receive_until(ws, lambda m: m["type"] == "reached", name="ws-reached")

        heading("WebSocket: errors")
        ws_send(ws, {"type": "set", "optimizer": {"lr": 0}}, name="ws-error-lr")
        ws_receive(ws, name="ws-error-lr-reply")
        ws_send(ws, {"type": "set", "layers": [2, 4, 1]}, name="ws-error-topology")
        ws_receive(ws, name="ws-error-topology-reply")
        ws_send(ws, {"type": "step", "steps": 2, "epochs": 1}, name="ws-error-two")
        ws_receive(ws, name="ws-error-two-reply")
        ws_send(ws, {"type": "jump"}, name="ws-error-type")
        ws_receive(ws, name="ws-error-type-reply")
        tag("ws-error-nan")
        print('client -> {"type": "step", "steps": NaN}')
        ws.send_text('{"type": "step", "steps": NaN}')
        ws_receive(ws, name="ws-error-nan-reply")
        tag("ws-error-binary")
        print("client -> (a binary frame) b'\\x00\\x01'")
        ws.send_bytes(b"\x00\x01")
        ws_receive(ws, name="ws-error-binary-reply")

        heading("WebSocket: the session is deleted while a socket watches it")
        tag("ws-deleted")
        print(f">>> DELETE /api/sessions/{sid}  (from another client)")
        print("<<<", c.delete(f"/api/sessions/{sid}").status_code)
        try:
            ws.receive_bytes()
        except WebSocketDisconnect as closed:
            print(f"socket closed: code {closed.code}, reason {closed.reason!r}")


def socket_diverged(c: TestClient) -> None:
    heading("WebSocket: diverged, then stepping again")
    sid = c.post("/api/sessions", json=DIVERGING).json()["id"]
    with c.websocket_connect(f"/ws/sessions/{sid}") as ws:
        ws_receive(ws, quiet=True)
        ws_receive(ws, quiet=True)
        ws_send(ws, {"type": "step", "steps": 10}, name="ws-diverging-step")
        ws_receive(ws, name="ws-diverged")
        ws_receive(ws, name="ws-diverged-snapshot")
        ws_send(ws, {"type": "step"}, name="ws-conflict-step")
        ws_receive(ws, name="ws-conflict-step-reply")
        ws_send(ws, {"type": "play"}, name="ws-conflict-play")
        ws_receive(ws, name="ws-conflict-play-reply")


def socket_sweep(c: TestClient) -> None:
    heading("WebSocket: a sweep's progress (how many messages come depends on timing)")
    sid = c.post("/api/sessions", json={"preset": "xor"}).json()["id"]
    with c.websocket_connect(f"/ws/sessions/{sid}") as ws:
        ws_receive(ws, quiet=True)
        ws_receive(ws, quiet=True)
        sweep = {"field": "optimizer.lr", "values": [0.03, 0.3, 3], "steps": 100}
        show(c, "POST", f"/api/sessions/{sid}/sweep", sweep, name="ws-sweep-post")
        ws_receive_until(
            ws, lambda m: m["type"] == "sweep" and m["status"] == "running", name="ws-sweep-running"
        )
        ws_receive_until(ws, lambda m: m["type"] == "sweep" and m["status"] == "done", name="ws-sweep-done")


def budget_example() -> None:
    heading("WebSocket: a long step stops at its time budget (NNPLAY_CALL_SECONDS, here 0.2 s)")
    app = create_app(defaults(call_seconds=0.2))
    with TestClient(app) as c:
        sid = c.post("/api/sessions", json={"preset": "two-layer-digits"}).json()["id"]
        with c.websocket_connect(f"/ws/sessions/{sid}") as ws:
            ws_receive(ws, quiet=True)
            ws_receive(ws, quiet=True)
            ws_send(ws, {"type": "step", "steps": 10000}, name="ws-long-step")
            ws_receive_until(ws, lambda m: m["type"] == "stopped_early", name="ws-stopped-early")


def socket_grid(c: TestClient) -> None:
    heading("WebSocket: the decision grid (?grid=N or a view command), u8 encoded")
    sid = c.post("/api/sessions", json={"preset": "xor", "layers": [2, 3, 1], "seed": 3}).json()["id"]
    tag("ws-grid-connect")
    print(f"connect /ws/sessions/{sid}?grid=3")
    with c.websocket_connect(f"/ws/sessions/{sid}?grid=3") as ws:
        ws_receive(ws, name="ws-grid-topology")
        frame = ws_receive(ws, name="ws-grid-snapshot")
        ws_send(ws, {"type": "view", "grid": 4, "units": 2}, name="ws-view")
        ws_receive(ws, name="ws-view-snapshot")
    note("the output grid of the ?grid=3 frame, decoded: low + byte * (high - low) / 255")
    tag("ws-grid-decoded")
    print(pretty(decode_u8(frame["grid"]["output"][0], 3)))
    note("the same grid as floats from REST (GET /api/sessions/{id}?grid=3)")
    tag("ws-grid-floats")
    print(pretty(c.get(f"/api/sessions/{sid}", params={"grid": 3}).json()["snapshot"]["grid"]["output"][0]))


def socket_refusals(c: TestClient) -> None:
    heading("WebSocket: refusals at connection")
    sid = c.post("/api/sessions", json={"preset": "seed-2-3-1"}).json()["id"]
    tag("ws-unknown")
    print("connect /ws/sessions/no-such-session")
    with c.websocket_connect("/ws/sessions/no-such-session") as ws:
        ws_receive(ws)
        try:
            ws.receive_bytes()
        except WebSocketDisconnect as closed:
            print(f"socket closed: code {closed.code}, reason {closed.reason!r}")
    for name, headers, path in (
        ("ws-origin", {"origin": "http://elsewhere.example"}, f"/ws/sessions/{sid}"),
        ("ws-bad-query", {}, f"/ws/sessions/{sid}?grid=1"),
    ):
        tag(name)
        print(f"connect {path}" + (f" with Origin: {headers['origin']}" if headers else ""))
        try:
            with c.websocket_connect(path, headers=headers):
                pass
        except WebSocketDisconnect as closed:
            print(
                f"refused before the handshake completed: close code {closed.code} "
                f"(a real server answers the handshake with HTTP 403)"
            )
    tag("ws-same-origin")
    print(f"connect /ws/sessions/{sid} with Origin: http://testserver (the page's own origin)")
    with c.websocket_connect(f"/ws/sessions/{sid}", headers={"origin": "http://testserver"}) as ws:
        print("accepted; first message type:", ws_receive(ws, quiet=True)["type"])


# -- The classroom ------------------------------------------------------------------------
TOKEN = "teacher-secret-42"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


def classroom_examples() -> None:
    heading("The classroom: NNPLAY_TEACHER_TOKEN and NNPLAY_CLASS_CODE set")
    app = create_app(defaults(teacher_token=TOKEN, class_code="PHYS101"))
    with TestClient(app) as c:
        show(c, "GET", "/api/teacher/class", name="teacher-401")
        show(
            c,
            "GET",
            "/api/teacher/class",
            headers={"Authorization": "Bearer not-the-token"},
            name="teacher-403",
        )
        show(c, "GET", "/api/teacher/class", headers=BEARER, name="teacher-class")

        note("students join the class when they create their session")
        ada = show(
            c,
            "POST",
            "/api/sessions",
            {"preset": "xor", "layers": [2, 3, 1], "seed": 3},
            params={"class_code": "phys101", "name": "Ada"},
            name="create-student",
        )
        bob = c.post(
            "/api/sessions",
            params={"class_code": "PHYS101", "name": "Bob"},
            json={"preset": "xor", "layers": [2, 8, 1], "seed": 1},
        ).json()
        c.post(f"/api/sessions/{ada['id']}/step", json={"epochs": 5})
        c.post(f"/api/sessions/{bob['id']}/step", json={"epochs": 5})
        show(
            c,
            "POST",
            "/api/sessions",
            {"preset": "xor"},
            params={"class_code": "NOPE42", "name": "Eve"},
            name="create-student-bad-code",
        )
        show(c, "GET", "/api/teacher/board", headers=BEARER, name="teacher-board")

        tag("ws-class-connect")
        print(f"connect /ws/sessions/{ada['id']}  (Ada's page)")
        with c.websocket_connect(f"/ws/sessions/{ada['id']}") as ws:
            ws_receive(ws, quiet=True)
            ws_receive(ws, quiet=True)
            challenge = show(
                c,
                "POST",
                "/api/teacher/challenges",
                {
                    "title": "xor: test accuracy 90% with at most 8 hidden units",
                    "data": "xor",
                    "metric": "test_accuracy",
                    "target": 0.9,
                    "max_hidden_units": 8,
                },
                headers=BEARER,
                name="teacher-challenge",
            )
            ws_receive(ws, name="ws-challenge")
            show(
                c,
                "POST",
                "/api/teacher/broadcast",
                {
                    "config": {"preset": "xor", "layers": [2, 4, 1]},
                    "message": "Try four hidden units: does the test accuracy reach 90%?",
                },
                headers=BEARER,
                limit=6,
                keep=3,
                name="teacher-broadcast",
            )
            ws_receive(ws, name="ws-broadcast")
            show(
                c,
                "POST",
                "/api/teacher/lesson",
                {"lesson": "03-chain-rule", "step": 2, "message": "We work this one out together."},
                headers=BEARER,
                name="teacher-lesson",
            )
            ws_receive(ws, name="ws-lesson")
        ada_row = next(r for r in c.get("/api/teacher/board", headers=BEARER).json() if r["student"] == "Ada")
        show(
            c,
            "POST",
            f"/api/teacher/students/{ada_row['handle']}/reset",
            headers=BEARER,
            name="teacher-reset",
        )
        show(c, "GET", "/api/teacher/challenges", headers=BEARER, name="teacher-challenges")
        show(c, "GET", "/api/class/phys101", name="class-view")
        show(c, "GET", "/api/class/WRONG1", name="class-view-404")
        show(
            c,
            "DELETE",
            f"/api/teacher/challenges/{challenge['id']}",
            headers=BEARER,
            name="teacher-challenge-delete",
        )


def main() -> None:
    print(__doc__.strip().splitlines()[0])
    app = create_app(defaults())
    with TestClient(app) as client:
        rest_examples(client)
        error_examples(client)
        socket_examples(client)
        socket_diverged(client)
        socket_sweep(client)
        socket_grid(client)
        socket_refusals(client)
    expiry_example()
    busy_example()
    budget_example()
    classroom_examples()


if __name__ == "__main__":
    main()
