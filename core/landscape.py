"""The loss landscape: the training loss on a 2-D slice of parameter space through the
current parameters, with the training path projected onto it.

The plane is theta(alpha, beta) = theta0 + alpha * d1 + beta * d2 for two directions d1, d2
(lists of arrays shaped like the parameters), either
- two named weights ("W1[0,2]", "b2[0]"): unit vectors along those parameters, so a grid
  point is the loss with those two weights changed by alpha and beta; or
- two random directions from a seed, filter-normalized as in Li et al. 2018 ("Visualizing
  the Loss Landscape of Neural Nets"): each unit's incoming weights (a column of W, since
  z = a @ W) get a Gaussian direction scaled to that column's norm, so a step of 1 moves
  every unit by as much as its own weights' size; bias directions are zero (the paper
  leaves biases out too), so the slice moves weights only.

The loss is the run's data loss on its training evaluation set (Run.evaluation_set),
the formula the metrics use: the grid's centre is the current training loss, bit for bit.

The path: the history keeps no parameters, so the path is made of the time-travel
checkpoints' parameters (core/timeline.py), each projected onto the plane by least
squares (the point of the plane nearest to it), then the current parameters, at the
origin. Parameters far off the plane project near where they are closest, not where
they are: `residual` says how far off each one is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from core.errors import ConfigError
from core.network import LayerValues

if TYPE_CHECKING:
    from core.run import Run

MIN_RESOLUTION, MAX_RESOLUTION = 3, 101  # grid points a side, odd, so (0, 0) is on the grid
MAX_SPAN = 1e3  # |span| in direction units
# Multiply-adds a landscape may take (grid points x rows x multiply-adds a row): a
# 2-8-8-1 network on xor at 41x41 is about 0.6 million, MNIST at 81x81 about 10^12.
DEFAULT_MAX_WORK = 300_000_000
# Grid points a batch stacks: about this many activations a layer at once. Small enough
# to stay in the cache (2 million took twice as long in bench/landscape_speed.py).
BATCH_NUMBERS = 200_000

_WEIGHT = re.compile(r"^([Wb])(\d+)\[(\d+)(?:,(\d+))?\]$")

Arrays = list[np.ndarray]


def split_weights(text: str) -> list[str]:
    """ "W1[0,2],b2[0]" -> ["W1[0,2]", "b2[0]"]: split at the commas outside brackets."""
    return [part.strip() for part in re.split(r",(?![^\[]*\])", text) if part.strip()]


def parse_weight(name: str, run: Run, field: str = "weights") -> tuple[int, tuple[int, ...]]:
    """ "W1[0,2]" or "b2[0]" -> (index into run.param_arrays(), index in that array);
    ConfigError naming `field` when there is no such parameter."""
    match = _WEIGHT.match(name.replace(" ", ""))
    if match is None:
        raise ConfigError(field, f"{name!r} is not a weight like W1[0,2] or a bias like b2[0]")
    kind, layer, i, j = match.groups()
    names = run.param_names
    array_name = f"{kind}{layer}"
    if array_name not in names:
        raise ConfigError(field, f"{name!r}: this network has no {array_name} (it has {', '.join(names)})")
    position = names.index(array_name)
    shape = run.param_arrays()[position].shape
    index = tuple(int(v) for v in (i, j) if v is not None)
    if len(index) != len(shape) or any(k >= s for k, s in zip(index, shape)):
        wanted = "[i,j]" if len(shape) == 2 else "[j]"
        raise ConfigError(field, f"{name!r} is outside {array_name}{wanted}, of shape {list(shape)}")
    return position, index


def weight_directions(run: Run, names: Sequence[str]) -> tuple[Arrays, Arrays]:
    """Unit vectors along two named parameters (distinct); each a list of arrays shaped
    like the parameters."""
    if len(names) != 2:
        raise ConfigError("weights", f"name two parameters, got {len(names)}")
    picks = [parse_weight(name, run) for name in names]
    if picks[0] == picks[1]:
        raise ConfigError("weights", "name two different parameters")
    params = run.param_arrays()
    out = []
    for position, index in picks:
        direction = [np.zeros_like(p) for p in params]
        direction[position][index] = 1.0
        out.append(direction)
    return out[0], out[1]


def filter_normalized(params: Arrays, names: Sequence[str], rng: np.random.Generator) -> Arrays:
    """A Gaussian direction with each weight column (one unit's incoming weights, fan_in)
    scaled to that column's norm in `params`; zero for the biases."""
    out = []
    for name, array in zip(names, params):
        if name[0] != "W":
            out.append(np.zeros_like(array))
            continue
        d = rng.standard_normal(array.shape)
        d_norm = np.linalg.norm(d, axis=0)
        w_norm = np.linalg.norm(array, axis=0)
        scale = np.divide(w_norm, d_norm, out=np.zeros_like(w_norm, dtype=float), where=d_norm > 0)
        out.append((d * scale).astype(array.dtype))
    return out


def random_directions(run: Run, seed: int) -> tuple[Arrays, Arrays]:
    """Two filter-normalized random directions; the same seed gives the same ones."""
    rng = np.random.default_rng(seed)
    params, names = run.param_arrays(), run.param_names
    return filter_normalized(params, names, rng), filter_normalized(params, names, rng)


def work(run: Run, resolution: int) -> int:
    """Multiply-adds of a landscape: grid points x rows x the network's multiply-adds a row."""
    rows = len(run.evaluation_set("train")[0])
    return resolution * resolution * rows * sum(a * b for a, b in zip(run.sizes, run.sizes[1:]))


def grid_losses(
    run: Run,
    d1: Arrays,
    d2: Arrays,
    axis: np.ndarray,
    should_stop: Callable[[], bool] | None = None,
) -> tuple[np.ndarray, int]:
    """The data loss at theta0 + axis[i] * d2 + axis[j] * d1 for every (i, j): an array
    (n, n), n = len(axis), row i along d2 (beta), column j along d1 (alpha); NaN where not
    finite or not worked out. Grid points are evaluated in batches, one forward pass per
    layer per batch on stacked parameters (B, fan_in, fan_out); `should_stop()` is asked
    between batches. -> (losses, points worked out, in row order)."""
    x, y, _ = run.evaluation_set("train")
    layers = run.network.layers
    loss = run.loss
    n = len(axis)
    alphas = np.tile(axis, n)  # row-major: point k = (i, j) with i = k // n, j = k % n
    betas = np.repeat(axis, n)
    widest = max(run.sizes)
    batch = max(1, BATCH_NUMBERS // max(1, len(x) * widest))
    losses = np.full(n * n, np.nan)
    done = 0
    with np.errstate(all="ignore"):
        while done < n * n:
            if should_stop is not None and should_stop():
                break
            a_, b_ = alphas[done : done + batch], betas[done : done + batch]
            count = len(a_)
            a = np.broadcast_to(x, (count, *x.shape))
            last = None
            for index, layer in enumerate(layers):
                w_pos, b_pos = _positions(run, index)
                W = _shifted(layer.W, d1[w_pos], d2[w_pos], a_, b_)
                z = a @ W
                if layer.b is not None:
                    z += _shifted(layer.b, d1[b_pos], d2[b_pos], a_, b_)[:, None, :]
                flat = z.reshape(-1, z.shape[-1])  # rows of every point: any activation will do
                if layer.activation.gives_log:
                    out, log = layer.activation.forward_with_log(flat)
                    a = out.reshape(z.shape)
                    logs = None if log is None else log.reshape(z.shape)
                else:
                    a, logs = layer.activation.forward(flat).reshape(z.shape), None
                last = (z, a, logs)
            assert last is not None
            z, a, logs = last
            for k in range(count):
                value = loss.value_of(LayerValues(z[k], a[k], None if logs is None else logs[k]), y)
                losses[done + k] = value if np.isfinite(value) else np.nan
            done += count
    return losses.reshape(n, n), done


def _positions(run: Run, layer_index: int) -> tuple[int, int]:
    """Where layer `layer_index` (from 0)'s W and b sit in run.param_arrays()."""
    names = run.param_names
    number = layer_index + 1
    w = names.index(f"W{number}")
    return w, (names.index(f"b{number}") if f"b{number}" in names else -1)


def _shifted(
    array: np.ndarray, d1: np.ndarray, d2: np.ndarray, alphas: np.ndarray, betas: np.ndarray
) -> np.ndarray:
    """array + alpha * d1 + beta * d2 for each (alpha, beta): (B, *array.shape)."""
    shape = (-1,) + (1,) * array.ndim
    return (array + alphas.reshape(shape) * d1 + betas.reshape(shape) * d2).astype(array.dtype, copy=False)


def project(
    points: Sequence[Arrays], center: Arrays, d1: Arrays, d2: Arrays
) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares coordinates (alpha, beta) of each parameter set on the plane through
    `center` spanned by d1, d2 -> (coords (m, 2), residual (m,): the distance from each
    point to its projection)."""
    basis = np.stack([_flat(d1), _flat(d2)], axis=1)  # (P, 2)
    offsets = (
        np.stack([_flat(p) - _flat(center) for p in points], axis=1) if points else np.zeros((len(basis), 0))
    )
    coords, *_ = np.linalg.lstsq(basis, offsets, rcond=None)
    residual = np.linalg.norm(offsets - basis @ coords, axis=0)
    return coords.T, residual


def _flat(arrays: Arrays) -> np.ndarray:
    return np.concatenate([a.reshape(-1) for a in arrays]).astype(np.float64)


def landscape(
    run: Run,
    directions: str = "random",
    seed: int = 0,
    weights: Sequence[str] = (),
    span: float = 1.0,
    resolution: int = 21,
    path: Sequence[tuple[int, Arrays]] = (),
    max_work: int = DEFAULT_MAX_WORK,
    should_stop: Callable[[], bool] | None = None,
) -> dict[str, Any]:
    """The loss on the n x n grid (n = resolution) alpha, beta in [-span, span] around the
    current parameters. `path`: (step, parameter arrays) of earlier states, in step order.

    -> {"directions", "seed" (random) or "weights" (weights), "span", "resolution",
    "axis" (n,) (the same for alpha and beta), "loss" (n, n): row i is beta = axis[i],
    column j alpha = axis[j], NaN where not finite or not worked out, "center_loss",
    "points" (grid points worked out, row by row), "path": {"steps" (m,), "alpha" (m,),
    "beta" (m,), "residual" (m,)} ending at the current step at (0, 0), "work"}.
    """
    if directions not in ("random", "weights"):
        raise ConfigError("directions", f"must be random or weights, got {directions!r}")
    if not (
        isinstance(resolution, int) and MIN_RESOLUTION <= resolution <= MAX_RESOLUTION and resolution % 2
    ):
        raise ConfigError(
            "resolution", f"must be an odd number from {MIN_RESOLUTION} to {MAX_RESOLUTION}, got {resolution}"
        )
    if not (np.isfinite(span) and 0 < span <= MAX_SPAN):
        raise ConfigError("span", f"must be in (0, {MAX_SPAN:g}], got {span}")
    cost = work(run, resolution)
    if cost > max_work:
        raise ConfigError(
            "resolution",
            f"a {resolution}x{resolution} slice of this network on its {len(run.evaluation_set('train')[0])} "
            f"training rows takes {cost:,} multiply-adds, more than the {max_work:,} allowed "
            f"(NNPLAY_LANDSCAPE_MAX_WORK); ask for a lower resolution",
        )
    if directions == "weights":
        d1, d2 = weight_directions(run, weights)
    else:
        d1, d2 = random_directions(run, seed)
    axis = np.linspace(-span, span, resolution)
    axis[resolution // 2] = 0.0  # exactly: the centre is the current parameters
    losses, points = grid_losses(run, d1, d2, axis, should_stop)
    center = run.param_arrays()
    steps = [step for step, _ in path if step < run.step_count] + [run.step_count]
    earlier = [params for step, params in path if step < run.step_count]
    coords, residual = project([*earlier, center], center, d1, d2)
    coords[-1] = 0.0  # the current parameters are the origin (lstsq may leave a 1e-17)
    out: dict[str, Any] = {
        "directions": directions,
        "span": float(span),
        "resolution": resolution,
        "axis": axis,
        "loss": losses,
        "center_loss": losses[resolution // 2, resolution // 2],
        "points": points,
        "path": {"steps": steps, "alpha": coords[:, 0], "beta": coords[:, 1], "residual": residual},
        "work": cost,
    }
    if directions == "random":
        out["seed"] = seed
    else:
        out["weights"] = list(weights)
    return out


def checkpoint_path(checkpoints: Sequence[Any], bias: bool) -> list[tuple[int, Arrays]]:
    """(step, parameter arrays in run.param_arrays() order) of each time-travel checkpoint
    (core.timeline.Checkpoint), in step order."""
    out = []
    for checkpoint in checkpoints:
        layers = checkpoint.doc()["params"]
        arrays: Arrays = []
        for layer in layers:
            arrays.append(np.asarray(layer["W"]))
            if bias:
                arrays.append(np.asarray(layer["b"]))
        out.append((checkpoint.step, arrays))
    return out
