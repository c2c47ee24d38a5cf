"""What an exported script needs from a run, and the template that says it in a framework.

The script prints `{"train_loss": [...]}`: after each of its steps, the data loss (without
the regularization penalty) over all the training rows, as the network sees them. That is
the history's train_loss whenever the training evaluation set is every training row
(metrics.max_samples at least the rows), which it is for every data set but MNIST.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
import numpy as np

from app.version import package_version
from core.activations import get_activation
from core.batches import Batcher
from core.errors import StateError
from core.losses import get_loss
from core.run import Run

FRAMEWORKS = ("numpy", "pytorch", "keras")
MAX_STEPS = 1000
# Numbers a script embeds at most (weights, optimizer state, training rows, batch rows):
# about 1.3 MB of base64 in float64; MNIST's 60,000 rows of 784 inputs are far beyond it.
MAX_NUMBERS = 250_000
# Arrays of at most this many entries are written as literal lists, readable; bigger ones
# as a base64 block of little-endian numbers, which the script decodes.
READABLE = 64

_TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).with_name("templates")),
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # Python source, not HTML
)

# PyTorch's modules for the engine's activations (linear needs none; step is refused).
_TORCH_ACTIVATIONS = {
    "sigmoid": "nn.Sigmoid()",
    "tanh": "nn.Tanh()",
    "relu": "nn.ReLU()",
    "softmax": "nn.Softmax(dim=1)",
}


class CodeError(Exception):
    """The session cannot be written as this framework's script: `field` is what to change."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field, self.reason = field, reason


@dataclass(frozen=True)
class Layer:
    fan_in: int
    fan_out: int
    activation: str
    W: str  # source text of the weights (fan_in, fan_out)
    b: str | None  # source text of the biases (fan_out,), None without biases


def filename(framework: str, session_id: str) -> str:
    return f"nnplay-{session_id[:8]}-{framework}.py"


def script(run: Run, framework: str, steps: int, session_id: str = "") -> str:
    """The script for `framework` (one of FRAMEWORKS) that trains `steps` more steps."""
    cfg = run.config
    _check(run, framework)
    dtype = run.dtype.name
    data = run.network_data
    optimizer = cfg["optimizer"]["name"]
    state = run.optimizer.state
    slots = {key: value for key, value in state.items() if isinstance(value, list)}
    # What the script would embed, by the field that would make it smaller.
    shares = {
        "layers": sum(a.size for a in run.param_arrays())
        + sum(a.size for arrays in slots.values() for a in arrays),
        "data.name": data.x_train.size + data.y_train.size,
        "steps": rows_ahead(run, steps),
    }
    numbers = sum(shares.values())
    if numbers > MAX_NUMBERS:
        raise CodeError(
            max(shares, key=lambda field: shares[field]),
            f"the script would hold {numbers:,} numbers (weights, optimizer state, training rows "
            f"and the rows of each step); it may hold at most {MAX_NUMBERS:,}",
        )
    if framework == "keras" and slots:
        raise CodeError(
            "optimizer.name",
            f"{optimizer}'s state after {run.step_count} steps cannot be handed to a Keras optimizer "
            "portably; export with numpy or pytorch, or from a session that has not stepped",
        )
    batches = next_batches(run, steps)
    names = run.param_names
    layers = []
    arrays = iter(run.param_arrays())
    for activation in cfg["activations"]:
        W = next(arrays)
        b = next(arrays) if run.bias else None
        layers.append(
            Layer(
                W.shape[0],
                W.shape[1],
                activation,
                literal(W, dtype),
                None if b is None else literal(b, dtype),
            )
        )
    sizes = [len(rows) for rows in batches]
    flat = np.concatenate(batches) if batches else np.zeros(0, dtype=np.int64)
    context: dict[str, Any] = {
        "version": package_version(),
        "session": session_id[:8],
        "step_count": run.step_count,
        "steps": steps,
        "dtype": dtype,
        "sizes": run.sizes,
        "layers": layers,
        "bias": run.bias,
        "loss": cfg["loss"],
        "loss_formula": get_loss(cfg["loss"]).formula,
        "output": cfg["activations"][-1],
        "used": list(dict.fromkeys(cfg["activations"])),  # each activation once, in order
        # bce and cce come with their output activation (core/config.py checks it).
        "fused": get_loss(cfg["loss"]).fused_with is not None,
        "optimizer": optimizer,
        "settings": {key: cfg["optimizer"][key] for key in run.optimizer.reads},
        "t": int(state.get("t", 0)),
        "slots": {key: [literal(a, dtype) for a in arrays] for key, arrays in slots.items()},
        "param_names": names,
        "reg_kind": cfg["regularization"]["kind"],
        "reg_rate": cfg["regularization"]["rate"],
        "data_name": cfg["data"]["name"],
        "features": cfg["features"],
        "rows": len(data.x_train),
        "x_train": literal(data.x_train, dtype),
        "y_train": literal(data.y_train, dtype),
        "batch_size": cfg["batch"]["size"],
        "batch_order": cfg["batch"]["order"],
        "batch_sizes": _short(sizes),
        "batch_rows": literal(flat, "int64"),
        "torch_activations": _TORCH_ACTIVATIONS,
    }
    return _TEMPLATES.get_template(f"{framework}.py.j2").render(context)


