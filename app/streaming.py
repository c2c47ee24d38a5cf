"""Big answers, written in pieces off the event loop: a long history, an export, the
snapshot of a large network.

orjson writes a document in one call that holds the GIL throughout, so even in a worker
thread a 100 MB history would stop the event loop (and every other request) for seconds.
Here a document is written piece by piece, each piece one small call (a few thousand
numbers: milliseconds), in a worker thread: Starlette's StreamingResponse runs each
next() of a plain iterator in its thread pool, and between pieces the loop takes the GIL
back. Joined, the pieces are byte for byte what `dumps(plain(document))` writes in one go
(app/jsonio.py, core/plain.py), so a client cannot tell, except that the bytes start
coming at once. The same thread compresses them, as the client accepts.

What is written must not change meanwhile: the routes take, under the session's lock,
copies of the run's arrays and a view of its history (core/history.py: recorded rows are
never written again), then let the lock go before the first piece is written.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from typing import Any

import brotli
import numpy as np
import orjson
from fastapi import Request, Response
from fastapi.responses import StreamingResponse

from app.jsonio import OPTIONS, dumps
from core.history import COLUMNS, CSV_COLUMNS, History, csv_header
from core.plain import plain

NUMBERS_PER_PIECE = 16_384  # numbers one orjson (or CSV) call writes: ~1-3 ms with the GIL
CHUNK_BYTES = 128 * 1024  # bytes a chunk carries: one hop to the thread pool and back each
COPY_SECONDS_PER_NUMBER = 4e-9  # copying arrays under the lock; more than a few ms: in a thread
ENCODINGS = ("br", "gzip")  # what the compression middleware offers (app/main.py), best first,
BROTLI_QUALITY = GZIP_LEVEL = 4  # at its default levels


def numbers(value: Any) -> int:
    """About how many numbers `value` holds (arrays, lists, dicts and histories inside)."""
    if isinstance(value, np.ndarray):
        return value.size
    if isinstance(value, History):
        return len(value) * len(COLUMNS)
    if isinstance(value, dict):
        return sum(map(numbers, value.values()))
    if isinstance(value, (list, tuple)):
        if value and not isinstance(value[0], (list, tuple, dict, np.ndarray)):
            return len(value)  # a row of numbers (or strings): no need to look at each
        return sum(map(numbers, value))
    return 1


def json_pieces(value: Any) -> Iterator[bytes]:
    """`value` as JSON, in pieces of at most NUMBERS_PER_PIECE numbers each (a single
    dict key or string aside); joined they are dumps(plain(value)). Arrays and lists are
    split into runs of rows, a History (a view) into blocks of each column."""
    if isinstance(value, History):
        yield from _history_pieces(value)
    elif numbers(value) <= NUMBERS_PER_PIECE:
        yield _leaf(value)
    elif isinstance(value, dict):
        separator = b"{"
        for key, item in value.items():
            yield separator + _key(key) + b":"
            yield from json_pieces(item)
            separator = b","
        yield b"}"
    else:  # a list, tuple or array: runs of whole rows (or numbers), or a row at a time
        yield b"["
        for i, (run, whole) in enumerate(_runs(value)):
            if i:
                yield b","
            if whole:
                yield _leaf(run)[1:-1]
            else:
                yield from json_pieces(run)
        yield b"]"


def _runs(rows) -> Iterator[tuple[Any, bool]]:
    """Consecutive rows of at most NUMBERS_PER_PIECE numbers together, (rows, True); a row
    bigger than that alone, (row, False)."""
    if not isinstance(rows[0], (list, tuple, dict, np.ndarray)):  # numbers (or strings)
        yield from (
            (rows[start : start + NUMBERS_PER_PIECE], True)
            for start in range(0, len(rows), NUMBERS_PER_PIECE)
        )
        return
    if isinstance(rows, np.ndarray):
        width = rows.size // len(rows)  # numbers a row
        if width > NUMBERS_PER_PIECE:
            yield from ((row, False) for row in rows)
        else:
            step = max(1, NUMBERS_PER_PIECE // max(width, 1))
            yield from ((rows[start : start + step], True) for start in range(0, len(rows), step))
        return
    start, count = 0, 0
    for i, row in enumerate(rows):
        size = numbers(row)
        if count and count + size > NUMBERS_PER_PIECE:
            yield rows[start:i], True
            start, count = i, 0
        if size > NUMBERS_PER_PIECE:
            yield row, False
            start = i + 1
        else:
            count += size
    if start < len(rows):
        yield rows[start:], True


def _leaf(value: Any) -> bytes:
    # orjson writes float64 and integer arrays as their list would be written (NaN and
    # infinities as null too), only faster; float32's shortest forms differ from those of
    # the doubles plain() makes of them, so those (and the rest) go through plain().
    if (
        isinstance(value, np.ndarray)
        and value.ndim
        and value.dtype.kind in "biuf"
        and (value.dtype.kind != "f" or value.dtype == np.float64)
    ):
        return dumps(np.ascontiguousarray(value))
    return orjson.dumps(plain(value), option=OPTIONS, default=_short_history)


def _short_history(value: Any) -> dict:
    """A history inside a document small enough to be written in one piece."""
    if isinstance(value, History):
        return value.as_dict()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _key(key: Any) -> bytes:
    return dumps({key: None})[1 : -len(b":null}")]  # as orjson writes it in an object


def _history_pieces(history: History) -> Iterator[bytes]:
    """{"step": [...], ...} as History.as_dict() would be written, a block of rows at once."""
    n = len(history)
    for i, name in enumerate(COLUMNS):
        width = history.norm_layers if name == "grad_norm" else 1
        rows = max(1, NUMBERS_PER_PIECE // max(1, width))
        yield (b"," if i else b"{") + _key(name) + b":["
        for start in range(0, n, rows):
            yield (b"," if start else b"") + _column_items(history, name, start, min(n, start + rows))
        yield b"]"
    yield b"}"


def _column_items(history: History, name: str, start: int, stop: int) -> bytes:
    """The items of history.column(name, start, stop) as JSON, without the brackets.

    Written from the arrays themselves (orjson writes NaN as null, as column() has None):
    a million rows of gradient norms as lists would be a million small lists, whose
    allocation sets off the garbage collector's full passes, which hold the GIL."""
    block = history.block(name, start, stop)
    if block is None:  # no norms at all
        return b",".join([b"null"] * (stop - start))
    if block.ndim == 1:
        return dumps(np.ascontiguousarray(block))[1:-1]
    parts, first = [], 0
    for empty in np.flatnonzero(np.isnan(block).all(axis=1)).tolist():  # a row of no norms: null
        if empty > first:
            parts.append(dumps(block[first:empty])[1:-1])
        parts.append(b"null")
        first = empty + 1
    if first < len(block):
        parts.append(dumps(block[first:])[1:-1])
    return b",".join(parts)


