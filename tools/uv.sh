#!/usr/bin/env bash
# Prints the path of the uv that tools/lock.sh and tools/test-lowest.sh use: the version
# pinned here, installed into .venv (made by tools/setup.sh) when it is missing or another.
# One pinned version, so that every machine writes the same lock files.
set -euo pipefail
cd "$(dirname "$0")/.."
UV_VERSION=0.13.9
[ -x .venv/bin/python ] || bash tools/setup.sh >&2
if [ "$(.venv/bin/uv --version 2>/dev/null)" != "uv $UV_VERSION" ]; then
    .venv/bin/python -m pip install -q "uv==$UV_VERSION" >&2
fi
echo "$PWD/.venv/bin/uv"
