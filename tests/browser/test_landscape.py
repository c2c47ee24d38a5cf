"""The loss landscape panel in a real browser (static/js/views/landscape/): computed on
demand with training paused, drawn as contours with the path and the current point.

Element contract: `[data-testid=landscape]` (a <details>) holds `landscape-directions`,
`landscape-seed`, `landscape-first`, `landscape-second`, `landscape-span`,
`landscape-resolution`, `landscape-run`, `landscape-status` and `landscape-plot` (the
Plotly chart, `aria-label` the sentence of what it shows). Screenshots at 1280x720 and on
a tablet (1024x768, touch) go to the `screenshots` directory.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_teaching_panels import open_app, open_panel  # noqa: E402


def contour_drawn(panel) -> dict:
    """What Plotly drew: the traces' kinds and the grid's size, and the contour paths."""
    return panel.locator("[data-testid=landscape-plot]").evaluate(
        "(div) => ({types: div.data.map((t) => t.type), rows: div.data[0].z.length,"
        " cols: div.data[0].z[0].length, paths: div.querySelectorAll('.contour path, g.contourlevel path').length,"
        " now: div.data[2].name})"
    )


def test_the_landscape_is_computed_on_demand_and_drawn_with_its_path(page, server, screenshots):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, server, "preset=xor")
    page.locator("[data-testid=step]").click()
    panel = open_panel(page, "landscape")
    expect(panel.locator("[data-testid=landscape-plot]")).to_be_hidden()
    panel.locator("[data-testid=landscape-resolution]").select_option("21")
    panel.locator("[data-testid=landscape-seed]").fill("3")
    panel.locator("[data-testid=landscape-run]").click()
    status = panel.locator("[data-testid=landscape-status]")
    expect(status).to_contain_text("21\u00d721 grid along two random directions (seed 3)", timeout=30_000)
    drawn = contour_drawn(panel)
    assert drawn["types"] == ["contour", "scatter", "scatter"]
    assert (drawn["rows"], drawn["cols"]) == (21, 21)
    assert drawn["paths"] > 0
    step = page.evaluate("window.nnplay.snapshot.step")
    assert drawn["now"] == f"now, step {step}"
    assert page.evaluate("window.nnplay.snapshot.playing") is False
    plot = panel.locator("[data-testid=landscape-plot]")
    assert "grid along two random directions" in plot.get_attribute("aria-label")
    box = plot.bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "landscape-1280x720.png"))

    # Two weights, chosen with the keyboard alone.
    panel.locator("[data-testid=landscape-directions]").focus()
    page.keyboard.press("ArrowDown")  # "two weights"
    expect(panel.locator("[data-testid=landscape-first]")).to_be_visible()
    expect(panel.locator("[data-testid=landscape-seed]")).to_be_hidden()
    panel.locator("[data-testid=landscape-second]").fill("b1[0]")
    panel.locator("[data-testid=landscape-second]").press("Enter")  # submits the form
    expect(status).to_contain_text("along W1[0,0] and b1[0]", timeout=30_000)
    titles = plot.evaluate("(div) => [div.layout.xaxis.title.text, div.layout.yaxis.title.text]")
    assert titles == ["change in W1[0,0]", "change in b1[0]"]


def test_a_bad_weight_is_refused_in_words_and_on_a_tablet_the_panel_fits(
    open_page, server, screenshots, allow_console
):
    allow_console(r"status of 422", "the server refuses a weight the network does not have")
    page = open_page(viewport={"width": 1024, "height": 768}, has_touch=True)
    open_app(page, server, "preset=xor")
    panel = page.locator("[data-testid=landscape]")
    panel.locator("summary").tap()
    expect(panel).to_have_js_property("open", True)
    panel.locator("[data-testid=landscape-directions]").select_option("weights")
    panel.locator("[data-testid=landscape-first]").fill("W9[0,0]")
    panel.locator("[data-testid=landscape-run]").tap()
    status = panel.locator("[data-testid=landscape-status]")
    expect(status).to_contain_text("this network has no W9", timeout=30_000)
    panel.locator("[data-testid=landscape-first]").fill("W1[0,0]")
    panel.locator("[data-testid=landscape-run]").tap()
    expect(status).to_contain_text("grid along W1[0,0] and W1[1,0]", timeout=30_000)
    plot = panel.locator("[data-testid=landscape-plot]").bounding_box()
    assert plot["x"] >= 0 and plot["x"] + plot["width"] <= 1024  # no sideways scrolling
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "landscape-tablet.png"))
