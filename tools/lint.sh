#!/usr/bin/env bash
# Runs every static check and fails on any finding: ruff's lint and its format (the code is
# as `ruff format` writes it), mypy (strict on core/, the ordinary checks on app/; both set
# in pyproject.toml) and ESLint on the JavaScript (eslint.config.js). Every check runs even
# when one before it fails, so one run reports them all.
#
# Installs what it needs first, as tools/setup.sh does: the test tools into .venv (ruff and
# mypy are in the test extra, pinned by requirements-test.lock) and ESLint into
# node_modules from package-lock.json. Safe to run again: what is installed is not again.
#
# `bash tools/lint.sh --fix` lets ruff and ESLint fix what they can and formats the code
# first, then reports what is left.
set -uo pipefail
cd "$(dirname "$0")/.."
fix=
[ "${1:-}" = "--fix" ] && fix=--fix

bash tools/setup.sh lint || exit 1  # the test tools, and ESLint from package-lock.json

status=0
check() {
    echo "== $*" >&2
    "$@" || status=1
}
if [ -n "$fix" ]; then
    check .venv/bin/ruff check --fix .
    check .venv/bin/ruff format .
else
    check .venv/bin/ruff check .
    check .venv/bin/ruff format --check .
fi
check .venv/bin/python -m mypy
check node_modules/.bin/eslint $fix .
[ "$status" -eq 0 ] && echo "lint: no findings" >&2
exit "$status"
