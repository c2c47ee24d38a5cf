"""The config's vocabulary, said once: every field's path, type, default, allowed values or
limits, whether it may change during a run, and a line of help.

Everything else is derived from this table: core/config.py's DEFAULT_CONFIG and its
checks, app/schemas.py's request models, and GET /api/config/fields (`describe()`), from
which the page's controls take their choices and limits. Lists that already have a
registry of their own (activations, losses, optimizers, data sets, presets) come from
that registry; the data sets' params come from their DatasetInfo, per data set.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from core.activations import ACTIVATIONS
from core.checks import Checker
from core.data import DATASETS
from core.features import FEATURES, IDENTITY
from core.losses import LOSSES
from core.optimizers import OPTIMIZERS
from core.presets import PRESETS

MAX_HIDDEN_LAYERS = 8
MAX_UNITS = 1024
MAX_PARAMETERS = 1_000_000  # weights and biases together: a bigger net steps too slowly to watch
MAX_SEED = 2**32 - 1
# No data set but MNIST trains on more rows than this; a full batch is asked for with
# null, whatever the set's size.
MAX_BATCH = 10_000


@dataclass(frozen=True)
class Field:
    """One config field. `kind`: "int", "float", "bool", "choice", "int_list" (layers),
    "choice_list" (activations), "params" (explicit weights), or a data param's type
    ("int", "float", "matrix", "int_list", "text") for the fields under `data`."""

    path: str
    kind: str
    default: Any
    help: str
    choices: tuple[Any, ...] = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # low itself is refused
    high_open: bool = False  # high itself is refused
    nullable: bool = False  # null is a value (batch.size null = full batch)
    live: bool = False  # may change during a run (PATCH, the socket's `set`)
    topology: bool = False  # the network's shape: changing it needs a new session
    length: tuple[int, int] | None = None  # a list's fewest and most entries
    # Used only while another field has one of these values, e.g. ("optimizer.name", ("adam",)).
    applies: tuple[str, tuple[str, ...]] | None = None
    # A data param: per data set that takes it, its DatasetInfo entry (default, limits, ...).
    per_dataset: tuple[tuple[str, dict[str, Any]], ...] = ()
    # The field's name in a line of words ("lr 0.03 vs lr 0.3"); None: its key.
    short: str | None = None

    @property
    def name(self) -> str:
        """What a line of words calls the field: its short name, else its key."""
        return self.short or self.key

    @property
    def section(self) -> str | None:
        return self.path.split(".")[0] if "." in self.path else None

    @property
    def key(self) -> str:
        return self.path.split(".")[-1]

    @property
    def lengths(self) -> tuple[int, int]:
        """A list field's fewest and most entries."""
        if self.length is None:
            raise TypeError(f"{self.path} is not a list")
        return self.length

    def check(self, value: Any, checker: Checker) -> Any:
        """The value if it is allowed (integers as int), else None with the reason noted."""
        path = self.path
        if self.kind in ("int", "float"):
            return checker.number(
                value,
                path,
                self.low,
                self.high,
                integer=self.kind == "int",
                low_open=self.low_open,
                high_open=self.high_open,
                nullable=self.nullable,
            )
        if self.kind == "choice":
            return None if value is None and self.nullable else checker.choice(value, path, self.choices)
        if self.kind == "bool":
            return checker.boolean(value, path)
        raise TypeError(f"{self.path}: a {self.kind} field is checked by core/config.py")


def _optimizers_reading(setting: str) -> tuple[str, ...]:
    return tuple(name for name, rule in OPTIMIZERS.items() if setting in rule.reads)


def _unit(help: str, default: float, key: str) -> Field:
    """An optimizer's decay rate in [0, 1), used by the rules that read it."""
    return Field(
        f"optimizer.{key}",
        "float",
        default,
        help,
        low=0,
        high=1,
        high_open=True,
        live=True,
        applies=("optimizer.name", _optimizers_reading(key)),
    )


