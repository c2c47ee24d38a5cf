"""Lessons: every file is valid and every step builds; the API and `nnplay lesson`."""

import logging
import re

import pytest
from fastapi.testclient import TestClient

from app import lessons as lesson_files
from app.cli import main
from app.lesson_text import PLACEHOLDER, TextError, fill
from app.lessons import LESSONS_DIR, LessonError, all_lessons, build_step, caption, read_lesson
from app.main import create_app
from app.settings import Settings


def test_the_ten_lessons_cover_the_course():
    lessons = all_lessons()
    assert [l.number for l in lessons.values()] == list(range(1, 11))
    first = lessons["01-forward-pass"]
    assert first.steps[0].preset == "seed-2-3-1"


def test_every_lesson_step_states_its_numbers():
    lesson = all_lessons()["01-forward-pass"]
    run = build_step(lesson.steps[3])
    text = caption(lesson, 3, run)
    assert "0.7311, 0.7858, 0.6900" in text and "1.2332" in text
    run = build_step(all_lessons()["04-finite-differences"].steps[1])
    assert run.step_count == 100 and abs(run.metrics()["loss"]["train"] - 3.05e-4) < 5e-7
    perceptron = build_step(all_lessons()["06-perceptron"].steps[1])
    assert perceptron.network.layers[0].W[:, 0].tolist() == pytest.approx([0.1, 0.2])
    diverging = build_step(all_lessons()["07-learning-rate-and-batch"].steps[2])
    assert diverging.status == "diverged"


def test_the_circle_is_learned_without_a_hidden_layer_from_squared_features():
    """Lesson 10's last step: the circle, a 2-1 network fed x1^2 and x2^2, trained for the
    step's count of steps, classifies the test rows it never trained on."""
    step = all_lessons()["10-linear-network"].steps[-1]
    run = build_step(step)
    assert run.config["features"] == ["x1^2", "x2^2"] and run.sizes == [2, 1]
    assert run.config["data"]["name"] == "circle" and step.steps > 0
    assert run.step_count == step.steps
    assert run.metrics()["accuracy"]["test"] >= 0.95


# A number typed into lesson prose: a decimal, or two digits or more, not part of a name
# (w1_11, 8x8) -- the values a step's state computes are placeholders instead.
TYPED_NUMBER = re.compile(r"(?<![\w.])(?:\d+\.\d+|\d{2,})(?![\w])")


def test_lesson_prose_names_its_numbers_and_the_engine_fills_them():
    filled = 0
    for lesson in all_lessons().values():
        for index, step in enumerate(lesson.steps, start=1):
            where = f"{lesson.id} step {index}"
            assert not TYPED_NUMBER.findall(PLACEHOLDER.sub("", step.text)), where
            run = build_step(step)
            text = fill(step.text, run)
            assert "{" not in text and "}" not in text, where
            filled += len(PLACEHOLDER.findall(step.text))
    assert filled > 60
    # The values are the engine's, written as the page writes them.
    lessons = all_lessons()
    chain = build_step(lessons["03-chain-rule"].steps[0])
    assert fill("{chain:w1_11} = {grad:w1_11}", chain) == "(2.4664)(0.3)(0.1966)(1) = 0.1455"
    update = build_step(lessons["03-chain-rule"].steps[2])
    assert (
        fill("{old:w1_11} - {lr} * {grad:w1_11} = {new:w1_11}, {loss}", update)
        == "0.8 - 0.01 * 0.1455 = 0.7985, 1.4179"
    )
    digits = build_step(lessons["08-digits"].steps[1])
    m = digits.metrics()
    assert fill("{test_accuracy} {step}", digits) == f"{100 * m['accuracy']['test']:.1f}% 2,000"


def test_a_placeholder_that_names_nothing_or_nothing_there_is_refused(tmp_path):
    bad = tmp_path / "98-bad.toml"
    bad.write_text(
        'number = 98\ntitle = "x"\nsummary = "y"\n[[steps]]\ntitle = "s"\n'
        'text = "the loss is {losss}"\npreset = "xor"\n'
    )
    with pytest.raises(LessonError, match="losss"):
        read_lesson(bad)
    step = read_lesson(LESSONS_DIR / "01-forward-pass.toml").steps[0]  # no backward pass yet
    with pytest.raises(TextError, match="grad:w1_11"):
        fill("{grad:w1_11}", build_step(step))


