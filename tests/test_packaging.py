"""The package's build and its lock files.

A build (sdist, then the wheel from it) prints no warning, so it keeps working when setuptools
turns today's deprecations into errors; the wheel and the sdist carry the license. The lock
files pin every dependency that pyproject.toml names, within its bounds, with hashes, and the
runtime lock agrees with the test lock (tools/setup.sh installs the one for the other).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
RUNTIME = [Requirement(line) for line in PROJECT["dependencies"]]
TEST = [Requirement(line) for line in PROJECT["optional-dependencies"]["test"]]
LOCKS = {"requirements.lock": RUNTIME, "requirements-test.lock": RUNTIME + TEST}


def read_lock(name: str) -> dict[str, list[tuple[str, Marker | None, int]]]:
    """Each package in a lock file: its pins as (version, marker, number of hashes).

    A universal lock may pin a package twice, under markers that exclude each other (one
    version for Python 3.11, another for newer ones)."""
    pins: dict[str, list[tuple[str, Marker | None, int]]] = {}
    entries = re.split(r"\n(?=[A-Za-z0-9])", (REPO / name).read_text())
    for entry in entries:
        if not entry[:1].isalnum():
            continue  # the header's comments
        head = entry.split("\\", 1)[0].strip()
        spec, _, marker = head.partition(";")
        package, version = spec.strip().split("==")
        hashes = entry.count("--hash=sha256:")
        pins.setdefault(canonicalize_name(package), []).append(
            (version.strip(), Marker(marker) if marker.strip() else None, hashes)
        )
    return pins


@pytest.mark.parametrize("lock", sorted(LOCKS))
def test_the_lock_pins_every_dependency_within_its_bounds(lock):
    pins = read_lock(lock)
    for requirement in LOCKS[lock]:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{lock} has no pin for {requirement}: run tools/lock.sh"
        for version, _, _ in pins[name]:
            assert requirement.specifier.contains(version, prereleases=True), (
                f"{lock} pins {name}=={version}, outside {requirement}: run tools/lock.sh"
            )
    unhashed = [name for name, entries in pins.items() if any(h == 0 for _, _, h in entries)]
    assert not unhashed, f"{lock} pins without hashes: {unhashed}"


def test_the_runtime_lock_agrees_with_the_test_lock():
    runtime, test = read_lock("requirements.lock"), read_lock("requirements-test.lock")
    differ = {
        name: (pins, test.get(name))
        for name, pins in runtime.items()
        if {(v, str(m)) for v, m, _ in pins} != {(v, str(m)) for v, m, _ in test.get(name, [])}
    }
    assert not differ, f"the two locks pin differently (run tools/lock.sh): {differ}"


@pytest.mark.slow
def test_a_build_prints_no_warning_and_carries_the_license(tmp_path):
    # PYTHONDONTWRITEBYTECODE (set on some machines) makes setuptools say "warning:
    # byte-compiling is disabled"; that is the machine's choice, not the project's.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    build = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(tmp_path), str(REPO)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    output = build.stdout + build.stderr
    assert build.returncode == 0, output
    # The output folder's name (after this test's name) says "warning" in every line naming it.
    output = output.replace(str(tmp_path), "<outdir>")
    warnings = [line for line in output.splitlines() if re.search(r"warning|deprecat", line, re.I)]
    assert not warnings, "the build warns:\n" + "\n".join(warnings)

    version = PROJECT["version"]
    with zipfile.ZipFile(tmp_path / f"nnplay-{version}-py3-none-any.whl") as wheel:
        info = f"nnplay-{version}.dist-info"
        metadata = wheel.read(f"{info}/METADATA").decode()
        license_text = wheel.read(f"{info}/licenses/LICENSE").decode()
        names = wheel.namelist()
    assert f"License-Expression: {PROJECT['license']}" in metadata.splitlines()
    assert license_text == (REPO / "LICENSE").read_text()
    with tarfile.open(tmp_path / f"nnplay-{version}.tar.gz") as sdist:
        assert f"nnplay-{version}/LICENSE" in sdist.getnames()
        names += sdist.getnames()
    # The tools' node packages (node_modules) stay in the checkout.
    assert not [name for name in names if "node_modules" in name or "package-lock" in name]