FIELDS: tuple[Field, ...] = (
    Field(
        "preset",
        "choice",
        None,
        "a lesson's network, weights and data by name; the other fields change it",
        choices=tuple(PRESETS),
        nullable=True,
    ),
    Field(
        "layers",
        "int_list",
        [2, 4, 4, 1],
        "units per layer: the inputs, each hidden layer, the outputs",
        low=1,
        high=MAX_UNITS,
        length=(2, MAX_HIDDEN_LAYERS + 2),
        topology=True,
    ),
    Field(
        "activations",
        "choice_list",
        ["tanh", "tanh", "sigmoid"],
        "one activation per weight layer, the output layer's last",
        choices=tuple(ACTIVATIONS),
        length=(1, MAX_HIDDEN_LAYERS + 1),
        topology=True,
        short="act",
    ),
    Field("bias", "bool", True, "whether each unit adds a learned bias", topology=True),
    Field(
        "features",
        "choice_list",
        list(IDENTITY),
        "the inputs the network sees, computed from a plane's x1 and x2; layers[0] is their count",
        choices=tuple(FEATURES),
        length=(1, len(FEATURES)),
        topology=True,  # it sets the input layer's size, as layers does
    ),
    Field("loss", "choice", "bce", "what training makes small", choices=tuple(LOSSES)),
    Field(
        "init.scheme",
        "choice",
        "xavier",
        "how the first weights are chosen (explicit: the ones given in params)",
        choices=("explicit", "zeros", "uniform", "normal", "xavier", "he"),
        short="init",
    ),
    Field(
        "init.params",
        "params",
        None,
        "the explicit scheme's weights: one {W, b} per weight layer",
        nullable=True,
        applies=("init.scheme", ("explicit",)),
        short="weights",
    ),
    Field(
        "init.low",
        "float",
        -0.5,
        "the uniform scheme's smallest weight",
        low=-100,
        high=100,
        applies=("init.scheme", ("uniform",)),
        short="init low",
    ),
    Field(
        "init.high",
        "float",
        0.5,
        "the uniform scheme's largest weight",
        low=-100,
        high=100,
        applies=("init.scheme", ("uniform",)),
        short="init high",
    ),
    Field(
        "init.std",
        "float",
        0.01,
        "the normal scheme's standard deviation",
        low=0,
        high=100,
        low_open=True,
        applies=("init.scheme", ("normal",)),
        short="init std",
    ),
    Field("data.name", "choice", "xor", "the data set to learn", choices=tuple(DATASETS), short="data"),
    Field(
        "optimizer.name",
        "choice",
        "sgd",
        "the update rule",
        choices=tuple(OPTIMIZERS),
        live=True,
        short="optimizer",
    ),
    Field(
        "optimizer.lr",
        "float",
        0.03,
        "the learning rate: how far each update moves the weights",
        low=0,
        high=100,
        low_open=True,
        live=True,
    ),
    _unit("how much of the last update the next one keeps", 0.9, "momentum"),
    _unit("how slowly the running mean of squared gradients forgets", 0.9, "rho"),
    _unit("how slowly Adam's running mean of gradients forgets", 0.9, "beta1"),
    _unit("how slowly Adam's running mean of squared gradients forgets", 0.999, "beta2"),
    Field(
        "optimizer.eps",
        "float",
        1e-7,
        "added to the divisor so that it is never 0",
        low=0,
        high=1,
        low_open=True,
        live=True,
        applies=("optimizer.name", _optimizers_reading("eps")),
    ),
    Field(
        "gradient.method",
        "choice",
        "backprop",
        "how the gradient is worked out: backpropagation, or nudging each weight",
        choices=("backprop", "numeric-forward", "numeric-central"),
        live=True,
        short="gradient",
    ),
    Field(
        "gradient.epsilon",
        "float",
        1e-4,
        "how far the numeric methods nudge each weight",
        low=0,
        high=1,
        low_open=True,
        live=True,
        applies=("gradient.method", ("numeric-forward", "numeric-central")),
    ),
    Field(
        "batch.size",
        "int",
        10,
        "training rows per step; null: all of them (full batch)",
        low=1,
        high=MAX_BATCH,
        nullable=True,
        live=True,
        short="batch",
    ),
    Field(
        "batch.order",
        "choice",
        "shuffle",
        "which rows each step takes: shuffled each pass, in order, or drawn at random",
        choices=("shuffle", "sequential", "random"),
        live=True,
    ),
    Field(
        "regularization.kind",
        "choice",
        "none",
        "a penalty on large weights added to the loss",
        choices=("none", "l1", "l2"),
        live=True,
        short="reg",
    ),
    Field(
        "regularization.rate",
        "float",
        0.0,
        "how much the penalty weighs",
        low=0,
        high=10,
        live=True,
        applies=("regularization.kind", ("l1", "l2")),
        short="reg rate",
    ),
    Field(
        "dtype",
        "choice",
        "float64",
        "float64 (double) or float32 (single) arithmetic",
        choices=("float64", "float32"),
    ),
    Field("seed", "int", 0, "the random seed: initial weights, data and batches", low=0, high=MAX_SEED),
    Field("probe.size", "int", 4, "training rows the per-unit views show", low=1, high=64, short="probe"),
    Field(
        "metrics.every",
        "int",
        1,
        "record the metrics every this many steps (0: never)",
        low=0,
        high=100_000,
        short="metrics every",
    ),
    Field(
        "metrics.max_samples",
        "int",
        2000,
        "rows the metrics are measured on at most; null: all",
        low=1,
        high=100_000,
        nullable=True,
        short="metrics rows",
    ),
)

