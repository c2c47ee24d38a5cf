"""docs/examples.py, which prints the real requests and responses the API and protocol
docs quote, runs to its end: every example it shows still answers as the docs describe
it (no server error; the only 5xx is the documented 503 of a full server)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_documented_examples_all_run():
    result = subprocess.run([sys.executable, "docs/examples.py"], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    examples = re.split(r"^--- example: ", result.stdout, flags=re.M)[1:]
    names = [e.split("\n", 1)[0] for e in examples]
    assert len(names) == len(set(names)) > 100
    statuses = {name: re.findall(r"^<<< (\d{3}) ", body, flags=re.M)
                for name, body in (e.split("\n", 1) for e in examples)}
    server_errors = {name: s for name, codes in statuses.items() for s in codes if s.startswith("5")}
    assert server_errors == {"error-503": "503"}
    assert statuses["teacher-challenge"] == ["201"]
