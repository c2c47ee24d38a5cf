"""How many bytes a cold load of `/` costs on the wire, and what a reload transfers again.

Starts a real `nnplay serve` (in a temporary data directory) and loads `/` in headless
Chromium, counting, from the DevTools protocol's Network events, every response's
`encodedDataLength` (bytes received: body as sent plus headers). Then reloads the page
and counts what was transferred again. Target (issue 13): a cold load at most 1.5 MB
(1,500,000 bytes), and a reload that transfers no static file again.

Clients:
  127.0.0.1        Chromium as it is, on http://127.0.0.1 (it sends br there: loopback
                   counts as a secure context);
  LAN address      Chromium as it is, on http://<this machine's address> (a class LAN:
                   plain http, where Chromium accepts gzip and deflate only), when the
                   machine has a non-loopback IPv4 address;
  gzip only        Chromium on 127.0.0.1 told to send "Accept-Encoding: gzip, deflate"
                   (Network.setExtraHTTPHeaders), the LAN case on any machine.

By default the server starts with its compressed files already made (the smallest forms,
as `Assets.precompress` makes them into the data directory: what every start after the
first serves); --fresh starts it with an empty data directory, so the first requests get
the quick compression levels (app/assets.py).

    .venv/bin/python bench/page_weight.py [--fresh] [--no-lan] [--json out.json]

The exit code is 1 when a target is missed for some client. WebSocket frames are not
counted (the page's live frames; they are not part of loading it).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from app.assets import Assets  # noqa: E402
from app.paths import STATIC_DIR  # noqa: E402

TARGET_BYTES = 1_500_000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
GZIP_ONLY = "gzip, deflate"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lan_address() -> str | None:
    """This machine's outward IPv4 address (no packet is sent), or None."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the route
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def start_server(data_dir: Path, port: int, host: str) -> subprocess.Popen:
    nnplay = Path(sys.executable).parent / "nnplay"
    env = {**os.environ, "NNPLAY_DATA_DIR": str(data_dir)}
    # The server writes to its own copy of the log's descriptor; ours closes at once.
    with open(data_dir / "server.log", "w") as log:
        server = subprocess.Popen(
            [str(nnplay), "serve", "--host", host, "--port", str(port)],
            cwd=data_dir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
            return server
        except OSError:
            if server.poll() is not None:
                break
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"the server did not start: see {data_dir / 'server.log'}")


def kind(url: str) -> str:
    path = "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url
    if path.startswith("/vendor/"):
        return "plotly.js"
    if path.startswith("/static/"):
        return "static"
    if path.startswith("/api/"):
        return "api"
    return "page" if not path.startswith("/ws/") else "websocket"


class Recorder:
    """Network events of one page, from the DevTools protocol."""

    def __init__(self, cdp):
        self.requests: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestWillBeSentExtraInfo", self._sent_headers)
        cdp.on("Network.responseReceived", self._response)
        cdp.on("Network.requestServedFromCache", self._from_cache)
        cdp.on("Network.loadingFinished", self._finished)

    def _entry(self, request_id: str) -> dict:
        return self.requests.setdefault(request_id, {"bytes": 0, "cached": False})

    def _sent(self, event):
        self._entry(event["requestId"])["url"] = event["request"]["url"]

    def _sent_headers(self, event):
        headers = {k.lower(): v for k, v in event["headers"].items()}
        self._entry(event["requestId"])["accept_encoding"] = headers.get("accept-encoding")

    def _response(self, event):
        response = event["response"]
        entry = self._entry(event["requestId"])
        entry["status"] = response["status"]
        entry["encoding"] = {k.lower(): v for k, v in response["headers"].items()}.get("content-encoding")
        entry["cached"] |= bool(response.get("fromDiskCache") or response.get("fromPrefetchCache"))

    def _from_cache(self, event):
        self._entry(event["requestId"])["cached"] = True

    def _finished(self, event):
        self._entry(event["requestId"])["bytes"] = event["encodedDataLength"]

    def clear(self):
        self.requests.clear()

    def summary(self) -> dict:
        done = [r for r in self.requests.values() if "url" in r and kind(r["url"]) != "websocket"]
        by_kind: dict[str, dict] = {}
        for r in done:
            part = by_kind.setdefault(kind(r["url"]), {"requests": 0, "bytes": 0, "from_network": 0})
            part["requests"] += 1
            part["bytes"] += 0 if r["cached"] else r["bytes"]
            part["from_network"] += 0 if r["cached"] else 1
        encodings = sorted(
            {str(r.get("encoding")) for r in done if kind(r["url"]) in ("static", "plotly.js")}
        )
        sent = sorted({r["accept_encoding"] for r in done if r.get("accept_encoding")})
        return {
            "requests": len(done),
            "bytes": sum(p["bytes"] for p in by_kind.values()),
            "by_kind": by_kind,
            "static_encodings": encodings,
            "accept_encoding": sent,
        }


