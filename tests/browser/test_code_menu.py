"""The "Code" menu: the session as a NumPy, PyTorch or Keras script, each a download, by
mouse, keyboard and touch; a script the server cannot write is said in words, not saved."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_page import check_layout, open_app  # noqa: E402

FRAMEWORKS = {"numpy": "as a NumPy script", "pytorch": "as a PyTorch script", "keras": "as a Keras script"}


def inside_the_window(page, name: str) -> None:
    """The open menu floats over the page (as a menu does) and lies wholly in the window."""
    box = page.locator(".code-pop").bounding_box()
    viewport = page.viewport_size
    assert box and viewport, name
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (name, box)
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (name, box)


def downloaded(page, link) -> tuple[str, str]:
    """Click (or tap) `link`, wait for its download; returns (file name, text)."""
    with page.expect_download() as caught:
        link()
    download = caught.value
    return download.suggested_filename, Path(download.path()).read_text(encoding="utf-8")


def test_the_menu_offers_the_three_scripts(page, server, screenshots):
    sid = open_app(page, server, "preset=seed-2-3-1")
    menu = page.locator("[data-testid=code-menu]")
    expect(page.locator("[data-testid=code-numpy]")).to_be_hidden()
    check_layout(page, "code menu closed")
    menu.locator("summary").click()
    page.locator("[data-testid=code-steps]").fill("3")
    page.screenshot(path=str(screenshots / "code-menu-1280.png"))
    inside_the_window(page, "code menu open")
    for framework, says in FRAMEWORKS.items():
        link = page.locator(f"[data-testid=code-{framework}]")
        expect(link).to_be_visible()
        name, text = downloaded(page, link.click)
        assert name == f"nnplay-{sid[:8]}-{framework}.py"
        assert says in text.splitlines()[0]
        assert "BATCH_SIZES = [1] * 3" in text  # the steps asked for
    expect(page.locator("[data-testid=code-status]")).to_contain_text("saved nnplay-")


def test_keyboard_opens_the_menu_downloads_and_escape_closes_it(page, server):
    open_app(page, server, "preset=xor")
    summary = page.locator("[data-testid=code-menu] summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.locator("[data-testid=code-menu]")).to_have_attribute("open", "")
    page.keyboard.press("Tab")
    expect(page.locator("[data-testid=code-steps]")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("[data-testid=code-numpy]")).to_be_focused()
    name, _ = downloaded(page, lambda: page.keyboard.press("Enter"))
    assert name.endswith("-numpy.py")
    page.keyboard.press("Escape")
    expect(page.locator("[data-testid=code-numpy]")).to_be_hidden()
    expect(summary).to_be_focused()


def test_a_tablet_taps_the_menu_and_a_download(open_page, server, screenshots):
    page = open_page(viewport={"width": 1024, "height": 768}, has_touch=True)
    open_app(page, server, "preset=circle")
    check_layout(page, "code menu closed on a tablet")
    page.locator("[data-testid=code-menu] summary").tap()
    link = page.locator("[data-testid=code-keras]")
    expect(link).to_be_visible()
    box = link.bounding_box()
    assert box and box["height"] >= 30, box  # tall enough to tap
    page.screenshot(path=str(screenshots / "code-menu-tablet.png"))
    inside_the_window(page, "code menu on a tablet")
    name, text = downloaded(page, link.tap)
    assert name.endswith("-keras.py") and "keras.Sequential(" in text


def test_a_script_the_server_cannot_write_is_said_not_saved(page, server, allow_console):
    allow_console(r"status of 422", "the perceptron's rule has no PyTorch optimizer: the page says so")
    open_app(page, server, "preset=perceptron-and")
    page.locator("[data-testid=code-menu] summary").click()
    downloads = []
    page.on("download", lambda download: downloads.append(download))
    page.locator("[data-testid=code-pytorch]").click()
    alert = page.locator("#alert")
    expect(alert).to_be_visible()
    expect(alert).to_contain_text("optimizer.name")
    assert downloads == []
    name, _ = downloaded(page, page.locator("[data-testid=code-numpy]").click)  # NumPy can
    assert name.endswith("-numpy.py")


def test_a_click_elsewhere_closes_the_menu(page, server):
    open_app(page, server, "preset=seed-2-3-1")
    page.locator("[data-testid=code-menu] summary").click()
    expect(page.locator("[data-testid=code-numpy]")).to_be_visible()
    page.locator("#metrics").click()
    expect(page.locator("[data-testid=code-numpy]")).to_be_hidden()


def test_a_download_under_the_page_policy(open_page, server):
    """The script is fetched and saved from a blob: address; the page's own
    Content-Security-Policy (app/headers.py) lets it, with no violation."""
    from tests.browser.test_csp import RECORD_VIOLATIONS

    page = open_page(bypass_csp=False)
    page.add_init_script(RECORD_VIOLATIONS)
    page.goto(f"{server}/?preset=xor")
    expect(page.locator("[data-testid=status]")).to_have_text("ready")
    page.locator("[data-testid=code-menu] summary").click()
    name, text = downloaded(page, page.locator("[data-testid=code-numpy]").click)
    assert name.endswith("-numpy.py") and "def main():" in text
    assert page.evaluate("window.__violations") == []
