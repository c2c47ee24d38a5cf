"""The teaching panels in a real browser: the gradient check (static/js/views/gradcheck/),
the activation and loss explorers (views/explorer/) and the diagnostics (views/diagnostics/).

Element contract: `[data-testid=gradcheck]` holds `gradcheck-samples`, `gradcheck-run`, one
`[data-testid=gradcheck-row]` per parameter array (`data-name`, `data-max-rel`,
`data-max-abs`: the engine's numbers in full) and `gradcheck-cost-sentence`;
`[data-testid=explorer]` holds `explorer-activation` (select), `explorer-marker` (`data-z`
of the selected neuron), `explorer-p` (the slider) and `[data-testid=loss-row]`
(`data-name`, `data-value`, `data-p`); `[data-testid=diagnostics]` lists
`[data-testid=diagnostic]` items (`data-kind`) or shows `diagnostics-empty`.
Screenshots of each panel, light and dark, go to the `screenshots` directory.
"""

from __future__ import annotations

import re

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

WAIT_MS = 10_000


def ready(page) -> str:
    page.wait_for_function(
        "() => window.nnplay && window.nnplay.sessionId && window.nnplay.snapshot"
        " && window.nnplay.snapshot.session === window.nnplay.sessionId"
        " && window.nnplay.topology && window.nnplay.topology.session === window.nnplay.sessionId",
        timeout=WAIT_MS,
    )
    return page.evaluate("window.nnplay.sessionId")


def open_app(page, server, query: str) -> str:
    page.goto(f"{server}/?{query}")
    return ready(page)


def rebuild(page, partial: dict) -> str:
    old = page.evaluate("window.nnplay.sessionId")
    assert page.evaluate("(partial) => window.nnplay.rebuild(partial)", partial) is True
    page.wait_for_function("(old) => window.nnplay.sessionId !== old", arg=old, timeout=WAIT_MS)
    return ready(page)


def open_panel(page, testid: str):
    panel = page.locator(f"[data-testid={testid}]")
    if not panel.evaluate("(el) => el.open"):
        panel.locator("summary").click()
    expect(panel).to_have_js_property("open", True)
    return panel


def shoot(page, panel, screenshots, name: str) -> None:
    """The panel in light and dark (the page stays dark afterwards)."""
    for theme in ("light", "dark"):
        page.select_option("[data-testid=theme]", theme)
        page.wait_for_timeout(150)  # Plotly redraws on the theme event
        panel.scroll_into_view_if_needed()
        panel.screenshot(path=str(screenshots / f"{name}-{theme}.png"))


def test_gradient_check_on_the_digits_network(page, server, screenshots):
    open_app(page, server, "preset=two-layer-digits")
    panel = open_panel(page, "gradcheck")
    panel.locator("[data-testid=gradcheck-samples]").fill("50")
    panel.locator("[data-testid=gradcheck-run]").click()
    rows = panel.locator("[data-testid=gradcheck-row]")
    expect(rows).to_have_count(4, timeout=30_000)
    names = rows.evaluate_all("(rows) => rows.map((r) => r.dataset.name)")
    assert names == ["W1", "b1", "W2", "b2"]
    for row in rows.all():
        max_rel = float(row.get_attribute("data-max-rel"))
        assert 0 <= max_rel < 1e-5, (row.get_attribute("data-name"), max_rel)
        assert float(row.get_attribute("data-max-abs")) >= 0
        expect(row).to_contain_text("pass")  # words, not colour alone
    sentence = panel.locator("[data-testid=gradcheck-cost-sentence]")
    expect(sentence).to_contain_text("7,521")
    expect(sentence).to_contain_text("3,760 parameters")
    expect(sentence).to_contain_text("1 forward + 1 backward")
    # The first entries of W2, backprop next to numeric.
    panel.locator("[data-testid=gradcheck-row][data-name=W2] button").click()
    entries = panel.locator("#gradcheck-entries-W2")
    expect(entries).to_be_visible()
    expect(entries.locator("tbody tr")).to_have_count(6)
    expect(entries).to_contain_text("W2[0][0]")
    shoot(page, panel, screenshots, "gradcheck")


def test_gradient_check_refused_shows_the_servers_words(page, server, allow_console):
    allow_console(r"status of 422", "the server refuses a numeric gradient that would take too long")
    open_app(page, server, "preset=two-layer-digits")
    rebuild(page, {"layers": [64, 1024, 10]})
    panel = open_panel(page, "gradcheck")
    panel.locator("[data-testid=gradcheck-run]").click()
    status = panel.locator("[data-testid=gradcheck-status]")
    expect(status).to_contain_text("ask for fewer samples")
    expect(panel.locator("[data-testid=gradcheck-row]")).to_have_count(0)
    expect(panel.locator("[data-testid=gradcheck-run]")).to_be_enabled()


