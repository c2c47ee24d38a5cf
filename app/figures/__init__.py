"""Figures from a run: the same request gives the same bytes, in SVG or PNG, with the
provenance (config, seed, step) inside so a handout's figure can be made again."""

from __future__ import annotations

import hashlib
import json

import numpy as np

from app.figures.charts import draw_boundary, draw_loss
from app.figures.formula import draw_formula, neuron_lines, weight_lines
from app.figures.landscape import draw_landscape
from app.figures.network import draw_network
from app.figures.render import drawing, new_figure, to_bytes
from app.figures.style import THEMES
from core.errors import ConfigError
from core.explain import explain_neuron, explain_weight
from core.features import input_names
from core.frame import probe
from core.grids import grid_values
from core.landscape import DEFAULT_MAX_WORK, landscape

PANELS = ("network", "loss", "boundary", "formula", "landscape")
# The landscape panel's grid, unless asked otherwise: fine enough for a handout's contours.
LANDSCAPE_RESOLUTION = 41
FORMATS = {"svg": "image/svg+xml", "png": "image/png"}
# Pixel sizes a figure may have (lowest, highest), the same for the API and the command line.
WIDTH_LIMITS = (200, 4000)
HEIGHT_LIMITS = (150, 3000)


class FigureError(ValueError):
    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


def provenance(run, panel: str, extra: dict) -> dict:
    config = run.config
    digest = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
    return {
        "title": f"nnplay {panel}: {config.get('preset') or 'custom'} at step {run.step_count}",
        "panel": panel,
        "step": run.step_count,
        "seed": config["seed"],
        "config_sha256": digest,
        "config": config,
        **extra,
    }


def render_figure(
    run,
    panel: str,
    fmt: str = "svg",
    theme: str = "light",
    width: int = 800,
    height: int = 500,
    decimals: int = 4,
    select: dict | None = None,
    path: list | tuple = (),
    max_work: int = DEFAULT_MAX_WORK,
) -> bytes:
    """One panel of the run as it is now. `select` names the neuron ({"layer", "unit"}) or
    weight ({"layer", "i", "j"}) of the formula panel, or the landscape panel's slice
    ({"directions", "seed", "weights", "span", "resolution"}, as core.landscape takes
    them; `path`: the states projected onto it, `max_work` its bound). Raises FigureError
    for bad input."""
    if panel not in PANELS:
        raise FigureError("panel", f"must be one of {', '.join(PANELS)}")
    if fmt not in FORMATS:
        raise FigureError("format", "must be svg or png")
    colours = THEMES.get(theme)
    if colours is None:
        raise FigureError("theme", f"must be one of {', '.join(THEMES)}")
    with drawing(), np.errstate(all="ignore"):
        figure = new_figure(width, height, colours["background"])
        if panel == "landscape":
            extra = _draw_landscape(run, figure, colours, select or {}, path, max_work)
        else:
            extra = _draw(run, panel, figure, colours, decimals, select or {})
        return to_bytes(figure, fmt, provenance(run, panel, extra))


def _draw(run, panel, figure, colours, decimals, select) -> dict:
    if panel == "network":
        x = probe(run)[0][0]  # the probe's first row, as the explain routes' sample 0
        values = run.network.forward(x.reshape(1, -1))
        draw_network(
            figure,
            colours,
            {
                "sizes": run.sizes,
                "activations": run.config["activations"],
                "params": [(layer.W, layer.b) for layer in run.network.layers],
                "values": [(v.z[0], v.a[0]) for v in values],
                "inputs": x,
                "input_names": input_names(run.config["features"]),
                "decimals": decimals,
            },
        )
        return {"sample": 0}
    if panel == "loss":
        draw_loss(figure, colours, run.history.as_dict())
        return {}
    if panel == "boundary":
        grid = grid_values(run, 100)
        if grid is None:
            raise FigureError("panel", "the boundary figure needs 2-D inputs")
        data = run.data
        draw_boundary(
            figure, colours, grid, {"x": data.x_train, "targets": data.y_train}, data.kind == "classification"
        )
        return {}
    return _draw_formula(run, figure, colours, decimals, select)


def _draw_formula(run, figure, colours, decimals, select) -> dict:
    features = run.config["features"]
    layer = int(select.get("layer", 1))
    if not 1 <= layer < len(run.sizes):
        raise FigureError("layer", f"must be between 1 and {len(run.sizes) - 1}")
    if "i" in select or "j" in select:
        i, j = int(select.get("i", 0)), int(select.get("j", 0))
        if not (0 <= i < run.sizes[layer - 1] and 0 <= j < run.sizes[layer]):
            raise FigureError("i", "no such weight in that layer")
        info = explain_weight(run.network, run.loss, *probe(run), layer, i, j, inputs=input_names(features))
        draw_formula(figure, colours, weight_lines(info, decimals), "the chain rule for one weight")
        return {"select": {"layer": layer, "i": i, "j": j}}
    unit = int(select.get("unit", 0))
    if not 0 <= unit < run.sizes[layer]:
        raise FigureError("unit", f"must be below {run.sizes[layer]}")
    info = explain_neuron(run.network, probe(run)[0][0], layer, unit, input_names(features))
    draw_formula(figure, colours, neuron_lines(info, decimals), "one neuron, worked by hand")
    return {"select": {"layer": layer, "unit": unit}}


def _draw_landscape(run, figure, colours, select, path, max_work) -> dict:
    options = {
        "directions": select.get("directions", "random"),
        "seed": int(select.get("seed", 0)),
        "weights": list(select.get("weights", ())),
        "span": float(select.get("span", 1.0)),
        "resolution": int(select.get("resolution", LANDSCAPE_RESOLUTION)),
    }
    try:
        result = landscape(run, **options, path=path, max_work=max_work)
    except ConfigError as error:
        raise FigureError(error.errors[0]["field"], error.errors[0]["reason"]) from None
    draw_landscape(figure, colours, result)
    shown = {
        k: v for k, v in options.items() if k != ("weights" if options["directions"] == "random" else "seed")
    }
    return {"select": shown}