def test_a_bad_lesson_file_is_refused_with_its_reason(tmp_path):
    bad = tmp_path / "99-bad.toml"
    bad.write_text(
        'number = 99\ntitle = "x"\nsummary = "y"\n[[steps]]\ntitle = "s"\ntext = "t"\n'
        'preset = "xor"\nconfig = { optimizer = { lr = -1 } }\n'
    )
    with pytest.raises(LessonError, match="optimizer.lr"):
        read_lesson(bad)
    bad.write_text(
        'number = 99\ntitle = "x"\nsummary = "y"\n[[steps]]\ntitle = "s"\ntext = "t"\nsparkle = 1\n'
    )
    with pytest.raises(LessonError, match="sparkle"):
        read_lesson(bad)
    assert LESSONS_DIR.is_dir()


def test_a_server_without_lessons_says_so_at_start(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(lesson_files, "LESSONS_DIR", tmp_path)  # an empty lessons folder
    lesson_files.read_all.cache_clear()
    try:
        with (
            caplog.at_level(logging.ERROR, logger="nnplay"),
            TestClient(
                create_app(Settings(allowed_hosts=["testserver"], data_dir=None, frame_workers=0))
            ) as api,
        ):
            assert api.get("/api/lessons").json() == []
    finally:
        lesson_files.read_all.cache_clear()  # the next test reads the real lessons again
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert any("no lessons found in" in m and str(tmp_path) in m for m in errors), errors


def test_lesson_routes():
    with TestClient(create_app(Settings(allowed_hosts=["testserver"]))) as api:
        listed = api.get("/api/lessons").json()
        assert len(listed) == 10 and listed[0]["id"] == "01-forward-pass" and listed[0]["steps"] == 4
        lesson = api.get("/api/lessons/03-chain-rule").json()
        assert lesson["steps"][0]["select"] == {"kind": "weight", "layer": 1, "i": 0, "j": 0, "unit": None}
        made = api.post("/api/lessons/03-chain-rule/steps/1/session")
        assert made.status_code == 201
        snap = made.json()["snapshot"]
        assert snap["phase"] == "backward" and round(snap["pending"]["grads"][0]["W"][0][0], 5) == 0.14548
        # The step's words come filled with this state's numbers; the lesson keeps its names.
        assert "= (2.4664)(0.3)(0.1966)(1) = 0.1455." in made.json()["text"]
        assert "{chain:w1_11}" in lesson["steps"][0]["text"]
        assert api.get("/api/lessons/nope").status_code == 404
        assert api.post("/api/lessons/03-chain-rule/steps/9/session").status_code == 422
        assert api.post("/api/lessons/03-chain-rule/steps/0/session").status_code == 422


def test_nnplay_lesson_writes_numbered_figures_and_captions(tmp_path, capsys):
    assert main(["lesson", "03-chain-rule", "--out", str(tmp_path)]) == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "01-formula.png",
        "01-formula.svg",
        "01-formula.txt",
        "02-network.png",
        "02-network.svg",
        "02-network.txt",
        "03-network.png",
        "03-network.svg",
        "03-network.txt",
    ]
    assert (tmp_path / "01-formula.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "0.1455" in (tmp_path / "01-formula.svg").read_text()
    assert "Lesson 3, step 1" in (tmp_path / "01-formula.txt").read_text()
    again = tmp_path / "again"
    assert main(["lesson", "3", "--out", str(again)]) == 0
    for name in names:
        assert (again / name).read_bytes() == (tmp_path / name).read_bytes()
    assert main(["lesson", "nope", "--out", str(tmp_path)]) == 2


def test_nnplay_figure(tmp_path, capsys):
    out = tmp_path / "fig.svg"
    assert main(["figure", "--preset", "seed-2-3-1", "--panel", "network", "-o", str(out)]) == 0
    text = out.read_text()
    assert "0.7311" in text and "1.2332" in text
    png = tmp_path / "loss.png"
    assert (
        main(["figure", "--preset", "seed-2-3-1-train", "--steps", "100", "--panel", "loss", "-o", str(png)])
        == 0
    )
    assert png.read_bytes()[:4] == b"\x89PNG"
    assert main(["figure", "--preset", "xor", "-o", str(tmp_path / "x.gif")]) == 2
    assert main(["figure", "--preset", "two-layer-digits", "--panel", "boundary", "-o", str(out)]) == 2
    assert "--panel: the boundary figure needs 2-D inputs" in capsys.readouterr().err
