"""The loss landscape figure: filled contours of the loss on a slice of parameter space,
the training path projected onto it, the current parameters marked."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure

from app.figures.charts import _axes

LEVELS = 16  # contour bands: enough to read the valleys, few enough for a copier


def axis_names(result: dict) -> tuple[str, str]:
    """What alpha and beta move: the two weights, or the two random directions."""
    if result["directions"] == "weights":
        first, second = result["weights"]
        return f"change in {first}", f"change in {second}"
    return f"direction 1 (seed {result['seed']})", "direction 2"


def contour_levels(loss: np.ndarray) -> np.ndarray:
    """LEVELS + 1 level boundaries over the finite losses: spaced on a log scale when they
    span orders of magnitude (a deep valley beside a cliff), else evenly."""
    finite = loss[np.isfinite(loss)]
    low, high = float(finite.min()), float(finite.max())
    if high <= low:
        return np.array([low - 0.5, low + 0.5])  # a flat slice: one band
    if low > 0 and high / low > 100:
        return np.geomspace(low, high, LEVELS + 1)
    return np.linspace(low, high, LEVELS + 1)


def draw_landscape(figure: Figure, theme: dict, result: dict) -> None:
    """result: core.landscape.landscape's answer (loss (n, n), axis (n,), path)."""
    ax = _axes(figure, theme)
    ax.set_position((0.1, 0.14, 0.72, 0.76))  # room on the right for the colour bar's numbers
    ax.grid(False)
    loss = np.asarray(result["loss"], dtype=float)
    axis = np.asarray(result["axis"], dtype=float)
    alpha, beta = np.meshgrid(axis, axis)  # loss[i, j] is at (axis[j], axis[i])
    colours = LinearSegmentedColormap.from_list("nnplay-loss", [theme["pos"], theme["zero"], theme["neg"]])
    if np.isfinite(loss).any():
        levels = contour_levels(loss)
        masked = np.ma.masked_invalid(loss)
        filled = ax.contourf(alpha, beta, masked, levels=levels, cmap=colours, extend="neither")
        ax.contour(alpha, beta, masked, levels=levels, colors=theme["muted"], linewidths=0.4)
        colorbar = figure.colorbar(filled, cax=figure.add_axes((0.84, 0.14, 0.025, 0.76)))
        colorbar.set_label("training loss", color=theme["text"], fontsize=9)
        colorbar.ax.tick_params(colors=theme["text"], labelsize=8)
    path = result["path"]
    xs, ys = np.asarray(path["alpha"], dtype=float), np.asarray(path["beta"], dtype=float)
    ax.plot(xs, ys, color=theme["text"], linewidth=1.2, marker="o", markersize=3, label="training path")
    if len(xs) > 1:
        ax.annotate(
            f"step {path['steps'][0]}",
            (xs[0], ys[0]),
            textcoords="offset points",
            xytext=(5, 5),
            color=theme["text"],
            fontsize=8,
        )
    ax.plot(
        [0.0],
        [0.0],
        linestyle="none",
        marker="*",
        markersize=16,
        color=theme["background"],  # stands out from any band of the contours
        markeredgecolor=theme["text"],
        markeredgewidth=1.2,
        label=f"now, step {path['steps'][-1]}",
    )
    span = result["span"]
    # The path may start off the grid: keep the grid in view, and the path too.
    ax.set_xlim(min(-span, float(xs.min())), max(span, float(xs.max())))
    ax.set_ylim(min(-span, float(ys.min())), max(span, float(ys.max())))
    first, second = axis_names(result)
    ax.set_xlabel(first, color=theme["text"])
    ax.set_ylabel(second, color=theme["text"])
    ax.legend(frameon=False, labelcolor=theme["text"], fontsize=8, loc="upper right")
