"""What a run costs in memory, worked out from its config alone (before anything is built).

A server keeps many runs at once, so each one's cost has to be known up front: to refuse a
config too big for one session, and to keep the sum of all sessions under what the machine
has. Every term is an upper bound of what the engine really holds (tests/core/test_memory.py
measures a big run against it). With

    P  parameters (weights and biases), s bytes per number (8 float64, 4 float32)
    S  optimizer slots per parameter (sgd, perceptron 0; momentum, rmsprop 1; adam 2)
    A  1 when the optimizer keeps a work array per parameter (S > 0), else 0
    U  units after the input layer (the sum of layers[1:]), L weight layers
    N, M  training and test rows, d inputs of the network (layers[0]), r inputs of
          the data (2 under features other than x1, x2; else d), k outputs,
          c = metrics.max_samples

the parts are, in bytes:

    parameters   P s (2 + S + A + 2)      current and initial parameters, optimizer slots
                                          and work arrays, the last gradients and the
                                          parameters before the last update
    update       P s (2 + S)              a step's gradient, new parameters and new slots,
                                          alive together with the old ones for a moment
    data         (N + M)(r + k) s + 8 (2N + M) + e
                                          inputs and targets, class labels, the batch order;
                                          e: each split longer than c sampled for metrics
    features     (N + M) d s under features other than x1, x2, else 0
                                          the network's inputs computed from the data's
                                          (core.features.network_data: a copy of both splits)
    activations  max(3 U s max(N, M),     every layer's values for the largest forward
                     4 U (200^2 + 16^2))  pass: a whole split's predictions (or a full
                                          batch's step, with its deltas; the metrics take
                                          at most c rows of a split), or on a plane (r = 2)
                                          the largest decision grid (float32)
    checkpoints  K C + 2 C                time travel's budget (core.timeline): K checkpoints
                                          of C = P s (2 + S) + 8 N + 64 (2 + S) a + 1 KiB
                                          each (a: the parameter arrays), K =
                                          clamp(512 KiB / C, 8, 256), plus one being pickled
    history      HISTORY_ROWS 8 (7 + L)   per-step metrics: core.history keeps at most
                                          HISTORY_ROWS rows, thinning the older ones
    config       (32 (x + p) + t) 2       numbers written in the config as Python floats
                                          (x inline data, p explicit weights) and text
                                          (t bytes of csv data), in the run's config and
                                          the checkpoints' copy
    overhead     64 KiB                   the objects around the arrays

The activations, update and the checkpoint being pickled are transient, counted at their
peak: a session's cost is the most it may hold, not what it holds between steps.
"""

from __future__ import annotations

from typing import Any

from core.config import parameter_count
from core.data.load import data_rows
from core.features import RAW_INPUTS, is_identity
from core.history import HISTORY_ROWS

SLOTS = {"sgd": 0, "perceptron": 0, "momentum": 1, "rmsprop": 1, "adam": 2}

# Time travel (core.timeline): bytes of checkpoints kept per run, at least MIN_CHECKPOINTS
# and at most MAX_CHECKPOINTS of them.
DEFAULT_BUDGET = 512 * 1024
# What a checkpoint costs beyond its arrays' numbers: the pickle's framing of each array
# (measured: about 56 bytes), and of the rest (about 500: the batch order's generator, the
# step counters) with the objects that hold the pickle (CHECKPOINT_OBJECT).
PICKLED_ARRAY = 64
CHECKPOINT_OVERHEAD = 1024
CHECKPOINT_OBJECT = 200
MIN_CHECKPOINTS = 8
MAX_CHECKPOINTS = 256

GRID_POINTS = 200**2 + 16**2  # the largest decision grid and its unit thumbnails
PYTHON_NUMBER = 32  # a float in a list: the object and the pointer to it
SESSION_OVERHEAD = 64 * 1024

# Which config field a part of the cost answers to, when it is too big.
FIELDS = {
    "parameters": "layers",
    "update": "layers",
    "checkpoints": "layers",
    "history": "layers",
    "activations": "layers",
    "data": "data",
    "features": "features",
    "config": "data",
    "overhead": "layers",
}


def checkpoint_bytes(config: dict[str, Any]) -> int:
    """The most one time-travel checkpoint of this run may take (C above)."""
    count = parameter_count(config["layers"], config["bias"] is True)
    slots = SLOTS[config["optimizer"]["name"]]
    train, _ = data_rows(config["data"])
    arrays = (len(config["layers"]) - 1) * (2 if config["bias"] is True else 1)
    return (
        (count * _itemsize(config) + PICKLED_ARRAY * arrays) * (2 + slots) + 8 * train + CHECKPOINT_OVERHEAD
    )


