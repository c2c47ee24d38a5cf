"""A PostgreSQL server of the tests' own, for the store's tests against PostgreSQL.

Debian's server binaries (/usr/lib/postgresql/<version>/bin; elsewhere, initdb and pg_ctl
on the PATH) make a cluster in a temporary directory, which listens on a unix socket in
that directory only (no TCP port to race for, nothing reachable from outside). It starts
once per test run (`postgres_server`, a second or two) and is stopped and removed after.
Each test gets a schema of its own in one database (`postgres_url`, whose search_path
names it): as empty as a new database, in a hundredth of the time one takes to make.

Where the binaries are missing, the PostgreSQL tests are skipped, saying why. In CI
(NNPLAY_REQUIRE_POSTGRES=1, which .ci/run sets; or CI set) they fail instead: tools/setup.sh
installs PostgreSQL there, and a skip would hide that it did not.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

OWNER = "postgres"  # the system user Debian's package makes, that the server runs as under root
USER = "nnplay"  # the database's superuser, as initdb makes it
DATABASE = "nnplay"  # where the tests' schemas are made
SERVER_OPTIONS = (
    # A unix socket in the cluster's folder only; and no waiting for the disk, which a test
    # cluster thrown away after the run does not need.
    "-c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
)


def required() -> bool:
    """Whether a missing PostgreSQL fails the tests rather than skipping them."""
    return bool(os.environ.get("CI")) or os.environ.get("NNPLAY_REQUIRE_POSTGRES") == "1"


def server_binaries() -> Path | None:
    """The folder of the newest installed initdb and pg_ctl, or None."""

    def version(path: str) -> tuple[int, ...]:
        number = Path(path).parts[-3]  # /usr/lib/postgresql/<version>/bin/initdb
        return tuple(int(p) for p in number.split(".") if p.isdigit())

    debian = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version)
    found = Path(debian[-1]) if debian else Path(shutil.which("initdb") or "/nonexistent")
    return found.parent if found.exists() and (found.parent / "pg_ctl").exists() else None


class PostgresServer:
    """A cluster in a temporary directory; `url(name)` is a database's URL on it."""

    def __init__(self, binaries: Path):
        self.binaries = binaries
        self.root = Path(tempfile.mkdtemp(prefix="nnplay-pg-"))  # short: a socket path is at most 107 bytes
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.prefix: list[str] = []
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            try:
                owner = pwd.getpwnam(OWNER)
            except KeyError:
                raise RuntimeError(
                    f"PostgreSQL refuses to run as root, and there is no {OWNER} user to run it as"
                ) from None
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
            self.prefix = ["runuser", "-u", OWNER, "--"]

    def _run(self, *command: str) -> None:
        done = subprocess.run(
            [*self.prefix, *command], capture_output=True, text=True, timeout=120, cwd=self.root
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}{log}")

    def start(self) -> PostgresServer:
        self._run(
            str(self.binaries / "initdb"),
            *("-D", str(self.data), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-sync"),
        )
        options = f"-k {self.root} {SERVER_OPTIONS}"
        self._run(
            str(self.binaries / "pg_ctl"),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "start",
        )
        self.admin(f'CREATE DATABASE "{DATABASE}"')
        return self

    def stop(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self._run(
                    str(self.binaries / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"
                )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = DATABASE, password: str | None = None, schema: str | None = None) -> str:
        """A database's URL; with `schema`, its tables are made and found there."""
        login = USER if password is None else f"{USER}:{password}"
        options = "" if schema is None else f"&options=-csearch_path%3D{schema}"
        return f"postgresql://{login}@/{database}?host={self.root}{options}"

    def admin(self, statement: str, database: str = "postgres") -> list[tuple]:
        """Run one statement outside a transaction (as CREATE DATABASE must); its rows."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as db:
            cursor = db.execute(statement.encode())
            return cursor.fetchall() if cursor.description else []

    def schemas(self) -> set[str]:
        return {name for (name,) in self.admin("SELECT nspname FROM pg_namespace", DATABASE)}


def _missing(why: str) -> None:
    if required():
        pytest.fail(f"{why} (CI needs the PostgreSQL tests to run: tools/setup.sh test installs it)")
    pytest.skip(why)


@pytest.fixture(scope="session")
def postgres_server():
    """The tests' PostgreSQL server, started at the first test that needs it."""
    binaries = server_binaries()
    if binaries is None:
        _missing(
            "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
        )
    server = PostgresServer(binaries).start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server):
    """The URL of a fresh, empty schema on the tests' server (as a store sees it, a database
    of its own); dropped after the test, with any schema the test made (kept copies)."""
    before = postgres_server.schemas()
    name = f"test_{uuid.uuid4().hex[:16]}"
    postgres_server.admin(f'CREATE SCHEMA "{name}"', DATABASE)
    yield postgres_server.url(schema=name)
    for made in postgres_server.schemas() - before:
        postgres_server.admin(f'DROP SCHEMA "{made}" CASCADE', DATABASE)
