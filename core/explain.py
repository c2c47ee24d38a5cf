"""The arithmetic behind each number, as data a front end can typeset.

Naming: layer 0 is the input; inputs are x1..xd, or the features' names ("x1^2") when
the network sees features of its plane (core/features.py, passed as `inputs`); unit j of
layer l has pre-activation z{l}_{j} and activation a{l}_{j}; W{l}[i, j] is written
w{l}_{i}{j} (all 1-based), so in the 2-3-1 network z1_1 = x1*w1_11 + x2*w1_21 is the
source's h11 = x1*w11 + x2*w21.
The output layer's activations are also called y_hat.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.losses import Loss
from core.network import LayerValues, Network
from core.plain import plain

MAX_TERMS = 64  # a neuron with more inputs lists its largest products only
MAX_EXPLAINED_ROWS = 8  # network_on explains the neurons of the first rows only
MAX_EXPLAINED_UNITS = 64  # and the first units of each layer


def network_on(
    network: Network,
    loss: Loss,
    x: np.ndarray,
    t: np.ndarray | None = None,
    explain: bool = False,
    inputs: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The network on inputs x (n, d): {"layers": every layer's {"z", "a"} (n, units),
    "output": (n, k)}, the "loss" on targets t (n, k) when given, and with `explain` the
    arithmetic of every neuron (explain_neuron) for the first rows and units, as
    [row][layer][unit]."""
    with np.errstate(all="ignore"):
        values = network.forward(x)
        out: dict[str, Any] = {"layers": [{"z": v.z, "a": v.a} for v in values], "output": values[-1].a}
        if t is not None:
            out["loss"] = loss.value(values[-1].z, values[-1].a, t)
        if explain:
            out["explain"] = [
                [
                    [
                        explain_neuron(network, row, layer, unit, inputs)
                        for unit in range(min(size, MAX_EXPLAINED_UNITS))
                    ]
                    for layer, size in enumerate(network.sizes[1:], start=1)
                ]
                for row in x[:MAX_EXPLAINED_ROWS]
            ]
    result: dict[str, Any] = plain(out)
    return result


def unit_symbol(
    network: Network, layer: int, unit: int, kind: str = "a", inputs: Sequence[str] | None = None
) -> str:
    """Name of unit `unit` (0-based) of layer `layer` (0 = inputs, named by `inputs` when
    given, else x1..xd)."""
    if layer == 0:
        return inputs[unit] if inputs else f"x{unit + 1}"
    if kind == "a" and layer == len(network.layers):
        return "y_hat" if network.layers[-1].fan_out == 1 else f"y_hat{unit + 1}"
    return f"{kind}{layer}_{unit + 1}"


def weight_symbol(layer: int, i: int, j: int) -> str:
    return f"w{layer}_{i + 1}{j + 1}" if i < 9 and j < 9 else f"w{layer}_{i + 1},{j + 1}"


def explain_neuron(
    network: Network, x: np.ndarray, layer: int, unit: int, inputs: Sequence[str] | None = None
) -> dict[str, Any]:
    """z and a of unit `unit` of layer `layer` (1-based) for one input row x (d,).

    -> {"layer", "unit", "z_symbol", "a_symbol", "terms": [{"input", "input_value",
    "weight", "weight_value", "product"}], "bias", "z", "activation", "formula", "a"}
    """
    with np.errstate(all="ignore"):  # a diverging net's overflow shows up as null, not a warning
        values = network.forward(x.reshape(1, -1))
    dense = network.layers[layer - 1]
    a_prev = x if layer == 1 else values[layer - 2].a[0]
    products = a_prev * dense.W[:, unit]
    order: range | list[int] = range(len(a_prev))
    if len(a_prev) > MAX_TERMS:
        order = sorted(np.argsort(-np.abs(products))[:MAX_TERMS].tolist())
    terms = [
        {
            "input": unit_symbol(network, layer - 1, i, inputs=inputs),
            "input_value": a_prev[i],
            "weight": weight_symbol(layer, i, unit),
            "weight_value": dense.W[i, unit],
            "product": products[i],
        }
        for i in order
    ]
    bias = None
    if dense.b is not None:
        bias = {"symbol": f"b{layer}_{unit + 1}", "value": dense.b[unit]}
    out = values[layer - 1]
    return plain(
        {
            "layer": layer,
            "unit": unit,
            "z_symbol": unit_symbol(network, layer, unit, "z"),
            "a_symbol": unit_symbol(network, layer, unit, "a"),
            "terms": terms,
            "terms_omitted": len(a_prev) - len(terms),
            "bias": bias,
            "z": out.z[0, unit],
            "activation": dense.activation.name,
            "formula": dense.activation.formula,
            "a": out.a[0, unit],
        }
    )


