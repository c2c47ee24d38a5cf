#!/usr/bin/env bash
# Sets everything up (see tools/setup.sh) and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh test
exec .venv/bin/python -m pytest "$@"
