#!/usr/bin/env bash
# Sets everything up (see tools/setup.sh) and trains the default lesson in the terminal.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/nnplay train --preset seed-2-3-1-train --steps 100 "$@"
