#!/usr/bin/env bash
# Sets everything up (see tools/setup.sh) and starts the server; open the printed address.
# The page opens on the first lesson (the 2-3-1 network worked by hand).
# NNPLAY_HOST / NNPLAY_PORT (or --host/--port) choose where it listens; default 127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
exec .venv/bin/nnplay serve "$@"
