#!/usr/bin/env bash
# Writes the lock files from pyproject.toml: requirements.lock (the runtime dependencies,
# what the Docker image installs) and requirements-test.lock (those and the test extra,
# what tools/setup.sh installs). Every version is pinned with the hashes of all its files,
# for every platform and Python >= 3.11, so one lock serves linux x86_64 and aarch64 alike.
# Run it after changing dependencies in pyproject.toml. Pins that still satisfy
# pyproject.toml are kept; pass --upgrade to move everything to the newest versions.
set -euo pipefail
cd "$(dirname "$0")/.."
uv=$(bash tools/uv.sh)
# uv keeps the pins of the lock it rewrites; a lock left with merge conflicts is resolved anew.
for lock in requirements.lock requirements-test.lock; do
    if [ -f "$lock" ] && grep -q '^<<<<<<<' "$lock"; then rm "$lock"; fi
done
compile() {
    "$uv" pip compile pyproject.toml --quiet --universal --python-version 3.11 --generate-hashes \
        --custom-compile-command "bash tools/lock.sh" "$@"
}
compile --extra test -o requirements-test.lock "$@"
# The runtime lock takes its versions from the test lock, so that the two never disagree and
# a .venv set up for tests already holds what the runtime lock asks for.
compile --constraint requirements-test.lock -o requirements.lock "$@"
echo "wrote requirements.lock and requirements-test.lock" >&2
