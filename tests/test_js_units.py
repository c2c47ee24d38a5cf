"""The browser code's pure modules have node unit tests (tests/js); run them here so one
test command covers everything."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_node_unit_tests_pass():
    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.fail("node is not installed: tools/setup.sh installs Debian's nodejs for the tests")
    # tests/js/server.mjs asks this Python for the server's answers the page starts from.
    env = {**os.environ, "PYTHON": sys.executable}
    result = subprocess.run(
        [node, "--test", "tests/js/"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=env
    )
    summary = [line for line in result.stdout.splitlines() if line.startswith("# ")]
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert any(line.startswith("# pass ") and line != "# pass 0" for line in summary), summary