def explain_weight(
    network: Network,
    loss: Loss,
    x: np.ndarray,
    t: np.ndarray,
    layer: int,
    i: int,
    j: int,
    sample: int = 0,
    inputs: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The chain rule for dL/dw, w = W{layer}[i, j], on the set x (n, d), t (n, k).

    `factors` are for row `sample`, from the loss back to the weight, and multiply to
    that row's contribution; `gradient` sums the contributions of all n rows and equals
    the backprop value (without regularization).
    """
    with np.errstate(all="ignore"):
        values = network.forward(x)
        dz_out = network.output_gradient(values, t, loss)
        grads, deltas = network.backward(x, values, dz_out)
    below = [x] + [v.a for v in values[:-1]]  # each layer's inputs
    factors = _chain(network, loss, values, deltas, t, layer - 1, j, sample)
    factors.append(
        {
            "symbol": f"d{unit_symbol(network, layer, j, 'z')}/d{weight_symbol(layer, i, j)}",
            "value": below[layer - 1][sample, i],
            "meaning": f"the input on this edge, {unit_symbol(network, layer - 1, i, inputs=inputs)}",
        }
    )
    product = float(np.prod([f["value"] for f in factors]))
    return plain(
        {
            "layer": layer,
            "from": i,
            "to": j,
            "weight": weight_symbol(layer, i, j),
            "weight_value": network.layers[layer - 1].W[i, j],
            "sample": sample,
            "samples": len(x),
            "factors": factors,
            "product": product,
            "contributions": below[layer - 1][:, i] * deltas[layer - 1][:, j],
            "gradient": grads[layer - 1][0][i, j],
            "delta": deltas[layer - 1][sample, j],
            "shortcut": _shortcut(network, loss) if layer == len(network.layers) else None,
        }
    )


def _shortcut(network: Network, loss: Loss) -> str | None:
    if loss.fused_with and network.layers[-1].activation.name == loss.fused_with:
        return f"{loss.fused_with} with {loss.name}: dL/dz = (y_hat - y) / n"
    return None


def _chain(
    network: Network,
    loss: Loss,
    values: list[LayerValues],
    deltas: list[np.ndarray],
    t: np.ndarray,
    index: int,
    unit: int,
    sample: int,
) -> list[dict[str, Any]]:
    """Factors whose product is dL/dz of unit `unit` in layer `index` (0-based), row `sample`."""
    last = len(network.layers) - 1
    layer = network.layers[index]
    z_name = unit_symbol(network, index + 1, unit, "z")
    a_name = unit_symbol(network, index + 1, unit, "a")
    v = values[index]
    act = {
        "symbol": f"d{a_name}/d{z_name}",
        "value": layer.activation.derivative(v.z[sample : sample + 1], v.a[sample : sample + 1])[0, unit],
        "meaning": f"{layer.activation.name}'(z) = {layer.activation.derivative_formula}",
    }
    linear = layer.activation.name == "linear"
    if index == last:
        shortcut = _shortcut(network, loss)
        if shortcut:
            return [
                {
                    "symbol": f"dL/d{z_name}",
                    "value": deltas[index][sample, unit],
                    "meaning": "(y_hat - y) / n, the shortcut of " + shortcut,
                }
            ]
        if layer.activation.name == "softmax":
            # Every softmax output depends on every z: only the full Jacobian is honest here.
            return [
                {
                    "symbol": f"dL/d{z_name}",
                    "value": deltas[index][sample, unit],
                    "meaning": "dL/dy_hat through the softmax Jacobian",
                }
            ]
        dl_da = loss.grad_a(v.a, t)[sample, unit]
        top = {"symbol": f"dL/d{a_name}", "value": dl_da, "meaning": f"derivative of {loss.formula}"}
        return [top] if linear else [top, act]
    above = network.layers[index + 1]
    if above.fan_out == 1:
        chain = _chain(network, loss, values, deltas, t, index + 1, 0, sample)
        # With a linear layer above, dz/da is the whole step: the source's dy_hat/da11 = w31.
        above_linear = above.activation.name == "linear"
        name_above = unit_symbol(network, index + 2, 0, "a" if above_linear else "z")
        chain.append(
            {
                "symbol": f"d{name_above}/d{a_name}",
                "value": above.W[unit, 0],
                "meaning": f"the weight {weight_symbol(index + 2, unit, 0)}",
            }
        )
    else:
        terms = [
            {
                "delta_symbol": f"dL/d{unit_symbol(network, index + 2, k, 'z')}",
                "delta": deltas[index + 1][sample, k],
                "weight": weight_symbol(index + 2, unit, k),
                "weight_value": above.W[unit, k],
                "product": deltas[index + 1][sample, k] * above.W[unit, k],
            }
            for k in range(above.fan_out)
        ]
        chain = [
            {
                "symbol": f"dL/d{a_name}",
                "value": float(sum(term["product"] for term in terms)),
                "meaning": "sum over the units above of dL/dz times the weight",
                "terms": terms,
            }
        ]
    return chain if linear else chain + [act]
