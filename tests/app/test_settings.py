"""Server settings: empty means unset, one format for the origins, a class code that
survives restarts, and every bad value one line naming its variable (exit 2, no traceback)
from `nnplay serve` and from `uvicorn app.main:app`."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.classroom import CODE_FILE
from app.main import create_app
from app.settings import CLASS_CODE_PATTERN, BadSetting, Settings, load, variable
from tests.app.conftest import make_settings

BIN = Path(sys.executable).parent
TOKEN = "teacher-secret-123"

# (variable, value, what the reason says)
BAD_SETTINGS = [
    ("NNPLAY_PORT", "abc", "integer"),
    ("NNPLAY_PORT", "70000", "65535"),
    ("NNPLAY_TEACHER_TOKEN", "short", "at least 16 characters"),
    ("NNPLAY_CLASS_CODE", "room-42", "pattern"),
    ("NNPLAY_ALLOWED_ORIGINS", '["http://lab-pc:8000"', "not a JSON list"),
    ("NNPLAY_ALLOWED_ORIGINS", "http://lab-pc:8000/", "not an origin"),
    ("NNPLAY_ALLOWED_ORIGINS", "[1]", "valid string"),
    ("NNPLAY_ALLOWED_HOSTS", "http://lab-pc:8000", "is not a host name"),
    ("NNPLAY_ALLOWED_HOSTS", "lab-pc, lab-pc:8000", "without scheme, port or path"),
    ("NNPLAY_MAX_SESSIONS", "-1", "greater than or equal to 1"),
    ("NNPLAY_MAX_FPS", "nan", "120"),
    ("NNPLAY_FRAME_WORKERS", "many", "integer"),
    ("NNPLAY_GRID_WORKERS", "-1", "greater than or equal to 0"),  # the older name of the same
    ("NNPLAY_THREADS", "0", "greater than or equal to 1"),
    ("NNPLAY_DATABASE_URL", "mysql://ann@db/nnplay", "not a postgresql:// URL (its scheme is 'mysql')"),
    ("NNPLAY_PROCESS_NAME", "P2.a", "pattern"),
    ("NNPLAY_LEASE_RENEW_SECONDS", "6", "at most half of NNPLAY_LEASE_SECONDS (10)"),
]


def clean_environment(**variables) -> dict:
    """This process's environment without any NNPLAY_* setting, plus `variables`."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("NNPLAY_")}
    return {**env, **variables}


def assert_one_line_naming(result: subprocess.CompletedProcess, name: str, reason: str) -> None:
    lines = result.stderr.splitlines()
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"nnplay: {name}: ") and reason in lines[0], lines[0]


@pytest.mark.parametrize(("name", "value", "reason"), BAD_SETTINGS)
def test_a_bad_setting_stops_nnplay_serve_with_one_line(name, value, reason, tmp_path):
    result = subprocess.run(
        [BIN / "nnplay", "serve", "--port", "1"],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        timeout=60,
        env=clean_environment(**{name: value, "NNPLAY_DATA_DIR": str(tmp_path)}),
    )
    assert_one_line_naming(result, name, reason)
    assert result.stdout == ""


@pytest.mark.parametrize(("name", "value", "reason"), [BAD_SETTINGS[0], BAD_SETTINGS[4]])
def test_a_bad_setting_stops_uvicorn_with_one_line(name, value, reason, tmp_path):
    result = subprocess.run(
        [BIN / "uvicorn", "app.main:app", "--port", "1"],
        cwd=tmp_path,
        text=True,
        capture_output=True,
        timeout=60,
        env=clean_environment(**{name: value}),
    )
    assert_one_line_naming(result, name, reason)


def test_two_bad_settings_are_still_one_line(monkeypatch):
    assert variable(Settings, "allowed_origins") == "NNPLAY_ALLOWED_ORIGINS"
    monkeypatch.setenv("NNPLAY_PORT", "0")
    monkeypatch.setenv("NNPLAY_MAX_FPS", "0")
    with pytest.raises(BadSetting) as raised:
        load(Settings)
    message = str(raised.value)
    assert "\n" not in message
    assert re.fullmatch(
        r"NNPLAY_PORT: .*greater than or equal to 1; NNPLAY_MAX_FPS: .*greater than 0", message
    ), message


