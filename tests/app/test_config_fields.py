"""The config's one table (core/fields.py): every limit it states is the one the engine and
the API hold a config to, and GET /api/config/fields serves exactly the table.

The cases are made from the table itself, so a new field is covered without a new test."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from core.activations import ACTIVATIONS
from core.config import DEFAULT_CONFIG, resolve_config
from core.data import DATASETS
from core.errors import ConfigError
from core.fields import FIELDS, Field, data_params, describe
from core.losses import LOSSES


def _past(field: Field | dict[str, Any], end: str) -> Any:
    """The nearest value beyond the `end` ("low" or "high") limit: the limit itself when
    that end is open."""
    spec = (
        field
        if isinstance(field, dict)
        else {
            "type": field.kind,
            "min": field.low,
            "max": field.high,
            "min_open": field.low_open,
            "max_open": field.high_open,
        }
    )
    limit, side = (spec["min"], -1) if end == "low" else (spec["max"], 1)
    if spec.get(f"{'min' if end == 'low' else 'max'}_open"):
        return limit
    if spec["type"] in ("int", "int_list"):
        return limit + side
    return math.nextafter(limit, side * math.inf)


def _nested(path: str, value: Any) -> dict[str, Any]:
    section, _, key = path.partition(".")
    return {section: {key: value}} if key else {section: value}


def _cases() -> list[tuple[dict[str, Any], str]]:
    """(config, the field its 422 must name), for each end of each numeric limit."""
    cases = []
    for field in FIELDS:
        for end in ("low", "high"):
            if (field.low if end == "low" else field.high) is None:
                continue
            if field.kind in ("int", "float"):
                cases.append((_nested(field.path, _past(field, end)), field.path))
            elif field.path == "layers":
                layers = list(DEFAULT_CONFIG["layers"])
                layers[1] = _past(field, end)
                cases.append(({"layers": layers}, "layers[1]"))
        if field.length is not None:  # one entry too many
            value = DEFAULT_CONFIG[field.path]
            too_long = value + [value[-1]] * (field.length[1] + 1 - len(value))
            cases.append(({field.path: too_long}, field.path))
    for param in data_params():
        for name, spec in param.per_dataset:
            for end in ("min", "max"):
                if spec.get(end) is not None and spec["type"] in ("int", "float"):
                    value = _past(spec, "low" if end == "min" else "high")
                    cases.append(({"data": {"name": name, param.key: value}}, param.path))
    return cases


CASES = _cases()


@pytest.mark.parametrize(("config", "field"), CASES, ids=[json.dumps(c)[:60] for c, _ in CASES])
def test_a_value_past_each_limit_of_the_table_is_refused_by_engine_and_api(client, config, field):
    with pytest.raises(ConfigError) as refused:
        resolve_config(config)
    assert field in [e["field"] for e in refused.value.errors]

    response = client.post("/api/sessions", json=config)
    assert response.status_code == 422, response.text
    assert field in [f["field"] for f in response.json()["error"]["fields"]]


def test_the_limits_themselves_are_allowed():
    """The other side of each closed end: the table's limit is a value the engine takes."""
    for field in FIELDS:
        if field.kind not in ("int", "float"):
            continue
        for end, limit, is_open in (
            ("low", field.low, field.low_open),
            ("high", field.high, field.high_open),
        ):
            # init.low stays below init.high, so neither can take the other's far limit.
            if limit is None or is_open or (field.path, end) in {("init.low", "high"), ("init.high", "low")}:
                continue
            config = resolve_config(_nested(field.path, limit))
            section, _, key = field.path.partition(".")
            assert (config[section][key] if key else config[section]) == limit


def test_every_field_of_the_table_is_checked_somewhere():
    assert len(CASES) > 40
    numeric = {f.path for f in FIELDS if f.kind in ("int", "float") and f.high is not None}
    assert numeric <= {field for _, field in CASES}


def test_the_route_serves_the_table(client):
    served = client.get("/api/config/fields").json()
    # The table, and whether a sweep may vary each field (core/sweep.py's say).
    assert [{k: v for k, v in entry.items() if k != "sweepable"} for entry in served] == json.loads(
        json.dumps(describe())
    )
    sweepable = {entry["path"] for entry in served if entry["sweepable"]}
    assert {"optimizer.lr", "batch.size", "seed", "data.noise"} <= sweepable
    assert not any(entry["topology"] for entry in served if entry["path"] in sweepable)
    by_path = {entry["path"]: entry for entry in served}
    # Every config field, and the data sets' params after data.name.
    paths = [entry["path"] for entry in served]
    assert [p for p in paths if p in {f.path for f in FIELDS}] == [f.path for f in FIELDS]
    assert paths[paths.index("data.name") + 1 : paths.index("data.name") + 1 + len(data_params())] == [
        p.path for p in data_params()
    ]
    # The defaults are the engine's defaults.
    for field in FIELDS:
        section, _, key = field.path.partition(".")
        assert by_path[field.path]["default"] == (
            DEFAULT_CONFIG[section].get(key) if key else DEFAULT_CONFIG[section]
        )
    # Registries stay the source of their lists.
    assert by_path["activations"]["choices"] == list(ACTIVATIONS)
    assert by_path["loss"]["choices"] == list(LOSSES)
    assert by_path["data.name"]["choices"] == list(DATASETS)
    assert by_path["loss"]["facts"]["fused_with"] == {"bce": "sigmoid", "cce": "softmax"}
    assert by_path["activations"]["facts"] == {"output_only": ["softmax"], "without_gradient": ["step"]}
    for info in DATASETS.values():
        for key, entry in info.params.items():
            assert by_path[f"data.{key}"]["per_dataset"][info.name] == entry
    # What applies to which optimizer is what each rule reads.
    assert by_path["optimizer.eps"]["applies"] == {"field": "optimizer.name", "values": ["rmsprop", "adam"]}
    assert by_path["batch.size"]["max"] == 10_000 and by_path["batch.size"]["live"]


def test_the_request_models_state_the_tables_limits(client):
    """The OpenAPI schema of a config (app/schemas.py) has each field of the table with its
    choices and bounds."""
    schemas = client.get("/openapi.json").json()["components"]["schemas"]

    def member(path: str) -> dict[str, Any]:
        section, _, key = path.partition(".")
        owner = schemas["ConfigModel"]["properties"][section]
        if key:
            ref = next(s["$ref"] for s in owner["anyOf"] if "$ref" in s)
            owner = schemas[ref.rsplit("/", 1)[-1]]["properties"][key]
        return next(s for s in owner["anyOf"] if s.get("type") != "null")

    for field in FIELDS:
        schema = member(field.path)
        if field.kind == "choice":
            assert schema["enum"] == list(field.choices), field.path
        if field.kind in ("int", "float"):
            low = "exclusiveMinimum" if field.low_open else "minimum"
            high = "exclusiveMaximum" if field.high_open else "maximum"
            assert (schema.get(low), schema.get(high)) == (field.low, field.high), field.path
        if field.length is not None:
            assert (schema["minItems"], schema["maxItems"]) == field.length, field.path
