#!/usr/bin/env bash
# Creates .venv (Python 3.11+) and installs nnplay into it; with "test", also the test tools
# and Debian's chromium for the browser tests. Safe to run again: it only adds what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
want_tests=${1:-}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
    command -v apt-get >/dev/null || return 1
    as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

python=${PYTHON:-python3}
"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "nnplay needs Python 3.11 or newer; $python is $("$python" --version 2>&1)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        apt_install python3-venv || { echo "cannot create a virtual environment: install python3-venv" >&2; exit 1; }
        "$python" -m venv .venv
    fi
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
if [ "$want_tests" = "test" ]; then
    .venv/bin/python -m pip install -q -e ".[test]"
    if [ ! -x /usr/bin/chromium ]; then
        apt_install chromium || echo "warning: Debian's chromium is not installed; browser tests will be skipped" >&2
    fi
    if ! command -v node >/dev/null && ! command -v nodejs >/dev/null; then
        apt_install nodejs || echo "warning: node is not installed; the browser modules' unit tests will fail" >&2
    fi
else
    .venv/bin/python -m pip install -q -e .
fi
