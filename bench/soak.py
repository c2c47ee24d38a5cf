"""Soak: every way one client can hurt a class, all at once, against one server.

Starts `nnplay serve` with a memory total and a teacher token, then for `--seconds` runs,
side by side, the cases of the "no single client can take the class down" report:

- imports that are wrong in every way the report found (huge step, deep divergence,
  huge inline numbers, bad batch order, wrong gradient shapes, no history);
- forty long step calls whose client gives up after 5 s;
- networks near the parameter limit (64-1024-900-10 Adam), stepped, and "step 1, change
  the learning rate" over and over (a pinned checkpoint each time);
- sockets that never read, on a 242k-parameter session, while REST steps change it;
- big answers: the history (JSON and CSV) and export of a long run, the snapshot of a
  1M-parameter net; and a body far over the limit;
- wrong class codes and teacher tokens, and a foreign Host header.

Meanwhile a prober asks `/api/health` every 100 ms (a timeout counts as its latency) and
the server's memory (VmRSS, frame workers included) is sampled. Targets: health p95 under
100 ms; peak memory under NNPLAY_MEMORY_MB + 100 MB; every attack answered with the 4xx
or 503 it should get (a 5xx other than 503, or a dropped connection, is a failure).

    .venv/bin/python bench/soak.py                   # 180 s
    .venv/bin/python bench/soak.py --seconds 60 --memory-mb 768
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import copy
import json
import socket
import sys
import tempfile
import time
from pathlib import Path

import httpx2
from classroom_load import ServerProcess, free_port
from procstat import descendants, rss_bytes

TOKEN = "soak-teacher-token-0123456789"
CLASS_CODE = "SOAK42"
HEALTH_EVERY = 0.1
HEALTH_TIMEOUT = 5.0
RSS_EVERY = 0.25

# What each attack got back, by (attack, outcome); outcome is a status or an exception name.
Tally = collections.Counter


def _digits(layers: list[int], optimizer: str = "sgd") -> dict:
    return {
        "data": {"name": "digits"},
        "layers": layers,
        "loss": "cce",
        "activations": ["relu"] * (len(layers) - 2) + ["softmax"],
        "optimizer": {"name": optimizer, "lr": 0.001},
        "batch": {"size": 32},
    }


class Soak:
    def __init__(self, base: str, deadline: float, tally: Tally):
        self.base, self.deadline, self.tally = base, deadline, tally

    def running(self) -> bool:
        return time.monotonic() < self.deadline

    async def request(
        self, client: httpx2.AsyncClient, attack: str, method: str, path: str, **kwargs
    ) -> httpx2.Response | None:
        """One request; its status (or why it had none) counted under `attack`."""
        try:
            response = await client.request(method, path, **kwargs)
        except httpx2.TimeoutException:
            self.tally[(attack, "client gave up")] += 1
            return None
        except httpx2.HTTPError as error:
            self.tally[(attack, type(error).__name__)] += 1
            return None
        self.tally[(attack, response.status_code)] += 1
        return response

    async def create(self, client: httpx2.AsyncClient, attack: str, config: dict) -> str | None:
        response = await self.request(client, attack, "POST", "/api/sessions", json=config)
        return response.json()["id"] if response is not None and response.status_code == 201 else None


async def probe_health(soak: Soak, latencies: list[float]) -> None:
    async with httpx2.AsyncClient(base_url=soak.base, timeout=HEALTH_TIMEOUT) as client:
        while soak.running():
            began = time.perf_counter()
            with contextlib.suppress(httpx2.HTTPError):
                await client.get("/api/health")
            latencies.append(time.perf_counter() - began)
            await asyncio.sleep(max(0.0, HEALTH_EVERY - (time.perf_counter() - began)))


async def sample_memory(soak: Soak, pid: int, samples: list[int], server: list[int]) -> None:
    """The server's memory with its frame workers' (`samples`), and its own (`server`)."""
    while soak.running():
        own = rss_bytes(pid) or 0
        server.append(own)
        samples.append(own + sum(rss_bytes(p) or 0 for p in descendants(pid)))
        await asyncio.sleep(RSS_EVERY)


def bad_imports(doc: dict) -> dict[str, dict]:
    """An export made wrong in each way the report found."""

    def changed(change) -> dict:
        out = copy.deepcopy(doc)
        change(out)
        return out

    deep: dict = {}
    for _ in range(300):
        deep = {"step": deep}
    return {
        "step 2**70": changed(lambda d: d.update(step=2**70)),
        "step 2**63-1": changed(lambda d: d.update(step=2**63 - 1)),
        "deep divergence": changed(lambda d: d.update(divergence=deep)),
        "string divergence": changed(lambda d: d.update(divergence="no")),
        "10**30 inputs": changed(
            lambda d: d["config"].update(data={"name": "inline", "inputs": [[10**30, 1]], "targets": [[0]]})
        ),
        "permutation out of range": changed(
            lambda d: d["batcher"].update(permutation=[10**6] * len(d["batcher"]["permutation"]))
        ),
        "empty history": changed(lambda d: d.update(history={})),
        "gradients of wrong shapes": changed(lambda d: d.update(last_grads=[{"W": [[1.0]], "b": [1.0]}])),
    }


async def attack_imports(soak: Soak) -> None:
    async with httpx2.AsyncClient(base_url=soak.base, timeout=30) as client:
        sid = await soak.create(client, "imports", {"preset": "xor"})
        await soak.request(client, "imports", "POST", f"/api/sessions/{sid}/step", json={"steps": 20})
        doc = (await client.get(f"/api/sessions/{sid}/export")).json()
        cases = bad_imports(doc)
        while soak.running():
            for name, body in cases.items():
                await soak.request(
                    client,
                    f"import: {name}",
                    "POST",
                    "/api/sessions/import",
                    content=json.dumps(body),
                    headers={"content-type": "application/json"},
                )
            await asyncio.sleep(0.5)


async def attack_long_steps(soak: Soak, count: int) -> None:
    """`count` sessions, each asking for 10,000 steps and giving up after 5 s, again and again."""
    async with httpx2.AsyncClient(
        base_url=soak.base, timeout=30, limits=httpx2.Limits(max_connections=count + 4)
    ) as client:
        ids = [await soak.create(client, "long steps", _digits([64, 256, 10])) for _ in range(count)]

        async def one(sid: str) -> None:
            while soak.running():
                response = await soak.request(
                    client,
                    "long steps",
                    "POST",
                    f"/api/sessions/{sid}/step",
                    json={"steps": 10_000},
                    timeout=5.0,
                )
                if response is not None and response.status_code == 503:  # careless, not a flood:
                    await asyncio.sleep(float(response.headers.get("retry-after", 1)))  # it waits as told

        await asyncio.gather(*(one(sid) for sid in ids if sid))


async def attack_big_nets(soak: Soak) -> None:
    """Networks near the parameter limit, stepped; then "step 1, change lr" over and over."""
    async with httpx2.AsyncClient(base_url=soak.base, timeout=60) as client:
        ids = [await soak.create(client, "big nets", _digits([64, 1024, 900, 10], "adam")) for _ in range(3)]
        ids = [sid for sid in ids if sid]
        for sid in ids:
            await soak.request(client, "big nets", "POST", f"/api/sessions/{sid}/step", json={"steps": 200})
        lr = 0.001
        while soak.running() and ids:
            for sid in ids:
                await soak.request(client, "step+patch", "POST", f"/api/sessions/{sid}/step")
                lr = 0.002 if lr == 0.001 else 0.001
                await soak.request(
                    client, "step+patch", "PATCH", f"/api/sessions/{sid}", json={"optimizer": {"lr": lr}}
                )
                await soak.request(client, "big snapshot", "GET", f"/api/sessions/{sid}")


def _deaf_socket(port: int, sid: str) -> socket.socket:
    """A WebSocket handshake, then nothing: the client never reads a frame."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.sendall(
        (
            f"GET /ws/sessions/{sid}?grid=40 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: c29hay1ub3QtcmVhZGluZw==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    return sock


async def attack_deaf_sockets(soak: Soak, port: int, count: int) -> None:
    async with httpx2.AsyncClient(base_url=soak.base, timeout=60) as client:
        sid = await soak.create(client, "deaf sockets", _digits([64, 512, 400, 10]))
        if sid is None:
            return
        sockets = [await asyncio.to_thread(_deaf_socket, port, sid) for _ in range(count)]
        try:
            while soak.running():
                await soak.request(
                    client, "deaf sockets", "POST", f"/api/sessions/{sid}/step", json={"steps": 5}
                )
                await asyncio.sleep(2.0)
        finally:
            for sock in sockets:
                sock.close()


async def attack_big_answers(soak: Soak, rows: int) -> None:
    """A run of `rows` history rows (the 2-3-1 steps fast), then its big answers, on repeat."""
    async with httpx2.AsyncClient(base_url=soak.base, timeout=120) as client:
        sid = await soak.create(client, "big answers", {"preset": "seed-2-3-1"})
        taken = 0
        while soak.running() and taken < rows:
            response = await soak.request(
                client, "grow history", "POST", f"/api/sessions/{sid}/step", json={"steps": 5000}
            )
            if response is None or response.status_code != 200:
                await asyncio.sleep(1.0)
                continue
            taken = response.json()["snapshot"]["step"]
        while soak.running():
            for path in ("history", "history?format=csv", "export"):
                await soak.request(client, "big answers", "GET", f"/api/sessions/{sid}/{path}")


async def attack_big_body(soak: Soak, megabytes: int) -> None:
    """A body of `megabytes` MB, sent as it is made: the server must refuse it early."""
    chunk = b"[" + b"1," * (1 << 19)

    async def body():
        for _ in range(megabytes):
            yield chunk

    async with httpx2.AsyncClient(base_url=soak.base, timeout=30) as client:
        while soak.running():
            await soak.request(
                client,
                "big body",
                "POST",
                "/api/sessions",
                content=body(),
                headers={"content-type": "application/json"},
            )
            await asyncio.sleep(2.0)


async def attack_guesses(soak: Soak) -> None:
    async with httpx2.AsyncClient(base_url=soak.base, timeout=10) as client:
        n = 0
        while soak.running():
            n += 1
            await soak.request(client, "wrong class code", "GET", f"/api/class/NOPE{n % 1000:03d}")
            await soak.request(
                client,
                "wrong token",
                "GET",
                "/api/teacher/board",
                headers={"authorization": f"Bearer wrong-token-{n:012d}"},
            )
            await soak.request(client, "foreign host", "GET", "/", headers={"host": "evil.example"})
            await asyncio.sleep(0.2)


async def soak_server(args, server: ServerProcess) -> dict:
    await server.wait_ready()
    base = f"http://127.0.0.1:{args.port}"
    tally: Tally = collections.Counter()
    latencies: list[float] = []
    memory: list[int] = []
    server_memory: list[int] = []
    baseline = rss_bytes(server.pid) or 0
    soak = Soak(base, time.monotonic() + args.seconds, tally)
    attacks = {
        "imports": lambda: attack_imports(soak),
        "long-steps": lambda: attack_long_steps(soak, args.long_steps),
        "big-nets": lambda: attack_big_nets(soak),
        "deaf-sockets": lambda: attack_deaf_sockets(soak, args.port, args.deaf_sockets),
        "big-answers": lambda: attack_big_answers(soak, args.history_rows),
        "big-body": lambda: attack_big_body(soak, args.body_mb),
        "guesses": lambda: attack_guesses(soak),
    }
    chosen = args.attacks.split(",") if args.attacks else list(attacks)
    await asyncio.gather(
        probe_health(soak, latencies),
        sample_memory(soak, server.pid, memory, server_memory),
        *(attacks[name]() for name in chosen),
    )
    ordered = sorted(latencies)
    return {
        "health_ms": {
            q: round(1000 * ordered[min(len(ordered) - 1, int(f * len(ordered)))], 1)
            for q, f in (("p50", 0.5), ("p95", 0.95), ("max", 1.0))
        },
        "health_probes": len(latencies),
        "rss_mb": {
            "baseline": round(baseline / 2**20, 1),
            "peak": round(max(memory) / 2**20, 1),
            "server_peak": round(max(server_memory) / 2**20, 1),
        },
        "answers": {f"{attack}: {outcome}": n for (attack, outcome), n in sorted(tally.items(), key=str)},
        "log_problems": server.log_problems()[:20],
    }


# What each attack may get: anything else (a 500, a dropped connection) is a failure.
EXPECTED = {
    "imports": {200, 201},
    "long steps": {201, 200, 503, "client gave up"},
    "big nets": {201, 200, 422, 503},
    "step+patch": {200, 422, 503},
    "big snapshot": {200, 503},
    "deaf sockets": {201, 200, 503},
    "grow history": {201, 200, 503},
    "big answers": {200, 201, 503},
    "big body": {413},
    "wrong class code": {404, 429},
    "wrong token": {403, 429},
    "foreign host": {400},
}


def failures(result: dict) -> list[str]:
    out = []
    for key, n in result["answers"].items():
        attack, outcome = key.rsplit(": ", 1)
        # A bad import is a 422; while memory is full it may be refused first, as busy.
        allowed = {422, 503} if attack.startswith("import: ") else EXPECTED.get(attack, set())
        if outcome.isdigit():
            outcome_value: int | str = int(outcome)
        else:
            outcome_value = outcome
        if outcome_value not in allowed:
            out.append(f"{attack} got {outcome} ({n} times)")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--memory-mb", type=int, default=1024, help="NNPLAY_MEMORY_MB of the server")
    parser.add_argument("--long-steps", type=int, default=40)
    parser.add_argument("--deaf-sockets", type=int, default=20)
    parser.add_argument("--history-rows", type=int, default=200_000)
    parser.add_argument("--body-mb", type=int, default=160)
    parser.add_argument(
        "--attacks",
        help="only these, comma-separated: imports, long-steps, big-nets, "
        "deaf-sockets, big-answers, big-body, guesses",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an environment variable for the server (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    args.port = args.port or free_port()
    with tempfile.TemporaryDirectory(prefix="nnplay-soak-") as tmp:
        server = ServerProcess(args.port, Path(tmp), sessions=100, save_interval=3.0)
        server.env.update(
            NNPLAY_MEMORY_MB=str(args.memory_mb), NNPLAY_TEACHER_TOKEN=TOKEN, NNPLAY_CLASS_CODE=CLASS_CODE
        )
        for assignment in args.env:
            name, _, value = assignment.partition("=")
            server.env[name] = value
        server.launch()
        try:
            result = asyncio.run(soak_server(args, server))
        finally:
            server.stop_all()
    problems = failures(result)
    result["targets"] = {
        "health p95 under 100 ms": result["health_ms"]["p95"] < 100,
        f"peak memory under {args.memory_mb} + 100 MB": result["rss_mb"]["peak"] < args.memory_mb + 100,
        "every attack answered as it should": not problems,
    }
    result["failures"] = problems
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text)
    return 0 if all(result["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
