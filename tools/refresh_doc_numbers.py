"""Bring the long numbers that docs/api.md and docs/protocol.md quote back in line with what
docs/examples.py prints, after a NumPy or BLAS upgrade changed their last digits.

tests/docs/test_examples.py fails when a doc quotes a number (eight or more decimals) that
the examples no longer print. A new NumPy can round a product differently in its last bit,
which changes such numbers without changing what they mean; this tool replaces each stale
number with the printed number nearest to it, when exactly one is within a relative 1e-9
(the same value, rounded differently), and lists every number it could not place, for a
person to look at. Anything further off is a real change and is left alone.

    .venv/bin/python tools/refresh_doc_numbers.py          # show what would change
    .venv/bin/python tools/refresh_doc_numbers.py --write  # and write it
"""

from __future__ import annotations

import argparse
import bisect
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.docs.test_examples import FENCE, LONG_NUMBER, TIMING  # noqa: E402  (one definition)

DOCS = ("api.md", "protocol.md")
SAME = 1e-9  # relative: a last-bit difference is about 1e-16; a real change is far larger


def printed_numbers() -> list[tuple[float, str]]:
    out = subprocess.run(
        [sys.executable, "docs/examples.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    return sorted({(float(m.group(2)), m.group(2)) for m in LONG_NUMBER.finditer(out)})


def nearest(known: list[tuple[float, str]], text: str) -> str | None:
    value = float(text)
    i = bisect.bisect_left(known, (value, ""))
    close = [s for v, s in known[max(0, i - 3) : i + 3] if abs(v - value) <= SAME * max(abs(value), 1e-300)]
    return close[0] if len(set(close)) == 1 else None


def refresh(doc: Path, known: list[tuple[float, str]]) -> tuple[str, list[str], list[str]]:
    text = doc.read_text()
    exact = {s for _, s in known}
    changed, unplaced, pieces, last = [], [], [], 0
    for block in FENCE.finditer(text):
        if text[: block.start()].rstrip().endswith(TIMING):
            continue
        for number in LONG_NUMBER.finditer(block.group(1)):
            quoted = number.group(2)
            if number.group(1) or quoted in exact:
                continue
            start = block.start(1) + number.start(2)
            line = text[:start].count("\n") + 1
            new = nearest(known, quoted)
            if new is None:
                unplaced.append(f"{doc.name} line {line}: {quoted}")
                continue
            pieces.append(text[last:start] + new)
            last = start + len(quoted)
            changed.append(f"{doc.name} line {line}: {quoted} -> {new}")
    pieces.append(text[last:])
    return "".join(pieces), changed, unplaced


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write the refreshed docs")
    args = parser.parse_args()
    known = printed_numbers()
    problems = 0
    for name in DOCS:
        doc = ROOT / "docs" / name
        text, changed, unplaced = refresh(doc, known)
        for line in changed:
            print(line)
        for line in unplaced:
            print(f"no printed number is the same value: {line}", file=sys.stderr)
        problems += len(unplaced)
        if args.write and changed:
            doc.write_text(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
