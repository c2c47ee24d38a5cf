"""Worked numbers, phase-by-phase backprop, the formula panel and time travel, in a real
browser on the 2-3-1 network worked by hand (x = (1, 1), target 0, no biases, mse).

Element contract (static/js/views/: chain/numbers.js, phases.js, formula.js, timeline.js and
the diagram's overlay): `[data-testid=numbers-toggle]` turns the numbers on;
`[data-testid=num-node-L-i]` carries a unit's z above its pill and dL/dz below (data-z,
data-a, data-grad in full precision), `[data-testid=num-edge-L-i-j]` an edge's numbers
(data-weight, data-grad); `[data-testid=phase-step]` runs the next phase and
`[data-testid=phase]` names the one that ran; `[data-testid=formula]` carries data-kind
and data-value (the final value in full precision); `[data-testid=timeline]` is the time
slider and `[data-testid=continue-here]` rewinds the live run to the step shown.
"""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

WAIT_MS = 10_000
Z_HIDDEN = ["1.0000", "1.3000", "0.8000"]
A_HIDDEN = ["0.7311", "0.7858", "0.6900"]


# --- helpers -------------------------------------------------------------------------


def ready(page) -> str:
    """Wait until the page shows a live session; returns its id."""
    page.wait_for_function(
        "() => window.nnplay && window.nnplay.sessionId && window.nnplay.snapshot"
        " && window.nnplay.snapshot.session === window.nnplay.sessionId"
        " && window.nnplay.topology && window.nnplay.topology.session === window.nnplay.sessionId"
        " && document.querySelector('[data-testid=network]')",
        timeout=WAIT_MS,
    )
    return page.evaluate("window.nnplay.sessionId")


