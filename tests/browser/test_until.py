"""Play until a target, in a real browser: the "until" control next to Play (a choice and its
number), sent with play; the run pauses by itself exactly there and the status line says why.

Element contract (static/js/views/controls/controls.js, views/status/status.js):
`[data-testid=until]` holds `[data-testid=until-kind]` (a select: none, steps, epochs, train
loss, test loss) and `[data-testid=until-value]` (hidden while the choice is none);
`[data-testid=status]` says why play paused by itself while the run stays at that step, and
while it plays towards a target, which one ("running until 50 steps"). The control shows the
session's target whenever the server's frames say it changed, on every page watching it.
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


def test_a_second_page_shows_the_target_and_both_go_back_to_none_after_an_edit(
    open_page, server, screenshots
):
    first = open_page()
    sid = open_app(first, server, "preset=xor")
    first.locator("[data-testid=speed]").select_option("3")  # 50 steps take long enough to look
    first.locator("[data-testid=until-kind]").focus()
    first.keyboard.press("ArrowDown")  # none -> steps
    first.keyboard.press("Tab")
    first.keyboard.press("Control+A")
    first.keyboard.type("50")
    first.keyboard.press("Enter")  # plays with the target
    first.wait_for_function("window.nnplay.snapshot.playing && window.nnplay.snapshot.until?.steps === 50")
    expect(first.locator("[data-testid=status]")).to_have_text("running until 50 steps")

    # A second tab (a tablet here) on the same session learns the target from its first frame.
    second = open_page(**TABLET)
    open_app(second, server, "preset=xor")
    second.evaluate("(id) => window.nnplay.openSession(id)", sid)
    second.wait_for_function(
        "(id) => window.nnplay.snapshot.session === id && window.nnplay.snapshot.playing", arg=sid
    )
    for page in (first, second):
        expect(page.locator("[data-testid=speed]")).to_have_value("3")  # the session's speed
        expect(page.locator("[data-testid=until-kind]")).to_have_value("steps")
        expect(page.locator("[data-testid=until-value]")).to_have_value("50")
        expect(page.locator("[data-testid=until-value]")).to_be_visible()
        expect(page.locator("[data-testid=status]")).to_have_text("running until 50 steps")
    settle(second)
    assert_the_top_bar_fits(second, 1024)
    second.screenshot(path=str(screenshots / "until-second-page-1024.png"))
    first.screenshot(path=str(screenshots / "until-first-page-1280.png"))

    # An edit on the first page is a new experiment: the server drops the target and both
    # controls go back to none, so the next Play plays freely; training goes on meanwhile.
    first.fill("[data-testid=lr]", "0.05")
    first.press("[data-testid=lr]", "Enter")
    for page in (first, second):
        page.wait_for_function("window.nnplay.snapshot.until === null && window.nnplay.snapshot.playing")
        expect(page.locator("[data-testid=until-kind]")).to_have_value("")
        expect(page.locator("[data-testid=until-value]")).to_be_hidden()
        expect(page.locator("[data-testid=status]")).to_have_text("running")
    # Pause and Play from the second page: it sends no target, and nothing pauses at step 50.
    second.locator("[data-testid=play]").tap()
    second.wait_for_function("!window.nnplay.snapshot.playing")
    first.locator("[data-testid=speed]").select_option("300")
    first.locator("[data-testid=play]").click()
    first.wait_for_function(
        "window.nnplay.snapshot.step > 60 && window.nnplay.snapshot.playing", timeout=20_000
    )
    expect(second.locator("[data-testid=speed]")).to_have_value("300")  # set on the first page
    assert first.evaluate("window.nnplay.snapshot.until") is None
    first.locator("[data-testid=play]").click()  # pause
    first.wait_for_function("!window.nnplay.snapshot.playing")
