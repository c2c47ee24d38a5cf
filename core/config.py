"""The one config format: defaults, preset merging and validation.

`resolve_config(raw)` takes what a user sent (possibly just {"preset": "seed-2-3-1"}) and
returns the fully resolved config, every field present, or raises ConfigError naming each
bad field. Checks that need the data (input and output sizes) happen when a run is built.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from core.activations import ACTIVATIONS
from core.checks import Checker
from core.data import DataError, check_spec
from core.errors import ConfigError
from core.fields import (
    BY_PATH,
    FIELDS,
    MAX_HIDDEN_LAYERS,
    MAX_PARAMETERS,
    choices,
    default_config,
    section_fields,
)
from core.losses import LOSSES

# The allowed values of the choice fields (core/fields.py says them), for other modules.
INIT_SCHEMES = choices("init.scheme")
OPTIMIZERS = choices("optimizer.name")
GRADIENT_METHODS = choices("gradient.method")
BATCH_ORDERS = choices("batch.order")
REGULARIZATIONS = choices("regularization.kind")
DTYPES = choices("dtype")

# Sections whose fields may change without touching the topology (PATCH, live lr).
LIVE_SECTIONS = tuple(dict.fromkeys(f.section for f in FIELDS if f.live and f.section))
TOPOLOGY_FIELDS = tuple(f.path for f in FIELDS if f.topology)
# What a preset's name stands for: which network (its inputs, shape, activations, biases and loss),
# from which starting weights (the init, e.g. the textbook's explicit ones), on which data
# (the whole data spec: "xor with noise 0.3" is other data). A resolved config keeps the
# name only while these equal the preset's. Everything else keeps it: the live sections
# change during a run (PATCH), so a name that depended on them would flip mid-run, and "xor
# with lr 0.3" is still the xor preset; the seed is another draw of the same preset; dtype
# is precision; probe and metrics are what is shown.
PRESET_FIELDS = ("features", "layers", "activations", "bias", "loss", "init", "data")

DEFAULT_CONFIG: dict[str, Any] = default_config()

_SECTION_FIELDS = {key: set(value) for key, value in DEFAULT_CONFIG.items() if isinstance(value, dict)}


def merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `override` into a copy of `base`.

    A `data` with a new `name`, or an `init` with a new `scheme`, replaces the whole
    section, so that (say) the preset's inline rows never leak into another data set.
    """
    out = copy.deepcopy(base)
    for key, value in override.items():
        old = out.get(key)
        replaces = (
            key == "data"
            and isinstance(value, dict)
            and isinstance(old, dict)
            and "name" in value
            and value["name"] != old.get("name")
        ) or (
            key == "init"
            and isinstance(value, dict)
            and isinstance(old, dict)
            and "scheme" in value
            and value["scheme"] != old.get("scheme")
        )
        if replaces and key == "init":
            out[key] = merge(DEFAULT_CONFIG["init"], value)
        elif isinstance(value, dict) and isinstance(old, dict) and not replaces:
            out[key] = merge(old, value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def resolve_config(raw: Any) -> dict[str, Any]:
    """Fill in the preset and the defaults, then validate; returns a new dict.

    The result names its preset only while it still is that preset (PRESET_FIELDS equal
    the preset's); a preset with another data set or network resolves with `preset` null,
    so that every label that shows the name shows what is actually running.
    """
    config = _resolve(raw)
    name = config["preset"]
    if name is not None and _preset_identity(config) != _preset_identity(_resolved_preset(name)):
        config["preset"] = None
    return config


@cache
def _resolved_preset(name: str) -> dict[str, Any]:
    """A preset alone, resolved (read only: shared by every call)."""
    return _resolve({"preset": name})


def _preset_identity(config: dict[str, Any]) -> dict[str, Any]:
    identity = {field: config[field] for field in PRESET_FIELDS}
    # Another data seed is another draw of the same data, as the seed is of the same preset.
    identity["data"] = {key: value for key, value in config["data"].items() if key != "seed"}
    return identity


def _resolve(raw: Any) -> dict[str, Any]:
    from core.presets import PRESETS  # presets are written in this format

    checker = Checker()
    if not checker.object(raw, "", set(DEFAULT_CONFIG)):
        checker.raise_if_any()
    preset_name = raw.get("preset")
    base = DEFAULT_CONFIG
    if preset_name is not None:
        if not isinstance(preset_name, str) or preset_name not in PRESETS:
            checker.fail("preset", f"unknown preset {preset_name!r}; known: {', '.join(PRESETS)}")
            checker.raise_if_any()
        base = merge(DEFAULT_CONFIG, PRESETS[preset_name]["config"])
        base["preset"] = preset_name
    config = merge(base, adapt_topology(base, raw))
    _validate(config, checker)
    checker.raise_if_any()
    return config


def adapt_topology(base: dict[str, Any], raw: dict[str, Any]) -> dict[str, Any]:
    """When the user resizes the network but keeps other choices, carry them over sensibly."""
    raw = dict(raw)
    given = raw.get("layers")
    layers: list[Any] | None = given if isinstance(given, list) else None
    resized = layers is not None and layers != base["layers"]
    if layers is not None and resized and "activations" not in raw and len(layers) >= 2:
        hidden = base["activations"][0] if len(base["activations"]) > 1 else "tanh"
        raw["activations"] = [hidden] * (len(layers) - 2) + [base["activations"][-1]]
    rebiased = "bias" in raw and raw["bias"] != base["bias"]
    init = raw.get("init")
    # "explicit" without weights of its own means "the preset's weights" (a shared URL says
    # just that); those cannot fit new shapes, so a fresh random start takes their place.
    keeps_preset_weights = init is None or (
        isinstance(init, dict) and init.get("scheme") == "explicit" and init.get("params") is None
    )
    if (resized or rebiased) and keeps_preset_weights and base["init"]["scheme"] == "explicit":
        raw["init"] = {"scheme": "xavier", "params": None}
    return raw


def _validate(config: dict[str, Any], checker: Checker) -> None:
    layers = config["layers"]
    low, high = BY_PATH["layers"].lengths
    layers_ok = isinstance(layers, list) and low <= len(layers) <= high
    if not layers_ok:
        checker.fail(
            "layers",
            f"must be a list of {low} to {high} layer sizes "
            f"(inputs, up to {MAX_HIDDEN_LAYERS} hidden layers, outputs)",
        )
    else:
        units = BY_PATH["layers"]
        for i, size in enumerate(layers):
            if checker.number(size, f"layers[{i}]", units.low, units.high, integer=True) is None:
                layers_ok = False
        if layers_ok:
            config["layers"] = [int(s) for s in layers]
            count = parameter_count(config["layers"], config["bias"] is True)
            if count > MAX_PARAMETERS:
                checker.fail("layers", f"has {count:,} parameters; at most {MAX_PARAMETERS:,}")
    _validate_activations(config, checker, layers_ok)
    _validate_features(config["features"], checker)
    BY_PATH["bias"].check(config["bias"], checker)
    loss = BY_PATH["loss"].check(config["loss"], checker)
    acts = config["activations"]
    if loss and isinstance(acts, list) and acts and isinstance(acts[-1], str):
        fused = LOSSES[loss].fused_with
        if fused and acts[-1] != fused:
            checker.fail("loss", f"{loss} needs a {fused} output layer, got {acts[-1]}")
    _validate_init(config["init"], checker)
    try:
        name, params = check_spec(config["data"])
        config["data"] = {"name": name, **params}  # every default filled in
    except DataError as error:
        checker.fail(error.field, error.reason)
    _validate_live_sections(config, checker)
    for path in ("dtype", "seed"):
        BY_PATH[path].check(config[path], checker)
    for section in ("probe", "metrics"):
        _check_section(config[section], section, checker)


def _check_section(values: Any, section: str, checker: Checker) -> dict[str, Any] | None:
    """Check a section's object and each of its plain fields (the table's); the checked
    values by key (None where refused), or None when it is not an object."""
    if not checker.object(values, section, _SECTION_FIELDS[section]):
        return None
    return {
        field.key: field.check(values.get(field.key), checker)
        for field in section_fields(section)
        if field.kind != "params"
    }


def _validate_activations(config: dict[str, Any], checker: Checker, layers_ok: bool) -> None:
    acts = config["activations"]
    if not isinstance(acts, list):
        checker.fail("activations", "must be a list with one activation per weight layer")
        return
    if layers_ok and len(acts) != len(config["layers"]) - 1:
        checker.fail(
            "activations",
            f"needs {len(config['layers']) - 1} entries (one per weight layer), got {len(acts)}",
        )
    for i, name in enumerate(acts):
        name = checker.choice(name, f"activations[{i}]", BY_PATH["activations"].choices)
        if name is not None and ACTIVATIONS[name].output_only and i != len(acts) - 1:
            checker.fail(f"activations[{i}]", f"{name} is allowed on the output layer only")
    if acts and acts[-1] == "softmax" and layers_ok and config["layers"][-1] < 2:
        checker.fail("activations", "a softmax output needs at least 2 output units")


def _validate_features(features: Any, checker: Checker) -> None:
    """A list of distinct feature names, at least one. Whether they fit the data (a plane)
    and the input layer (one unit each) is checked when the run is built."""
    low, high = BY_PATH["features"].lengths
    if not isinstance(features, list) or not low <= len(features) <= high:
        checker.fail("features", f"must be a list of {low} to {high} distinct feature names")
        return
    seen: set[str] = set()
    for i, name in enumerate(features):
        name = checker.choice(name, f"features[{i}]", BY_PATH["features"].choices)
        if name is not None and name in seen:
            checker.fail(f"features[{i}]", f"{name} is listed twice")
        seen.add(name)


def _validate_init(init: Any, checker: Checker) -> None:
    checked = _check_section(init, "init", checker)
    if checked is None:
        return
    low, high = checked["low"], checked["high"]
    if low is not None and high is not None and low >= high:
        checker.fail("init.high", f"must be greater than init.low ({low}), got {high}")
    if checked["scheme"] == "explicit" and not isinstance(init.get("params"), list):
        checker.fail("init.params", "the explicit scheme needs a list of {W, b}, one per layer")
    elif checked["scheme"] != "explicit" and init.get("params") is not None:
        checker.fail("init.params", "is only used by the explicit scheme")


def _validate_live_sections(config: dict[str, Any], checker: Checker) -> None:
    opt = _check_section(config["optimizer"], "optimizer", checker)
    if opt is not None and config["optimizer"].get("name") == "perceptron":
        acts = config["activations"]
        if not (isinstance(acts, list) and len(acts) == 1 and acts[0] == "step"):
            checker.fail(
                "optimizer.name", "the perceptron rule needs a single layer with the step activation"
            )
    for section in ("gradient", "batch", "regularization"):
        _check_section(config[section], section, checker)


def parameter_count(layers: list[int], bias: bool) -> int:
    """Weights plus biases of a fully connected net with these layer sizes."""
    return sum(a * b + (b if bias else 0) for a, b in zip(layers, layers[1:]))


def patch_config(config: dict[str, Any], patch: Any) -> dict[str, Any]:
    """Merge a partial config of the live sections into a resolved config and validate.

    Topology changes (layers, activations, bias) and anything outside the live sections
    are refused: they need a new run.
    """
    checker = Checker()
    if not isinstance(patch, dict):
        raise ConfigError("", "a patch must be an object")
    for key in patch:
        if key in TOPOLOGY_FIELDS:
            checker.fail(key, "changes the topology; start a new session instead")
        elif key not in LIVE_SECTIONS:
            checker.fail(key, "cannot change during a run; allowed: " + ", ".join(LIVE_SECTIONS))
    checker.raise_if_any()
    merged = merge(config, patch)
    _validate(merged, checker)
    checker.raise_if_any()
    return merged