def load(browser, url: str, accept_encoding: str | None) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    if accept_encoding:
        cdp.send("Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": accept_encoding}})
    recorder = Recorder(cdp)
    page.goto(url, wait_until="networkidle")
    page.wait_for_selector("#step-count")
    page.wait_for_timeout(1500)  # late requests are counted too (and events delivered)
    cold = recorder.summary()
    recorder.clear()
    page.reload(wait_until="networkidle")
    page.wait_for_timeout(1500)
    warm = recorder.summary()
    context.close()
    return {"cold": cold, "warm": warm}


def mb(n: int) -> str:
    return f"{n / 1e6:.3f} MB"


def report(name: str, result: dict) -> bool:
    cold, warm = result["cold"], result["warm"]
    static_again = sum(warm["by_kind"].get(k, {}).get("bytes", 0) for k in ("static", "plotly.js"))
    static_requests = sum(warm["by_kind"].get(k, {}).get("from_network", 0) for k in ("static", "plotly.js"))
    ok = cold["bytes"] <= TARGET_BYTES and static_again == 0
    print(
        f"\n{name}: Accept-Encoding sent {cold['accept_encoding']}; static files came as "
        f"{cold['static_encodings']}"
    )
    print(
        f"  cold load: {cold['requests']} requests, {mb(cold['bytes'])} "
        f"= {cold['bytes'] / TARGET_BYTES:.2f} x the 1.5 MB target "
        f"({'met' if cold['bytes'] <= TARGET_BYTES else 'MISSED'})"
    )
    for part, numbers in sorted(cold["by_kind"].items()):
        print(f"    {part:10s} {numbers['requests']:3d} requests {numbers['bytes']:>10,d} bytes")
    print(
        f"  reload: {warm['requests']} requests, {mb(warm['bytes'])} in all; static files "
        f"from the network again: {static_requests} ({static_again:,d} bytes) "
        f"({'met' if static_again == 0 else 'MISSED'})"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fresh", action="store_true", help="start with no compressed files made (the first start)"
    )
    parser.add_argument("--no-lan", action="store_true", help="skip the LAN-address client")
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    lan = None if args.no_lan else lan_address()
    results, all_ok = {}, True
    with tempfile.TemporaryDirectory(prefix="nnplay-weight-") as tmp:
        data_dir = Path(tmp)
        if not args.fresh:
            started = time.perf_counter()
            assets = Assets(STATIC_DIR, data_dir / "compressed")
            assets.static.precompress()
            assets.plotly.precompress()
            print(
                f"made the smallest compressed forms of /static and plotly.js in "
                f"{time.perf_counter() - started:.1f} s"
            )
        port = free_port()
        server = start_server(data_dir, port, "0.0.0.0" if lan else "127.0.0.1")
        try:
            clients = {"chromium on http://127.0.0.1": (f"http://127.0.0.1:{port}/", None)}
            if lan:
                clients[f"chromium on http://{lan} (LAN address)"] = (f"http://{lan}:{port}/", None)
            clients["gzip only (forced) on http://127.0.0.1"] = (f"http://127.0.0.1:{port}/", GZIP_ONLY)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                for name, (url, accept_encoding) in clients.items():
                    results[name] = load(browser, url, accept_encoding)
                    all_ok &= report(name, results[name])
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=30)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