def test_empty_values_mean_unset(monkeypatch):
    # What compose passes for a variable the teacher did not set: `${NNPLAY_CLASS_CODE:-}`.
    for field in ("class_code", "teacher_token", "allowed_origins", "port", "data_dir", "frame_workers"):
        monkeypatch.setenv(variable(Settings, field), "")
    settings = load(Settings)
    defaults = Settings.model_validate({})
    assert settings.class_code is None and settings.teacher_token is None  # code generated, board off
    assert settings.allowed_origins == [] and settings.port == defaults.port
    assert settings.data_dir is None and settings.frame_workers is None
    monkeypatch.setenv("NNPLAY_GRID_WORKERS", "")  # the older name, empty too
    assert load(Settings).frame_workers is None


def test_frame_workers_are_set_by_their_name_or_their_older_one(monkeypatch):
    assert Settings(grid_workers=0).frame_workers == Settings(frame_workers=0).frame_workers == 0
    monkeypatch.setenv("NNPLAY_GRID_WORKERS", "3")
    assert load(Settings).frame_workers == 3
    monkeypatch.setenv("NNPLAY_FRAME_WORKERS", "2")
    assert load(Settings).frame_workers == 2  # the new name wins
    monkeypatch.setenv("NNPLAY_FRAME_WORKERS", "")
    assert load(Settings).frame_workers == 3
    # A bad value is named by the variable that holds it.
    monkeypatch.setenv("NNPLAY_GRID_WORKERS", "99")
    with pytest.raises(BadSetting, match=r"^NNPLAY_GRID_WORKERS: .*less than or equal to 32$"):
        load(Settings)
    monkeypatch.setenv("NNPLAY_FRAME_WORKERS", "x")
    with pytest.raises(BadSetting, match=r"^NNPLAY_FRAME_WORKERS: .*integer"):
        load(Settings)


@pytest.mark.parametrize(
    "text", ["http://lab-1:8000, http://lab-2:8000", '["http://lab-1:8000", "http://lab-2:8000"]']
)
def test_origins_are_comma_separated_or_a_json_list(monkeypatch, text):
    monkeypatch.setenv("NNPLAY_ALLOWED_ORIGINS", text)
    assert load(Settings).allowed_origins == ["http://lab-1:8000", "http://lab-2:8000"]


def class_code(api: TestClient) -> str:
    response = api.get("/api/teacher/class", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    return response.json()["code"]


def test_a_generated_class_code_survives_a_restart(tmp_path):
    settings = make_settings(data_dir=tmp_path, teacher_token=TOKEN)
    with TestClient(create_app(settings)) as api:
        first = class_code(api)
    assert re.fullmatch(CLASS_CODE_PATTERN, first)
    assert (tmp_path / CODE_FILE).read_text().strip() == first
    with TestClient(create_app(settings)) as api:  # the next start, on the same data
        assert class_code(api) == first
        joined = api.post(f"/api/sessions?class_code={first.lower()}&name=ann", json={"preset": "xor"})
        assert joined.status_code == 201, joined.text


def test_a_chosen_code_wins_and_a_damaged_file_is_replaced(tmp_path):
    with TestClient(
        create_app(make_settings(data_dir=tmp_path, teacher_token=TOKEN, class_code="ROOM42"))
    ) as api:
        assert class_code(api) == "ROOM42"
    assert not (tmp_path / CODE_FILE).exists()  # a chosen code is the setting's, not kept
    (tmp_path / CODE_FILE).write_bytes(b"\xff not a code")
    with TestClient(create_app(make_settings(data_dir=tmp_path, teacher_token=TOKEN))) as api:
        code = class_code(api)
    assert re.fullmatch(CLASS_CODE_PATTERN, code)
    assert (tmp_path / CODE_FILE).read_text().strip() == code
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(f".{CODE_FILE}")] == []


def test_without_a_data_dir_each_start_draws_a_code():
    codes = set()
    for _ in range(3):
        with TestClient(create_app(make_settings(teacher_token=TOKEN))) as api:
            codes.add(class_code(api))
    assert len(codes) == 3


def test_every_setting_is_documented():
    """Each field's variable has a row in docs/api.md's table and a mention in the README."""
    root = Path(__file__).resolve().parents[2]
    table = (root / "docs" / "api.md").read_text(encoding="utf-8")
    readme = (root / "README.md").read_text(encoding="utf-8")
    for field in Settings.model_fields:
        name = variable(Settings, field)
        assert f"\n| `{name}` |" in table, name
        assert f"`{name}`" in readme, name
    # Older names still read are documented as such.
    assert "`NNPLAY_GRID_WORKERS`, its older name" in table
