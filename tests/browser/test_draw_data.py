"""Drawing the data on the output plane: "edit data" on, a click or a tap adds a point of
the picked class, a drag moves a point, a tap on a point removes it, "Clear" empties the
set, and the keyboard does the same with a cursor; the run goes on training on the drawn
points, and the loss curve marks the step where the data changed.

Element contract (static/js/views/heatmap/heatmap-editor.js): `[data-testid=edit-data]` is
the mode's checkbox, `edit-class-K` the class picker's radios (`edit-target` for regression),
`edit-clear` the Clear button, `edit-hint` the line saying what to do; the plane is
`[data-testid=output-heatmap]` (focusable while editing); the loss chart's
`data-data-changes` lists the marked steps.
"""

from __future__ import annotations

import json

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_accessibility import AXE, THEMES, serious_violations, short_contrast, themed  # noqa: E402
from tests.browser.test_page import WAIT_MS, check_layout, open_app, ready, settle  # noqa: E402

CIRCLE = "data=circle&n=40&layers=2,4,1&act=tanh,sigmoid"
PLANE = "[data-testid=output-heatmap]"
# The plot inside the plane's canvas (static/js/views/heatmap/heatmap-model.js).
MARGIN_LEFT, MARGIN_TOP, PLOT = 36, 8, 240
TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}


def train_points(page) -> dict:
    return page.evaluate("window.nnplay.topology.points.train")


def screen_of(page, x: float, y: float) -> tuple[float, float]:
    """The viewport position of plane point (x, y)."""
    box = page.locator(PLANE).bounding_box()
    (x0, x1), (y0, y1) = page.evaluate("window.nnplay.topology.dataset.domain")
    scale = box["width"] / (MARGIN_LEFT + PLOT + 10)
    px = MARGIN_LEFT + (x - x0) / (x1 - x0) * PLOT
    py = MARGIN_TOP + PLOT - (y - y0) / (y1 - y0) * PLOT
    return box["x"] + px * scale, box["y"] + py * scale


def count_data_commands(page) -> None:
    """Count the socket's `data` commands from now on (window.__dataCommands)."""
    page.evaluate(
        """() => { window.__dataCommands = 0; const send = window.nnplay.send.bind(window.nnplay);
                   window.nnplay.send = (c) => { if (c.type === 'data') window.__dataCommands += 1; send(c); }; }"""
    )


def wait_rows(page, rows: int) -> dict:
    """Wait for the server's answer: a topology with this many training points."""
    page.wait_for_function(
        "(n) => window.nnplay.topology.points.train.x.length === n", arg=rows, timeout=WAIT_MS
    )
    return train_points(page)


def start_editing(page) -> None:
    page.locator("[data-testid=edit-data]").check()
    expect(page.locator("[data-testid=edit-bar]")).to_be_visible()


def near(a, b, tol=0.1) -> bool:
    return all(abs(u - v) <= tol for u, v in zip(a, b))


def test_click_adds_drag_moves_tap_removes_and_clear_empties(page, open_page, server, screenshots):
    sid = open_app(page, server, CIRCLE)
    before = train_points(page)
    params = json.dumps(page.evaluate("window.nnplay.snapshot.params"))
    start_editing(page)
    count_data_commands(page)
    page.locator("[data-testid=edit-class-1]").check()

    # A click on empty space: one point of class 1 there, the weights untouched.
    page.mouse.click(*screen_of(page, 4.5, -4.5))
    added = wait_rows(page, len(before["x"]) + 1)
    assert near(added["x"][-1], [4.5, -4.5]) and added["labels"][-1] == 1
    assert added["x"][:-1] == before["x"], "the other points stay"
    assert page.evaluate("window.nnplay.sessionId") == sid
    assert json.dumps(page.evaluate("window.nnplay.snapshot.params")) == params

    # A drag moves it: one command for the whole gesture, however many moves.
    page.mouse.move(*screen_of(page, 4.5, -4.5))
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(*screen_of(page, 4.5 - 0.6 * k, -4.5 + 0.3 * k))
    page.mouse.up()
    page.wait_for_function(
        "() => { const x = window.nnplay.topology.points.train.x.at(-1); return Math.abs(x[0] + 1.5) < 0.1; }",
        timeout=WAIT_MS,
    )
    moved = train_points(page)
    assert near(moved["x"][-1], [-1.5, -1.5]) and len(moved["x"]) == len(added["x"])
    assert page.evaluate("window.__dataCommands") == 2

    # A tap on it removes it.
    page.mouse.click(*screen_of(page, -1.5, -1.5))
    assert len(wait_rows(page, len(before["x"]))["x"]) == len(before["x"])

    # Clear: the plane is empty (the run waits), then the first point sends a set of one.
    page.locator("[data-testid=edit-clear]").click()
    expect(page.locator("[data-testid=edit-hint]")).to_contain_text("empty")
    expect(page.locator(PLANE)).to_have_attribute(
        "aria-label", "network output over the input plane with 0 data points"
    )
    page.locator("[data-testid=edit-class-0]").check()
    page.mouse.click(*screen_of(page, -3, 3))
    one = wait_rows(page, 1)
    assert near(one["x"][0], [-3, 3]) and one["labels"] == [0]
    page.mouse.click(*screen_of(page, 3, -3))
    page.locator("[data-testid=edit-class-1]").check()
    page.mouse.click(*screen_of(page, 3, 3))
    drawn = wait_rows(page, 3)
    assert drawn["labels"] == [0, 0, 1]

    # The run trains on the drawn points, and the loss curve marks where the data changed.
    step = page.evaluate("window.nnplay.snapshot.step")
    page.locator("[data-testid=play]").click()
    page.wait_for_function("(s) => window.nnplay.snapshot.step >= s + 30", arg=step, timeout=WAIT_MS)
    page.locator("[data-testid=play]").click()
    marks = page.locator("[data-testid=loss-chart]").get_attribute("data-data-changes")
    assert marks and int(marks.split()[-1]) == step
    shapes = page.evaluate(
        "() => document.querySelector('[data-testid=loss-chart]').layout.shapes.map((s) => s.x0)"
    )
    assert step in shapes
    config = page.evaluate("window.nnplay.config.data")
    assert config["name"] == "inline" and config["labels"] == [0, 0, 1]
    settle(page)
    page.locator("[data-testid=heatmap-section]").screenshot(path=str(screenshots / "draw-1280.png"))
    check_layout(page, "draw-1280")

    # The address carries the drawn points: a link opens a new session on them.
    other = open_page()
    other.goto(page.url)
    assert ready(other) != sid
    assert train_points(other) == train_points(page)
    assert other.evaluate("window.nnplay.config.data") == config


