"""Curves for the activation and loss explorers, computed by the engine's own functions."""

from __future__ import annotations

from typing import Any

import numpy as np

from core.activations import ACTIVATIONS
from core.losses import LOSSES
from core.plain import plain


def activation_curve(name: str, low: float = -6.0, high: float = 6.0, points: int = 121) -> dict[str, Any]:
    """f and f' of one activation over [low, high]: {"name", "formula", "derivative_formula",
    "z": (points,), "a": (points,), "da": (points,)}. Softmax is shown for the first of two
    logits [z, 0], i.e. as the sigmoid it reduces to."""
    activation = ACTIVATIONS[name]
    z = np.linspace(low, high, points)
    if name == "softmax":
        logits = np.column_stack([z, np.zeros_like(z)])
        a = activation.forward(logits)[:, 0]
        da = a * (1.0 - a)
    else:
        column = z.reshape(-1, 1)
        a_full = activation.forward(column)
        a = a_full[:, 0]
        da = activation.derivative(column, a_full)[:, 0]
    return plain(
        {
            "name": name,
            "formula": activation.formula,
            "derivative_formula": activation.derivative_formula,
            "z": z,
            "a": a,
            "da": da,
        }
    )


def loss_comparison(prediction: list[float], target: list[float]) -> dict[str, Any]:
    """Every loss of one prediction against one target, with dL/dy_hat.

    prediction: probabilities (k,) (each in (0, 1); for cce they are renormalised to sum
    to 1); target: (k,) in [0, 1]. -> {"losses": [{"name", "formula", "value",
    "grad_output"}], "prediction", "target"}. BCE and CCE are evaluated from the logits
    that give this prediction, so they match what training computes.
    """
    p = np.clip(np.asarray(prediction, dtype=np.float64), 1e-12, 1 - 1e-12).reshape(1, -1)
    t = np.asarray(target, dtype=np.float64).reshape(1, -1)
    out = []
    for name in ("mse", "sse", "bce", "cce"):
        loss = LOSSES[name]
        if name == "bce":
            z = np.log(p) - np.log1p(-p)  # the logit whose sigmoid is p
            a = p
        elif name == "cce":
            a = p / p.sum()
            z = np.log(a)
        else:
            z = a = p
        with np.errstate(all="ignore"):
            value = loss.value(z, a, t)
            grad = loss.grad_a(a, t)[0]
        out.append(
            {
                "name": name,
                "formula": loss.formula,
                "value": value,
                "grad_output": grad,
                "shortcut": None
                if loss.fused_with is None
                else {
                    "activation": loss.fused_with,
                    "grad_logits": ((a - t) / (a.size if name == "bce" else 1))[0],
                },
            }
        )
    return plain({"prediction": p[0], "target": t[0], "losses": out})
