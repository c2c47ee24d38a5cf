"""Play until a target, in a real browser: the "until" control next to Play (a choice and its
number), sent with play; the run pauses by itself exactly there and the status line says why.

Element contract (static/js/views/controls/controls.js, views/status/status.js):
`[data-testid=until]` holds `[data-testid=until-kind]` (a select: none, steps, epochs, train
loss, test loss) and `[data-testid=until-value]` (hidden while the choice is none);
`[data-testid=status]` says why play paused by itself while the run stays at that step.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_page import open_app, settle  # noqa: E402

TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
PAUSED_AT = "(step) => window.nnplay.snapshot.step === step && !window.nnplay.snapshot.playing"


def box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def assert_the_top_bar_fits(page, width: int) -> None:
    """Every control of the top bar is on screen, none over another, and the bar no taller
    than two rows of controls."""
    boxes = page.evaluate(
        """() => [...document.querySelectorAll('.topbar select, .topbar input:not([hidden]), .topbar button')]
              .filter((e) => e.offsetParent !== null)
              .map((e) => { const r = e.getBoundingClientRect();
                            return {id: e.dataset.testid || e.textContent, left: r.left, right: r.right,
                                    top: r.top, bottom: r.bottom}; })"""
    )
    assert boxes and all(b["left"] >= 0 and b["right"] <= width for b in boxes), boxes
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = a["right"] <= b["left"] or b["right"] <= a["left"]
            apart = apart or a["bottom"] <= b["top"] or b["bottom"] <= a["top"]
            assert apart, (a, b)
    assert box(page, ".topbar")["height"] <= 110


@pytest.mark.parametrize("options", [{}, TABLET], ids=["desktop", "tablet"])
def test_play_until_50_steps_pauses_at_step_50_and_says_why(open_page, server, screenshots, options):
    page = open_page(**options)
    open_app(page, server, "preset=xor")
    width = page.viewport_size["width"]
    expect(page.locator("[data-testid=until-value]")).to_be_hidden()  # none: no number
    page.locator("[data-testid=until-kind]").select_option("steps")
    value = page.locator("[data-testid=until-value]")
    expect(value).to_be_visible()
    expect(value).to_have_attribute("aria-label", "play until: steps")
    value.fill("50")
    page.locator("[data-testid=speed]").select_option("100")  # several steps a frame
    settle(page)
    assert_the_top_bar_fits(page, width)
    if options:
        page.locator("[data-testid=play]").tap()
    else:
        page.locator("[data-testid=play]").click()
    page.wait_for_function(PAUSED_AT, arg=50, timeout=20_000)
    status = page.locator("[data-testid=status]")
    expect(status).to_have_text("paused: reached 50 steps (step 50)")
    assert page.locator("[data-testid=step-count]").text_content() == "50"
    page.wait_for_timeout(300)  # nothing trains on
    assert page.evaluate("window.nnplay.snapshot.step") == 50
    assert_the_top_bar_fits(page, width)
    page.screenshot(path=str(screenshots / f"until-50-steps-{width}.png"))

    # A step moves on from there: the reason is no longer what the status line says.
    page.locator("[data-testid=step]").click()
    page.wait_for_function(PAUSED_AT, arg=51)
    expect(status).to_have_text("paused")


def test_the_until_control_by_keyboard_alone(page, server):
    open_app(page, server, "preset=perceptron-and")  # 4 rows, one a step: 4 steps an epoch
    page.locator("[data-testid=play]").focus()
    for _ in range(10):  # Tab from Play reaches the control (past step, epoch, reset, speed)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.testid") == "until-kind":
            break
    assert page.evaluate("document.activeElement.dataset.testid") == "until-kind"
    assert page.evaluate("document.activeElement.labels[0].textContent").startswith("until")
    page.keyboard.press("ArrowDown")  # none -> steps
    page.keyboard.press("ArrowDown")  # steps -> epochs
    assert page.locator("[data-testid=until-kind]").input_value() == "epochs"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "until-value"
    page.keyboard.press("Control+A")
    page.keyboard.type("0")
    page.keyboard.press("Enter")  # not a valid target: said, and nothing plays
    expect(page.locator("#alert")).to_contain_text("until: a whole number of epochs, at least 1")
    assert page.evaluate("window.nnplay.snapshot.playing") is False
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Enter")  # Enter in the number plays
    page.wait_for_function(PAUSED_AT, arg=12, timeout=20_000)
    expect(page.locator("[data-testid=status]")).to_have_text("paused: reached 3 epochs (epoch 3, step 12)")
    assert page.evaluate("window.nnplay.snapshot.epoch") == 3
