"""The curve data sets on the page: "New data" (other points, the same weights), "New weights"
(the same points, other weights) and the output plane's discretize switch."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_page import (  # noqa: E402
    WAIT_MS,
    check_labels,
    check_layout,
    open_app,
    query_of,
    ready,
    rebuilt,
    settle,
)

SINE = "data=sine&layers=2,6,1&act=tanh,sigmoid&noise=0.05"


def points(page) -> str:
    return page.evaluate("JSON.stringify(window.nnplay.topology.points.train.x)")


def params(page) -> str:
    return page.evaluate("JSON.stringify(window.nnplay.snapshot.params)")


def test_the_curve_sets_are_in_the_picker(page, server):
    open_app(page, server, SINE)
    names = page.locator("[data-testid=dataset] option").evaluate_all("(os) => os.map((o) => o.value)")
    assert {"sine", "cubic", "abs"} <= set(names)
    expect(page.locator("[data-testid=dataset]")).to_have_value("sine")
    expect(page.locator("[data-testid=dataset-description]")).to_contain_text("sine wave")


def test_new_data_changes_the_points_and_keeps_the_weights(page, server):
    sid = open_app(page, server, SINE)
    page.locator("[data-testid=step]").click()
    page.locator("[data-testid=step]").click()
    expect(page.locator("[data-testid=step-count]")).to_have_text("2")
    before_points, before_params = points(page), params(page)
    page.locator("[data-testid=new-data]").click()
    page.wait_for_function(
        "(old) => JSON.stringify(window.nnplay.topology.points.train.x) !== old", arg=before_points
    )
    ready(page)
    assert page.evaluate("window.nnplay.sessionId") == sid, "the same session goes on"
    seed = page.evaluate("window.nnplay.config.data.seed")
    assert isinstance(seed, int)
    page.wait_for_function("(s) => new URLSearchParams(location.search).get('dseed') === String(s)", arg=seed)
    assert params(page) == before_params, "the weights are untouched"
    expect(page.locator("[data-testid=step-count]")).to_have_text("2")

    # New weights now: a new session on the new points, with other weights.
    new_points = points(page)
    page.locator("[data-testid=reseed]").click()
    rebuilt(page, sid)
    assert page.evaluate("window.nnplay.config.data.seed") == seed
    assert json.loads(points(page)) == json.loads(new_points)
    assert params(page) != before_params


def test_new_weights_keep_the_points(page, server):
    sid = open_app(page, server, SINE + "&seed=5")
    before_points, before_params = points(page), params(page)
    page.locator("[data-testid=reseed]").click()
    rebuilt(page, sid)
    assert points(page) == before_points
    assert params(page) != before_params
    assert query_of(page)["dseed"] == ["5"]


def test_the_discretize_switch_draws_two_colours_and_stays_in_the_url(page, server):
    open_app(page, server, SINE)
    switch = page.locator("[data-testid=discretize]")
    expect(switch).not_to_be_checked()
    legend = page.locator("[data-testid=heatmap-legend]")
    expect(legend).to_contain_text("boundary is at 0.5")
    switch.focus()
    page.keyboard.press("Space")  # a checkbox: the keyboard works it
    expect(switch).to_be_checked()
    expect(legend).to_contain_text("split where the output is 0.5")
    expect(legend).to_contain_text("discretized")
    page.wait_for_function("() => new URLSearchParams(location.search).get('discrete') === '1'")
    # The config's own URL rewrite (a live change) keeps the option.
    page.locator("[data-testid=step]").click()
    page.reload()
    ready(page)
    expect(page.locator("[data-testid=discretize]")).to_be_checked()
    expect(legend).to_contain_text("split where the output is 0.5")
    page.locator("[data-testid=discretize]").click()
    expect(legend).to_contain_text("boundary is at 0.5")
    page.wait_for_function("() => !new URLSearchParams(location.search).has('discrete')", timeout=WAIT_MS)


def test_a_tanh_output_splits_at_0(page, server):
    open_app(page, server, "data=abs&layers=2,4,1&act=tanh,tanh&loss=mse&discrete=1")
    expect(page.locator("[data-testid=heatmap-legend]")).to_contain_text("split where the output is 0 ")


@pytest.mark.parametrize(
    "viewport,touch,name",
    [({"width": 1280, "height": 720}, False, "desktop"), ({"width": 1024, "height": 768}, True, "tablet")],
)
def test_the_new_controls_fit_and_are_labelled(open_page, server, screenshots, viewport, touch, name):
    page = open_page(viewport=viewport, has_touch=touch)
    sid = open_app(page, server, SINE + "&discrete=1")
    before = points(page)
    button = page.locator("[data-testid=new-data]")
    if touch:
        button.tap()
    else:
        button.click()
    page.wait_for_function(
        "(old) => JSON.stringify(window.nnplay.topology.points.train.x) !== old", arg=before
    )
    assert page.evaluate("window.nnplay.sessionId") == sid
    expect(button).to_have_accessible_name("New data")
    box = page.locator("[data-testid=discretize]").bounding_box()
    assert box and box["width"] > 0
    settle(page)
    check_layout(page, name)
    check_labels(page)
    page.screenshot(path=str(screenshots / f"function-data-{name}.png"))
