"""The compare view in a real browser: a pair from the address (`b.` fields), both runs
drawn side by side with their curves overlaid, play/step/reset in lockstep; the Compare
dialog; two existing sessions (?a=&b=); a tablet."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_page import WAIT_MS, ready, settle  # noqa: E402

PAIR = "preset=xor&lr=0.03&b.lr=0.3"


def compared(page) -> None:
    """Wait until both runs of the compare view have their first frames."""
    ready(page)
    page.wait_for_function(
        "() => { const c = window.nnplay.compare; return c && c.active && c.twin.snapshot"
        " && c.twin.topology && document.querySelectorAll('[data-testid=compare-view] svg.network').length === 2; }",
        timeout=WAIT_MS,
    )


def steps(page) -> tuple[int, int]:
    return tuple(page.evaluate("[window.nnplay.snapshot.step, window.nnplay.compare.twin.snapshot.step]"))


def level_at(page, step: int | None = None) -> int:
    """Wait until both runs stand still at the same step (`step`, when given); returns it."""
    page.wait_for_function(
        """(want) => { const a = window.nnplay.snapshot, b = window.nnplay.compare.twin.snapshot;
            return !a.playing && !b.playing && a.step === b.step && (want === null || a.step === want)
              && document.querySelector('[data-testid=compare-step-a]').textContent === String(a.step)
              && document.querySelector('[data-testid=compare-step-b]').textContent === String(b.step); }""",
        arg=step,
        timeout=WAIT_MS,
    )
    return steps(page)[0]


def test_a_pair_from_the_address_plays_steps_and_resets_in_lockstep(page, server, screenshots):
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{server}/?{PAIR}")
    compared(page)
    view = page.get_by_test_id("compare-view")
    expect(page.get_by_test_id("compare-title")).to_have_text("lr 0.03 vs lr 0.3")
    expect(page.get_by_test_id("compare-side-a")).to_have_text("lr 0.03")
    expect(page.get_by_test_id("compare-side-b")).to_have_text("lr 0.3")
    assert view.locator("svg.network").count() == 2
    expect(view.get_by_test_id("output-heatmap")).to_have_count(2)
    # The two runs side by side, each within the window's width.
    a, b = (page.get_by_test_id(f"compare-run-{x}").bounding_box() for x in "ab")
    assert a["x"] + a["width"] <= b["x"] and b["x"] + b["width"] <= 1280
    assert abs(a["y"] - b["y"]) < 2
    twin = page.evaluate("window.nnplay.compare.twin.sessionId")
    assert twin != page.evaluate("window.nnplay.sessionId")
    assert page.evaluate("window.nnplay.compare.twin.config.optimizer.lr") == 0.3
    # The address keeps the pair.
    query = parse_qs(urlsplit(page.url).query)
    assert query["lr"] == ["0.03"] and query["b.lr"] == ["0.3"]

    page.get_by_test_id("play").click()
    page.wait_for_function(
        "() => window.nnplay.snapshot.step > 20 && window.nnplay.compare.twin.snapshot.step > 20",
        timeout=WAIT_MS,
    )
    page.get_by_test_id("play").click()  # pause
    played = level_at(page)
    assert played > 20
    for _ in range(10):
        page.get_by_test_id("step").click()
    level_at(page, played + 10)
    # One chart, both runs' curves, named by the difference.
    legend = page.get_by_test_id("compare-loss-chart").locator(".legendtext")
    expect(legend).to_have_count(4)
    names = legend.all_text_contents()
    assert any("lr 0.03" in n for n in names) and any("lr 0.3" in n for n in names)
    assert page.get_by_test_id("compare-loss-chart").locator(".scatterlayer .trace").count() == 4
    settle(page)
    page.screenshot(path=screenshots / "compare-1280x720.png", full_page=True)

    page.get_by_test_id("reset").click()
    level_at(page, 0)
    # The shared link carries the pair.
    link = page.evaluate("window.nnplay.shareUrl()")
    assert "b.lr=0.3" in link and "lr=0.03" in link

    page.get_by_test_id("compare-leave").click()
    expect(view).to_be_hidden()
    expect(page.locator("main.layout")).to_be_visible()
    assert "b.lr" not in page.url


def test_the_compare_dialog_makes_a_twin_and_two_sessions_open_as_a_pair(page, server):
    page.goto(f"{server}/?preset=xor")
    ready(page)
    page.get_by_test_id("compare").click()
    dialog = page.get_by_test_id("compare-dialog")
    expect(dialog).to_be_visible()
    expect(page.get_by_test_id("twin-optimizer-lr")).to_be_focused()  # the first field, by keyboard
    page.get_by_test_id("twin-optimizer-name").select_option("adam")
    page.get_by_test_id("compare-start").press("Enter")
    compared(page)
    expect(page.get_by_test_id("compare-title")).to_have_text("optimizer sgd vs optimizer adam")
    assert parse_qs(urlsplit(page.url).query)["b.opt"] == ["adam"]
    a = page.evaluate("window.nnplay.sessionId")
    b = page.evaluate("window.nnplay.compare.twin.sessionId")

    page.goto(f"{server}/?a={a}&b={b}")
    compared(page)
    assert page.evaluate("window.nnplay.sessionId") == a
    assert page.evaluate("window.nnplay.compare.twin.sessionId") == b
    expect(page.get_by_test_id("compare-title")).to_have_text("optimizer sgd vs optimizer adam")


def test_the_compare_view_on_a_tablet(open_page, server, screenshots):
    page = open_page(viewport={"width": 1024, "height": 768}, has_touch=True)
    page.goto(f"{server}/?preset=xor&b.act=relu,relu,sigmoid")
    compared(page)
    expect(page.get_by_test_id("compare-title")).to_have_text("act tanh vs act relu")
    a, b = (page.get_by_test_id(f"compare-run-{x}").bounding_box() for x in "ab")
    assert a["x"] + a["width"] <= b["x"] and b["x"] + b["width"] <= 1024
    for run in "ab":
        plane = page.get_by_test_id(f"compare-run-{run}").get_by_test_id("output-heatmap").bounding_box()
        box = page.get_by_test_id(f"compare-run-{run}").bounding_box()
        assert box["x"] <= plane["x"] and plane["x"] + plane["width"] <= box["x"] + box["width"] + 1
    page.get_by_test_id("step").tap()
    level_at(page, 1)
    settle(page)
    page.screenshot(path=screenshots / "compare-tablet.png", full_page=True)
