#!/usr/bin/env bash
# Creates .venv (Python 3.11+) and installs nnplay into it, its dependencies from the lock
# file with their hashes checked (requirements.lock; with "test", requirements-test.lock, which
# adds the test tools, Debian's chromium for the browser tests, Debian's postgresql for the
# PostgreSQL store's tests, Debian's haproxy for the cluster's and, with npm, the JavaScript
# tools of package-lock.json: axe-core for their accessibility checks, ESLint; with "lint",
# the test tools and node with npm, for tools/lint.sh). Safe to run again: when the lock and pyproject.toml
# are what was installed last, it installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
want_tests=${1:-}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
    command -v apt-get >/dev/null || return 1
    as_root apt-get update -q >/dev/null && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

# The JavaScript tools (axe-core for the browser tests' accessibility checks, ESLint for
# tools/lint.sh), at the versions and hashes package-lock.json holds; again only when that
# lock changed (the digest of the lock they came from is kept beside them).
node_tools() {
    local stamp=node_modules/.nnplay-installed want
    want=$(sha256sum package-lock.json | cut -d" " -f1)
    if [ ! -d node_modules ] || [ "$(cat "$stamp" 2>/dev/null || true)" != "$want" ]; then
        npm ci --no-audit --no-fund --loglevel=error >/dev/null
        echo "$want" > "$stamp"
    fi
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
    .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
fi

# What is installed is recorded as a digest of the lock file and pyproject.toml. The test lock
# holds the runtime lock's versions and more (tools/lock.sh), so it serves both.
stamp=.venv/.nnplay-installed
digest() { cat pyproject.toml "$1" | sha256sum | cut -d' ' -f1; }
lock=requirements.lock
case "$want_tests" in test | lint) lock=requirements-test.lock ;; esac
installed=$(cat "$stamp" 2>/dev/null || true)
if [ ! -x .venv/bin/nnplay ] \
   || { [ "$installed" != "$(digest "$lock")" ] && [ "$installed" != "$(digest requirements-test.lock)" ]; }; then
    rm -f "$stamp"
    .venv/bin/python -m pip install -q --require-hashes -r "$lock"
    .venv/bin/python -m pip install -q --no-deps -e .
    digest "$lock" > "$stamp"
fi

if [ "$want_tests" = "test" ]; then
    if [ ! -x /usr/bin/chromium ]; then
        apt_install chromium || echo "warning: Debian's chromium is not installed; browser tests will be skipped" >&2
    fi
    if ! command -v node >/dev/null && ! command -v nodejs >/dev/null; then
        apt_install nodejs || echo "warning: node is not installed; the browser modules' unit tests will fail" >&2
    fi
    if ! command -v npm >/dev/null; then
        apt_install npm || true
    fi
    # The PostgreSQL store's tests start a server of their own with Debian's initdb and
    # pg_ctl (tests/postgres.py); in CI they fail without it, elsewhere they are skipped.
    if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null && ! command -v initdb >/dev/null; then
        apt_install postgresql || echo "warning: PostgreSQL is not installed; the PostgreSQL store's tests cannot run" >&2
    fi
    # The cluster's end-to-end test routes through a real HAProxy (tools/haproxy.cfg.j2).
    if ! command -v haproxy >/dev/null; then
        apt_install haproxy || echo "warning: HAProxy is not installed; the cluster's tests cannot run" >&2
    fi
    if command -v npm >/dev/null; then
        node_tools
    else
        echo "warning: npm is not installed; the accessibility tests will be skipped" >&2
    fi
fi

if [ "$want_tests" = "lint" ]; then
    # Debian's nodejs comes without npm, which installs ESLint (tools/lint.sh).
    if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
        apt_install nodejs npm || { echo "tools/lint.sh needs node and npm: install them" >&2; exit 1; }
    fi
    node_tools
fi
