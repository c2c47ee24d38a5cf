"""Helpers for the tests that install nnplay into a fresh virtual environment and run it
there, as a user or the container does: test_wheel.py and test_dockerfile.py.

    bin_dir = fresh_venv(tmp / "venv")
    with served([str(bin_dir / "nnplay"), "serve", "--port", str(port)], ...) as base:
        fetched = crawl(base, ["/", "/lessons"])   # every page, script, style and module
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

REPO = Path(__file__).resolve().parents[2]
# The server's own address space: pages, /static and /vendor. Anything else a page names
# (another host) would need the internet, which a class LAN does not have.
LOCAL_PREFIXES = ("/static/", "/vendor/")


def clean_env() -> dict[str, str]:
    """This process's environment without what would leak the checkout into the installed
    program: no NNPLAY_* settings, no PYTHONPATH, no active virtual environment."""
    return {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("NNPLAY_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")
    }


def fresh_venv(path: Path) -> Path:
    """A new virtual environment (no system site-packages); returns its bin directory."""
    subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=180)
    return path / "bin"


def pip(bin_dir: Path, *args: str, cwd: Path | None = None, timeout: float = 600) -> None:
    """`pip ARGS` with the venv's own interpreter; fails the test with pip's output."""
    done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", *args, "-q", "--disable-pip-version-check"],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, f"pip {' '.join(args)}:\n{done.stdout}\n{done.stderr}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 10.0) -> tuple[int, str, bytes]:
    """(status, content type, body); an HTTP error status is returned, not raised."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("content-type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("content-type", ""), error.read()


def post_json(url: str, body: dict, timeout: float = 30.0) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status, json.loads(response.read())


@contextlib.contextmanager
def served(cmd: list[str], cwd: Path, env: dict[str, str], log_path: Path, port: int):
    """Starts `cmd` (a server on 127.0.0.1:`port`), waits until /api/health answers, yields
    its base URL; then stops it with SIGTERM, as `docker stop` does, and checks that it
    stopped cleanly and logged no traceback."""
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 90
            while True:
                if server.poll() is not None:
                    raise AssertionError(
                        f"the server exited with {server.returncode}:\n{log_path.read_text(errors='replace')}"
                    )
                if time.monotonic() > deadline:
                    raise AssertionError(
                        "no answer from /api/health within 90 s:\n" + log_path.read_text(errors="replace")
                    )
                try:
                    if get(base + "/api/health", timeout=2)[0] == 200:
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                time.sleep(0.2)
            yield base
        finally:
            server.terminate()
            try:
                code = server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                raise AssertionError("the server did not stop within 20 s of SIGTERM") from None
    text = log_path.read_text(errors="replace")
    # uvicorn re-raises the signal it caught once it has shut down cleanly.
    assert code in (0, -signal.SIGTERM), (code, text)
    assert "Traceback" not in text, text


class _Links(HTMLParser):
    """The src and href of a page's elements."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.links.append(value)


# What an ES module imports: `import ... from "x"`, `export ... from "x"`, `import "x"` and
# `import("x")`. Only relative or absolute paths count (the browser code has no bare names).
_MODULE_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["']((?:\.{1,2}/|/)[^"']+)["']""")


def page_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def module_imports(source: str) -> list[str]:
    return _MODULE_IMPORT.findall(source)


# A file's URL with its tree's content hash or its package's version (app/assets.py).
_VERSIONED = re.compile(r"^/(static/)[0-9a-f]{8,}/|^/(vendor/)\d+(?:\.\d+)+/")


def by_file(fetched: dict[str, bytes]) -> dict[str, bytes]:
    """{path: body} with the version or content hash taken out of the files' URLs
    (/static/<hash>/js/main.js -> /static/js/main.js, /vendor/<version>/plotly.min.js ->
    /vendor/plotly.min.js), so that they name the files of the tree they come from."""
    return {_VERSIONED.sub(lambda m: "/" + (m[1] or m[2]), path): body for path, body in fetched.items()}


def crawl(base: str, pages: list[str]) -> dict[str, bytes]:
    """Fetches `pages` and everything they reach on this server: the scripts, style sheets
    and icons they name, and the ES modules those scripts import, recursively. Every
    fetch must answer 200. Returns {path: body}."""
    fetched: dict[str, bytes] = {}
    todo = list(pages)
    while todo:
        path = todo.pop()
        if path in fetched:
            continue
        status, kind, body = get(base + path)
        assert status == 200, f"GET {path}: {status} {body[:300]!r}"
        fetched[path] = body
        if kind.startswith("text/html"):
            for link in page_links(body.decode()):
                target = urlsplit(urljoin(base + path, link))
                if target.netloc == urlsplit(base).netloc and target.path.startswith(LOCAL_PREFIXES):
                    todo.append(target.path)
        elif path.endswith(".js") and path.startswith("/static/"):
            assert "javascript" in kind, (path, kind)
            for spec in module_imports(body.decode()):
                todo.append(urlsplit(urljoin(base + path, spec)).path)
    return fetched
