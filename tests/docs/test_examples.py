"""docs/examples.py prints the real requests and responses that docs/api.md and
docs/protocol.md quote. It runs to its end (no server error; the only 5xx is the
documented 503 of a full server), and the docs still quote what it prints: every number
written out to eight or more decimals in a code block of the docs is one it prints, except
in blocks marked `<!-- numbers depend on timing -->` (frames taken while playing) and
clocks (`sent`, `seconds`)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LONG_NUMBER = re.compile(r'("(?:sent|seconds)":\s*)?(-?\d+\.\d{8,}(?:e-?\d+)?)')
FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.S | re.M)
TIMING = "<!-- numbers depend on timing -->"


@pytest.fixture(scope="module")
def printed() -> str:
    # This checkout's app and core first, whichever one the environment has installed.
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "docs/examples.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": path},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_the_documented_examples_all_run(printed):
    examples = re.split(r"^--- example: ", printed, flags=re.M)[1:]
    names = [e.split("\n", 1)[0] for e in examples]
    assert len(names) == len(set(names)) > 100
    statuses = {
        name: re.findall(r"^<<< (\d{3}) ", body, flags=re.M)
        for name, body in (e.split("\n", 1) for e in examples)
    }
    server_errors = {name: s for name, codes in statuses.items() for s in codes if s.startswith("5")}
    assert server_errors == {"error-503": "503"}
    assert statuses["teacher-challenge"] == ["201"]


@pytest.mark.parametrize("doc", ["api.md", "protocol.md"])
def test_the_docs_quote_what_the_examples_print(printed, doc):
    known = {m.group(2) for m in LONG_NUMBER.finditer(printed)}
    text = (ROOT / "docs" / doc).read_text()
    stale, checked = [], 0
    for block in FENCE.finditer(text):
        if text[: block.start()].rstrip().endswith(TIMING):
            continue
        for number in LONG_NUMBER.finditer(block.group(1)):
            if number.group(1):
                continue  # a clock
            checked += 1
            if number.group(2) not in known:
                stale.append(
                    f"line {text[: block.start(1) + number.start()].count(chr(10)) + 1}: {number.group(2)}"
                )
    assert checked > 100
    assert not stale, f"{doc} quotes numbers docs/examples.py no longer prints:\n" + "\n".join(stale[:20])


def test_the_lesson_guide_names_every_extra_a_page_can_hide():
    """docs/lessons.md lists the names ?hide= takes besides `show` and `controls`: every
    key of lesson-model.js's EXTRAS, which the page reads."""
    root = Path(__file__).resolve().parents[2]
    js = (root / "static/js/views/lesson/lesson-model.js").read_text()
    block = js[js.index("export const EXTRAS = {") :]
    extras = re.findall(r'^\s*"?([a-z-]+)"?:', block[: block.index("};")], re.M)
    guide = " ".join((root / "docs/lessons.md").read_text().split())
    listed = re.search(r"`show` and `controls` above, plus (.*?)\)\.", guide)
    assert listed and re.findall(r"`([a-z-]+)`", listed.group(1)) == extras
