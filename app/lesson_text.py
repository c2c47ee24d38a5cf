"""Lesson prose with the engine's numbers: a step's text names values, `{y_hat}`, `{loss}`,
`{chain:w1_11}`, and they are filled from the state the step builds, written as the page
writes them, so a lesson never states a number the screen does not show.

Names (units and weights counted from 1, as core/explain.py names them):
  x1, t1            input and target of the sample the diagram draws
  z1_2, a1_2, y_hat that sample's pre-activation and activation (y_hat: the first output)
  delta1_2          dL/dz of that sample (mid-step, after the backward pass)
  w1_12, b1_2       a weight or bias now; old:, new:, change: around an update
  grad:w1_12        the gradient of the step in progress (or the update just made)
  chain:w1_12       the chain rule's factors for that sample, "(2.4664)(0.3)(0.1966)(1)"
  loss, test_loss, batch_loss, train_accuracy, test_accuracy, step, epoch, lr, epsilon,
  batch_size, weights, biases, parameters, n_train, n_test, evaluations, divergence
The sample is the diagram's (diagram-numbers.js): mid-step the batch's first row, at the
weights of that step; otherwise probe sample 0 at the current weights. After an update,
the chain is the one the update used, at the old weights.
"""

from __future__ import annotations

import math
import re

import numpy as np

from core.explain import explain_weight
from core.frame import probe
from core.network import build_network
from core.run import PHASES, Run

PARAM_PREFIXES = ("old", "new", "change", "grad", "chain")
PLACEHOLDER = re.compile(r"\{(?:(" + "|".join(PARAM_PREFIXES) + r"):)?([A-Za-z_]+)(\d*(?:_\d+(?:,\d+)?)?)\}")
SCALARS = (
    "loss",
    "test_loss",
    "batch_loss",
    "train_accuracy",
    "test_accuracy",
    "step",
    "epoch",
    "lr",
    "epsilon",
    "batch_size",
    "weights",
    "biases",
    "parameters",
    "n_train",
    "n_test",
    "evaluations",
    "divergence",
    "y_hat",
)
INDEXED = {
    "x": r"\d+",
    "t": r"\d+",
    "z": r"\d+_\d+",
    "a": r"\d+_\d+",
    "delta": r"\d+_\d+",
    "w": r"\d+_(?:\d\d|\d+,\d+)",
    "b": r"\d+_\d+",
}
MID_STEP = PHASES[:-1]  # the phases before the update: the diagram draws the batch


class TextError(ValueError):
    """A placeholder that names nothing, or a value this step's state does not have."""


def check_names(text: str) -> None:
    """Raise TextError for a placeholder that is not one of the names above."""
    for match in re.finditer(r"\{[^{}]*\}", text):
        if not _known(PLACEHOLDER.fullmatch(match.group())):
            raise TextError(f"{match.group()} is not a value a lesson can name (see app/lesson_text.py)")


def _known(m: re.Match | None) -> bool:
    if m is None:
        return False
    prefix, base, index = m.groups()
    if prefix:
        return (
            base in ("w", "b")
            and re.fullmatch(INDEXED[base], index) is not None
            and (prefix != "chain" or base == "w")
        )
    if base in SCALARS:
        return index == ""
    return base in INDEXED and re.fullmatch(INDEXED[base], index) is not None


def fill(text: str, run: Run) -> str:
    """`text` with every placeholder replaced by its value in `run`'s state."""
    values = _Values(run)
    return PLACEHOLDER.sub(lambda m: values.text(*m.groups()), text)


# --- the page's number formats (static/js/lib/format.js, formula-lines.js) ------------------


def formula_number(value: float, decimals: int = 4) -> str:
    """As a hand calculation writes it (formulaNumber): exact values as they are (0.8, 1),
    the others rounded to `decimals` digits; tiny and huge ones in exponent form."""
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 10**-decimals or magnitude >= 1e6):
        return _exponent(value, decimals - 1)
    rounded = round(value, decimals)
    if value == 0 or (rounded != 0 and abs(value - rounded) <= 1e-12 * max(1.0, magnitude)):
        return repr(float(rounded)).removesuffix(".0")
    return f"{value:.{decimals}f}"


def format_loss(value: float) -> str:
    """5 significant digits, exponent form below 1e-3 (formatLoss)."""
    if value != 0 and abs(value) < 1e-3:
        return _exponent(value, 3)
    return repr(float(f"{value:.5g}")).removesuffix(".0")


def format_percent(value: float) -> str:
    return f"{100 * value:.1f}%"


def format_count(value: int) -> str:
    return f"{value:,}"


def _exponent(value: float, digits: int) -> str:
    mantissa, exponent = f"{value:.{digits}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


# --- the values ---------------------------------------------------------------------------