def test_explorers_mark_the_selected_neuron_and_show_the_losses(page, server, screenshots):
    open_app(page, server, "preset=seed-2-3-1")
    panel = open_panel(page, "explorer")
    page.locator("[data-testid=node-1-0]").click()
    marker = panel.locator("[data-testid=explorer-marker]")
    expect(marker).to_have_attribute("data-z", "1", timeout=WAIT_MS)
    assert abs(float(marker.get_attribute("data-z")) - 1.0) < 1e-12
    expect(marker).to_contain_text("z = 1.0000")
    expect(panel.locator("[data-testid=explorer-activation]")).to_have_value("sigmoid")
    # The vertical line and the two markers sit at z = 1 on the plotted curves.
    chart = panel.locator("[data-testid=explorer-activation-chart]")
    page.wait_for_function(
        "(el) => el.data && el.data.some((t) => t.name === 'selected z')", arg=chart.element_handle()
    )
    placed = chart.evaluate(
        "(el) => ({ x: el.data.find((t) => t.name === 'selected z').x,"
        " lines: el.layout.shapes.map((s) => s.x0) })"
    )
    assert placed == {"x": [1, 1], "lines": [1]}

    # The loss explorer at p = 0.8 against target 1: MSE = (0.8 - 1)^2 = 0.04.
    panel.locator("[data-testid=explorer-p]").evaluate(
        "(el) => { el.value = '0.8'; el.dispatchEvent(new Event('input', { bubbles: true })); }"
    )
    mse = panel.locator("[data-testid=loss-row][data-name=mse]")
    expect(mse).to_have_attribute("data-p", "0.8")
    assert abs(float(mse.get_attribute("data-value")) - 0.04) < 1e-12
    expect(mse).to_contain_text("0.04")
    expect(panel.locator("[data-testid=loss-row]")).to_have_count(3)
    loss_chart = panel.locator("[data-testid=explorer-loss-chart]")
    page.wait_for_function(
        "(el) => el.data && el.data.length === 3 && el.data[0].x.length === 25",
        arg=loss_chart.element_handle(),
        timeout=WAIT_MS,
    )
    shoot(page, panel, screenshots, "explorer")


def test_diagnostics_name_saturated_units_and_point_at_them(page, server, screenshots):
    open_app(page, server, "preset=seed-2-3-1")
    panel = page.locator("[data-testid=diagnostics]")
    expect(panel.locator("[data-testid=diagnostics-empty]")).to_have_text("No problems spotted.")
    open_app(page, server, "preset=xor")
    rebuild(page, {"init": {"scheme": "normal", "std": 30}, "activations": ["sigmoid", "sigmoid", "sigmoid"]})
    item = panel.locator("[data-testid=diagnostic][data-kind=saturated]").first
    expect(item).to_be_visible(timeout=WAIT_MS)
    expect(item).to_contain_text("vanishing gradient")
    expect(panel.locator("[data-testid=diagnostics-empty]")).to_be_hidden()
    page.evaluate(
        "() => { window.__highlights = []; window.nnplay.bus.on('highlight', (e) => window.__highlights.push(e)); }"
    )
    item.hover()
    page.wait_for_function("() => window.__highlights.length >= 1")
    first = page.evaluate("window.__highlights[0]")
    assert first["kind"] == "saturated" and first["units"] and all(len(u) == 2 for u in first["units"])
    layer, unit = first["units"][0]
    expect(page.locator(f"[data-testid=node-{layer}-{unit}]")).to_have_class(re.compile(r"\bflagged\b"))
    page.mouse.move(2, 2)
    page.wait_for_function("() => window.__highlights.at(-1).units.length === 0")
    expect(page.locator(".node.flagged")).to_have_count(0)
    shoot(page, panel, screenshots, "diagnostics")


def test_a_check_made_while_playing_pauses_first_and_says_when_the_weights_move_on(page, server):
    open_app(page, server, "preset=xor")
    page.evaluate("window.nnplay.send({type: 'play', steps_per_second: 30})")
    page.wait_for_function("() => window.nnplay.snapshot.playing", timeout=WAIT_MS)
    panel = open_panel(page, "gradcheck")
    panel.locator("[data-testid=gradcheck-run]").click()
    status = panel.locator("[data-testid=gradcheck-status]")
    expect(panel.locator("[data-testid=gradcheck-row]").first).to_be_visible(timeout=WAIT_MS)
    assert page.evaluate("window.nnplay.snapshot.playing") is False  # paused before checking
    step = page.evaluate("window.nnplay.snapshot.step")
    expect(status).to_contain_text(f"Checked at step {step:,}")
    expect(status).not_to_contain_text("changed since")
    page.evaluate("window.nnplay.send({type: 'step', steps: 1})")
    expect(status).to_contain_text("The weights have changed since: check again.", timeout=WAIT_MS)
