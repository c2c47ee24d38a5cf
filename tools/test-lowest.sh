#!/usr/bin/env bash
# Installs the lowest versions that pyproject.toml allows for nnplay's direct dependencies
# (the test extra's included; their own dependencies at the newest versions that fit) into
# .venv-lowest, with Python 3.11, and runs the core and API tests there: a lower bound that
# no longer works fails here, not on a user's machine. The slow tests, the browser tests and
# the Docker tests ask nothing of the lower bounds that these do not, and are left out.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=$(bash tools/uv.sh)
venv=.venv-lowest
[ -x "$venv/bin/python" ] || "$uv" venv --quiet --python 3.11 "$venv"
resolved=$venv/requirements-lowest.txt
rm -f "$resolved"   # uv keeps the pins of an existing output file: resolve afresh
"$uv" pip compile --quiet pyproject.toml --extra test --resolution lowest-direct \
    --python-version 3.11 --no-header -o "$resolved"
"$uv" pip sync --quiet --python "$venv/bin/python" "$resolved"
"$uv" pip install --quiet --python "$venv/bin/python" --no-deps -e .
# The direct dependencies are the pins annotated "via nnplay (pyproject.toml)".
echo "lowest direct dependencies:" $(awk '/^[A-Za-z0-9]/ { pin = $1 } /nnplay \(pyproject.toml\)/ { print pin }' "$resolved")
exec "$venv/bin/python" -m pytest -m "not slow" -p no:cacheprovider "$@" \
    tests/core tests/app tests/test_packaging.py \
    --ignore=tests/app/test_dockerfile.py --ignore=tests/app/test_classroom_load.py
