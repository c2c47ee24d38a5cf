"""Twin runs: a copy of a run that differs in a few settings, to compare the two side by side.

`fork_run(run, changes)` makes the twin. Its config is the run's with the partial `changes`
merged in, checked as any new config is. Its state is the run's, copied, as far as the
change allows, so that the two runs differ in the changed settings only:

- no change: an exact copy, which steps on bit for bit as the original does;
- settings that keep the parameters' shapes (the optimizer's, the batch size, the
  regularization, the gradient method, an activation, the loss, dtype) keep the weights,
  the history, the step and the batch order; a new optimizer starts with empty slots;
- another data noise (or other data params) keeps the weights and the history and trains
  on the data drawn afresh: the same points' seed, the new noise (a mark in data_changes);
- another initialization scheme or seed, or another network shape, re-makes the weights:
  the twin starts over at step 0, as a new run of its config would, except that its data
  and batch order stay the original's. "seed" in a twin means "other initial weights":
  the data keeps the original's seed (data.seed is pinned to it) and the batches are
  drawn from the original's stream (Run.follow_streams), so that the two runs see the
  same rows at every step, also after a reset.

`difference(a, b)` names what two configs differ in, in the field table's words.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from core.batches import Batcher
from core.config import adapt_topology, merge, resolve_config
from core.errors import ConfigError
from core.fields import FIELDS, Field, data_params
from core.run import Run
from core.state import export_state, import_state


def fork_run(run: Run, changes: Mapping[str, Any]) -> Run:
    """A new, independent run: `run` with the partial config `changes` (see the module's
    doc). Raises ConfigError naming the field for a bad change; `run` is never touched."""
    config = twin_config(run.config, changes)
    remade = (
        config["seed"] != run.config["seed"]
        or config["init"] != run.config["init"]
        or config["features"] != run.config["features"]
        or config["layers"] != run.config["layers"]
        or config["bias"] != run.config["bias"]
    )
    if remade:
        return _fresh(run, config)
    doc = export_state(run, arrays=True)
    doc["config"] = config
    if config["optimizer"]["name"] != run.config["optimizer"]["name"]:
        doc["optimizer"] = {}  # another rule's slots mean nothing to this one
    batcher = doc["batcher"]
    new_data = config["data"] != run.config["data"]
    if new_data:
        doc["batcher"] = None  # set below: the new data may have another row count
    twin = import_state(doc, mnist_dir=run.mnist_dir, own=True)
    if new_data:
        _continue_batches(twin, batcher)
        twin.note_data_change()
    if changes and twin.status == "diverged":
        # As a patch does: the user changed something (a lower rate, say), so the twin
        # may go on from the last finite parameters.
        twin.status, twin.divergence = "paused", None
    return twin


def _fresh(run: Run, config: dict[str, Any]) -> Run:
    """A twin with weights of its own: a new run of `config` at step 0, which draws its
    batches from the original's stream (the same seed draws the same stream anyway,
    unless the original itself follows another's)."""
    twin = Run(config, mnist_dir=run.mnist_dir, resolved=True)
    if config["seed"] != run.config["seed"] or run.streams_seed is not None:
        twin.follow_streams(run)
    return twin


def _continue_batches(twin: Run, state: dict[str, Any]) -> None:
    """The twin's batches go on from the original's position `state`, refitted when the
    new data has another row count (as Run's own data changes do)."""
    rows = len(twin.data.x_train)
    size, order = twin.config["batch"]["size"], twin.config["batch"]["order"]
    permutation = state["permutation"]
    n = rows if permutation is None else len(permutation)
    original = Batcher(n, size, order, np.random.default_rng())
    original.load_state(state)
    twin.batcher = original if n == rows else original.refit(rows, size)


