"""Static files as a browser gets them from a real server: versioned URLs cached for a
year, pages revalidated, bodies compressed as the client accepts and decompressing to the
files' own bytes; /docs and /redoc load nothing from elsewhere."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
import shutil
import time
from pathlib import Path

import brotli
import httpx2
import pytest

import app.main
from app.assets import IMMUTABLE, AssetSet, Compressor, pick_encoding, tree
from app.main import create_app
from app.paths import STATIC_DIR
from tests.app.conftest import make_settings, strict_json
from tests.threaded_server import threaded_server

PAGES = ["/", "/lessons", "/lessons/01-forward-pass"]
DECODE = {"gzip": gzip.decompress, "br": brotli.decompress, None: lambda body: body}


def links(html: str) -> list[str]:
    """What a page loads: its scripts' src and its <link>s' href (not its <a> links)."""
    return re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)


def raw_get(http: httpx2.Client, url: str, accept_encoding: str) -> httpx2.Response:
    """The response with its body as sent on the wire (not decoded)."""
    with http.stream("GET", url, headers={"Accept-Encoding": accept_encoding}) as response:
        response.raw_body = b"".join(response.iter_raw())
    return response


@pytest.fixture
def http(live_server):
    with httpx2.Client(base_url=live_server, timeout=30) as client:
        yield client


def the_file(app, url: str) -> Path:
    """The file on disk that a versioned static URL names."""
    for asset_set in app.state.assets.sets:
        if url.startswith(asset_set.prefix + "/"):
            return asset_set.files[url.removeprefix(asset_set.prefix + "/")].path
    raise AssertionError(f"{url} is under no versioned prefix")


def test_pages_are_revalidated_and_answer_304_when_unchanged(http):
    for path in PAGES:
        page = http.get(path)
        assert page.status_code == 200, path
        assert page.headers["cache-control"] == "no-cache", path
        again = http.get(path, headers={"If-None-Match": page.headers["etag"]})
        assert again.status_code == 304 and again.content == b"", path


@pytest.mark.parametrize(
    "accept_encoding, expected",
    [
        ("gzip", "gzip"),
        ("gzip, deflate", "gzip"),
        ("gzip, deflate, br, zstd", "br"),
        ("identity", None),
        ("br;q=0, gzip", "gzip"),
    ],
)
def test_static_files_are_versioned_immutable_and_compressed_as_accepted(
    http, live_server, accept_encoding, expected
):
    urls = sorted({url for path in PAGES for url in links(http.get(path).text)})
    assert any(url.endswith("/js/main.js") for url in urls) and any("plotly" in url for url in urls)
    for url in urls:
        response = raw_get(http, url, accept_encoding)
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == IMMUTABLE, url
        assert response.headers.get("content-encoding") == expected, url
        assert "accept-encoding" in response.headers["vary"].lower(), url
        file_bytes = the_file(live_server.app, url).read_bytes()
        assert DECODE[expected](response.raw_body) == file_bytes, url
        if expected is not None:
            assert len(response.raw_body) < len(file_bytes), url


def test_modules_import_each_other_with_relative_paths():
    # Absolute "/static/..." imports would skip the version prefix and mix versions.
    for module in (STATIC_DIR / "js").rglob("*.js"):
        text = module.read_text()
        assert not re.search(r"""(?:from|import)\s*\(?\s*["']/""", text), module.name
        assert "/static/" not in text, module.name


def test_old_unversioned_urls_still_answer_but_are_revalidated(http, live_server):
    assets = live_server.app.state.assets
    for url in ("/static/js/main.js", "/static/style.css", "/vendor/plotly.min.js"):
        response = http.get(url)
        assert response.status_code == 200 and response.headers["cache-control"] == "no-cache", url
        again = http.get(url, headers={"If-None-Match": response.headers["etag"]})
        assert again.status_code == 304, url
    # Another version's prefix is not served the current files under a year-long cache.
    stale = http.get("/static/000000000000/js/main.js")
    assert stale.status_code == 404 and assets.static.version != "000000000000"
    assert stale.json()["error"]["code"] == "not_found"


def test_a_changed_static_file_changes_the_prefix(tmp_path, monkeypatch):
    copy = tmp_path / "static"
    shutil.copytree(STATIC_DIR, copy)
    before = create_app(make_settings()).state.assets.static
    monkeypatch.setattr(app.main, "STATIC_DIR", copy)
    same = create_app(make_settings()).state.assets.static
    api_module = copy / "js" / "shell" / "api.js"
    api_module.write_text(api_module.read_text() + "\n// changed\n")
    changed = create_app(make_settings()).state.assets.static
    assert same.prefix == before.prefix
    assert changed.prefix != before.prefix and changed.prefix.startswith("/static/")
    with (
        threaded_server(create_app(make_settings()), "nnplay-assets-changed") as (_, port),
        httpx2.Client(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        assert f'src="{changed.prefix}/js/main.js"' in client.get("/").text
        api_js = client.get(f"{changed.prefix}/js/shell/api.js")
        assert api_js.status_code == 200 and api_js.text.endswith("// changed\n")
        assert client.get(f"{before.prefix}/js/shell/api.js").status_code == 404


@pytest.mark.parametrize(
    "accept_encoding, expected", [("gzip", "gzip"), ("gzip, deflate, br", "br"), ("identity", None)]
)
def test_json_is_compressed_above_a_threshold(http, accept_encoding, expected):
    presets = raw_get(http, "/api/presets", accept_encoding)
    assert len(DECODE[expected](presets.raw_body)) > app.main.COMPRESS_MIN_BYTES
    assert presets.headers.get("content-encoding") == expected
    assert isinstance(strict_json(DECODE[expected](presets.raw_body)), list)
    small = raw_get(http, "/api/health", accept_encoding)
    assert len(small.raw_body) < app.main.COMPRESS_MIN_BYTES
    assert "content-encoding" not in small.headers
    assert strict_json(small.raw_body)["status"] == "ok"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_docs_pages_load_only_same_origin_files(http, path):
    page = http.get(path)
    assert page.status_code == 200
    urls = links(page.text)
    assert urls and "googleapis" not in page.text and "cdn." not in page.text
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), url
        response = raw_get(http, url, "gzip")
        assert response.status_code == 200, url
        assert response.headers["cache-control"] == IMMUTABLE, url
    assert http.get("/openapi.json").json()["info"]["title"] == "nnplay"


@pytest.mark.parametrize(
    "header, expected",
    [
        ("", None),
        ("identity", None),
        ("deflate", None),
        ("gzip", "gzip"),
        ("GZip;q=0.5", "gzip"),
        ("gzip, deflate, br, zstd", "br"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0", None),
        ("*", "br"),
        ("*;q=0", None),
        ("br;q=0, *", "gzip"),
        ("gzip;q=bad, br", "br"),
    ],
)
def test_encoding_negotiation(header, expected):
    assert pick_encoding(header) == expected


def test_smallest_forms_are_kept_on_disk_and_reused(tmp_path):
    (tmp_path / "tree").mkdir()
    text = ("function f(x) { return x * 2; }\n" * 400).encode()
    (tmp_path / "tree" / "f.js").write_bytes(text)
    cache = tmp_path / "cache"
    first = AssetSet("/t", tree(tmp_path / "tree"), Compressor(cache))
    first.precompress()
    kept = sorted(path.name for path in cache.iterdir())
    assert kept == sorted(f"{first.files['f.js'].digest}.{e}" for e in ("br", "gzip"))
    assert gzip.decompress((cache / kept[1]).read_bytes()) == text
    assert brotli.decompress((cache / kept[0]).read_bytes()) == text
    # A second server reads them instead of compressing again.
    (cache / kept[1]).write_bytes(gzip.compress(text, 1))
    second = AssetSet("/t", tree(tmp_path / "tree"), Compressor(cache))
    variant = asyncio.run(second.compressor.variant(second.files["f.js"], "gzip"))
    assert variant.body == (cache / kept[1]).read_bytes()


def test_a_server_with_a_data_dir_replaces_the_quick_form_by_the_smallest(tmp_path):
    app = create_app(make_settings(data_dir=tmp_path))
    url = app.state.assets.static.url("style.css")
    css = (STATIC_DIR / "style.css").read_bytes()
    with (
        threaded_server(app, "nnplay-assets-smallest") as (_, port),
        httpx2.Client(base_url=f"http://127.0.0.1:{port}") as client,
    ):
        quick = raw_get(client, url, "gzip").raw_body
        kept = tmp_path / "compressed" / f"{hashlib.sha256(css).hexdigest()}.gzip"
        deadline = time.monotonic() + 30
        while not kept.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        smallest = raw_get(client, url, "gzip").raw_body
    assert gzip.decompress(quick) == css == gzip.decompress(smallest)
    assert kept.read_bytes() == smallest and len(smallest) < len(quick)