class _Values:
    def __init__(self, run: Run):
        self.run = run
        self.pending = run.pending
        # The step in progress, mid-step only; and the update's (old, new) parameters, in
        # the update phase only.
        self.mid = run.pending if run.phase in MID_STEP else None
        self.update: tuple[list[np.ndarray], list[np.ndarray]] | None = None
        p = run.pending
        if run.phase == "update" and p is not None and p.old_params is not None and p.new_params is not None:
            self.update = (p.old_params, p.new_params)

    def text(self, prefix: str | None, base: str, index: str) -> str:
        run, name = self.run, f"{prefix + ':' if prefix else ''}{base}{index}"
        try:
            if prefix == "chain":
                return self.chain(index)
            if prefix:
                return formula_number(self.param(prefix, base, index))
            if base in INDEXED:
                return formula_number(self.unit_value(base, index))
            return self.scalar(base)
        except (LookupError, TypeError) as error:
            raise TextError(
                f"{{{name}}}: this step (step {run.step_count}, phase {run.phase}) "
                f"has no such value ({error})"
            ) from None

    # the sample the diagram draws
    def sample(self) -> tuple[np.ndarray, np.ndarray]:
        if self.mid:
            return self.mid.x[:1], self.mid.t[:1]
        x, t = probe(self.run)
        return x[:1], t[:1]

    def unit_value(self, base: str, index: str) -> float:
        x, t = self.sample()
        if base == "x":
            return float(x[0, int(index) - 1])
        if base == "t":
            return float(t[0, int(index) - 1])
        if base in ("w", "b"):
            return self.param(None, base, index)
        layer, unit = (int(p) for p in index.split("_"))
        if base == "delta":
            if not self.mid or self.mid.deltas is None:
                raise LookupError("dL/dz is shown mid-step, after the backward pass")
            return float(self.mid.deltas[layer - 1][0, unit - 1])
        values = self.mid.values if self.mid else self.run.network.forward(x)
        return float(getattr(values[layer - 1], base)[0, unit - 1])

    def param(self, prefix: str | None, base: str, index: str) -> float:
        layer, i, j = _param_index(base, index)
        p = self.pending
        arrays: list[np.ndarray]
        if prefix is None:
            arrays = self.run.network.arrays()
        elif prefix == "grad":
            if p is None or p.grads is None:
                raise LookupError("no gradient before the backward pass")
            arrays = p.grads
        else:
            if self.update is None:
                raise LookupError("old, new and change belong to the update phase")
            old, new = self.update
            arrays = {"old": old, "new": new, "change": [n - o for n, o in zip(new, old)]}[prefix]
        return float(
            self._array(arrays, base, layer)[i, j] if base == "w" else self._array(arrays, base, layer)[j]
        )

    def _array(self, arrays, base: str, layer: int) -> np.ndarray:
        names = self.run.param_names
        return arrays[names.index(f"{'W' if base == 'w' else 'b'}{layer}")]

    def chain(self, index: str) -> str:
        layer, i, j = _param_index("w", index)
        run = self.run
        network = run.network
        if self.update is not None:  # the update's own chain: at the weights it started from
            it = iter(self.update[0])
            network = build_network(
                run.sizes,
                run.config["activations"],
                [(next(it), next(it) if run.bias else None) for _ in run.sizes[1:]],
            )
        x, t = self.sample()
        factors = explain_weight(network, run.loss, x, t, layer, i, j)["factors"]
        return "".join(f"({formula_number(f['value'])})" for f in factors)

    def scalar(self, base: str) -> str:
        run, p = self.run, self.pending
        metrics = run.metrics()
        if base == "y_hat":
            x, _ = self.sample()
            values = self.mid.values if self.mid else run.network.forward(x)
            return formula_number(float(values[-1].a[0, 0]))
        if base in ("loss", "test_loss"):
            return format_loss(_present(metrics["loss"]["train" if base == "loss" else "test"]))
        if base in ("train_accuracy", "test_accuracy"):
            return format_percent(_present(metrics["accuracy"][base.split("_")[0]]))
        if base == "batch_loss":
            return format_loss(_present(None if p is None else p.loss))
        if base == "evaluations":
            return format_count(_present(None if p is None else p.evaluations))
        if base == "divergence":
            return _present(run.divergence)["reason"]
        counts = {
            "step": run.step_count,
            "epoch": run.batcher.epoch,
            "n_train": len(run.data.x_train),
            "n_test": len(run.data.x_test),
            "weights": sum(a.size for n, a in zip(run.param_names, run.network.arrays()) if n[0] == "W"),
            "biases": sum(a.size for n, a in zip(run.param_names, run.network.arrays()) if n[0] == "b"),
            "parameters": run.network.parameter_count(),
            "batch_size": run.config["batch"]["size"] or len(run.data.x_train),
        }
        if base in counts:
            return format_count(counts[base])
        return formula_number(
            {"lr": run.config["optimizer"]["lr"], "epsilon": run.config["gradient"]["epsilon"]}[base]
        )


def _param_index(base: str, index: str) -> tuple[int, int, int]:
    """ "1_12" -> (1, 0, 1) for w (i, j from 1, one digit each unless written "1_10,12");
    "1_2" -> (1, 0, 1) for b (j only)."""
    layer, rest = index.split("_")
    if base == "b":
        return int(layer), 0, int(rest) - 1
    i, j = rest.split(",") if "," in rest else (rest[0], rest[1:])
    return int(layer), int(i) - 1, int(j) - 1


def _present(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        raise LookupError("not there for this step")
    return value
