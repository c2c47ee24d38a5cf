"""A record's arrays are written as bytes and read back exactly; a damaged record is a
ValueError (the store then costs only that session); older plain-JSON records still read."""

import numpy as np
import orjson
import pytest

from app import records
from app.persistence import _record_of
from app.sessions import Session
from core.run import Run
from core.state import export_state, import_state


def _stepped(config: dict, steps: int = 7) -> Run:
    run = Run(config)
    for _ in range(steps):
        run.step()
    return run


CONFIGS = [
    {"preset": "xor", "optimizer": {"name": "adam"}},
    {"preset": "circle", "dtype": "float32", "optimizer": {"name": "momentum"}},
    {"data": {"name": "digits"}, "layers": [64, 16, 10], "loss": "cce", "activations": ["relu", "softmax"]},
    {
        "data": {"name": "csv", "text": "a,b,c,label\n1,2,0.5,yes\n0,1,2,no\n3,0,1,yes\n2,2,2,no\n"},
        "layers": [3, 4, 1],
        "optimizer": {"name": "adam"},
    },
]


@pytest.mark.parametrize("config", CONFIGS, ids=["xor-adam", "circle-float32", "digits", "csv"])
def test_a_saved_run_reads_back_and_goes_on_bit_for_bit(config):
    run = _stepped(config)
    record = _record_of(Session("s", run))
    blob = records.encode(record)
    back = records.decode(blob)
    again = import_state({**back["run"], "history": run.history.as_dict()}, own=True)
    for a, b in zip(run.param_arrays(), again.param_arrays(), strict=True):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    for _ in range(5):
        run.step()
        again.step()
    assert [a.tobytes() for a in run.param_arrays()] == [b.tobytes() for b in again.param_arrays()]


def test_the_arrays_cost_their_bytes_not_their_text():
    run = _stepped(
        {
            "data": {"name": "digits"},
            "layers": [64, 256, 10],
            "loss": "cce",
            "activations": ["relu", "softmax"],
            "optimizer": {"name": "adam"},
        },
        steps=2,
    )
    record = _record_of(Session("s", run))
    blob = records.encode(record)
    as_text = orjson.dumps(export_state(run, history=False))
    assert records.array_bytes(record) <= len(blob) < records.array_bytes(record) + 64 * 1024
    assert len(blob) < len(as_text) / 2


def test_an_older_plain_json_record_still_reads():
    run = _stepped({"preset": "xor"})
    old = orjson.dumps({"format": "nnplay-session/1", "run": export_state(run, history=False)})
    back = records.decode(old)
    again = import_state({**back["run"], "history": run.history.as_dict()}, own=True)
    assert all(np.array_equal(a, b) for a, b in zip(run.param_arrays(), again.param_arrays(), strict=True))


def _damaged():
    blob = records.encode({"run": {"W": np.arange(6.0).reshape(2, 3), "order": np.arange(4)}})
    start = len(records.MAGIC) + records.LENGTH_BYTES
    length = int.from_bytes(blob[len(records.MAGIC) : start], "little")
    header = blob[start : start + length]
    return {
        "cut short": blob[:-5],
        "bytes left over": blob + b"\0" * 8,
        "header past the end": blob[: len(records.MAGIC)] + (10**9).to_bytes(8, "little") + blob[start:],
        "an unknown dtype": blob.replace(b'"<f8"', b'"|O8"'),
        "a negative shape": blob.replace(header, header.replace(b"[2,3]", b"[-2,3]")),
        "arrays out of order": blob.replace(b'"$array":0', b'"$array":1', 1),
        "a header that is not JSON": blob.replace(header, b"{" * len(header)),
        "not an object": records.encode([1, 2]),  # type: ignore[arg-type]
    }


@pytest.mark.parametrize("damage", list(_damaged()))
def test_a_damaged_record_is_a_value_error(damage):
    with pytest.raises(ValueError):
        records.decode(_damaged()[damage])


def test_an_array_that_could_not_be_read_back_is_not_written():
    with pytest.raises(TypeError, match="int32"):
        records.encode({"run": {"order": np.arange(4, dtype=np.int32)}})
