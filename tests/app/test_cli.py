"""The nnplay command line: train headless, history files, JSON output, bad input as one
line and exit 2, a closed pipe and Ctrl+C, BLAS threads, and `serve`'s data directory."""

import csv
import importlib.metadata
import json
import os
import pty
import select
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.cli import main
from app.figures import HEIGHT_LIMITS, WIDTH_LIMITS
from app.main import create_app
from app.threads import THREAD_VARIABLES
from tests.app.conftest import make_settings


def test_train_prints_a_loss_table(capsys):
    assert main(["train", "--preset", "seed-2-3-1-train", "--steps", "100"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:4] == ["step", "epoch", "train", "loss"]
    assert out[1].split()[:3] == ["0", "0", "0.33455"]
    assert out[-1].split()[:3] == ["100", "100", "0.000305359"]


def test_steps_zero_evaluates_without_training(capsys):
    assert main(["train", "--preset", "seed-2-3-1", "--steps", "0", "--json"]) == 0
    snap = json.loads(capsys.readouterr().out)
    assert set(snap) == {"step", "epoch", "status", "loss", "accuracy", "params"}
    assert snap["step"] == 0 and snap["status"] == "ready"
    assert round(snap["loss"]["train"], 4) == 1.5208
    assert snap["params"][0]["W"] == [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]]
    assert snap["params"][0]["b"] is None


def test_json_snapshot_of_the_perceptron(capsys):
    assert main(["train", "--preset", "perceptron-and", "--epochs", "10", "--json"]) == 0
    snap = json.loads(capsys.readouterr().out)
    assert snap["step"] == 40 and snap["epoch"] == 10
    assert snap["params"][0]["W"] == [[pytest.approx(0.1)], [pytest.approx(0.2)]]
    assert snap["params"][0]["b"] == [pytest.approx(-0.2)]
    assert snap["accuracy"]["train"] == 1.0


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_history_file(tmp_path, suffix, capsys):
    path = tmp_path / f"history{suffix}"
    assert main(["train", "--preset", "xor", "--steps", "20", "--history", str(path)]) == 0
    if suffix == ".csv":
        rows = list(csv.DictReader(path.read_text().splitlines()))
        assert [int(r["step"]) for r in rows] == list(range(21))
        assert float(rows[0]["train_loss"]) > 0 and rows[0]["batch_loss"] == ""
    else:
        history = json.loads(path.read_text())
        assert history["step"] == list(range(21)) and len(history["train_accuracy"]) == 21


