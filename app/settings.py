"""Settings, from environment variables prefixed NNPLAY_ (e.g. NNPLAY_PORT=9000).

A variable set to the empty string counts as unset: compose passes `${NNPLAY_CLASS_CODE:-}`
when the teacher chose no code, and that must mean "generate one", not "a bad code".
A bad value raises BadSetting, whose message is one line naming the variable and the reason.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, TypeVar
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings import SettingsError as _SourceError

from app.common import COMMON_DEFAULTS, ENV_PREFIX, PORT_RANGE, SERVE_DEFAULTS, THREADS_RANGE

DATABASE_SCHEMES = ("postgresql", "postgres")  # what libpq takes; app/store_pg.py keeps the sessions
CLASS_CODE_PATTERN = r"^[A-Za-z0-9]{4,12}$"
# A process's name starts its sessions' ids ("p2.<random>"): letters and digits only, so the
# dot after it never occurs in a name nor in the random part (app/owners.py).
PROCESS_NAME_PATTERN = r"^[a-z0-9]{1,16}$"
# A DNS name (its labels letters, digits and inner hyphens; a trailing dot allowed), or
# "*." and one: every name under it.
HOST_PATTERN = (
    r"(\*\.)?[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?(\.[A-Za-z0-9_]([A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?"
)


class CommonSettings(BaseSettings):
    """What every nnplay command reads: train, figure and lesson as well as the server
    (declared in app/common.py, which commands read without this library)."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", env_ignore_empty=True)

    mnist_dir: Path | None = COMMON_DEFAULTS["mnist_dir"]
    threads: int = Field(COMMON_DEFAULTS["threads"], ge=THREADS_RANGE[0], le=THREADS_RANGE[1])


