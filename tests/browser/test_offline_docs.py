"""/docs and /redoc on a class LAN: with every request to anywhere but the server refused,
Swagger UI and ReDoc still draw the list of operations."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

LOCAL_HOSTS = {"127.0.0.1", "localhost"}
# ReDoc 2.x always draws an "API docs by Redocly" logo from its CDN and hides it when it
# does not load: the one request from these pages that may leave the server.
DECORATIONS = {"/redoc": ["https://cdn.redoc.ly/redoc/logo-mini.svg"]}


def offline(page) -> list[str]:
    """Refuse every request that leaves the server; the list collects what was refused."""
    refused: list[str] = []

    def route(request_route):
        url = request_route.request.url
        if urlparse(url).hostname in LOCAL_HOSTS:
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort("internetdisconnected")

    page.route("**/*", route)
    return refused


def operation_count(page, server) -> int:
    paths = page.request.get(server + "/openapi.json").json()["paths"]
    return sum(
        1
        for methods in paths.values()
        for method in methods
        if method in {"get", "post", "put", "patch", "delete"}
    )


@pytest.mark.parametrize(
    "path, operation",
    [
        # Swagger UI: one .opblock per operation; ReDoc: one section per operation.
        ("/docs", ".opblock"),
        ("/redoc", "[data-section-id^='operation/']"),
    ],
)
def test_docs_render_with_no_internet(page, server, screenshots, allow_console, path, operation):
    if path in DECORATIONS:
        allow_console("ERR_INTERNET_DISCONNECTED", "a logo that ReDoc hides when it is refused")
    refused = offline(page)
    page.goto(server + path)
    operations = page.locator(operation)
    expect(operations.first).to_be_visible()
    expect(operations).to_have_count(operation_count(page, server))
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(screenshots / f"offline{path.replace('/', '-')}.png"))
    assert refused == DECORATIONS.get(path, []), f"{path} asked for files outside the server"
