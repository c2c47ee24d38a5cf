"""The checks run in one place, and the guide describes what is there: CI runs tools/lint.sh,
the pre-commit hooks run the same tools it does, and CONTRIBUTING.md names every test tier
and file it points to. The checks themselves are tools/lint.sh's to run, not these tests'."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent


def _lint_commands() -> set[str]:
    """The tools tools/lint.sh runs in its check mode, as "program subcommand" (ruff check,
    ruff format, mypy, eslint)."""
    text = (ROOT / "tools" / "lint.sh").read_text()
    commands = set()
    for line in re.findall(r"^\s*check (.+)$", text, re.MULTILINE):
        words = [w for w in line.split() if not w.startswith(("-", "$", "."))]
        program = Path(line.split()[0]).name
        if program == "python":  # `.venv/bin/python -m mypy`
            program = words[0]
        commands.add(" ".join([program, *words[:1]]) if program == "ruff" else program)
    return commands


def test_ci_runs_the_static_checks():
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^bash tools/lint\.sh\b", ci, re.MULTILINE), ci


def test_the_lint_script_runs_each_tool():
    assert _lint_commands() == {"ruff check", "ruff format", "mypy", "eslint"}


def test_the_pre_commit_hooks_run_the_same_tools():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {repo["repo"] for repo in config["repos"]} == {"local"}  # nothing to fetch
    commands = set()
    for hook in hooks:
        assert hook["language"] == "system", hook
        words = hook["entry"].split()
        program = Path(words[0]).name
        if program == "python":
            program = words[2]  # python -m mypy
        commands.add(f"ruff {words[1]}" if program == "ruff" else program)
        # Each hook calls what tools/lint.sh installs, never a copy of its own.
        assert words[0].startswith((".venv/bin/", "node_modules/.bin/")), hook
    assert commands == _lint_commands()


def test_the_guide_names_every_test_tier_and_the_files_it_points_to():
    guide = (ROOT / "CONTRIBUTING.md").read_text()
    for tier in sorted(p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and p.name != "__pycache__"):
        assert f"tests/{tier}" in guide, f"CONTRIBUTING.md does not say how to run tests/{tier}"
    for tool in ("tools/test.sh", "tools/test-lowest.sh", "tools/lint.sh", "tools/lock.sh", "bench/"):
        assert tool in guide, tool
    # Every repository path it names in backquotes is there.
    top = "app|core|static|templates|lessons|docs|tools|tests|bench"
    named = set(re.findall(rf"`((?:{top})/[\w./-]*)`", guide))
    assert named, "the guide names no files"
    missing = sorted(path for path in named if not (ROOT / path.rstrip("/")).exists())
    assert not missing, missing