def _check(run: Run, framework: str) -> None:
    """Refuse what the framework's script cannot do as the engine does it."""
    cfg = run.config
    if run.status == "diverged":
        # As stepping it would be (409): its next steps are not defined.
        raise StateError("the run diverged; reset it, edit the weights or lower the learning rate")
    if cfg["gradient"]["method"] != "backprop" and cfg["optimizer"]["name"] != "perceptron":
        raise CodeError(
            "gradient.method",
            "the script works out the gradient by backpropagation; set backprop to export "
            "(the numeric methods differ from it by about epsilon squared)",
        )
    if framework == "numpy":
        return
    if cfg["optimizer"]["name"] == "perceptron":
        raise CodeError(
            "optimizer.name", f"the perceptron's rule has no {framework} optimizer; export with numpy"
        )
    for index, name in enumerate(cfg["activations"]):
        if not get_activation(name).trains:
            raise CodeError(f"activations[{index}]", f"{name} has no gradient to train by; export with numpy")


def _batcher_state(run: Run) -> dict[str, Any]:
    """Where the run's next step starts in its batch order. A step in progress has drawn
    its batch already: then from before it, as finishing that step is the next one."""
    in_progress = run.pending is not None and run.phase not in (None, "update")
    if in_progress and run.pending is not None:
        return run.pending.batcher_state_as(arrays=True)
    return run.batcher.state(arrays=True)


def rows_ahead(run: Run, steps: int) -> int:
    """How many rows the next `steps` batches hold together, without drawing them (a
    shuffled pass's permutation costs a draw; only its length matters here)."""
    batcher, state = run.batcher, _batcher_state(run)
    if batcher.order == "random":
        return steps * batcher.size
    total, position, started = 0, state["position"], state["permutation"] is not None
    for _ in range(steps):
        if not started or position >= batcher.n:
            position, started = 0, True
        taken = min(batcher.size, batcher.n - position)  # a pass's last batch may be smaller
        position += taken
        total += taken
    return total


def next_batches(run: Run, steps: int) -> list[np.ndarray]:
    """The training rows of the run's next `steps` steps, drawn from a copy of its batch
    order (the run itself does not move)."""
    batcher = run.batcher
    copy = Batcher(batcher.n, run.config["batch"]["size"], batcher.order, np.random.default_rng())
    copy.load_state(_batcher_state(run))
    return [copy.next().copy() for _ in range(steps)]


def literal(array: np.ndarray, dtype: str) -> str:
    """Source text for `array` in the script: a literal list when small, else a call to the
    script's unpack() on a base64 block of its little-endian bytes."""
    values = np.asarray(array)
    if values.size <= READABLE:
        # repr of a Python float gives back the very number; a float32 one widens exactly.
        rows = values.astype(np.float64 if dtype != "int64" else np.int64).tolist()
        if values.ndim == 2 and len(rows) > 1:  # a matrix: one row per line
            text = "[\n" + "".join(f"    {row!r},\n" for row in rows) + "]"
        else:
            text = repr(rows)
        return f'np.array({text}, dtype="{dtype}")'
    raw = base64.b64encode(values.astype(np.dtype(dtype).newbyteorder("<")).tobytes()).decode("ascii")
    return f'unpack("{raw}", "{dtype}", {tuple(values.shape)!r})'


def _short(values: list[int]) -> str:
    """A list of batch sizes, written as [k] * n when they are all the same."""
    if values and all(v == values[0] for v in values):
        return f"[{values[0]}] * {len(values)}"
    return repr(values)
