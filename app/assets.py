"""Static files under versioned URLs, cached by browsers for a year, compressed once.

The pages are plain ES modules that import each other with relative paths ("./api.js").
One content hash of the whole static tree in the URL prefix (/static/<hash>/js/main.js)
therefore versions every module at once: after an upgrade the page asks for new URLs, and
a browser can never mix old and new modules. A package's files (plotly.js, Swagger UI)
carry the package's version instead. Old unversioned URLs (/static/js/main.js,
/vendor/plotly.min.js) still answer, with `no-cache`, for anything that links to them.

Each file is compressed once per encoding and kept in memory: a quick level answers the
first request at once. A server with a data directory (`nnplay serve` always has one)
then replaces it, in a background thread, with the smallest form (zopfli for gzip, brotli
quality 11) and keeps that on disk, so a restart does not compress again; without one
(tests, an app made in a script) the quick form stays, rather than spend tens of seconds
of CPU at every start (bench/README.md, page_weight.py, has the sizes and costs).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import logging
import mimetypes
import os
import queue
import threading
import time
from collections.abc import Callable, Mapping
from functools import cached_property
from importlib.metadata import version as package_version
from importlib.resources import files as package_files
from pathlib import Path

import brotli
import plotly.offline
import zopfli.gzip
from starlette.requests import Request
from starlette.responses import Response

from app.errors import APIError

log = logging.getLogger("nnplay")

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

# Per encoding, in the order the server prefers them: (quick, smallest).
CODECS: dict[str, tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]] = {
    "br": (lambda data: brotli.compress(data, quality=5), lambda data: brotli.compress(data, quality=11)),
    "gzip": (lambda data: gzip.compress(data, 9, mtime=0), zopfli.gzip.compress),
}
# Media types worth compressing (PNG and the like are compressed already).
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "image/svg+xml")


def pick_encoding(accept_encoding: str) -> str | None:
    """The first of CODECS's encodings that an Accept-Encoding header allows (q > 0)."""
    allowed, refused, anything = set[str](), set[str](), False
    for item in accept_encoding.lower().split(","):
        name, *params = (part.strip() for part in item.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            wanted = float(q) > 0
        except ValueError:
            wanted = False
        if name == "*":
            anything = wanted
        elif name:
            (allowed if wanted else refused).add(name)
    return next((e for e in CODECS if e in allowed or (anything and e not in refused)), None)


class Variant:
    """One representation of a file: its bytes and their strong ETag."""

    __slots__ = ("body", "etag")

    def __init__(self, body: bytes):
        self.body = body
        self.etag = '"' + hashlib.sha256(body).hexdigest()[:24] + '"'


class AssetFile:
    """A file on disk, read once, at first use."""

    def __init__(self, path: Path):
        self.path = path
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        # ES modules must come as JavaScript whatever the system's mime table says.
        self.media_type = "text/javascript" if path.suffix in (".js", ".mjs") else media_type
        self.compressible = self.media_type.startswith(COMPRESSIBLE)

    @cached_property
    def identity(self) -> Variant:
        return Variant(self.path.read_bytes())

    @cached_property
    def digest(self) -> str:
        return hashlib.sha256(self.identity.body).hexdigest()

    @property
    def loaded(self) -> bool:
        return "digest" in self.__dict__


class Compressor:
    """Every file's compressed forms, made once per file and encoding (see the module)."""

    def __init__(self, cache_dir: Path | None = None):
        self.cache_dir = cache_dir
        self._made: dict[tuple[str, str], Variant] = {}
        self._locks: dict[tuple[str, str], threading.Lock] = {}
        self._later: queue.Queue = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    async def variant(self, file: AssetFile, encoding: str) -> Variant:
        made = self._made.get((file.digest, encoding))
        return made if made is not None else await asyncio.to_thread(self._first, file, encoding)

    def _first(self, file: AssetFile, encoding: str) -> Variant:
        key = (file.digest, encoding)
        with self._locks.setdefault(key, threading.Lock()):  # one compression per file
            made = self._made.get(key)
            if made is None:
                stored = self._stored(key)
                if stored is not None:
                    made = self._made[key] = Variant(stored)
                else:
                    made = self._made[key] = Variant(CODECS[encoding][0](file.identity.body))
                    if self.cache_dir is not None:
                        self._improve_later(key, file)
            return made

    def smallest(self, file: AssetFile, encoding: str) -> Variant:
        """The smallest form now, in this thread (kept, and stored on disk)."""
        key = (file.digest, encoding)
        stored = self._stored(key)
        if stored is not None:
            self._made[key] = Variant(stored)
        else:
            self._compress(key, file)
        return self._made[key]

    def _compress(self, key: tuple[str, str], file: AssetFile) -> None:
        """Make the smallest form; serve it from now on, then keep it on disk."""
        started = time.perf_counter()
        body = CODECS[key[1]][1](file.identity.body)
        log.info(
            "compressed %s (%s): %d -> %d bytes in %.1f s",
            file.path.name,
            key[1],
            len(file.identity.body),
            len(body),
            time.perf_counter() - started,
        )
        self._made[key] = Variant(body)
        self._store(key, body)

    def _improve_later(self, key, file) -> None:
        self._later.put((key, file))
        with self._start_lock:
            if self._thread is None:
                # A daemon: a compression in progress never holds up the process's exit.
                self._thread = threading.Thread(target=self._improve, name="nnplay-compress", daemon=True)
                self._thread.start()

    def _improve(self) -> None:
        while (job := self._later.get()) is not None:
            key, file = job
            try:
                self._compress(key, file)
            except Exception:  # the quick form keeps serving
                log.exception("compressing %s (%s) failed", file.path, key[1])

    def close(self) -> None:
        """Stop the background thread after the file it is compressing (a later request
        starts another)."""
        with self._start_lock:
            while not self._later.empty():
                self._later.get_nowait()
            if self._thread is not None:
                self._later.put(None)
                self._thread = None

    def _cache_path(self, key: tuple[str, str]) -> Path | None:
        return None if self.cache_dir is None else self.cache_dir / f"{key[0]}.{key[1]}"

    def _stored(self, key) -> bytes | None:
        path = self._cache_path(key)
        try:
            return None if path is None else path.read_bytes()
        except OSError:
            return None

    def _store(self, key, body: bytes) -> None:
        path = self._cache_path(key)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(body)
            partial.replace(path)  # whole or absent, even with two servers on one folder
        except OSError as error:  # memory still has it
            log.warning("cannot keep compressed files in %s: %s", path.parent, error)


class AssetSet:
    """Files served under `mount`: `mount/<version>/<name>` for a year, `mount/<name>` with
    `no-cache` (old links)."""

    def __init__(
        self, mount: str, files: Mapping[str, Path], compressor: Compressor, version: str | None = None
    ):
        self.mount = mount
        self.files = {name: AssetFile(path) for name, path in files.items()}
        self.compressor = compressor
        self.version = version or self.content_hash()

    def content_hash(self) -> str:
        """A short hash of every file's name and bytes: any change makes a new one."""
        digest = hashlib.sha256()
        for name in sorted(self.files):
            digest.update(f"{name}\0{self.files[name].digest}\0".encode())
        return digest.hexdigest()[:12]

    @property
    def prefix(self) -> str:
        return f"{self.mount}/{self.version}"

    def url(self, name: str) -> str:
        if name not in self.files:
            raise KeyError(f"no asset {name!r} under {self.mount}")
        return f"{self.prefix}/{name}"

    async def respond(self, request: Request, path: str) -> Response:
        version, _, name = path.partition("/")
        if version == self.version and name in self.files:
            file, caching = self.files[name], IMMUTABLE
        elif path in self.files:
            file, caching = self.files[path], REVALIDATE
        else:
            raise APIError(404, "not_found", f"no file {self.mount}/{path}")
        if not file.loaded:  # plotly.min.js: 4.8 MB to read and hash, not in the event loop
            await asyncio.to_thread(lambda: file.digest)
        encoding = None
        if file.compressible:
            encoding = pick_encoding(request.headers.get("accept-encoding", ""))
        variant = file.identity if encoding is None else await self.compressor.variant(file, encoding)
        headers = {"Cache-Control": caching, "ETag": variant.etag, "Vary": "Accept-Encoding"}
        if encoding is not None:
            headers["Content-Encoding"] = encoding
        if variant.etag in _etags(request.headers.get("if-none-match", "")):
            return Response(status_code=304, headers=headers)
        return Response(variant.body, media_type=file.media_type, headers=headers)

    def precompress(self) -> None:
        """Make the smallest form of every compressible file now (e.g. before a benchmark)."""
        for file in self.files.values():
            if file.compressible:
                for encoding in CODECS:
                    self.compressor.smallest(file, encoding)


def _etags(if_none_match: str) -> set[str]:
    # A weak comparison, as RFC 9110 asks for If-None-Match.
    return {tag.strip().removeprefix("W/") for tag in if_none_match.split(",") if tag.strip()}


def tree(directory: Path) -> dict[str, Path]:
    """Every file under a directory, by its path relative to it ("js/main.js")."""
    return {
        path.relative_to(directory).as_posix(): path
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


class Assets:
    """Everything the pages load: nnplay's static files, plotly.js, the docs' UI."""

    def __init__(self, static_dir: Path, cache_dir: Path | None = None):
        self.compressor = Compressor(cache_dir)
        self.static = AssetSet("/static", tree(static_dir), self.compressor)
        plotly_js = Path(plotly.offline.__file__).parent.parent / "package_data" / "plotly.min.js"
        self.plotly = AssetSet(
            "/vendor",
            {"plotly.min.js": plotly_js},
            self.compressor,
            version=plotly.offline.get_plotlyjs_version(),
        )
        # fastapi-offline ships the Swagger UI and ReDoc bundles the CDNs would serve.
        docs_dir = Path(str(package_files("fastapi_offline") / "static"))
        self.docs = AssetSet(
            "/docs-assets", tree(docs_dir), self.compressor, version=package_version("fastapi-offline")
        )

    @property
    def sets(self) -> tuple[AssetSet, ...]:
        return self.static, self.plotly, self.docs

    def precompress(self) -> None:
        for asset_set in self.sets:
            asset_set.precompress()

    def close(self) -> None:
        self.compressor.close()
