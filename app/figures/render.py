"""Turning a matplotlib Figure into bytes that are the same every time.

No pyplot (global state, not thread-safe): each figure owns its canvas. Dates, software
versions and random ids are kept out of the files; the provenance (config, seed, step)
goes into the metadata so a handout's figure can be regenerated.
"""

from __future__ import annotations

import contextlib
import io
import json
import threading

import matplotlib

matplotlib.use("Agg")  # no display; must precede any backend import
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.backends.backend_svg import FigureCanvasSVG  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

DPI = 100
# Matplotlib keeps settings process-wide; rendering one figure at a time keeps them ours.
_LOCK = threading.Lock()
RC = {
    "svg.hashsalt": "nnplay",  # stable ids in the SVG
    "svg.fonttype": "none",  # real <text> elements: numbers stay searchable text
    "font.family": "DejaVu Sans",  # shipped with matplotlib: the same glyphs everywhere
    "path.simplify": False,
}


@contextlib.contextmanager
def drawing():
    """Hold while building and saving a figure: fonts and settings are resolved as the
    artists are made, so both must happen under our settings, one figure at a time."""
    with _LOCK, matplotlib.rc_context(RC):
        yield


def new_figure(width: int, height: int, background: str) -> Figure:
    return Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor=background)


def to_bytes(figure: Figure, fmt: str, provenance: dict) -> bytes:
    """Call inside `drawing()`."""
    description = json.dumps(provenance, sort_keys=True, separators=(",", ":"))
    buffer = io.BytesIO()
    if fmt == "svg":
        FigureCanvasSVG(figure)
        figure.savefig(
            buffer,
            format="svg",
            facecolor=figure.get_facecolor(),
            metadata={
                "Date": None,
                "Creator": "nnplay",
                "Title": provenance["title"],
                "Description": description,
            },
        )
    else:
        FigureCanvasAgg(figure)
        figure.savefig(
            buffer,
            format="png",
            dpi=DPI,
            facecolor=figure.get_facecolor(),
            metadata={"Software": "nnplay", "Title": provenance["title"], "Description": description},
        )
    return buffer.getvalue()