def test_config_file_and_its_errors(tmp_path, capsys):
    good = tmp_path / "net.json"
    good.write_text(json.dumps({"preset": "circle", "layers": [2, 6, 1], "seed": 4}))
    assert main(["train", "--config", str(good), "--epochs", "1"]) == 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"preset": "circle", "optimizer": {"lr": -1}, "layers": [2, "x", 1]}))
    assert main(["train", "--config", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "optimizer.lr: must be in (0, 100], got -1" in err and "layers[1]" in err
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    assert main(["train", "--config", str(broken)]) == 2
    assert "not valid JSON" in capsys.readouterr().err
    assert main(["train", "--config", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err
    assert main(["train", "--preset", "xor", "--history", str(tmp_path / "h.txt")]) == 2


def test_divergence_exits_with_1_and_says_why(capsys, tmp_path):
    config = tmp_path / "wild.json"
    config.write_text(
        json.dumps(
            {
                "preset": "xor",
                "layers": [2, 4, 1],
                "activations": ["tanh", "linear"],
                "loss": "mse",
                "optimizer": {"lr": 100},
            }
        )
    )
    assert main(["train", "--config", str(config), "--steps", "300", "--json"]) == 1
    captured = capsys.readouterr()
    assert "diverged at step" in captured.err and "learning rate too high" in captured.err
    snap = json.loads(captured.out)  # strict JSON: no NaN in it
    assert snap["status"] == "diverged"


# --- the installed `nnplay` command, run as a user runs it -------------------------------

BIN = Path(sys.executable).parent  # the virtual environment's bin/, where pip put `nnplay`
TOKEN = "teacher-secret-123"


def nnplay(*args, cwd, env=None, timeout=120, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "nnplay", *map(str, args)],
        cwd=cwd,
        env=env or clean_environment(),
        text=True,
        capture_output=True,
        timeout=timeout,
        **kwargs,
    )


def clean_environment(**variables) -> dict:
    """This environment without NNPLAY_* settings, BLAS thread limits or NO_COLOR."""
    drop = ("NNPLAY_", "NO_COLOR", *THREAD_VARIABLES)
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(drop)}
    return {**env, **variables}


@pytest.fixture(autouse=True)
def _restore_thread_variables(monkeypatch):
    """main() in this process sets the BLAS variables for its children: undo it after."""
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_version_is_the_installed_packages_as_health_says(tmp_path):
    result = nnplay("--version", cwd=tmp_path)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout == f"nnplay {importlib.metadata.version('nnplay')}\n"
    with TestClient(create_app(make_settings())) as api:
        assert result.stdout.split()[1] == api.get("/api/health").json()["version"]


def failures(tmp_path: Path, taken: int):
    """(arguments, environment, what the one line names) for each way a command fails."""
    (tmp_path / "latin1.json").write_bytes('{"preset": "xor", "name": "caf\xe9"}'.encode("latin-1"))
    (tmp_path / "a-file").write_text("")
    missing = tmp_path / "no-such-folder"
    low, high = WIDTH_LIMITS
    figure = ["figure", "--preset", "xor", "-o", tmp_path / "out.png"]
    return [
        (figure + ["--width", low - 1], {}, "--width"),
        (figure + ["--width", 100_000], {}, "--width"),
        (figure + ["--height", HEIGHT_LIMITS[1] + 1], {}, "--height"),
        (figure + ["--width", "wide"], {}, "--width"),
        (["figure", "--preset", "xor", "-o", missing / "out.png"], {}, "-o"),
        (["figure", "--preset", "xor", "-o", tmp_path], {}, "-o"),
        (["train", "--config", tmp_path / "latin1.json"], {}, "--config"),
        (["train", "--preset", "xor", "--history", missing / "h.csv"], {}, "--history"),
        (["train", "--preset", "xor", "--history", tmp_path / "a-file" / "h.csv"], {}, "--history"),
        (["train", "--preset", "xor", "--steps", "-3"], {}, "--steps"),
        (["train", "--preset", "xor", "--threads", "0"], {}, "--threads"),
        (["train", "--preset", "xor"], {"NNPLAY_THREADS": "two"}, "NNPLAY_THREADS"),
        (["sweep", "--preset", "xor", "--field", "layers", "--values", "3"], {}, "--field"),
        (["sweep", "--preset", "xor", "--field", "lr", "--values", "0.1,0"], {}, "--values"),
        (["sweep", "--preset", "xor", "--field", "lr", "--log-range", "0:1:8"], {}, "--log-range FROM"),
        (["sweep", "--preset", "xor", "--field", "lr", "--range", "1:2"], {}, "--range"),
        (
            ["sweep", "--preset", "xor", "--field", "lr", "--values", "1", "--out", tmp_path / "r.txt"],
            {},
            "--out",
        ),
        (["lesson", "1", "--out", tmp_path / "a-file"], {}, "--out"),
        (["lesson", "1", "--out", tmp_path, "--width", high + 1], {}, "--width"),
        (["serve", "--port", "0"], {}, "--port"),
        (["serve"], {"NNPLAY_PORT": "abc"}, "NNPLAY_PORT"),
        (["serve", "--port", taken], {}, "--port"),
        # TEST-NET-1 (RFC 5737): an address no machine here has, so no socket can listen on it
        (["serve", "--port", taken], {"NNPLAY_HOST": "192.0.2.1"}, "NNPLAY_HOST"),
        (["serve"], {"NNPLAY_DATA_DIR": tmp_path / "a-file"}, "NNPLAY_DATA_DIR"),
    ]


def test_each_failure_is_one_line_and_exit_2(tmp_path):
    with socket.create_server(("127.0.0.1", 0)) as listening:  # a port another server holds
        check_failures(tmp_path, listening.getsockname()[1])


def check_failures(tmp_path: Path, taken: int) -> None:
    for args, variables, name in failures(tmp_path, taken):
        result = nnplay(
            *args,
            cwd=tmp_path,
            env=clean_environment(
                **{"NNPLAY_DATA_DIR": str(tmp_path / "data"), **{k: str(v) for k, v in variables.items()}}
            ),
        )
        lines = result.stderr.splitlines()
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr, args
        assert len(lines) == 1 and lines[0].startswith("nnplay: "), (args, result.stderr)
        assert name in lines[0], (args, lines[0])
        assert result.stdout == "", (args, result.stdout)  # found before any work began
    # Nothing written: no output file and no data for a server that did not start.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "latin1.json"]


def test_figure_sizes_are_the_apis(tmp_path):
    """The API's limits, edge by edge; the command's refusals are in the test above."""
    with TestClient(create_app(make_settings())) as api:
        sid = api.post("/api/sessions", json={"preset": "xor"}).json()["id"]
        for name, (low, high) in (("width", WIDTH_LIMITS), ("height", HEIGHT_LIMITS)):
            for value, status in ((low - 1, 422), (low, 200), (high + 1, 422)):
                response = api.get(f"/api/sessions/{sid}/figure?format=svg&{name}={value}")
                assert response.status_code == status, (name, value)
    smallest = nnplay(
        "figure",
        "--preset",
        "xor",
        "--width",
        WIDTH_LIMITS[0],
        "--height",
        HEIGHT_LIMITS[0],
        "-o",
        tmp_path / "f.svg",
        cwd=tmp_path,
    )
    assert smallest.returncode == 0, smallest.stderr
    assert (tmp_path / "f.svg").read_bytes().startswith(b"<?xml")


def test_a_closed_pipe_ends_quietly(tmp_path):
    """`nnplay train ... | head -3`: the reader goes away; no traceback, no message."""
    with subprocess.Popen(
        [BIN / "nnplay", "train", "--preset", "xor", "--steps", "1000000", "--every", "1"],
        cwd=tmp_path,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        head = [process.stdout.readline() for _ in range(3)]
        process.stdout.close()
        assert process.wait(timeout=60) == 141
        assert process.stderr.read() == b""
    assert head[0].split()[0] == b"step" and len(head[2].split()) == 6


def _ctrl_c_as_in_a_terminal() -> None:
    """In the child before it runs: SIGINT as a terminal's foreground job has it. A job a
    script started in the background (`cmd &`) ignores SIGINT, and so does every child it
    starts: the command would never see the Ctrl+C the test sends."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_ends_quietly_with_130(tmp_path):
    with subprocess.Popen(
        [BIN / "nnplay", "train", "--preset", "xor", "--steps", "10000000"],
        cwd=tmp_path,
        env=clean_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    ) as process:
        assert process.stdout.readline().split()[0] == b"step"
        process.stdout.readline()  # the first row: training has begun
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=60) == 130
        assert process.stderr.read() == b""


BLAS_PROBE = """
import json, multiprocessing, sys
from threadpoolctl import threadpool_info
from app.cli import main

def blas_threads():
    import numpy  # noqa: F401 -- a spawned frame worker loads OpenBLAS when it imports NumPy
    return [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]

if __name__ == "__main__":
    code = main(sys.argv[1:])
    with multiprocessing.get_context("spawn").Pool(1) as pool:  # as app/framepool.py starts workers
        child = pool.apply(blas_threads)
    print(json.dumps({"code": code, "here": blas_threads(), "child": child}))
"""


@pytest.mark.parametrize(
    ("args", "variables", "expected"),
    [
        ([], {}, 1),
        (["--threads", "2"], {}, 2),
        ([], {"NNPLAY_THREADS": "2"}, 2),
        (["--threads", "1"], {"NNPLAY_THREADS": "2"}, 1),
    ],
)
def test_blas_threads_default_to_one_in_the_command_and_its_workers(tmp_path, args, variables, expected):
    expected = min(expected, os.cpu_count() or 1)  # OpenBLAS never starts more than the CPUs
    probe = tmp_path / "probe.py"
    probe.write_text(BLAS_PROBE)
    result = subprocess.run(
        [sys.executable, probe, "train", "--preset", "xor", "--steps", "5", *args],
        cwd=tmp_path,
        env=clean_environment(**variables),
        text=True,
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.splitlines()[-1])
    assert report["code"] == 0 and report["here"] and report["child"]
    assert set(report["here"]) == {expected} and set(report["child"]) == {expected}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def spawned_children(pid: int) -> list[dict]:
    """The environments of the processes `pid` spawned with multiprocessing (frame workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid and b"spawn_main" in (entry / "cmdline").read_bytes():
                pairs = (entry / "environ").read_bytes().split(b"\0")
                found.append(dict(p.decode().split("=", 1) for p in pairs if b"=" in p))
        except (OSError, ValueError, IndexError):  # not a process, or gone meanwhile
            continue
    return found


def test_serve_keeps_an_idle_connection_longer_than_clients_keep_theirs(tmp_path):
    """httpx keeps an idle connection 5 s, uvicorn's default too: a request sent on it as
    the server closes it got no answer (a ReadError in bench/soak.py)."""
    port = free_port()
    env = clean_environment(NNPLAY_DATA_DIR=str(tmp_path), NNPLAY_GRID_WORKERS="0")
    request = f"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    with subprocess.Popen(
        [BIN / "nnplay", "serve", "--port", str(port)], cwd=tmp_path, env=env, stderr=subprocess.DEVNULL
    ) as server:
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    connection = socket.create_connection(("127.0.0.1", port), timeout=10)
                    break
                except OSError:
                    assert time.monotonic() < deadline and server.poll() is None
                    time.sleep(0.2)
            with connection:
                for wait in (0, 6.5):  # past 5 s idle, the same connection still answers
                    time.sleep(wait)
                    connection.sendall(request)
                    assert _one_answer(connection).startswith(b"HTTP/1.1 200 OK")
        finally:
            server.terminate()


def _one_answer(connection: socket.socket) -> bytes:
    """One whole HTTP answer (its head, and the body its content-length says) read from
    `connection`, nothing more."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += connection.recv(65536) or b"<closed>"
        assert not answer.endswith(b"<closed>"), answer
    head, _, body = answer.partition(b"\r\n\r\n")
    length = int(
        next(line for line in head.lower().split(b"\r\n") if line.startswith(b"content-length"))[15:]
    )
    while len(body) < length:
        body += connection.recv(65536) or b"<closed>"
        assert not body.endswith(b"<closed>"), body
    return head + b"\r\n\r\n" + body


def serve_in_a_terminal(cwd: Path, env: dict) -> tuple[str, str, list[dict]]:
    """Start `nnplay serve` with a terminal as its stdout and stderr, as a teacher does; ask
    the class code; stop it with Ctrl+C. Returns everything it printed, the class code and
    the environments of its frame workers."""
    port = free_port()
    leader, follower = pty.openpty()
    with subprocess.Popen(
        [BIN / "nnplay", "serve", "--port", str(port)],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
    ) as process:
        os.close(follower)
        printed = b""

        def read_until(text: bytes, seconds: float) -> None:
            nonlocal printed
            deadline = time.monotonic() + seconds
            while text not in printed and time.monotonic() < deadline:
                if select.select([leader], [], [], 0.2)[0]:
                    try:
                        printed += os.read(leader, 65536)
                    except OSError:  # the server closed the terminal: it has gone
                        return

        try:
            read_until(b"Uvicorn running on", 60)
            assert b"Uvicorn running on" in printed, printed.decode(errors="replace")
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/teacher/class", headers={"authorization": f"Bearer {TOKEN}"}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                code = json.load(response)["code"]
            workers = spawned_children(process.pid)
            process.send_signal(signal.SIGINT)
            read_until(b"Finished server process", 30)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
            os.close(leader)
    return printed.decode(errors="replace"), code, workers


def test_serve_keeps_its_data_per_user_and_honours_no_color(tmp_path):
    """Started from an empty folder with no NNPLAY_DATA_DIR, `nnplay serve` says where it keeps
    its data (the per-user data directory), keeps the class code there across a restart,
    and writes nothing where it was started; its log has colours unless NO_COLOR is set; its
    frame workers start with BLAS limited to one thread."""
    folder, data_home = tmp_path / "folder", tmp_path / "data-home"
    folder.mkdir()
    env = clean_environment(
        XDG_DATA_HOME=str(data_home), NNPLAY_TEACHER_TOKEN=TOKEN, NNPLAY_GRID_WORKERS="1", TERM="xterm"
    )
    kept = data_home / "nnplay"  # platformdirs.user_data_dir("nnplay") under XDG_DATA_HOME
    first, code, workers = serve_in_a_terminal(folder, env)
    assert f"kept in {kept} " in first and "NNPLAY_DATA_DIR" in first
    assert "\x1b[" in first  # uvicorn colours its log in a terminal
    assert (kept / "class-code.txt").read_text().strip() == code
    assert (kept / "sessions.sqlite3").is_file()
    assert len(workers) == 1
    assert all(workers[0].get(name) == "1" for name in THREAD_VARIABLES), workers[0]
    again, same, _ = serve_in_a_terminal(folder, {**env, "NO_COLOR": "1"})
    assert same == code
    assert "\x1b[" not in again and "Application startup complete" in again
    assert list(folder.iterdir()) == []


def test_train_starts_without_the_settings_library_and_reads_it_when_the_environment_asks():
    # The settings library costs about as long to import as NumPy: a command in a
    # terminal reads its few settings through it only when the environment sets one.
    probe = (
        "import sys; from app.cli import main; "
        "code = main(['train', '--preset', 'seed-2-3-1', '--steps', '3']); "
        "print('pydantic' in sys.modules, code, file=sys.stderr)"
    )
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("NNPLAY_")}
    quiet = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
    assert quiet.stderr.split() == ["False", "0"]
    told = subprocess.run(
        [sys.executable, "-c", probe], env={**env, "NNPLAY_THREADS": "0"}, capture_output=True, text=True
    )
    assert told.stderr.startswith("nnplay: NNPLAY_THREADS") and told.stderr.split()[-2:] == ["True", "2"]


def test_the_common_settings_are_declared_once():
    from app.common import COMMON_DEFAULTS, PORT_RANGE, SERVE_DEFAULTS, THREADS_RANGE, variable
    from app.settings import CommonSettings, Settings
    from app.settings import variable as settings_variable

    fields = CommonSettings.model_fields
    assert {name: info.default for name, info in fields.items()} == COMMON_DEFAULTS
    assert {name: Settings.model_fields[name].default for name in SERVE_DEFAULTS} == SERVE_DEFAULTS
    limits = {
        name: tuple(getattr(m, key) for key in ("ge", "le") for m in info.metadata if hasattr(m, key))
        for name, info in (("threads", fields["threads"]), ("port", Settings.model_fields["port"]))
    }
    assert limits == {"threads": THREADS_RANGE, "port": PORT_RANGE}
    assert all(variable(name) == settings_variable(Settings, name) for name in Settings.model_fields)
