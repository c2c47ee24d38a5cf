"""Everything by touch and by keyboard, in a real browser, on the seed lesson's 2-3-1 network
(x = (1, 1), target 0, no biases, mse): one training step phase by phase and the formula of
w1_11 (the weight from input x1 to hidden unit 1), once with taps only on a tablet and once
with the keyboard only; touch targets of at least 24 px; a huge number that fits its node.

Element contract (static/js/: views/diagram/, views/chain/inspect.js, lib/tip.js): the
diagram's nodes, weights and biases (`[data-testid=node-L-i]`, `edge-L-i-j`, `bias-L-j`) are
buttons of one tab stop (tabindex 0 on one of them); the arrow keys move between them, Enter
edits a weight or bias, Space selects. `[data-testid=inspect]` (aria-pressed) turns inspect
mode on: a tap on a weight then selects it for `[data-testid=formula]` (data-kind,
data-value). A "?" tip `[data-testid=NAME]` opens `[data-testid=NAME-text]`.
"""

from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_chain_rule import has_class, rest, wait_attr  # noqa: E402
from tests.browser.test_page import open_app, settle  # noqa: E402

TABLET = {"viewport": {"width": 1024, "height": 768}, "has_touch": True}
W11 = "[data-testid=edge-0-0-0]"  # w1_11: input x1 -> hidden unit 1
FORMULA = "[data-testid=formula]"
TARGET = 24  # px, the least touch target


def explain_w11(server: str, sid: str, step: int | None = None) -> float:
    """dL/dw1_11 for probe sample 0, as the engine works it out (at `step`, else now)."""
    at = "" if step is None else f"&step={step}"
    return rest(server, "GET", f"/api/sessions/{sid}/explain/weight?layer=1&i=0&j=0{at}")["product"]


def focused_testid(page) -> str | None:
    return page.evaluate("document.activeElement?.dataset?.testid ?? null")


def tab_to(page, testid: str, limit: int = 120, back: bool = False) -> None:
    """Press Tab (Shift+Tab with `back`) until the element `testid` has the focus."""
    for _ in range(limit):
        if focused_testid(page) == testid:
            return
        page.keyboard.press("Shift+Tab" if back else "Tab")
    pytest.fail(f"{limit} presses of Tab never reached {testid} (the focus is on {focused_testid(page)!r})")


def small_targets(page) -> list[str]:
    """The visible controls (and diagram elements) smaller than TARGET px either way."""
    return page.evaluate(
        """(least) => [...document.querySelectorAll(
            'button, select, input, a[href], [data-kind=neuron], [data-kind=bias], [role=button]')]
        .filter((el) => el.getClientRects().length && getComputedStyle(el).visibility !== 'hidden')
        .map((el) => [el, el.getBoundingClientRect()])
        .filter(([, r]) => r.width > 0 && (r.width < least - 0.5 || r.height < least - 0.5))
        .map(([el, r]) => `${el.dataset.testid ?? el.className?.baseVal ?? el.className}`
             + ` ${Math.round(r.width)}x${Math.round(r.height)}`)""",
        TARGET,
    )


def test_taps_only_a_step_phase_by_phase_and_the_formula_of_w11(open_page, server, screenshots):
    page = open_page(**TABLET)
    sid = open_app(page, server, "preset=seed-2-3-1")
    settle(page)
    # The whole network shows without scrolling.
    box = page.locator("[data-testid=network]").bounding_box()
    assert box["y"] >= 0 and box["y"] + box["height"] <= 768, f"the network is below the fold: {box}"
    assert page.evaluate("window.scrollY") == 0
    small = small_targets(page)
    assert small == [], f"too small to touch: {small}"

    # What the whole-step buttons do, by a tap ("1 sample" changes the batch size for good).
    page.locator("[data-testid=phase-tip]").tap()
    expect(page.locator("[data-testid=phase-tip-text]")).to_be_visible()
    expect(page.locator("[data-testid=phase-tip-text]")).to_contain_text("sets the batch size to 1")
    page.locator("[data-testid=phase-tip]").tap()
    expect(page.locator("[data-testid=phase-tip-text]")).to_be_hidden()

    phase = page.locator("[data-testid=phase]")
    for name in ("forward", "loss", "backward"):
        page.locator("[data-testid=phase-step]").tap()
        expect(phase).to_have_text(name)
    # A tap on a weight opens its editor; in inspect mode it selects the weight instead.
    page.locator(W11).tap()
    editor = page.locator("[data-testid=weight-editor]")
    expect(editor).to_be_visible()
    page.locator("[data-testid=inspect]").tap()  # leaving the editor closes it
    expect(editor).to_have_count(0)
    expect(page.locator("[data-testid=inspect]")).to_have_attribute("aria-pressed", "true")
    page.locator(W11).tap()
    formula = page.locator(FORMULA)
    expect(formula).to_have_attribute("data-kind", "weight")
    expect(page.locator(f"{FORMULA} .formula-what")).to_contain_text("w1_11")
    wait_attr(
        page, FORMULA, "data-value", explain_w11(server, sid), 1e-12, "dL/dw1_11 after the backward phase"
    )
    expect(page.locator("[data-testid=weight-editor]")).to_have_count(0)
    page.screenshot(path=str(screenshots / "touch-formula-w11.png"))

    page.locator("[data-testid=phase-step]").tap()
    expect(phase).to_have_text("update")
    # The update's panel: the gradient it used, worked out at the weights before it.
    wait_attr(
        page, FORMULA, "data-value", explain_w11(server, sid, step=0), 1e-12, "dL/dw1_11 that the update used"
    )
    expect(formula).to_contain_text("step 1, after the update")
    assert page.evaluate("window.nnplay.snapshot.step") == 1

    # A long press selects a weight without inspect mode (here w2_11, hidden 1 -> the output).
    page.locator("[data-testid=inspect]").tap()
    expect(page.locator("[data-testid=inspect]")).to_have_attribute("aria-pressed", "false")
    edge = page.locator("[data-testid=edge-1-0-0]").bounding_box()
    x, y = edge["x"] + edge["width"] / 2, edge["y"] + edge["height"] / 2
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    expect(page.locator(f"{FORMULA} .formula-what")).to_contain_text("w2_11")  # while the finger is down
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    want = rest(server, "GET", f"/api/sessions/{sid}/explain/weight?layer=2&i=0&j=0&step=0")["product"]
    wait_attr(page, FORMULA, "data-value", want, 1e-12, "dL/dw2_11 that the update used")
    page.wait_for_timeout(300)  # the click that ends the press would have opened an editor by now
    expect(page.locator("[data-testid=weight-editor]")).to_have_count(0)


