"""uvicorn serving an app on a free 127.0.0.1 port, in a background thread: the one way
the test suites run a real server in-process."""

from __future__ import annotations

import contextlib
import socket
import threading
import time

import pytest
import uvicorn


@contextlib.contextmanager
def threaded_server(app, name: str, start_timeout: float = 10.0):
    """Yields (server, port). The listening socket is bound here and handed to uvicorn, so
    there is no race for the port; uvicorn does not configure logging (log_config=None),
    so caplog sees its records."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=2,
        ws_ping_interval=None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            sock.close()
            pytest.fail(f"{name} did not start")
        time.sleep(0.01)
    try:
        yield server, sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        assert not thread.is_alive(), f"{name} did not stop"
