"""The loss curve and the decision boundary figures."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure


def _axes(figure: Figure, theme: dict):
    ax = figure.add_axes((0.12, 0.14, 0.84, 0.76))
    ax.set_facecolor(theme["background"])
    for spine in ax.spines.values():
        spine.set_color(theme["muted"])
    ax.tick_params(colors=theme["text"], labelsize=9)
    ax.grid(True, color=theme["grid"], linewidth=0.6)
    return ax


def draw_loss(figure: Figure, theme: dict, history: dict) -> None:
    """history: the run's columns (step, train_loss, test_loss)."""
    ax = _axes(figure, theme)
    steps = history["step"]
    positive = []
    for name, colour, style in (
        ("train_loss", theme["train"], "solid"),
        ("test_loss", theme["test"], (0, (5, 3))),
    ):
        points = [(s, v) for s, v in zip(steps, history[name]) if v is not None]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, color=colour, linestyle=style, linewidth=1.8, label=name.replace("_", " "))
            positive += [v for v in ys if v > 0]
    if positive and max(positive) / max(min(positive), 1e-300) > 100:
        ax.set_yscale("log")  # losses that span orders of magnitude read better on a log axis
    ax.set_xlabel("step", color=theme["text"])
    ax.set_ylabel("loss", color=theme["text"])
    if ax.get_legend_handles_labels()[0]:
        ax.legend(frameon=False, labelcolor=theme["text"], fontsize=9)


def draw_boundary(figure: Figure, theme: dict, grid: dict, points: dict, classification: bool) -> None:
    """grid: core.grids.grid_values (output layer last); points: x (n, 2) and targets (n, k)."""
    ax = _axes(figure, theme)
    ax.grid(False)
    output = grid["layers"][-1][0]
    xs, ys = grid["x"], grid["y"]
    colours = LinearSegmentedColormap.from_list("nnplay", [theme["neg"], theme["zero"], theme["pos"]])
    if classification:
        low, high = 0.0, 1.0
    else:
        limit = float(np.nanmax(np.abs(output))) or 1.0
        low, high = -limit, limit
    image = ax.imshow(
        output,
        origin="lower",
        extent=(xs[0], xs[-1], ys[0], ys[-1]),
        cmap=colours,
        vmin=low,
        vmax=high,
        interpolation="bilinear",
        aspect="auto",
    )
    colorbar = figure.colorbar(image, ax=ax, fraction=0.05, pad=0.02)
    colorbar.ax.tick_params(colors=theme["text"], labelsize=8)
    x, t = np.asarray(points["x"]), np.asarray(points["targets"])[:, 0]
    ax.scatter(
        x[:, 0],
        x[:, 1],
        c=t,
        cmap=colours,
        vmin=low,
        vmax=high,
        s=14,
        edgecolors=theme["text"],
        linewidths=0.6,
    )
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("x1", color=theme["text"])
    ax.set_ylabel("x2", color=theme["text"])
