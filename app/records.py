"""A session's record as the store keeps it: JSON for its structure, raw bytes for its arrays.

A record holds the run's parameters, optimizer state, last gradients and batch order. As
JSON text, a 1M-parameter Adam run's 4M numbers cost about 20 bytes each, held first as
Python floats (32 bytes each) and then as text, and writing them holds the interpreter for
a good part of a second, during which the event loop waits. As bytes they cost their 8 (or
4) and a copy. So an array in a record is written as a small JSON reference
({"$array": i, "dtype": "<f8", "shape": [64, 1024]}) and its bytes follow the JSON:

    MAGIC | length of the JSON (8 bytes, little-endian) | JSON | the arrays' bytes, in order

Records written before this format (plain JSON) still read.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson

MAGIC = b"nnplay-record/2\n"
LENGTH_BYTES = 8
ARRAY_KEY = "$array"
# The kinds of arrays a run has: its numbers (float64 or float32) and its batch order.
DTYPES = frozenset({"<f8", "<f4", "<i8"})


def encode(record: dict[str, Any]) -> bytes:
    """The record's bytes; its NumPy arrays are written as they are (no text). TypeError
    for an array of a kind decode() would refuse (the store then says it cannot save)."""
    arrays: list[np.ndarray] = []

    def reference(value: Any) -> Any:
        if isinstance(value, np.ndarray):
            array = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
            if array.dtype.str not in DTYPES:  # written, it could not be read back
                raise TypeError(f"an array of {array.dtype} cannot be kept in a record")
            arrays.append(array)
            return {ARRAY_KEY: len(arrays) - 1, "dtype": array.dtype.str, "shape": list(array.shape)}
        if isinstance(value, dict):
            return {key: reference(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [reference(item) for item in value]
        return value

    header = orjson.dumps(reference(record), option=orjson.OPT_SERIALIZE_NUMPY)
    return b"".join([MAGIC, len(header).to_bytes(LENGTH_BYTES, "little"), header, *(a.data for a in arrays)])


def decode(blob: bytes) -> dict[str, Any]:
    """The record `encode` wrote (or an older plain-JSON one); ValueError when damaged."""
    if not blob.startswith(MAGIC):
        record = orjson.loads(blob)
    else:
        start = len(MAGIC) + LENGTH_BYTES
        length = int.from_bytes(blob[len(MAGIC) : start], "little")
        if start + length > len(blob):
            raise ValueError("the record is shorter than its header says")
        offset = start + length
        arrays: list[np.ndarray] = []

        def resolve(value: Any) -> Any:
            nonlocal offset
            if isinstance(value, dict):
                if ARRAY_KEY in value:
                    array = _array(value, len(arrays), blob, offset)
                    offset += array.nbytes
                    arrays.append(array)
                    return array
                return {key: resolve(item) for key, item in value.items()}
            if isinstance(value, list):
                return [resolve(item) for item in value]
            return value

        record = resolve(orjson.loads(blob[start : start + length]))
        if offset != len(blob):
            raise ValueError(f"the record has {len(blob) - offset} bytes more than its arrays")
    if not isinstance(record, dict):
        raise ValueError("the record is not an object")
    return record


def array_bytes(value: Any) -> int:
    """The bytes of the NumPy arrays in `value` (a record, or any part of one)."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(array_bytes(item) for item in value.values())
    if isinstance(value, list | tuple):
        return sum(array_bytes(item) for item in value)
    return 0


def _array(ref: dict[str, Any], index: int, blob: bytes, offset: int) -> np.ndarray:
    """Array number `index`, described by `ref`, from the bytes at `offset` (a copy the run
    may own and change)."""
    dtype, shape = ref.get("dtype"), ref.get("shape")
    if (
        ref.get(ARRAY_KEY) != index
        or dtype not in DTYPES
        or not isinstance(shape, list)
        or not all(isinstance(n, int) and n >= 0 for n in shape)
    ):
        raise ValueError(f"array {index} of the record is described wrongly: {ref}")
    count = int(np.prod(shape, dtype=np.int64))
    size = count * np.dtype(dtype).itemsize
    if offset + size > len(blob):
        raise ValueError(f"array {index} of the record runs past its end")
    return np.frombuffer(blob, dtype=dtype, count=count, offset=offset).reshape(shape).astype(dtype[1:])
