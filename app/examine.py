"""A session's network asked about by a request (the forward and explain routes): the
request's numbers checked against the network, refused in the API's words (422 naming the
field), then worked out by the engine (core/explain.py) on the probe rows of core/frame.py.
"""

from __future__ import annotations

import numpy as np

from app.errors import invalid
from core.explain import explain_neuron, explain_weight, network_on
from core.features import input_names
from core.frame import probe
from core.run import Run


def forward(run: Run, inputs: list, targets: list | None = None, explain: bool = False) -> dict:
    """core.explain.network_on for the request's rows, in the run's dtype: every row needs
    the network's inputs, and the targets one row of outputs for each."""
    d, k = run.sizes[0], run.sizes[-1]
    x = np.asarray(inputs, dtype=run.dtype)
    if x.ndim != 2 or x.shape[1] != d:
        raise invalid("inputs", f"every row needs {d} numbers")
    t = None
    if targets is not None:
        t = np.asarray(targets, dtype=run.dtype)
        if t.ndim != 2 or t.shape != (len(x), k):
            raise invalid("targets", f"needs {len(x)} rows of {k} numbers")
    return network_on(run.network, run.loss, x, t, explain, input_names(run.config["features"]))


def neuron(run: Run, layer: int, unit: int, sample: int) -> dict:
    """core.explain.explain_neuron of a unit on probe row `sample`, and the run's step."""
    check_unit(run, layer, unit)
    info = explain_neuron(
        run.network, probe_row(run, sample), layer, unit, input_names(run.config["features"])
    )
    return {**info, "step": run.step_count}


def weight(run: Run, layer: int, i: int, j: int, sample: int) -> dict:
    """core.explain.explain_weight of W{layer}[i, j] on the probe rows, factors for row
    `sample`, and the run's step."""
    check_unit(run, layer, j)
    below = run.sizes[layer - 1]
    if i >= below:
        raise invalid("i", f"must be below {below}", message=f"i: layer {layer - 1} has {below} units")
    probe_row(run, sample)
    info = explain_weight(
        run.network, run.loss, *probe(run), layer, i, j, sample, input_names(run.config["features"])
    )
    return {**info, "step": run.step_count}


def check_unit(run: Run, layer: int, unit: int) -> None:
    """422 unless `layer` (1-based) is one of the network's and `unit` one of its units."""
    layers = len(run.sizes) - 1
    if layer > layers:
        raise invalid(
            "layer", f"must be between 1 and {layers}", message=f"layer: the network has {layers} layers"
        )
    if unit >= run.sizes[layer]:
        raise invalid(
            "unit", f"must be below {run.sizes[layer]}", message=f"layer {layer} has {run.sizes[layer]} units"
        )


def probe_row(run: Run, sample: int) -> np.ndarray:
    """Probe row `sample`'s inputs; 422 when there are not that many probe rows."""
    x = probe(run)[0]
    if sample >= len(x):
        raise invalid("sample", f"must be below {len(x)}", message=f"sample: there are {len(x)} probe rows")
    return x[sample]
