"""Labels name what is running: the preset box and the board's network column drop a
preset's name once the network, its weights or its data are no longer the preset's
(core/config.py PRESET_FIELDS), and keep it for a training setting."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from tests.browser.test_classroom import board, room, student  # noqa: F401  (room: a fixture)
from tests.browser.test_page import open_app, rebuilt, session_id


def shown_preset(page) -> str:
    """The text of the preset box's chosen option."""
    return page.eval_on_selector("[data-testid=preset]", "s => s.selectedOptions[0]?.textContent ?? ''")


def change_data_set(page, name: str) -> str:
    old = session_id(page)
    page.select_option("[data-testid=dataset]", name)
    return rebuilt(page, old)


def url_query(page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_the_preset_box_says_custom_once_the_data_is_another(page, server):
    open_app(page, server, "preset=xor")
    expect(page.locator("[data-testid=preset]")).to_have_value("xor")
    # A training setting keeps the name: xor with another learning rate is still xor.
    lr = page.locator("[data-testid=lr]")
    lr.fill("0.3")
    lr.press("Enter")
    page.wait_for_function("() => window.nnplay.config.optimizer.lr === 0.3")
    expect(page.locator("[data-testid=preset]")).to_have_value("xor")

    change_data_set(page, "moons")
    assert page.evaluate("window.nnplay.config.preset") is None
    expect(page.locator("[data-testid=preset]")).to_have_value("")
    assert shown_preset(page) == "custom"
    assert "xor" not in page.locator("[data-testid=preset]").get_attribute("title").lower()
    query = url_query(page)
    assert "preset" not in query and query["data"] == ["moons"]
    # The address alone builds the same custom network again.
    page.reload()
    page.wait_for_function("() => window.nnplay?.config?.data?.name === 'moons'")
    expect(page.locator("[data-testid=preset]")).to_have_value("")


def test_new_weights_on_the_textbook_net_no_longer_say_worked_by_hand(page, server):
    open_app(page, server, "preset=seed-2-3-1")
    assert "worked by hand" in shown_preset(page)
    tip = page.locator("[data-testid=playback-tip-text]")
    about = page.evaluate("window.nnplay.presets.find((p) => p.id === 'seed-2-3-1').description")
    assert about.rstrip(".") in tip.text_content()
    old = session_id(page)
    page.locator("[data-testid=reseed]").click()
    rebuilt(page, old)
    assert page.evaluate("window.nnplay.config.init.scheme") == "xavier"
    expect(page.locator("[data-testid=preset]")).to_have_value("")
    assert shown_preset(page) == "custom"
    # Nothing else describes the textbook network either: not the box's title, not the
    # buttons' help, not the button itself.
    reseed = page.locator("[data-testid=reseed]")
    said = [
        page.locator("[data-testid=preset]").get_attribute("title"),
        reseed.get_attribute("title"),
        reseed.text_content(),
        tip.text_content(),
    ]
    assert not [
        text for text in said if "worked by hand" in (text or "") or about.rstrip(".") in (text or "")
    ]


def test_the_textbook_weights_on_other_data_survive_the_next_change(page, server):
    """The textbook weights on gate-xor are no longer the preset, and a URL cannot carry
    weights: it names the preset they came from, so a later rebuild keeps them."""
    open_app(page, server, "preset=seed-2-3-1")
    textbook = page.evaluate("window.nnplay.config.init.params")
    change_data_set(page, "gate-xor")
    assert page.evaluate("window.nnplay.config.preset") is None
    expect(page.locator("[data-testid=preset]")).to_have_value("")
    old = session_id(page)
    seed = page.locator("[data-testid=seed]")
    seed.fill("5")
    seed.press("Enter")
    rebuilt(page, old)
    config = page.evaluate("window.nnplay.config")
    assert config["seed"] == 5 and config["data"]["name"] == "gate-xor" and config["preset"] is None
    assert config["init"]["scheme"] == "explicit" and config["init"]["params"] == textbook


def test_the_board_names_the_data_a_student_moved_to(open_page, room):  # noqa: F811
    base, _ = room
    teacher = board(open_page, base)
    cam = student(open_page, base, "cam")
    network = teacher.locator("[data-testid=student-row]", has_text="cam").locator("td").nth(1)
    expect(network).to_have_text("xor (2-4-2-1)")
    change_data_set(cam, "spiral")
    expect(teacher.locator("[data-testid=student-row]", has_text="cam")).to_have_count(1)
    expect(network).to_have_text("2-4-2-1 on spiral")
