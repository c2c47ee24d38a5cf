"""Figure themes: the page's three plus `print` (white paper, dark ink, dashes that
survive a black-and-white copier)."""

from __future__ import annotations

THEMES = {
    "light": {
        "background": "#ffffff",
        "text": "#1d232b",
        "muted": "#5b6775",
        "grid": "#d5dae1",
        "pos": "#2166ac",
        "neg": "#b35806",
        "zero": "#e8e8e8",
        "train": "#1f6feb",
        "test": "#b35806",
    },
    "dark": {
        "background": "#182029",
        "text": "#e6e9ed",
        "muted": "#9aa7b4",
        "grid": "#2d3945",
        "pos": "#67a9cf",
        "neg": "#f1a340",
        "zero": "#3a4450",
        "train": "#58a6ff",
        "test": "#f1a340",
    },
    "projector": {
        "background": "#ffffff",
        "text": "#000000",
        "muted": "#222222",
        "grid": "#777777",
        "pos": "#0033cc",
        "neg": "#cc5500",
        "zero": "#bbbbbb",
        "train": "#0033cc",
        "test": "#cc5500",
    },
    "print": {
        "background": "#ffffff",
        "text": "#000000",
        "muted": "#333333",
        "grid": "#bbbbbb",
        "pos": "#000000",
        "neg": "#666666",
        "zero": "#dddddd",
        "train": "#000000",
        "test": "#777777",
    },
}


def mix(a: str, b: str, t: float) -> str:
    """Blend hex colour a toward b by t in [0, 1]."""
    t = min(1.0, max(0.0, t))
    ca = [int(a[i : i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))


def signed_colour(theme: dict, value: float, limit: float) -> str:
    """Diverging colour: zero -> pos for value > 0, zero -> neg for value < 0."""
    if limit <= 0 or value != value:
        return theme["zero"]
    return mix(theme["zero"], theme["pos"] if value >= 0 else theme["neg"], abs(value) / limit)
