"""`nnplay sweep`: the API's numbers as CSV or JSON, a progress bar on a terminal and a
line per variant elsewhere. (Its one-line refusals are in test_cli.py's failures.)"""

import csv
import json
import time

from fastapi.testclient import TestClient

from app.cli import main
from app.main import create_app
from tests.app.conftest import make_settings

COLUMNS = ["value", "train_loss", "test_loss", "train_accuracy", "test_accuracy", "diverged_at"]


def api_results(body: dict) -> list[dict]:
    """The results of the same sweep asked of the API, on a new session of the xor preset."""
    with TestClient(create_app(make_settings())) as api:
        sid = api.post("/api/sessions", json={"preset": "xor"}).json()["id"]
        assert api.post(f"/api/sessions/{sid}/sweep", json=body).status_code == 202
        deadline = time.monotonic() + 60
        while (status := api.get(f"/api/sessions/{sid}/sweep").json())["status"] in ("queued", "running"):
            assert time.monotonic() < deadline, "the sweep did not finish"
            time.sleep(0.02)
        return status["results"]


def test_the_json_and_csv_results_are_the_apis_numbers(tmp_path, capsys):
    expected = api_results({"field": "optimizer.lr", "from": 0.01, "to": 1, "count": 3, "steps": 50})
    args = ["sweep", "--preset", "xor", "--field", "lr", "--log-range", "0.01:1:3", "--steps", "50"]
    assert main([*args, "--out", str(tmp_path / "r.json")]) == 0
    written = json.loads((tmp_path / "r.json").read_text())
    assert written["field"] == "optimizer.lr" and written["values"] == [0.01, 0.1, 1]
    assert written["results"] == expected
    assert main([*args, "--out", str(tmp_path / "r.csv")]) == 0
    rows = list(csv.DictReader((tmp_path / "r.csv").read_text().splitlines()))
    assert list(rows[0]) == COLUMNS
    for row, result in zip(rows, expected, strict=True):
        assert float(row["train_loss"]) == result["train_loss"]  # repr-exact: the same float
        assert float(row["test_loss"]) == result["test_loss"]
        assert row["diverged_at"] == ""
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[0] == "optimizer.lr" and len(table) == 2 * 4


def test_a_terminal_gets_a_bar_and_a_pipe_a_line_per_variant(capsys, monkeypatch):
    args = ["sweep", "--preset", "seed-2-3-1", "--field", "batch.size", "--values", "1,full", "--steps", "20"]
    assert main(args) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [line for line in err if line.startswith("batch.size = ")] and len(err) == 2
    assert err[1].startswith("batch.size = None: train loss ")
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert main(args) == 0
    captured = capsys.readouterr()
    assert "\r[" in captured.err and "40/40 steps" in captured.err and "batch.size = " not in captured.err
    assert captured.out.splitlines()[-1].split()[0] == "None"