def test_a_tap_adds_a_point_on_a_tablet(open_page, server, screenshots):
    page = open_page(**TABLET)
    open_app(page, server, CIRCLE)
    before = train_points(page)
    page.locator("[data-testid=edit-data]").tap()
    expect(page.locator("[data-testid=edit-bar]")).to_be_visible()
    page.locator("[data-testid=edit-class-1]").tap()
    page.locator(PLANE).scroll_into_view_if_needed()
    page.touchscreen.tap(*screen_of(page, -4, 4))
    added = wait_rows(page, len(before["x"]) + 1)
    assert near(added["x"][-1], [-4, 4], tol=0.15) and added["labels"][-1] == 1
    # A tap on the point (a finger's width off) removes it.
    x, y = screen_of(page, -4, 4)
    page.touchscreen.tap(x + 8, y + 6)
    wait_rows(page, len(before["x"]))
    # Editing off: the plane is the page's again (it scrolls under a finger).
    page.locator("[data-testid=edit-data]").tap()
    assert page.eval_on_selector(PLANE, "(c) => getComputedStyle(c).touchAction") == "auto"
    page.locator("[data-testid=edit-data]").tap()
    assert page.eval_on_selector(PLANE, "(c) => getComputedStyle(c).touchAction") == "none"
    page.touchscreen.tap(*screen_of(page, 2, 2))
    wait_rows(page, len(before["x"]) + 1)
    settle(page)
    page.locator("[data-testid=heatmap-section]").screenshot(path=str(screenshots / "draw-tablet.png"))
    check_layout(page, "draw-tablet")


def test_the_keyboard_adds_and_removes_at_its_cursor(page, server, screenshots):
    open_app(page, server, CIRCLE)
    before = train_points(page)
    # Keys only: Space checks "edit data", Tab goes on to the plane.
    page.locator("[data-testid=edit-data]").focus()
    page.keyboard.press(" ")
    expect(page.locator("[data-testid=edit-bar]")).to_be_visible()
    page.keyboard.press("Tab")
    plane = page.locator(PLANE)
    assert page.evaluate("document.activeElement.dataset.testid") == "output-heatmap"
    outline = page.eval_on_selector(PLANE, "(c) => getComputedStyle(c).outlineStyle")
    assert outline != "none", "the focused plane shows a ring"
    # The cursor starts in the middle (0, 0); 12 / 24 = 0.5 a step, 2 with Shift.
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(plane).to_have_attribute("aria-description", "cursor at (2, 1): Enter adds a point")
    step = page.evaluate("window.nnplay.snapshot.step")
    page.keyboard.press("Enter")
    added = wait_rows(page, len(before["x"]) + 1)
    assert added["x"][-1] == [2, 1] and added["labels"][-1] == 0
    expect(plane).to_have_attribute(
        "aria-description", "cursor at (2, 1), on a point of class 0: Enter removes it"
    )
    page.locator("[data-testid=heatmap-section]").screenshot(path=str(screenshots / "draw-keyboard.png"))
    page.keyboard.press(" ")  # Space at a point removes it, and does not play
    wait_rows(page, len(before["x"]))
    assert page.evaluate("window.nnplay.snapshot.playing") is False
    assert page.evaluate("window.nnplay.snapshot.step") == step
    # Off, the plane leaves the tab order and the page's keys are its own again.
    page.locator("[data-testid=edit-data]").uncheck()
    assert plane.get_attribute("tabindex") == "-1"
    ready(page)


@pytest.mark.skipif(not AXE.exists(), reason=f"axe-core is not installed ({AXE} is missing)")
@pytest.mark.parametrize("theme", THEMES)
def test_editing_has_no_serious_violations(open_page, server, theme):
    page = themed(open_page, theme)
    open_app(page, server, CIRCLE)
    start_editing(page)
    page.locator(PLANE).focus()
    found = serious_violations(page) + short_contrast(page)
    assert not found, "\n".join(found)


def test_regression_points_take_the_target_typed(page, server):
    open_app(page, server, "data=plane&n=40&layers=2,3,1&act=tanh,linear&loss=mse")
    before = train_points(page)
    start_editing(page)
    expect(page.locator("[data-testid=edit-class-0]")).to_have_count(0)
    page.locator("[data-testid=edit-target]").fill("2.5")
    page.mouse.click(*screen_of(page, 1, -1))
    added = wait_rows(page, len(before["x"]) + 1)
    assert near(added["x"][-1], [1, -1]) and added["targets"][-1] == [2.5] and added["labels"] is None
    assert page.evaluate("window.nnplay.config.data.targets.at(-1)") == [2.5]
