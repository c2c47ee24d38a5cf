"""The package as a user gets it: `python -m build` makes the sdist and, from the sdist, the
wheel; the wheel goes into a fresh virtual environment (with its dependencies, as
`pip install` resolves them), and `nnplay serve`, `nnplay lesson` and `nnplay figure` run
there from an empty folder, far from the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.app.installed import (
    REPO,
    by_file,
    clean_env,
    crawl,
    free_port,
    fresh_venv,
    get,
    pip,
    post_json,
    served,
)

pytestmark = pytest.mark.slow

PNG = b"\x89PNG\r\n\x1a\n"
# The repo's folders the wheel carries inside the app package (pyproject.toml's package-dir).
CARRIED = {"static": "app/files/static", "templates": "app/files/templates", "lessons": "app/files/lessons"}


def _checkout_files(folder: str) -> list[str]:
    """The files under `folder` of the checkout that belong in a build (no bytecode)."""
    return sorted(
        p.relative_to(REPO).as_posix()
        for p in (REPO / folder).rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    )


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    """The sdist and the wheel built from it, as `python -m build` makes them."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(REPO)],
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return out


@pytest.fixture(scope="module")
def wheel(dist) -> Path:
    (path,) = dist.glob("nnplay-*.whl")
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh venv with the wheel and its dependencies; returns its bin directory."""
    bin_dir = fresh_venv(tmp_path_factory.mktemp("wheel-venv") / "venv")
    pip(bin_dir, "install", str(wheel))
    return bin_dir


@pytest.fixture
def empty_dir(tmp_path) -> Path:
    """An empty working directory: nothing to find by accident, far from the checkout."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_the_wheel_holds_every_module_and_file_and_no_tests(wheel, dist):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = [f for folder in ("app", "core") for f in _checkout_files(folder)]
    assert modules and not [f for f in modules if f not in names]
    for folder, inside in CARRIED.items():
        files = _checkout_files(folder)
        assert files, folder
        missing = [f for f in files if f"{inside}/{f.partition('/')[2]}" not in names]
        assert not missing, missing
    lessons = [n for n in names if n.startswith("app/files/lessons/") and n.endswith(".toml")]
    assert len(lessons) == 10, lessons
    assert not [n for n in names if n.startswith(("tests/", "bench/", "docs/", "tools/"))]
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]

    # The sdist the wheel was built from holds the repo's folders at their own places.
    (sdist,) = dist.glob("nnplay-*.tar.gz")
    with tarfile.open(sdist) as archive:
        inside = {name.partition("/")[2] for name in archive.getnames()}
    for folder in ("app", "core", *CARRIED):
        missing = [f for f in _checkout_files(folder) if f not in inside]
        assert not missing, missing


def test_installed_server_serves_every_page_file_lesson_and_figure(installed, empty_dir, tmp_path):
    env = clean_env()
    env["NNPLAY_DATA_DIR"] = str(tmp_path / "data")
    port = free_port()
    cmd = [str(installed / "nnplay"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    with served(cmd, empty_dir, env, tmp_path / "server.log", port) as base:
        status, _, body = get(base + "/api/lessons")
        lessons = json.loads(body)
        assert status == 200 and len(lessons) == 10, lessons
        pages = ["/", "/lessons", *(f"/lessons/{lesson['id']}" for lesson in lessons)]
        fetched = by_file(crawl(base, pages))  # versioned URLs, named by their files
        # Every file of the checkout's static/ that a page reaches is served as it is.
        served_static = [p for p in fetched if p.startswith("/static/")]
        for path in served_static:
            assert fetched[path] == (REPO / path.lstrip("/")).read_bytes(), path
        assert "/static/js/main.js" in fetched and "/static/style.css" in fetched
        assert "/static/js/lesson-list.js" in fetched
        assert len(fetched["/vendor/plotly.min.js"]) > 1_000_000

        # The digits data ships in the wheel: a session on it trains and draws.
        status, session = post_json(base + "/api/sessions", {"preset": "two-layer-digits"})
        assert status in (200, 201), session
        status, kind, png = get(
            base + f"/api/sessions/{session['id']}/figure?format=png&panel=network&width=400&height=300"
        )
        assert status == 200 and kind == "image/png" and png.startswith(PNG), (status, kind)
    assert os.listdir(empty_dir) == [], "the server wrote into its working directory"


def test_installed_cli_writes_lessons_and_figures(installed, empty_dir):
    env = clean_env()
    lesson = subprocess.run(
        [str(installed / "nnplay"), "lesson", "1", "--out", "lesson"],
        cwd=empty_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert lesson.returncode == 0, lesson.stderr
    written = {p.name for p in (empty_dir / "lesson").iterdir()}
    (source,) = (REPO / "lessons").glob("01-*.toml")
    steps = len(tomllib.loads(source.read_text())["steps"])
    captions = sorted(name for name in written if name.endswith(".txt"))
    assert len(captions) == steps, sorted(written)  # each step: its caption and its figure
    for caption in captions:
        png = empty_dir / "lesson" / caption.replace(".txt", ".png")
        assert png.read_bytes().startswith(PNG), png.name

    figure = subprocess.run(
        [
            str(installed / "nnplay"),
            "figure",
            "--preset",
            "xor",
            "--steps",
            "20",
            "--panel",
            "boundary",
            "-o",
            "xor.png",
        ],
        cwd=empty_dir,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert figure.returncode == 0, figure.stderr
    assert (empty_dir / "xor.png").read_bytes().startswith(PNG)