BY_PATH: dict[str, Field] = {field.path: field for field in FIELDS}


def section_fields(section: str) -> Iterator[Field]:
    """The table's fields of one section ("optimizer"), in order."""
    return (field for field in FIELDS if field.section == section)


def choices(path: str) -> tuple[Any, ...]:
    return BY_PATH[path].choices


def default_config() -> dict[str, Any]:
    """Every field's default, nested as a config is."""
    config: dict[str, Any] = {}
    for field in FIELDS:
        if field.section is None:
            config[field.path] = field.default
        else:
            config.setdefault(field.section, {})[field.key] = field.default
    return config


def data_params() -> tuple[Field, ...]:
    """The data sets' params (data.n, data.noise, ...), each with its entry per data set
    that takes it; `low`, `high` and `nullable` hold for at least one of them."""
    keys: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for info in DATASETS.values():
        for key, entry in info.params.items():
            keys.setdefault(key, []).append((info.name, entry))
    params = []
    for key, entries in keys.items():
        lows = [e["min"] for _, e in entries if "min" in e]
        highs = [e["max"] for _, e in entries if "max" in e]
        params.append(
            Field(
                f"data.{key}",
                entries[0][1]["type"],
                None,
                _common_description(entries),
                low=min(lows) if lows else None,
                high=max(highs) if highs else None,
                nullable=True,  # null: the data set's default
                applies=("data.name", tuple(name for name, _ in entries)),
                per_dataset=tuple(entries),
                short="data seed" if key == "seed" else None,  # not the run's seed
            )
        )
    return tuple(params)


def _common_description(entries: list[tuple[str, dict[str, Any]]]) -> str:
    """The data sets' description of a param when they agree, else where to find theirs."""
    descriptions = {entry["description"] for _, entry in entries}
    return descriptions.pop() if len(descriptions) == 1 else "depends on the data set (per_dataset)"


def describe() -> list[dict[str, Any]]:
    """The table as JSON for GET /api/config/fields: the config's fields, then the data
    sets' params, with facts the page needs that other registries hold."""
    facts: dict[str, dict[str, Any]] = {
        "layers": {"max_parameters": MAX_PARAMETERS},
        "activations": {
            "output_only": [name for name, a in ACTIVATIONS.items() if a.output_only],
            "without_gradient": [name for name, a in ACTIVATIONS.items() if not a.trains],
        },
        "loss": {"fused_with": {name: loss.fused_with for name, loss in LOSSES.items() if loss.fused_with}},
    }
    out = []
    data_name = FIELDS.index(BY_PATH["data.name"]) + 1
    for field in FIELDS[:data_name] + data_params() + FIELDS[data_name:]:
        entry: dict[str, Any] = {
            "path": field.path,
            "type": field.kind,
            "default": field.default,
            "help": field.help,
            "choices": list(field.choices) or None,
            "min": field.low,
            "max": field.high,
            "min_open": field.low_open,
            "max_open": field.high_open,
            "nullable": field.nullable,
            "live": field.live,
            "topology": field.topology,
            "length": list(field.length) if field.length else None,
            "applies": {"field": field.applies[0], "values": list(field.applies[1])}
            if field.applies
            else None,
            "per_dataset": dict(field.per_dataset) or None,
            "facts": facts.get(field.path),
        }
        out.append(entry)
    return out
