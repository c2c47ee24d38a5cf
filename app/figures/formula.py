"""The formula figure: a neuron's or a weight's arithmetic with the numbers substituted."""

from __future__ import annotations

from matplotlib.figure import Figure


def neuron_lines(info: dict, decimals: int) -> list[str]:
    def f(v: float) -> str:
        return f"{v:.{decimals}f}"

    symbolic = " + ".join(f"{t['input']}·{t['weight']}" for t in info["terms"])
    numeric = " + ".join(f"{f(t['input_value'])}·{f(t['weight_value'])}" for t in info["terms"])
    if info["bias"] is not None:
        symbolic += f" + {info['bias']['symbol']}"
        numeric += f" + {f(info['bias']['value'])}"
    lines = [f"{info['z_symbol']} = {symbolic}", f"    = {numeric} = {f(info['z'])}"]
    if info["activation"] != "linear":
        lines.append(f"{info['a_symbol']} = {info['activation']}({f(info['z'])}) = {f(info['a'])}")
    return lines


def weight_lines(info: dict, decimals: int) -> list[str]:
    def f(v: float) -> str:
        return f"{v:.{decimals}f}"

    factors = info["factors"]
    symbolic = " · ".join(factor["symbol"] for factor in factors)
    numeric = "".join(f"({f(factor['value'])})" for factor in factors)
    lines = [f"dL/d{info['weight']} = {symbolic}", f"    = {numeric} = {f(info['product'])}"]
    if info.get("shortcut"):
        lines.append(f"({info['shortcut']})")
    return lines


def draw_formula(figure: Figure, theme: dict, lines: list[str], title: str) -> None:
    figure.text(0.04, 0.9, title, fontsize=13, color=theme["muted"], va="top")
    # A monospace glyph is about 0.6 em wide; 1 pt is dpi/72 px. Fit the longest line.
    width_px = figure.get_size_inches()[0] * figure.dpi
    longest = max(len(line) for line in lines)
    size = max(6.0, min(16.0, 0.9 * width_px / (0.6 * longest * figure.dpi / 72)))
    for index, line in enumerate(lines):
        figure.text(
            0.04,
            0.72 - index * 0.18,
            line,
            fontsize=size,
            color=theme["text"],
            va="top",
            family="DejaVu Sans Mono",
        )
