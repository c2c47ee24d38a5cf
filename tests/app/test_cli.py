"""The nnplay command line: train headless, history files, JSON output, bad input."""
import csv
import json

import pytest

from app.cli import main


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
    config.write_text(json.dumps({"preset": "xor", "layers": [2, 4, 1], "activations": ["tanh", "linear"],
                                  "loss": "mse", "optimizer": {"lr": 100}}))
    assert main(["train", "--config", str(config), "--steps", "300", "--json"]) == 1
    captured = capsys.readouterr()
    assert "diverged at step" in captured.err and "learning rate too high" in captured.err
    snap = json.loads(captured.out)  # strict JSON: no NaN in it
    assert snap["status"] == "diverged"
