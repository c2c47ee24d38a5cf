"""The feature switches and the diagram's input nodes: each feature the network sees is an
input node named by it, with its thumbnail; a switch (click, tap or keyboard) rebuilds the
network with one input per feature on; the URL carries them; the circle is learned with no
hidden layer from x1^2 and x2^2."""

import re

from playwright.sync_api import expect

from tests.browser.test_draw_data import CIRCLE, screen_of, start_editing, wait_rows
from tests.browser.test_page import WAIT_MS, open_app, ready, rebuilt, session_id, settle

SQUARES = "preset=circle&feat=x1%5E2,x2%5E2&layers=2,1&act=sigmoid&lr=0.3"


def input_nodes(page) -> list[dict]:
    """The diagram's input column: each node's accessible name and its thumbnail's image."""
    return page.evaluate(
        """() => [...document.querySelectorAll('#diagram [data-testid^="node-0-"]')].map((node, i) => {
            const thumb = document.querySelector(`[data-testid="input-feature-${i}"]`);
            return { name: node.getAttribute('aria-label').split(',')[0],
                     feature: thumb?.dataset.feature ?? null,
                     image: thumb?.querySelector('image')?.getAttribute('href') ?? null };
        })"""
    )


def thumbnails_painted(page, count: int) -> None:
    page.wait_for_function(
        """(count) => {
            const images = [...document.querySelectorAll('#diagram .input-thumb')];
            return images.length === count && images.every((i) => (i.getAttribute('href') ?? '').startsWith('data:image/png'));
        }""",
        arg=count,
        timeout=WAIT_MS,
    )


def switch(page, name: str):
    return page.locator(f'[data-testid="feature-{name}"] input')


def test_the_inputs_are_the_features_and_a_click_switches_one_on(page, server, screenshots):
    page.set_viewport_size({"width": 1280, "height": 720})
    old = open_app(page, server, "preset=xor")
    thumbnails_painted(page, 2)
    nodes = input_nodes(page)
    assert [n["name"] for n in nodes] == ["input x1", "input x2"]
    assert [n["feature"] for n in nodes] == ["x1", "x2"]
    # Every feature of the server's table has a switch, the network's own ones on.
    names = page.evaluate(
        "[...document.querySelectorAll('[data-testid=features] input')].map((i) => [i.dataset.feature, i.checked])"
    )
    assert names == [
        ["x1", True],
        ["x2", True],
        ["x1^2", False],
        ["x2^2", False],
        ["x1*x2", False],
        ["sin(x1)", False],
        ["sin(x2)", False],
    ]
    # The switches sit left of the input column, clear of it.
    switches = page.locator("[data-testid=features]").bounding_box()
    first = page.locator('[data-testid="input-feature-0"]').bounding_box()
    assert switches["x"] + switches["width"] <= first["x"] + 1
    settle(page)
    page.locator("#network-panel").screenshot(path=str(screenshots / "features-xor.png"))

    switch(page, "x1^2").click()
    rebuilt(page, old)
    thumbnails_painted(page, 3)
    assert page.evaluate("window.nnplay.config.features") == ["x1", "x2", "x1^2"]
    assert page.evaluate("window.nnplay.config.layers")[0] == 3
    nodes = input_nodes(page)
    assert [n["name"] for n in nodes] == ["input x1", "input x2", "input x1^2"]
    assert len({n["image"] for n in nodes}) == 3  # each input its own picture
    assert "feat=x1,x2,x1%5E2" in page.url or "feat=x1%2Cx2%2Cx1%5E2" in page.url
    expect(switch(page, "x1^2")).to_be_checked()
    settle(page)
    page.locator("#network-panel").screenshot(path=str(screenshots / "features-x1-x2-x1sq.png"))
    page.screenshot(path=str(screenshots / "features-1280.png"))


def test_the_keyboard_switches_a_feature_off_and_the_last_one_stays(page, server):
    old = open_app(page, server, SQUARES)
    thumbnails_painted(page, 2)
    assert [n["name"] for n in input_nodes(page)] == ["input x1^2", "input x2^2"]
    switch(page, "x2^2").focus()
    page.keyboard.press("Space")
    old = rebuilt(page, old)
    assert page.evaluate("window.nnplay.config.features") == ["x1^2"]
    assert page.evaluate("window.nnplay.config.layers") == [1, 1]
    thumbnails_painted(page, 1)
    # x1^2 is now the only input: switching it off is refused, the network stays.
    only = switch(page, "x1^2")
    only.focus()
    page.keyboard.press("Space")
    expect(only).to_be_checked()
    expect(page.locator("#alert, .notice, [role=status]").filter(has_text="only input").first).to_be_visible()
    assert session_id(page) == old
    # Tab reaches the next switch, which Space turns on.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.feature") == "x2^2"
    page.keyboard.press("Space")
    rebuilt(page, old)
    assert page.evaluate("window.nnplay.config.features") == ["x1^2", "x2^2"]