def test_keyboard_only_a_step_phase_by_phase_and_the_formula_of_w11(page, server):
    sid = open_app(page, server, "preset=seed-2-3-1")
    phase = page.locator("[data-testid=phase]")
    tab_to(page, "phase-step")
    for name in ("forward", "loss", "backward"):
        page.keyboard.press("Enter")
        expect(phase).to_have_text(name)

    # The diagram is one tab stop: Tab enters it at the first node, the arrows move inside.
    assert page.locator("[data-testid=network] [tabindex='0']").count() == 1
    tab_to(page, "node-0-0")
    tooltip = page.locator("[data-testid=tooltip]")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text("input x1")
    page.keyboard.press("ArrowRight")  # the node's first weight: w1_11
    assert focused_testid(page) == "edge-0-0-0"
    expect(tooltip).to_contain_text("w1_11")
    page.keyboard.press("ArrowDown")
    assert focused_testid(page) == "edge-0-0-1"
    page.keyboard.press("ArrowRight")
    assert focused_testid(page) == "node-1-1"
    page.keyboard.press("ArrowLeft")
    assert focused_testid(page) == "edge-0-0-1"
    page.keyboard.press("ArrowUp")
    assert focused_testid(page) == "edge-0-0-0"
    # The page's own keys do not fire inside the diagram (the right arrow would step).
    assert page.evaluate("window.nnplay.snapshot.phase") == "backward"

    page.keyboard.press("Space")  # select: the formula of w1_11
    formula = page.locator(FORMULA)
    expect(formula).to_have_attribute("data-kind", "weight")
    expect(page.locator(f"{FORMULA} .formula-what")).to_contain_text("w1_11")
    wait_attr(
        page, FORMULA, "data-value", explain_w11(server, sid), 1e-12, "dL/dw1_11 after the backward phase"
    )
    expect(page.locator("[data-testid=play]")).to_have_attribute("aria-label", "play")
    # Enter edits the weight; Escape leaves the editor and its value alone.
    page.keyboard.press("Enter")
    editor = page.locator("[data-testid=weight-editor]")
    expect(editor).to_be_focused()
    page.keyboard.press("Escape")
    expect(editor).to_have_count(0)

    # Back out of the diagram (one Shift+Tab: it is one stop) to the phase button: the update.
    page.locator(W11).focus()
    tab_to(page, "phase-step", back=True)
    page.keyboard.press("Enter")
    expect(phase).to_have_text("update")
    wait_attr(
        page, FORMULA, "data-value", explain_w11(server, sid, step=0), 1e-12, "dL/dw1_11 that the update used"
    )
    expect(formula).to_contain_text("0.8\u22120.01\u00b7")
    # Tab comes back to where the focus left the diagram.
    tab_to(page, "edge-0-0-0")


