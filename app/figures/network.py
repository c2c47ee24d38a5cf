"""The network figure: every neuron with its z and a, every weight with its value, every
bias, for the probe sample; the numbers are real text in the SVG."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Circle

from app.figures.style import signed_colour  # noqa: F401  (edges)

MAX_UNITS = 12  # a wider layer shows its first units and "+N more"
MAX_WEIGHT_LABELS = 16  # more edges than this: their values would hide each other


def draw_network(figure: Figure, theme: dict, view: dict) -> None:
    """view: {"sizes", "activations", "params": [(W, b)], "values": [(z, a)] per layer for one
    sample, "inputs": (d,), "decimals"}, and "input_names" (the features the inputs are,
    written left of them) when the network sees features of a plane."""
    ax = figure.add_axes((0.02, 0.02, 0.96, 0.9))
    ax.set_axis_off()
    sizes = view["sizes"]
    shown = [min(n, MAX_UNITS) for n in sizes]
    width, height = figure.get_size_inches() * figure.dpi
    ax.set_xlim(0, width)
    ax.set_ylim(0, height * 0.9)
    ax.set_aspect("equal")
    columns = np.linspace(0.1 * width, 0.9 * width, len(sizes))
    # Wide enough for "-0.0000" inside, unless the layers are too crowded for that.
    radius = min(
        max(24.0, 0.05 * height), 0.3 * (columns[1] - columns[0]), 0.9 * height * 0.9 / (2.4 * max(shown))
    )
    positions = []
    for count in shown:
        ys = (
            np.linspace(0.9 * height * 0.9, 0.1 * height * 0.9, count + 2)[1:-1]
            if count > 1
            else [0.45 * height]
        )
        positions.append(list(ys))
    limit = max([float(np.max(np.abs(W))) for W, _ in view["params"]] + [1e-9])
    decimals = view["decimals"]
    label_weights = sum(shown[l] * shown[l + 1] for l in range(len(sizes) - 1)) <= MAX_WEIGHT_LABELS
    gaps = [ys[0] - ys[1] for ys in positions if len(ys) > 1]
    # z above and b below a node need room between neighbours.
    label_nodes = not gaps or min(gaps) >= 3.6 * radius
    small = max(6.0, min(10.0, radius * 0.42))
    for l, (W, _b) in enumerate(view["params"]):
        for i in range(shown[l]):
            for j in range(shown[l + 1]):
                w = float(W[i, j])
                x0, y0, x1, y1 = columns[l], positions[l][i], columns[l + 1], positions[l + 1][j]
                ax.plot(
                    [x0, x1],
                    [y0, y1],
                    color=signed_colour(theme, w, limit),
                    linewidth=0.6 + 4.4 * np.sqrt(min(1.0, abs(w) / limit)),
                    linestyle=(0, (4, 2)) if w < 0 else "solid",
                    zorder=1,
                    solid_capstyle="round",
                )
                if label_weights:
                    # Labels of edges leaving one node sit at different distances, so
                    # they do not pile up where the edges fan out.
                    t = 0.5 if shown[l + 1] == 1 else 0.3 + 0.4 * j / (shown[l + 1] - 1)
                    ax.text(
                        x0 + (x1 - x0) * t,
                        y0 + (y1 - y0) * t,
                        f"{w:.{decimals}f}",
                        fontsize=small,
                        color=theme["text"],
                        ha="center",
                        va="center",
                        zorder=4,
                        bbox={
                            "boxstyle": "round,pad=0.15",
                            "fc": theme["background"],
                            "ec": "none",
                            "alpha": 0.85,
                        },
                    )
    for l, count in enumerate(shown):
        for i in range(count):
            x, y = columns[l], positions[l][i]
            if l == 0:
                value, z = float(view["inputs"][i]), None
                if view.get("input_names"):
                    ax.text(
                        x - radius * 1.2,
                        y,
                        view["input_names"][i],
                        fontsize=small,
                        ha="right",
                        va="center",
                        color=theme["text"],
                        zorder=3,
                    )
            else:
                z, value = (float(v[i]) for v in view["values"][l - 1])
            ax.add_patch(
                Circle(
                    (x, y),
                    radius,
                    facecolor=theme["background"],
                    edgecolor=theme["text"],
                    linewidth=1.2,
                    zorder=2,
                )
            )
            ax.text(
                x,
                y,
                f"{value:.{decimals}f}",
                fontsize=small,
                ha="center",
                va="center",
                color=theme["text"],
                zorder=3,
            )
            if label_nodes and z is not None and view["activations"][l - 1] != "linear":
                ax.text(
                    x,
                    y + radius * 1.35,
                    f"z={z:.{decimals}f}",
                    fontsize=small * 0.9,
                    ha="center",
                    va="center",
                    color=theme["muted"],
                    zorder=3,
                )
            if label_nodes and l > 0 and view["params"][l - 1][1] is not None:
                bias = float(view["params"][l - 1][1][i])
                ax.text(
                    x,
                    y - radius * 1.4,
                    f"b={bias:.{decimals}f}",
                    fontsize=small * 0.9,
                    ha="center",
                    va="center",
                    color=theme["muted"],
                    zorder=3,
                )
        if sizes[l] > count:
            ax.text(
                columns[l],
                0.03 * height,
                f"+{sizes[l] - count} more",
                ha="center",
                fontsize=small,
                color=theme["muted"],
            )
        name = "inputs" if l == 0 else ("output" if l == len(sizes) - 1 else f"hidden {l}")
        if l > 0:
            name += f" ({view['activations'][l - 1]})"
        ax.text(
            columns[l],
            0.9 * height * 0.97,
            name,
            ha="center",
            va="top",
            fontsize=small * 1.1,
            color=theme["muted"],
        )