def test_a_tap_on_a_tablet_switches_a_feature(open_page, server, screenshots):
    page = open_page(viewport={"width": 1024, "height": 768}, has_touch=True)
    old = open_app(page, server, "preset=circle")
    thumbnails_painted(page, 2)
    target = page.locator('[data-testid="feature-x1*x2"]')
    box = target.bounding_box()
    assert box["height"] >= 24  # a finger's target
    target.tap()
    rebuilt(page, old)
    thumbnails_painted(page, 3)
    assert page.evaluate("window.nnplay.config.features") == ["x1", "x2", "x1*x2"]
    settle(page)
    page.screenshot(path=str(screenshots / "features-tablet.png"))


def test_the_circle_is_learned_with_no_hidden_layer_from_the_squares(page, server, screenshots):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, server, SQUARES)
    page.evaluate("window.nnplay.send({type: 'step', steps: 300})")
    page.wait_for_function(
        "() => window.nnplay.snapshot.step >= 300 && window.nnplay.snapshot.accuracy.test >= 0.95",
        timeout=WAIT_MS,
    )
    # The formula panel names an input by its feature.
    page.locator('[data-testid="node-0-1"]').click()
    expect(page.locator("[data-testid=formula]")).to_contain_text("x\u2082\u00b2")
    # The switches' column fits beside the short network, above what follows it.
    switches = page.locator("[data-testid=features]").bounding_box()
    diagram = page.locator("#diagram svg").bounding_box()
    assert switches["y"] + switches["height"] <= diagram["y"] + diagram["height"]
    settle(page)
    page.locator("#network-panel").screenshot(path=str(screenshots / "features-circle-2-1.png"))


def test_other_data_hides_the_switches(page, server):
    open_app(page, server, "preset=two-layer-digits")
    ready(page)
    expect(page.locator("#features")).to_be_hidden()
    assert input_nodes(page)[0]["name"] == "input x1" and input_nodes(page)[0]["feature"] is None


def test_points_drawn_on_the_plane_offer_the_switches_and_take_a_feature(page, server, screenshots):
    """Drawn points are the student's own plane: the switches stay, a feature switched on
    is an input node with its thumbnail, and more points drawn then are still the plane's."""
    page.set_viewport_size({"width": 1280, "height": 720})
    open_app(page, server, CIRCLE)
    expect(page.locator("[data-testid=new-data]")).to_be_enabled()  # the circle's points are drawn at random
    expect(page.locator("[data-testid=new-data-why]")).to_be_hidden()
    start_editing(page)
    page.locator("[data-testid=edit-class-1]").check()
    rows = len(page.evaluate("window.nnplay.topology.points.train.x"))
    page.mouse.click(*screen_of(page, 4.5, -4.5))
    wait_rows(page, rows + 1)
    assert page.evaluate("window.nnplay.topology.dataset.name") == "inline"  # the drawn rows
    expect(page.locator("[data-testid=features]")).to_be_visible()
    # Drawn rows are used as given: no data seed changes them, and the page says so.
    expect(page.locator("[data-testid=new-data]")).to_be_disabled()
    expect(page.locator("[data-testid=new-data]")).to_have_attribute(
        "title", re.compile("would change nothing")
    )
    # In words beside it too, for keyboard and touch (a disabled button takes no focus).
    why = page.locator("[data-testid=new-data-why]")
    expect(why).to_be_visible()
    expect(why).to_have_text(page.locator("[data-testid=new-data]").get_attribute("title"))
    why.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "new-data-why-1280.png"))

    old = session_id(page)
    switch(page, "x1^2").click()
    rebuilt(page, old)
    thumbnails_painted(page, 3)
    config = page.evaluate("window.nnplay.config")
    assert config["features"] == ["x1", "x2", "x1^2"] and config["layers"][0] == 3
    assert config["data"]["name"] == "inline" and len(config["data"]["inputs"]) == rows + 1
    assert [n["name"] for n in input_nodes(page)] == ["input x1", "input x2", "input x1^2"]
    expect(switch(page, "x1^2")).to_be_checked()

    start_editing(page)
    page.mouse.click(*screen_of(page, -4.5, 4.5))
    assert len(wait_rows(page, rows + 2)["x"][-1]) == 2  # the plane's two inputs
    settle(page)
    page.screenshot(path=str(screenshots / "features-drawn-1280.png"))
    page.set_viewport_size({"width": 1024, "height": 768})
    settle(page)
    page.screenshot(path=str(screenshots / "features-drawn-1024.png"))