def test_a_huge_number_is_shortened_to_fit_its_node(open_page, server, screenshots):
    # Eight linear hidden layers with every weight at the largest one may type (1e6): the
    # output is some 1e58, as a diverging run shows (the weights' own limit is 1e6).
    layers = ",".join(["2"] + ["3"] * 8 + ["1"])
    page = open_page(**TABLET)
    sid = open_app(page, server, f"preset=seed-2-3-1&layers={layers}&act={','.join(['linear'] * 9)}")
    params = rest(server, "GET", f"/api/sessions/{sid}")["snapshot"]["params"]
    for layer in params:
        layer["W"] = [[1e6] * len(row) for row in layer["W"]]
    rest(server, "PUT", f"/api/sessions/{sid}/params", {"params": params})
    output = page.locator("[data-testid=node-9-0]")
    page.wait_for_function(
        "() => parseFloat(document.querySelector('[data-testid=node-9-0]').getAttribute('data-value')) > 1e50"
    )
    full = float(output.get_attribute("data-value"))

    def fits(what: str) -> None:
        sizes = page.evaluate("""() => {
            const box = (sel) => document.querySelector(sel).getBoundingClientRect();
            const text = box('[data-testid=node-9-0] .node-value'), pill = box('[data-testid=node-9-0] .node-body');
            const label = document.querySelector('[data-for="edge-8-0-0"]');
            const out = { text: [text.left, text.right], pill: [pill.left, pill.right],
                          shown: document.querySelector('[data-testid=node-9-0] .node-value').textContent };
            if (label) {
                const l = label.getBoundingClientRect(), bg = label.previousElementSibling.getBoundingClientRect();
                out.label = [l.left, l.right]; out.bg = [bg.left, bg.right];
            }
            return out; }""")
        assert sizes["pill"][0] <= sizes["text"][0] and sizes["text"][1] <= sizes["pill"][1], (
            f"{what}: {sizes}"
        )
        if "label" in sizes:
            assert sizes["bg"][0] - 1 <= sizes["label"][0] and sizes["label"][1] <= sizes["bg"][1] + 1, (
                f"{what}: {sizes}"
            )
        assert abs(float(sizes["shown"]) / full - 1) < 0.1, f"{what}: {sizes['shown']!r} is not {full}"

    fits("plain")
    # The full value on focus (the tooltip) and in data-value.
    output.focus()
    expect(page.locator("[data-testid=tooltip]")).to_contain_text(f"a = {full:.5e}".replace("e+", "e"))
    page.locator("[data-testid=numbers-toggle]").tap()
    expect(page.locator("[data-testid=network]")).to_have_class(has_class("numbers"))
    fits("numbers mode")
    page.locator("[data-testid=network]").screenshot(path=str(screenshots / "touch-huge-number.png"))


def test_hints_that_were_titles_show_on_a_tap(open_page, server, screenshots):
    """On a tablet (no hover): a formula number's full value, why "+ hidden layer" is disabled,
    the lesson's step keys, and a confusion-matrix cell's share: shown, or shown by a tap."""
    from tests.browser.test_lessons import open_step
    from tests.browser.test_teaching_panels import rebuild

    page = open_page(**TABLET)
    open_app(page, server, "preset=seed-2-3-1")
    settle(page)
    # A neuron's formula: a tap on one of its numbers shows that number in full.
    page.locator("[data-testid=node-1-0]").tap()
    expect(page.locator(FORMULA)).to_have_attribute("data-kind", "neuron")
    number = page.locator(f"{FORMULA} .n[data-full]").first  # a rounded number (a plain 1 is not one)
    full = number.get_attribute("data-full")
    assert len(full) > len(number.inner_text()), f"{number.inner_text()!r} is not {full!r} rounded"
    readout = page.locator("[data-testid=formula-full]")
    expect(readout).to_be_hidden()
    number.tap()
    expect(readout).to_be_visible()
    expect(readout).to_contain_text(f"in full: {full}")
    page.screenshot(path=str(screenshots / "touch-formula-full-value.png"))

    # At the most hidden layers the disabled button says why, in words.
    limit = page.locator("[data-testid=add-layer-limit]")
    expect(limit).to_be_hidden()
    rebuild(page, {"layers": [2] + [1] * 8 + [1], "activations": ["tanh"] * 8 + ["sigmoid"]})
    expect(page.locator("[data-testid=add-layer]")).to_be_disabled()
    expect(limit).to_be_visible()
    expect(limit).to_contain_text("at most 8 hidden layers")

    # A confusion-matrix cell: a tap shows its share of the row.
    open_app(page, server, "preset=two-layer-digits")
    cell = page.locator("[data-testid=confusion] td").first
    cell.scroll_into_view_if_needed()
    cell.tap()
    pick = page.locator("[data-testid=confusion-pick]")
    expect(pick).to_have_text(cell.get_attribute("title"))
    expect(pick).to_contain_text("true 0, predicted 0")

    # The lesson's Previous/Next keys: in words under the buttons.
    open_step(page, server, "01-forward-pass", 1)
    keys = page.locator("[data-testid=lesson-keys]")
    expect(keys).to_be_visible()
    expect(keys).to_contain_text("Page Down: the next step")
    page.screenshot(path=str(screenshots / "touch-lesson-keys-tip.png"))
