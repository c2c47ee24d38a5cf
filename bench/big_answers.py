"""How long the server's event loop stalls while it sends big answers: the history (JSON and
CSV) and the export of a run with a long history, and the session of a 1M-parameter net.

A server is started in a subprocess with two sessions made in place (no import of a 100 MB
body): a 2-8-8-1 run whose history has --rows synthetic rows (1,000,000 by default, about
120 MB of JSON), and a 2-996-996-1 network (996,997 parameters). Each answer is downloaded
while another thread asks /api/health every 10 ms; printed per answer: its size, time to
its first byte and to its last, how many /api/health calls were made meanwhile and the
slowest of them, and the server's own loop lag (max over /api/health's window of recent
probes). Target (issue 15): no stall over 50 ms for a 1M-row run.

    .venv/bin/python bench/big_answers.py [--rows 1000000] [--encoding br] [--repeats 3]
    .venv/bin/python bench/big_answers.py --root /path/to/another/checkout   # its server

`--encoding identity` asks for uncompressed answers (the default asks for brotli, as
browsers do: the compression runs on the loop too). Everything stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDE = {"preset": "xor", "layers": [2, 996, 996, 1], "activations": ["tanh", "tanh", "sigmoid"]}
LONG = {"preset": "xor", "layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"]}


def synthetic_history(rows: int, layers: int) -> dict:
    """Plain columns (as History.as_dict() gives them) of a run `rows` steps long."""
    import numpy as np

    rng = np.random.default_rng(0)
    loss = (1.0 / (1.0 + np.arange(rows) / 1000.0) + 0.01 * rng.random(rows)).tolist()
    norms = rng.random((rows, layers)).tolist()
    norms[0] = None
    return {
        "step": list(range(rows)),
        "epoch": [s // 50 for s in range(rows)],
        "train_loss": loss,
        "test_loss": loss,
        "train_accuracy": (0.5 + 0.5 * rng.random(rows)).tolist(),
        "test_accuracy": [None] * rows,
        "batch_loss": [None] + loss[:-1],
        "grad_norm": norms,
    }


def serve(port: int, rows: int) -> None:
    """The server (in the subprocess): the two sessions, then uvicorn until killed."""
    import uvicorn

    from app.main import create_app
    from app.sessions import Session
    from app.settings import Settings
    from core.run import Run

    app = create_app(Settings(data_dir=None, frame_workers=0))
    long = Run(LONG)
    long.history.load(synthetic_history(rows, len(LONG["layers"]) - 1))
    long.step_count = rows - 1
    for name, run in (("long", long), ("wide", Run(WIDE))):
        app.state.sessions.sessions[name] = Session(name, run)
    print("ready", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, encoding: str = "identity") -> tuple[int, float, float]:
    """(bytes received, seconds to the first body byte, seconds to the last)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    began = time.perf_counter()
    connection.request("GET", path, headers={"Accept-Encoding": encoding})
    response = connection.getresponse()
    first, size = None, 0
    while chunk := response.read1(1 << 16):
        first = first or time.perf_counter() - began
        size += len(chunk)
    connection.close()
    return size, first or 0.0, time.perf_counter() - began


class HealthPoller(threading.Thread):
    """Asks /api/health every 10 ms until stopped; keeps each call's seconds."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.port, self.seconds, self.stopping = port, [], threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.seconds.append(get(self.port, "/api/health")[2])
            time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--encoding", default="br")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout whose server to run")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.rows)
        return
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(args.root.resolve())}
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--rows", str(args.rows)],
        cwd=args.root,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        if server.stdout.readline().strip() != "ready":
            raise SystemExit("the server did not start")
        while True:
            try:
                get(port, "/api/health")
                break
            except OSError:
                time.sleep(0.1)
        cases = [
            ("history (JSON)", "/api/sessions/long/history"),
            ("history (CSV)", "/api/sessions/long/history?format=csv"),
            ("export", "/api/sessions/long/export"),
            ("session of a 1M-parameter net", "/api/sessions/wide"),
        ]
        print(
            f"{args.rows:,} history rows; Accept-Encoding: {args.encoding}; {args.repeats} runs each "
            f"(medians; slowest health call: the worst of all runs)"
        )
        print(
            f"{'answer':32} {'bytes':>12} {'first byte s':>12} {'last byte s':>11} "
            f"{'health calls':>12} {'slowest health ms':>17}"
        )
        for name, path in cases:
            runs, slowest, calls = [], 0.0, 0
            for _ in range(args.repeats):
                poller = HealthPoller(port)
                poller.start()
                time.sleep(0.05)
                runs.append(get(port, path, args.encoding))
                poller.stopping.set()
                poller.join()
                slowest, calls = max(slowest, max(poller.seconds)), calls + len(poller.seconds)
            size = runs[0][0]
            print(
                f"{name:32} {size:>12,} {statistics.median(r[1] for r in runs):>12.3f} "
                f"{statistics.median(r[2] for r in runs):>11.3f} {calls // args.repeats:>12} "
                f"{1000 * slowest:>17.1f}"
            )
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("GET", "/api/health")
        lag = json.loads(connection.getresponse().read())["loop_lag_ms"]
        print(
            f"server loop lag over its last probes (ms): p50 {lag['p50']}, p95 {lag['p95']}, max {lag['max']}"
        )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
