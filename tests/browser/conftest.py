"""Fixtures for the browser tests: a live nnplay server, Debian's chromium, and pages that
fail their test on any page error or console error.

    def test_something(page, server):
        page.goto(server + "/?preset=xor")

    def test_two_pages(open_page, server):      # more pages, each checked the same way
        first, second = open_page(), open_page(viewport={"width": 1024, "height": 768})

    def test_refusal(page, allow_console):      # a console error the test causes on purpose
        allow_console(r"status of 422", "the server refuses the config; the page shows why")

The whole directory is skipped (with the reason) when /usr/bin/chromium or the playwright
package is missing; `playwright install` is never run: the browser is Debian's.
Screenshots go to $NNPLAY_SCREENSHOTS, or a temporary directory.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path

import pytest

from app.main import create_app
from app.settings import Settings
from tests.threaded_server import threaded_server

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TIMEOUT_MS = 10_000

try:
    from playwright.sync_api import expect, sync_playwright
except ImportError:  # the test extra is not installed
    sync_playwright = None


def _skip_reason() -> str | None:
    if sync_playwright is None:
        return "the playwright package is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install chromium); browser tests need Debian's chromium"
    return None


def pytest_collection_modifyitems(config, items):
    """Skip every test of this directory, with the reason, when there is no browser."""
    reason = _skip_reason()
    if reason is None:
        return
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.skip(reason=reason))


# --- the server ------------------------------------------------------------------------


class Server(str):
    """The base URL ("http://127.0.0.1:PORT"), with `.app` for looking at the server's side."""

    app: object


@pytest.fixture(scope="session")
def server():
    """uvicorn serving nnplay on a free 127.0.0.1 port, in a background thread."""
    settings = Settings(
        host="127.0.0.1",
        port=8000,
        allowed_origins=[],
        max_sessions=500,
        session_idle_seconds=3600.0,
        max_steps_per_call=10_000,
        max_fps=30.0,
        mnist_dir=None,
        data_dir=None,
    )
    app = create_app(settings)
    with threaded_server(app, "nnplay-browser-server", start_timeout=15) as (_, port):
        url = Server(f"http://127.0.0.1:{port}")
        url.app = app
        yield url


# --- the browser -----------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    # The sync API runs its own event loop; it refuses to start inside a running one.
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        pytest.fail("the sync Playwright API cannot run inside an asyncio event loop")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            expect.set_options(timeout=TIMEOUT_MS)
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    """Where screenshots go: $NNPLAY_SCREENSHOTS, else a temporary directory."""
    given = os.environ.get("NNPLAY_SCREENSHOTS")
    path = Path(given) if given else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


class ConsoleWatch:
    """Page errors and console errors of every page of one test; a test may allow a
    pattern it causes on purpose, with the reason (shown if the test fails)."""

    def __init__(self):
        self.problems: list[str] = []
        self.allowed: list[tuple[re.Pattern, str]] = []

    def allow(self, pattern: str, reason: str) -> None:
        if not reason:
            raise ValueError("say why a console error may be ignored")
        self.allowed.append((re.compile(pattern), reason))

    def watch(self, page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location.get('url', '')})")

    def unexpected(self) -> list[str]:
        return [p for p in self.problems if not any(rx.search(p) for rx, _ in self.allowed)]


@pytest.fixture
def console_watch():
    return ConsoleWatch()


@pytest.fixture
def allow_console(console_watch):
    return console_watch.allow


@pytest.fixture
def open_page(browser, console_watch):
    """A factory: a new page in a new context (own sessionStorage), 1280x720 unless told."""
    contexts = []

    def open_one(**context_options):
        # The tests evaluate strings in the page (wait_for_function), which the pages' own
        # Content-Security-Policy forbids; tests/browser/test_csp.py runs them under it.
        options = {"viewport": {"width": 1280, "height": 720}, "bypass_csp": True, **context_options}
        context = browser.new_context(**options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        console_watch.watch(page)
        return page

    yield open_one
    for context in contexts:
        context.close()
    unexpected = console_watch.unexpected()
    if unexpected:
        allowed = "".join(f"\n  (allowed: {rx.pattern!r}: {why})" for rx, why in console_watch.allowed)
        pytest.fail("the page reported errors:\n  " + "\n  ".join(unexpected) + allowed)


@pytest.fixture
def page(open_page):
    """A 1280x720 page; the test fails on any page error or console error."""
    return open_page()
