"""What can be built: the presets and the data sets."""
from dataclasses import asdict

from fastapi import APIRouter

from core.config import resolve_config
from core.data import DATASETS
from core.presets import PRESETS

router = APIRouter(tags=["catalog"])


@router.get("/presets")
async def presets() -> list[dict]:
    """Every preset with its fully resolved config."""
    return [{"id": key, "title": p["title"], "description": p["description"],
             "config": resolve_config({"preset": key})} for key, p in PRESETS.items()]


@router.get("/datasets")
async def datasets() -> list[dict]:
    """Every data set: name, kind, description and the params it takes."""
    return [{"name": info.name, "kind": info.kind, "description": info.description,
             "input_dim": info.input_dim, "params": asdict(info)["params"]}
            for info in DATASETS.values()]