def csv_pieces(history: History) -> Iterator[bytes]:
    """History.to_csv(), a block of rows at a time."""
    yield csv_header().encode()
    rows = NUMBERS_PER_PIECE // len(CSV_COLUMNS)
    for start in range(0, len(history), rows):
        yield history.csv_rows(start, start + rows).encode()


def chunks(pieces: Iterable[bytes], size: int = CHUNK_BYTES) -> Iterator[bytes]:
    """The pieces joined into chunks of about `size` bytes (the last may be shorter)."""
    buffer: list[bytes] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield b"".join(buffer)
            buffer, length = [], 0
    if buffer:
        yield b"".join(buffer)


def send_json(content: Any, request: Request, status_code: int = 200) -> Response:
    """`content` (arrays, history views and all) as a JSON response: a small one written at
    once on the loop, with its length; a big one streamed from a worker thread, which also
    compresses it as the client accepts (the compression middleware, app/main.py, would
    do that on the loop, and leaves a response that has its encoding alone)."""
    if numbers(content) <= NUMBERS_PER_PIECE:
        return Response(b"".join(json_pieces(content)), status_code, media_type="application/json")
    body = chunks(json_pieces(content))
    encoding = accepted_encoding(request.headers.get("accept-encoding", ""))
    headers = {"Vary": "Accept-Encoding"}
    if encoding is not None:
        body = compressed(body, encoding)
        headers["Content-Encoding"] = encoding
    return StreamingResponse(body, status_code, headers, media_type="application/json")


def send_csv(history: History, headers: dict[str, str]) -> Response:
    """A history (view) as CSV: written at once when short, else streamed."""
    if len(history) * len(CSV_COLUMNS) <= NUMBERS_PER_PIECE:
        return Response(b"".join(csv_pieces(history)), media_type="text/csv", headers=headers)
    return StreamingResponse(chunks(csv_pieces(history)), media_type="text/csv", headers=headers)


def accepted_encoding(accept: str) -> str | None:
    """br or gzip, in that order, if an Accept-Encoding header accepts it (q above 0, by
    name or as *), as the compression middleware chooses; None: send it as it is."""
    quality = {}
    for item in accept.split(","):
        coding, _, params = item.partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[coding.strip().lower()] = q
    for coding in ENCODINGS:
        if quality.get(coding, quality.get("*", 0.0)) > 0:
            return coding
    return None


def compressed(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """The chunks compressed as one stream (brotli and zlib let the GIL go as they work)."""
    if encoding == "br":
        compressor = brotli.Compressor(quality=BROTLI_QUALITY)
        feed, finish = compressor.process, compressor.finish
    else:
        deflate = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)  # 31: with a gzip header
        feed, finish = deflate.compress, deflate.flush
    for chunk in chunks:
        out = feed(chunk)
        if out:
            yield out
    yield finish()


def owned(value: Any) -> Any:
    """`value` with every array in it copied (dicts, lists and tuples rebuilt around them):
    what a run lends a snapshot, made the snapshot's own before the lock is let go."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {key: owned(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [owned(item) for item in value]
    return value


def copy_cost(value_numbers: int) -> float:
    """The seconds copying this many numbers takes (Session.call's `cost`): a large
    network's arrays are copied in a worker thread (NumPy lets the GIL go while it copies)."""
    return value_numbers * COPY_SECONDS_PER_NUMBER
