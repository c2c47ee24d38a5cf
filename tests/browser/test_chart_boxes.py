"""The Plotly charts follow their boxes (static/js/views/charts/chart-fit.js): after the
window changes size, each chart is drawn exactly as wide as its box and no chart reaches
into the next one's heading."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from tests.browser.test_page import open_app, settle  # noqa: E402

# Each shown chart: its box, its drawn SVG, and the top of what follows it in the panel.
CHART_BOXES = """() => [...document.querySelectorAll('#output-panel .out-slot:not([hidden]) .chart')].map((div) => {
    const box = div.getBoundingClientRect();
    const drawn = div.querySelector('.main-svg')?.getBoundingClientRect();
    const next = div.closest('.out-slot').nextElementSibling;
    const below = next && !next.hidden ? next.getBoundingClientRect().top : null;
    return { id: div.dataset.testid, box: [box.left, box.right, box.bottom],
             drawn: drawn ? [drawn.left, drawn.right, drawn.bottom] : null, below };
})"""


def test_charts_follow_their_boxes_when_the_window_resizes(page, server):
    open_app(page, server, "preset=xor")
    page.evaluate("window.nnplay.send({type: 'step', steps: 20})")
    page.wait_for_function("() => document.querySelectorAll('#output-panel .chart .main-svg').length >= 3")
    for width, height in ((1024, 768), (1600, 900), (1280, 720)):
        page.set_viewport_size({"width": width, "height": height})
        settle(page)
        charts = page.evaluate(CHART_BOXES)
        assert len(charts) >= 3, charts
        for chart in charts:
            where = f"{chart['id']} at {width}x{height}"
            assert chart["drawn"] is not None, where
            left, right, bottom = chart["box"]
            d_left, d_right, d_bottom = chart["drawn"]
            assert abs(d_left - left) <= 1 and abs(d_right - right) <= 1, (
                f"{where}: drawn {chart['drawn']}, box {chart['box']}"
            )
            assert d_bottom <= bottom + 1, f"{where}: the chart overflows its box ({d_bottom} > {bottom})"
            if chart["below"] is not None:
                assert d_bottom <= chart["below"] + 1, f"{where}: the chart covers the next heading"
