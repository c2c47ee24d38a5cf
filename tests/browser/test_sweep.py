"""The sweep panel in a real browser (static/js/views/sweep/): a sweep runs in the
background, the socket moves its progress bar, the plot shows final loss against the
value, and each variant opens as a twin (the compare view's `b.` address).

Element contract: `[data-testid=sweep]` (a <details>) holds `sweep-field`, `sweep-mode`,
`sweep-from`, `sweep-to`, `sweep-count`, `sweep-values`, `sweep-steps`, `sweep-run`,
`sweep-stop`, `sweep-progress`, `sweep-status`, `sweep-plot` (the Plotly chart,
`aria-label` its sentence) and `sweep-table` with a `sweep-row` per variant (data-value)
and its `sweep-twin` link. Screenshots at 1280x720 and on a tablet (1024x768, touch) go
to the `screenshots` directory.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_teaching_panels import open_app, open_panel  # noqa: E402


def drawn(panel) -> dict:
    """What Plotly drew: each trace's name and x values, and the x axis's type."""
    return panel.locator("[data-testid=sweep-plot]").evaluate(
        "(div) => ({traces: div.data.map((t) => [t.name, t.x]), xtype: div._fullLayout.xaxis.type})"
    )


def test_the_learning_rate_sweep_plots_loss_against_the_rate_and_opens_twins(page, server, screenshots):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, server, "preset=xor&lr=0.03")
    panel = open_panel(page, "sweep")
    # The classic plot is what the panel starts with: 8 rates from 0.001 to 1, log scale.
    assert panel.locator("[data-testid=sweep-field]").input_value() == "optimizer.lr"
    assert panel.locator("[data-testid=sweep-mode]").input_value() == "log"
    assert panel.locator("[data-testid=sweep-count]").input_value() == "8"
    assert "batch.size" in panel.locator("[data-testid=sweep-field] option").all_inner_texts()
    panel.locator("[data-testid=sweep-steps]").fill("200")
    panel.locator("[data-testid=sweep-run]").click()
    status = panel.locator("[data-testid=sweep-status]")
    expect(status).to_contain_text("Final loss after a sweep of optimizer.lr at 8 values", timeout=60_000)
    progress = panel.locator("[data-testid=sweep-progress]")
    assert progress.evaluate("(p) => [p.value, p.max]") == [1600, 1600]
    plot = drawn(panel)
    assert [name for name, _ in plot["traces"]] == ["train loss", "test loss", "diverged"]
    assert plot["traces"][0][1] == [0.001, 0.00268, 0.0072, 0.0193, 0.0518, 0.139, 0.373, 1]
    assert plot["xtype"] == "log"
    rows = panel.locator("[data-testid=sweep-row]")
    expect(rows).to_have_count(8)
    box = panel.locator("[data-testid=sweep-plot]").bounding_box()
    assert box["width"] > 300 and box["height"] > 150
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "sweep-1280x720.png"))

    # Each variant is a link to the twin: the same address, its rate under b.lr; the
    # keyboard reaches it.
    link = rows.nth(6).locator("[data-testid=sweep-twin]")
    query = parse_qs(urlsplit(link.get_attribute("href")).query)
    assert query["lr"] == ["0.03"] and query["b.lr"] == ["0.373"] and query["preset"] == ["xor"]
    link.focus()
    assert page.evaluate("document.activeElement.dataset.testid") == "sweep-twin"


def test_on_a_tablet_a_list_sweep_fits_and_its_rows_are_tapped_open(open_page, server, screenshots):
    page = open_page(viewport={"width": 1024, "height": 768}, has_touch=True)
    open_app(page, server, "preset=xor")
    panel = page.locator("[data-testid=sweep]")
    panel.locator("summary").tap()
    expect(panel).to_have_js_property("open", True)
    panel.locator("[data-testid=sweep-field]").select_option("batch.size")
    expect(panel.locator("[data-testid=sweep-values]")).to_be_visible()
    expect(panel.locator("[data-testid=sweep-from]")).to_be_hidden()
    panel.locator("[data-testid=sweep-values]").fill("1, 10, full")
    panel.locator("[data-testid=sweep-steps]").fill("100")
    panel.locator("[data-testid=sweep-run]").tap()
    status = panel.locator("[data-testid=sweep-status]")
    expect(status).to_contain_text("batch.size at 3 values", timeout=60_000)
    expect(status).to_contain_text("Final loss", timeout=60_000)
    plot = drawn(panel)
    assert plot["traces"][0][1] == ["1", "10", "full"] and plot["xtype"] == "category"
    for locator in ("[data-testid=sweep-plot]", "[data-testid=sweep-table]"):
        box = panel.locator(locator).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1024  # no sideways scrolling
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "sweep-tablet.png"))
    panel.locator("[data-testid=sweep-row][data-value=full] [data-testid=sweep-twin]").tap()
    page.wait_for_url("**b.batch=full**")
    expect(page.locator("[data-testid=compare-view]")).to_be_visible(timeout=30_000)  # the run and its twin