class Settings(CommonSettings):
    """The server's settings (`nnplay serve`, `uvicorn app.main:app`)."""

    host: str = SERVE_DEFAULTS["host"]
    port: int = Field(SERVE_DEFAULTS["port"], ge=PORT_RANGE[0], le=PORT_RANGE[1])
    # Origins allowed to open WebSockets besides the page's own (e.g. "http://lab-pc:8000");
    # comma-separated in the environment (a JSON list of strings is accepted too).
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Names the server answers to besides its own (the loopback names, the machine's names)
    # and any IP address: a reverse proxy's, a DNS alias, the host machine's name when the
    # server runs in a container; "*.school.lan" for every name under one; "*" for any
    # name, which gives up the defence against DNS rebinding (app/hosts.py). Comma-separated
    # in the environment (a JSON list of strings is accepted too).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_sessions: int = Field(500, ge=1)
    # Memory, in MB (core/memory.py works a session's out from its config): the most one
    # session may need (a bigger config is a 422 naming the field), and the most the server
    # may hold (unset: half of the machine's, or its container's, memory): its sessions get
    # what is left after what it holds without any (memory_base_mb: unset, measured at
    # start: the interpreter, its libraries, the frame workers); beyond it idle sessions
    # move to the store, or, without one, new sessions get a 503.
    session_memory_mb: int = Field(512, ge=1)
    memory_mb: int | None = Field(None, ge=1)
    memory_base_mb: int | None = Field(None, ge=0)
    session_idle_seconds: float = Field(3600.0, gt=0)
    max_steps_per_call: int = Field(10_000, ge=1)
    # Seconds one step, epoch, gradient-check or landscape call may compute before it stops early and
    # answers with what it did (app/heavy.py).
    call_seconds: float = Field(5.0, gt=0, le=600)
    # Such CPU-heavy calls running at once, in threads of their own (one per session);
    # unset: one per CPU. Up to heavy_queue more wait (unset: as many as run), each at most
    # twice call_seconds; any further is a 503 with Retry-After.
    heavy_calls: int | None = Field(None, ge=1, le=256)
    heavy_queue: int | None = Field(None, ge=0, le=10_000)
    # Multiply-adds one loss landscape may take (grid points x training evaluation rows x
    # the network's multiply-adds a row); a larger one is refused (422 on resolution).
    landscape_max_work: int = Field(300_000_000, ge=1)
    # A sweep (POST /api/sessions/{id}/sweep): the most values it may try, the most
    # multiply-adds its variants' steps and evaluations may take together (a larger one is a
    # 422 naming steps), and the seconds it may train in the background before it stops with
    # the variants it finished.
    sweep_max_variants: int = Field(16, ge=1, le=1000)
    sweep_max_work: int = Field(10_000_000_000, ge=1)
    sweep_seconds: float = Field(60.0, gt=0, le=3600)
    # A playing session that no socket has watched for this long pauses; the next socket
    # to open on it starts it again (a reload or a sleeping tablet is back well within it).
    unwatched_seconds: float = Field(15.0, gt=0)
    max_fps: float = Field(30.0, gt=0, le=120)
    max_message_bytes: int = Field(2_000_000, ge=1024)
    # A send to a WebSocket that has not gone out after this long (its client stopped
    # reading) closes the socket with 1008, and what the send held is let go.
    send_timeout_seconds: float = Field(20.0, gt=0)
    # The largest snapshot frame one socket is sent: a bigger one is not sent, the socket
    # gets a `frame_too_large` error instead (a view with fewer units makes it fit). A
    # socket that stops reading holds at most about this much in the server.
    max_frame_bytes: int = Field(16_000_000, ge=1024)
    # The largest HTTP request body (an import with a long history is the biggest one
    # expected); a longer one is a 413 before it is read whole (app/limits.py).
    max_body_bytes: int = Field(8_000_000, ge=1024)
    # Sessions (SQLite) and the generated class code are kept here and survive restarts;
    # None keeps them in memory only. `nnplay serve` uses the per-user data directory when
    # this is not set; the container uses /data.
    data_dir: Path | None = None
    # Sessions are kept in this PostgreSQL database (postgresql://user:password@host:port/name)
    # instead, and the class code and class state too: servers on several machines can share
    # it (one class for all: app/classroom_pg.py). The server makes and updates its tables
    # at start (app/store_pg.py), and does not start when it cannot use it. Its password is
    # never shown (a SecretStr).
    database_url: SecretStr | None = None
    save_interval_seconds: float = Field(3.0, gt=0)
    # One of several server processes on one PostgreSQL database (docs/scaling.md): its name
    # starts the ids of the sessions it makes, so a proxy routes them to it; it holds a lease
    # on each session it keeps, renewed every lease_renew_seconds, and adopts the sessions of
    # a process whose leases ran out. Unset: one process, as ever (no leases).
    process_name: str | None = Field(None, pattern=PROCESS_NAME_PATTERN)
    lease_seconds: float = Field(10.0, ge=2, le=600)
    lease_renew_seconds: float = Field(3.0, ge=0.1, le=300)
    # The teacher board (/teacher) opens with this token; unset (or empty), it is off.
    # Wrong class codes or teacher tokens a client address may try in a minute before every
    # further try is a 429 (app/guesses.py).
    guesses_per_minute: int = Field(10, ge=1, le=10_000)
    teacher_token: str | None = Field(None, min_length=16)
    # The code students join with; unset (or empty), a random six-letter code, kept in
    # data_dir (or the database_url's database) so that it stays the same across restarts.
    class_code: str | None = Field(None, pattern=CLASS_CODE_PATTERN)
    # Processes that render the live frames' arrays and decision grids on other cores;
    # unset: one for each CPU beyond the first, at most 4; 0 renders them in the server.
    # NNPLAY_GRID_WORKERS, its older name, still sets it (the new name wins over it).
    frame_workers: int | None = Field(
        None,
        ge=0,
        le=32,
        validation_alias=AliasChoices(
            "NNPLAY_FRAME_WORKERS", "NNPLAY_GRID_WORKERS", "frame_workers", "grid_workers"
        ),
    )

    @field_validator("allowed_origins", "allowed_hosts", mode="before")
    @classmethod
    def _split_origins(cls, value):
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text.startswith("["):
            return [part.strip() for part in text.split(",") if part.strip()]
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(
                f"not a JSON list ({error.msg} at character {error.pos}); give the values comma-separated"
            ) from None

    @field_validator("database_url")
    @classmethod
    def _check_database(cls, url: SecretStr | None) -> SecretStr | None:
        # Another scheme would otherwise be found out only as the server starts, or taken
        # for a file name; the URL itself is not repeated (it may hold a password).
        text = "" if url is None else url.get_secret_value()
        scheme, sep, _ = text.partition("://")
        if url is not None and scheme.lower() not in DATABASE_SCHEMES:
            named = sep and re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme)  # not a password
            raise ValueError(
                f"not a postgresql:// URL{f' (its scheme is {scheme!r})' if named else ''}: give "
                "postgresql://user:password@host:port/name, "
                "or leave it unset for SQLite in the data directory"
            )
        return url

    @field_validator("lease_renew_seconds")
    @classmethod
    def _check_renewal(cls, renew: float, info: ValidationInfo) -> float:
        # A lease renewed less than twice in its life lapses at the first slow renewal.
        lease = info.data.get("lease_seconds")
        if lease is not None and renew > lease / 2:
            raise ValueError(
                f"must be at most half of NNPLAY_LEASE_SECONDS ({lease:g}): "
                "a lease is renewed well before it runs out"
            )
        return renew

    @field_validator("allowed_origins")
    @classmethod
    def _check_origins(cls, origins: list[str]) -> list[str]:
        # The browser's Origin header is compared as it is: an entry with a path or a
        # trailing slash would never match, silently.
        for origin in origins:
            parts = urlsplit(origin)
            if (
                parts.scheme not in ("http", "https")
                or not parts.netloc
                or origin != (f"{parts.scheme}://{parts.netloc}")
            ):
                raise ValueError(
                    f"{origin!r} is not an origin: write scheme://host[:port], "
                    "e.g. http://lab-pc:8000, with no path or trailing slash"
                )
        return origins

    @field_validator("allowed_hosts")
    @classmethod
    def _check_hosts(cls, hosts: list[str]) -> list[str]:
        # A URL or a name with its port would never match a Host header, silently.
        for host in hosts:
            if host != "*" and not re.fullmatch(HOST_PATTERN, host) and not is_address(host):
                raise ValueError(
                    f"{host!r} is not a host name: write it as in the address bar, "
                    "without scheme, port or path, e.g. lab-pc.school.lan "
                    "(*.school.lan for every name under it, * for any)"
                )
        return hosts