def twin_config(config: dict[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The resolved config of a twin of a run of `config` (resolved) with `changes`."""
    if not isinstance(changes, Mapping):
        raise ConfigError("", "the changes must be an object: a partial config")
    if "preset" in changes:
        raise ConfigError("preset", "a twin keeps its run's preset: change the fields themselves")
    # Another shape carries the other choices over, as a new config does (the hidden
    # layers' activation, a random start in place of explicit weights that cannot fit).
    raw = merge(config, adapt_topology(config, dict(changes)))
    data, given = raw.get("data"), changes.get("data")
    seeds_data = isinstance(given, Mapping) and "seed" in given
    if (
        changes.get("seed", config["seed"]) != config["seed"]
        and isinstance(data, dict)
        and data.get("name") == config["data"]["name"]
        and not seeds_data
        and config["data"].get("seed") is None
    ):
        # The run's data came from its seed: pin it, so that another seed is other
        # initial weights on the same data (data seed k draws what run seed k draws).
        raw["data"] = {**data, "seed": config["seed"]}
    return resolve_config(raw)


# -- naming the difference --------------------------------------------------------------


def difference(a: dict[str, Any], b: dict[str, Any]) -> tuple[str, str]:
    """Each resolved config's side of what they differ in, in the field table's words:
    ("lr 0.03", "lr 0.3"), ("act tanh, batch 10", "act relu, batch full"). Configs that
    do not differ are ("this run", "its copy")."""
    left: list[str] = []
    right: list[str] = []
    for field in (*FIELDS, *data_params()):
        on_a, on_b = _applies(field, a), _applies(field, b)
        if field.path == "preset" or not (on_a or on_b):
            continue  # the preset's name follows from the other fields
        old, new = _value(field, a), _value(field, b)
        if old == new:
            continue
        if field.kind in ("params", "matrix", "text"):
            if on_a and on_b:  # weights or rows: too long to say
                left.append(field.name)
                right.append(f"other {field.name}")
            continue
        old_words, new_words = _words(field, old, new)
        # A field only one side uses is said on that side ("reg none vs reg l2, reg rate 0.1").
        left += [old_words] if on_a else []
        right += [new_words] if on_b else []
    if not left and not right:
        return "this run", "its copy"
    return ", ".join(left), ", ".join(right)


def difference_words(a: dict[str, Any], b: dict[str, Any]) -> str:
    """The difference as one line: "lr 0.03 vs lr 0.3"."""
    return one_line(difference(a, b))


def one_line(sides: tuple[str, str]) -> str:
    """The two sides of a difference (difference's answer) as one line: "lr 0.03 vs lr 0.3"."""
    return " vs ".join(sides)


def _applies(field: Field, config: dict[str, Any]) -> bool:
    if field.applies is None:
        return True
    path, values = field.applies
    return _at(config, path) in values


def _at(config: dict[str, Any], path: str) -> Any:
    node: Any = config
    for key in path.split("."):
        node = node.get(key) if isinstance(node, dict) else None
    return node


def _value(field: Field, config: dict[str, Any]) -> Any:
    value = _at(config, field.path)
    if field.path == "data.seed" and value is None:
        return config["seed"]  # the data drawn from the run's seed: data seed k is seed k
    return value


def _words(field: Field, old: Any, new: Any) -> tuple[str, str]:
    name = field.name
    if (
        field.kind == "choice_list"
        and isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
    ):
        pairs = {(x, y) for x, y in zip(old, new) if x != y}
        if len(pairs) == 1:  # "act tanh vs act relu": every layer that differs, alike
            (x, y), *_ = pairs
            return f"{name} {x}", f"{name} {y}"
    return f"{name} {_text(field, old)}", f"{name} {_text(field, new)}"


def _text(field: Field, value: Any) -> str:
    if value is None:
        return "full" if field.path == "batch.size" else "default"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        short = format(value, ".6g")
        return short if float(short) == value else repr(value)
    if isinstance(value, list):
        return ",".join(_text(field, v) for v in value)
    return str(value)
