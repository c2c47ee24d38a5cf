"""What can be built: the presets, the data sets and the config's vocabulary."""

from dataclasses import asdict
from functools import lru_cache

import anyio
import numpy as np
from fastapi import APIRouter, Request, Response

from app.errors import documented, invalid
from app.models import ConfigField, Dataset, DataSummary, Preset, send
from app.schemas import DataCheckRequest, to_engine
from core.config import resolve_config
from core.data import DATASETS, DataError, load_dataset
from core.data.csv import csv_head
from core.data.mnist import find_idx_files
from core.fields import describe
from core.presets import PRESETS
from core.sweep import SWEEPABLE

router = APIRouter(tags=["catalog"])

# The rows of a CSV the check route gives back as written: what the page's table shows.
HEAD_ROWS = 50


@router.get("/presets", response_model=list[Preset])
async def presets() -> Response:
    """Every preset with its fully resolved config."""
    return send(_presets())


@lru_cache
def _presets() -> list[dict]:
    return [
        {
            "id": key,
            "title": p["title"],
            "description": p["description"],
            "config": resolve_config({"preset": key}),
        }
        for key, p in PRESETS.items()
    ]


@router.get("/config/fields", response_model=list[ConfigField])
async def config_fields() -> Response:
    """The config's vocabulary: every field with its type, default, allowed values or
    limits, whether it may change during a run, what it is used with, and a line of help;
    the data sets' params with their limits per data set."""
    return send(_fields())


@lru_cache
def _fields() -> list[dict]:
    # Which fields a sweep may vary is the sweep's to say (core/sweep.py), from this table.
    return [{**entry, "sweepable": entry["path"] in SWEEPABLE} for entry in describe()]


@router.get("/datasets", response_model=list[Dataset])
async def datasets(request: Request) -> Response:
    """Every data set: name, kind, description, input and output sizes, whether it can be
    used on this server and if not why (MNIST needs its files), and the params it takes."""
    mnist_problem = _mnist_problem(request.app.state.settings.mnist_dir)
    return send(
        [
            {
                "name": info.name,
                "kind": info.kind,
                "description": info.description,
                "input_dim": info.input_dim,
                "output_dim": info.output_dim,
                "available": info.name != "mnist" or mnist_problem is None,
                "unavailable_reason": mnist_problem if info.name == "mnist" else None,
                "params": asdict(info)["params"],
            }
            for info in DATASETS.values()
        ]
    )


@router.post("/datasets/check", response_model=DataSummary, responses=documented(422))
async def check_data(body: DataCheckRequest, request: Request) -> Response:
    """Load a data spec (a config's `data`) without making a session, and say what a
    network for it needs: its input and output sizes, its kind and classes, its rows; for
    csv data its columns. A bad spec is a 422 naming the field (data.text, with the line
    and column), so a page can check a pasted CSV before it replaces anything; and its
    first rows as read (`head`: their lines and cells), for the page's table. MNIST is
    not loaded here (a 422): GET /api/datasets gives its sizes."""
    spec = to_engine(body.data)
    if spec.get("name") == "mnist":
        # 60,000 images loaded per request would cost a session's memory each time; GET
        # /api/datasets says what MNIST needs.
        raise invalid("data.name", "mnist is too large to check here: it has 784 inputs and 10 outputs")
    mnist_dir = request.app.state.settings.mnist_dir
    try:
        data = await anyio.to_thread.run_sync(
            lambda: load_dataset(spec, np.random.default_rng(0), mnist_dir=mnist_dir)
        )
    except DataError as error:
        raise invalid(error.field, error.reason) from None
    columns, head = csv_head(spec["text"], HEAD_ROWS) if data.name == "csv" else (None, None)
    return send(
        {
            "name": data.name,
            "kind": data.kind,
            "input_dim": int(data.x_train.shape[1]),
            "output_dim": int(data.y_train.shape[1]),
            "n_classes": data.n_classes,
            "class_names": data.class_names,
            "n_train": len(data.x_train),
            "n_test": len(data.x_test),
            "columns": columns,
            "head": [{"line": line, "cells": cells} for line, cells in head] if head is not None else None,
        }
    )


def _mnist_problem(directory) -> str | None:
    """Why the MNIST files cannot be used here (the loader's own words), or None."""
    try:
        find_idx_files(directory)
        return None
    except DataError as error:
        return error.reason
