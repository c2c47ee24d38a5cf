"""The page keeps rendering smoothly while it streams, and its memory stays flat.

Streams a 2-8-8-1 tanh network on the xor data with every heatmap on (the page asks for
a 40x40 grid and hidden-unit thumbnails) at 30 frames/s into headless Chromium, and
measures with requestAnimationFrame how many frames a second the page renders, and the
JS heap (performance.memory) every 10 s. Targets (issue): at least 50 rendered frames a
second; memory flat over 5 minutes.

    .venv/bin/python bench/page_render.py [--seconds 300]

Everything stays on 127.0.0.1; the server runs in this process (a thread) and stops
with it. Debian's chromium, driven by Playwright.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import uvicorn  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from app.main import create_app  # noqa: E402
from app.settings import Settings  # noqa: E402

QUERY = "preset=xor&layers=2,8,8,1&act=tanh,tanh,sigmoid"
PROBE = """() => {
  window.__frames = [];
  const tick = (t) => { window.__frames.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=300.0)
    args = parser.parse_args()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(Settings()), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--enable-precise-memory-info",
            ],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.goto(f"http://127.0.0.1:{port}/?{QUERY}")
        page.wait_for_function("() => window.nnplay && window.nnplay.snapshot")
        page.evaluate("window.nnplay.send({type: 'play', steps_per_second: 30})")
        page.wait_for_timeout(3000)  # warm up
        page.evaluate(PROBE)
        samples, started = [], time.monotonic()
        while time.monotonic() - started < args.seconds:
            page.wait_for_timeout(10_000)
            heap = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : null")
            frames = page.evaluate("window.__frames.splice(0)")
            fps = (len(frames) - 1) / ((frames[-1] - frames[0]) / 1000) if len(frames) > 1 else 0.0
            step = page.evaluate("window.nnplay.snapshot.step")
            samples.append((time.monotonic() - started, fps, heap, step))
            print(
                f"{samples[-1][0]:6.0f} s  {fps:5.1f} rendered frames/s  heap "
                f"{(heap or 0) / 2**20:6.1f} MiB  step {step}",
                flush=True,
            )
        browser.close()
    server.should_exit = True
    thread.join(timeout=10)
    fps = [s[1] for s in samples]
    heaps = [s[2] / 2**20 for s in samples if s[2]]
    half = len(heaps) // 2
    # The heap saws up and down with the collector: what the page keeps is the floor a
    # collection leaves, so compare the lowest sample of each half (a fall is no leak).
    first, second = (min(heaps[:half]), min(heaps[half:])) if half else (0.0, 0.0)
    growth = second - first
    print(f"\nload average: {os.getloadavg()}")
    print(
        f"rendered frames/s: median {statistics.median(fps):.1f}, min {min(fps):.1f}   "
        f"target >= 50: {'MET' if statistics.median(fps) >= 50 else 'NOT MET'}"
    )
    print(
        f"JS heap after collections: first half {first:.1f} MiB, second half {second:.1f} MiB "
        f"(growth {growth:+.1f} MiB; samples {min(heaps or [0]):.1f} to {max(heaps or [0]):.1f} MiB)"
        f"   flat (< 5 MiB growth): {'MET' if growth < 5 else 'NOT MET'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