def is_address(text: str) -> bool:
    """An IP address (v4 or v6), as a Host header may name one."""
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


class BadSetting(ValueError):
    """A setting the environment got wrong; str() is one line: 'NNPLAY_PORT: why; ...'."""


S = TypeVar("S", bound=CommonSettings)


def load(kind: type[S]) -> S:
    """`kind` read from the environment, or BadSetting naming each bad variable."""
    try:
        return kind()
    except ValidationError as error:
        raise BadSetting(describe(error, kind)) from None
    except _SourceError as error:  # a value the source could not decode at all
        raise BadSetting(" ".join(str(error).split())) from None


def variable(kind: type[CommonSettings], field: str) -> str:
    """The environment variable of a settings field: the prefix and the name, upper case."""
    return (kind.model_config["env_prefix"] + field).upper()


def _named(kind: type[CommonSettings], key: str) -> str:
    """The variable an error's location stands for: a field's, or for a field with older
    names (its validation_alias), the first of its names that the environment sets."""
    for info in kind.model_fields.values():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices) and key in alias.choices:
            names = [str(name) for name in alias.choices if str(name).startswith("NNPLAY_")]
            return next((name for name in names if os.environ.get(name)), names[0])
    return variable(kind, key)


def describe(error: ValidationError, kind: type[CommonSettings]) -> str:
    """Each error as 'NNPLAY_FIELD: reason', all on one line."""
    parts = []
    for item in error.errors(include_url=False):
        field, *inner = item["loc"]
        where = "".join(f" item {index}:" for index in inner)
        cause = item.get("ctx", {}).get("error")
        reason = str(cause) if item["type"] == "value_error" and cause is not None else item["msg"]
        parts.append(f"{_named(kind, str(field))}:{where} {' '.join(reason.split())}")
    return "; ".join(parts)


@lru_cache
def get_settings() -> Settings:
    """The server's settings from the environment (read once); BadSetting if one is bad."""
    return load(Settings)