def rest(server: str, method: str, path: str, body: dict | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        server + path, data=data, method=method, headers={"content-type": "application/json"} if data else {}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_attr(page, selector: str, attr: str, want: float, tol: float, what: str) -> None:
    """Wait until the number in `attr` of `selector` is within `tol` of `want`."""
    try:
        page.wait_for_function(
            "([sel, attr, want, tol]) => { const el = document.querySelector(sel);"
            " const v = el ? parseFloat(el.getAttribute(attr)) : NaN;"
            " return Number.isFinite(v) && Math.abs(v - want) <= tol; }",
            arg=[selector, attr, want, tol],
            timeout=WAIT_MS,
        )
    except Exception:  # noqa: BLE001 - say what the page shows
        shown = page.evaluate(
            "([sel, attr]) => document.querySelector(sel)?.getAttribute(attr)", [selector, attr]
        )
        pytest.fail(f"{what}: {selector} @{attr} is {shown!r}, wanted {want} (within {tol})")


def has_class(name: str) -> re.Pattern:
    return re.compile(rf"(^|\s){re.escape(name)}(\s|$)")


def phase_step(page, name: str) -> None:
    page.click("[data-testid=phase-step]")
    expect(page.locator("[data-testid=phase]")).to_have_text(name)


def shoot(page, screenshots, name: str, scroll_to: str = "[data-testid=network]") -> None:
    """A 1280x720 screenshot in the light and the dark theme, `scroll_to` in view."""
    page.locator(scroll_to).scroll_into_view_if_needed()
    for theme in ("light", "dark"):
        page.select_option("[data-testid=theme]", theme)
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        page.screenshot(path=str(screenshots / f"chain-{name}-{theme}.png"), animations="disabled")
    page.select_option("[data-testid=theme]", "light")


# --- tests ---------------------------------------------------------------------------


def test_phase_by_phase_with_the_numbers_and_the_formula(page, server, screenshots):
    page.goto(f"{server}/?preset=seed-2-3-1")
    sid = ready(page)
    formula = page.locator("[data-testid=formula]")
    expect(formula).to_contain_text("click a neuron", ignore_case=True)
    expect(page.locator("[data-testid=phase]")).to_have_text("\u2014")

    page.check("[data-testid=numbers-toggle]")
    expect(page.locator("[data-testid=network]")).to_have_class(has_class("numbers"))
    expect(page.locator("[data-testid=num-edge-0-0-0]")).to_have_text("w 0.8000")
    shoot(page, screenshots, "numbers-on")

    moment = page.locator("[data-testid=moment]")
    expect(moment).to_have_text("step 0, before training")
    phase_step(page, "forward")
    expect(moment).to_have_text("step 1, forward pass")
    for i, (z, a) in enumerate(zip(Z_HIDDEN, A_HIDDEN)):
        expect(page.locator(f"[data-testid=num-node-1-{i}]")).to_contain_text(f"z {z}")
        expect(page.locator(f"[data-testid=node-1-{i}]")).to_have_text(a)
    expect(page.locator("[data-testid=network]")).to_have_class(has_class("phase-forward"))
    shoot(page, screenshots, "phase-forward")

    phase_step(page, "loss")
    expect(page.locator("[data-testid=node-2-0]")).to_have_text("1.2332")
    # One sample is the whole batch: the label says whose loss it is.
    expect(page.locator("[data-testid=loss-label]")).to_have_text("sample loss = 1.5208")
    expect(moment).to_have_text("step 1, loss")
    expect(page.locator("[data-testid=num-node-2-0]")).to_contain_text("target 0.0000")
    shoot(page, screenshots, "phase-loss")

    phase_step(page, "backward")
    expect(page.locator("[data-testid=num-node-1-0]")).to_contain_text("\u2202L/\u2202z 0.1455")
    expect(page.locator("[data-testid=num-node-2-0]")).to_contain_text("\u2202L/\u2202z 2.4664")
    expect(page.locator("[data-testid=num-edge-0-0-0]")).to_contain_text("\u2202L/\u2202w 0.1455")
    page.locator("[data-testid=edge-0-0-0]").click(modifiers=["Shift"])
    expect(formula).to_have_attribute("data-kind", "weight")
    wait_attr(page, "[data-testid=formula]", "data-value", 0.1455, 5e-5, "dC/dw11 after the backward phase")
    expect(formula).to_contain_text("(2.4664)(0.3)(0.1966)(1)")
    shoot(page, screenshots, "phase-backward")
    shoot(page, screenshots, "formula-weight", scroll_to="[data-testid=formula]")

    phase_step(page, "update")
    # One moment: step 1, after the update. The output, the loss and the metrics line are
    # all at the new weights; the old step's dL/dz is gone; the formula shows the gradient
    # the update used (not the one at the new weights, 0.1322) and the update's arithmetic.
    expect(moment).to_have_text("step 1, after the update")
    expect(page.locator("[data-testid=num-edge-0-0-0]")).to_contain_text("0.8000\u21920.7985")
    expect(page.locator("[data-testid=node-2-0]")).to_have_text("1.1908")
    expect(page.locator("[data-testid=loss-label]")).to_have_text("train loss = 1.4179")
    expect(page.locator("[data-testid=train-loss]")).to_have_text("1.4179")
    expect(page.locator("[data-testid=num-node-2-0]")).not_to_contain_text("\u2202L/\u2202z")
    expect(page.locator("[data-testid=num-node-1-0]")).not_to_contain_text("\u2202L/\u2202z")
    wait_attr(
        page,
        "[data-testid=formula]",
        "data-value",
        0.14547852882549972,
        1e-15,
        "dC/dw11 that the update used",
    )
    expect(formula).to_contain_text("(2.4664)(0.3)(0.1966)(1)")
    expect(formula).to_contain_text("0.8\u22120.01\u00b70.1455=0.7985")
    expect(formula).to_contain_text("step 1, after the update")
    # The tooltips speak of the same sample and weights as the diagram.
    page.locator("[data-testid=node-0-0]").hover()
    shoot(page, screenshots, "phase-update")
    phase_step(page, "forward")  # the next step starts with its forward pass

    # A neuron: the route's numbers, typeset.
    page.click("[data-testid=node-1-0]")
    expect(formula).to_have_attribute("data-kind", "neuron")
    want = rest(server, "GET", f"/api/sessions/{sid}/explain/neuron?layer=1&unit=0")
    wait_attr(page, "[data-testid=formula]", "data-value", want["a"], 1e-12, "a of hidden unit 1")
    expect(formula).to_contain_text("sigmoid")
    shoot(page, screenshots, "formula-neuron", scroll_to="[data-testid=formula]")

    # The weight changed through the REST API: the panel follows the engine.
    page.locator("[data-testid=edge-0-0-0]").click(modifiers=["Shift"])
    expect(formula).to_have_attribute("data-kind", "weight")
    params = rest(server, "GET", f"/api/sessions/{sid}")["snapshot"]["params"]
    params[0]["W"][0][0] = -0.25
    rest(server, "PUT", f"/api/sessions/{sid}/params", {"params": params})
    want = rest(server, "GET", f"/api/sessions/{sid}/explain/weight?layer=1&i=0&j=0")
    wait_attr(
        page, "[data-testid=formula]", "data-value", want["product"], 1e-12, "dC/dw11 after the REST change"
    )
    expect(page.locator("[data-testid=edge-0-0-0]")).to_have_attribute("data-weight", "-0.25")


def test_time_travel_and_continue_from_here(page, server, screenshots):
    page.goto(f"{server}/?preset=seed-2-3-1")
    sid = ready(page)
    slider = page.locator("[data-testid=timeline]")
    page.evaluate("window.nnplay.send({type: 'step', steps: 50})")
    expect(page.locator("[data-testid=step-count]")).to_have_text("50")
    expect(slider).to_have_attribute("max", "50")
    live_w = page.get_attribute("[data-testid=edge-0-0-0]", "data-weight")
    assert float(live_w) != 0.8

    # Somewhere in the middle, then back to now.
    page.evaluate(
        "(el) => { el.value = '25'; el.dispatchEvent(new Event('input', {bubbles: true})); }",
        slider.element_handle(),
    )
    past = rest(server, "GET", f"/api/sessions/{sid}/at/25")["snapshot"]["params"][0]["W"][0][0]
    expect(page.locator("[data-testid=edge-0-0-0]")).to_have_attribute("data-weight", repr(past))
    expect(page.locator("[data-testid=timeline-step]")).to_contain_text("viewing step 25 (past)")
    page.click("[data-testid=back-to-now]")
    expect(page.locator("[data-testid=edge-0-0-0]")).to_have_attribute("data-weight", live_w)
    expect(page.locator("body")).not_to_have_class(has_class("viewing-past"))

    # All the way back: the initial weights.
    slider.focus()
    slider.press("Home")
    expect(page.locator("[data-testid=edge-0-0-0]")).to_have_attribute("data-weight", "0.8")
    expect(page.locator("body")).to_have_class(has_class("viewing-past"))
    expect(page.locator("[data-testid=step-count]")).to_have_text("0")
    page.check("[data-testid=numbers-toggle]")
    expect(page.locator("[data-testid=num-edge-0-0-0]")).to_have_text("w 0.8000")
    # Live frames wait while the past is shown: a change to the live run does not show.
    params = rest(server, "GET", f"/api/sessions/{sid}")["snapshot"]["params"]
    params[1]["W"][0][0] = 2.0
    rest(server, "PUT", f"/api/sessions/{sid}/params", {"params": params})
    page.wait_for_function("() => window.nnplay.snapshot.params[1].W[0][0] === 2.0", timeout=WAIT_MS)
    expect(page.locator("[data-testid=edge-1-0-0]")).to_have_attribute("data-weight", "0.3")
    shoot(page, screenshots, "timeline-past", scroll_to="[data-testid=timeline]")

    page.click("[data-testid=continue-here]")
    page.wait_for_function(
        "() => window.nnplay.snapshot.step === 0 && !document.body.classList.contains('viewing-past')",
        timeout=WAIT_MS,
    )
    expect(page.locator("[data-testid=step-count]")).to_have_text("0")
    expect(page.locator("[data-testid=edge-0-0-0]")).to_have_attribute("data-weight", "0.8")
    expect(slider).to_have_attribute("max", "0")
    assert rest(server, "GET", f"/api/sessions/{sid}")["snapshot"]["step"] == 0
    # And it is live again: a step shows.
    page.click("[data-testid=phase-batch]")
    expect(page.locator("[data-testid=step-count]")).to_have_text("1")


def test_a_big_network_labels_only_the_focused_nodes_edges(page, server, screenshots):
    page.goto(f"{server}/?preset=spiral")
    ready(page)
    page.check("[data-testid=numbers-toggle]")
    expect(page.locator("[data-testid=network]")).to_have_class(has_class("numbers-sparse-edges"))
    expect(page.locator(".diagram-footer")).to_contain_text("hover or select a node")
    assert page.locator(".edge-num").count() == 0
    page.hover("[data-testid=node-2-3]")
    labels = page.locator(".edge-num")
    expect(labels).to_have_count(16)  # 8 edges in, 8 out
    owners = labels.evaluate_all("(els) => els.map((el) => el.dataset.for)")
    assert all(o.startswith("edge-1-") and o.endswith("-3") or o.startswith("edge-2-3-") for o in owners), (
        owners
    )
    shoot(page, screenshots, "numbers-big-net")