def timeline_bytes(config: dict[str, Any], budget: int = DEFAULT_BUDGET) -> int:
    """The bytes of checkpoints a run's timeline keeps (K C above)."""
    each = checkpoint_bytes(config)
    return min(MAX_CHECKPOINTS, max(MIN_CHECKPOINTS, budget // each)) * each


def estimate(config: dict[str, Any]) -> dict[str, int]:
    """Bytes per part (the names of the formula above), and their "total"; `config` is a
    resolved one (core.config.resolve_config)."""
    layers, s = config["layers"], _itemsize(config)
    count = parameter_count(layers, config["bias"] is True)
    slots = SLOTS[config["optimizer"]["name"]]
    units, d, k = sum(layers[1:]), layers[0], layers[-1]
    # Features are computed from a plane's two inputs into a copy of both splits.
    fed = not is_identity(config["features"])
    r = RAW_INPUTS if fed else d
    train, test = data_rows(config["data"])
    cap = config["metrics"]["max_samples"] or max(train, test)
    sampled = sum(cap for rows in (train, test) if rows > cap)
    grid = GRID_POINTS * units * 4 if r == 2 else 0
    each = checkpoint_bytes(config)
    parts = {
        "parameters": count * s * (2 + slots + (slots > 0) + 2),
        "update": count * s * (2 + slots),
        "data": (train + test) * (r + k) * s + 8 * (2 * train + test) + sampled * ((d + k) * s + 8),
        "features": (train + test) * d * s if fed else 0,
        "activations": max(3 * units * s * max(train, test), grid),
        "checkpoints": timeline_bytes(config) + 2 * each,
        "history": HISTORY_ROWS * 8 * (7 + len(layers) - 1),
        "config": (PYTHON_NUMBER * _config_numbers(config) + _config_text(config)) * 2,
        "overhead": SESSION_OVERHEAD,
    }
    parts["total"] = sum(parts.values())
    return parts


def too_big(
    config: dict[str, Any], limit: int, before: dict[str, Any] | None = None
) -> tuple[str, str] | None:
    """(field, reason) when the run `config` describes would cost more than `limit` bytes,
    else None; with `before` (the config a change starts from), only when the change
    grows it. The field is what made it too big: the optimizer that keeps more state, the
    part that grew the most, or (for a new run) the largest part."""
    parts = estimate(config)
    old = None if before is None else estimate(before)
    if parts["total"] <= limit or (old is not None and parts["total"] <= old["total"]):
        return None  # a change that does not grow a session is never refused
    named = {name: size for name, size in parts.items() if name != "total"}
    if old is not None and before is not None:
        named = {name: size - old[name] for name, size in named.items()}
        if (
            before["optimizer"]["name"] != config["optimizer"]["name"]
            and SLOTS[config["optimizer"]["name"]] > SLOTS[before["optimizer"]["name"]]
        ):
            return "optimizer.name", _reason(parts["total"], limit, "its optimizer's state")
    part = max(named, key=lambda name: named[name])
    field = FIELDS[part]
    if field == "data":
        field = _data_field(config["data"])
    return field, _reason(parts["total"], limit, f"its {part}")


def _reason(total: int, limit: int, most: str) -> str:
    return (
        f"the session would need about {_mb(total)} of memory ({most} most of all); "
        f"a session may use at most {_mb(limit)}"
    )


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 2**10:,.0f} KB"


def _data_field(spec: dict[str, Any]) -> str:
    if spec["name"] == "inline":
        return "data.inputs"
    if spec["name"] == "csv":
        return "data.text"
    return "data.n" if "n" in spec else "data.name"


def _config_numbers(config: dict[str, Any]) -> int:
    """Numbers the config carries in lists: inline rows and explicit weights."""
    data, init = config["data"], config["init"]
    numbers = 0
    if data["name"] == "inline":
        numbers += sum(
            len(row) if isinstance(row, (list, tuple)) else 1
            for key in ("inputs", "targets", "labels")
            for row in (data.get(key) or [])
        )
    if init["scheme"] == "explicit":
        numbers += parameter_count(config["layers"], config["bias"] is True)
    return numbers


def _config_text(config: dict[str, Any]) -> int:
    """Bytes of text the config carries: a csv data set's text (a str of ASCII is a byte a
    character, plus its object)."""
    text = config["data"].get("text") if config["data"]["name"] == "csv" else None
    return len(text) + 64 if isinstance(text, str) else 0


def _itemsize(config: dict[str, Any]) -> int:
    return 4 if config["dtype"] == "float32" else 8
