"""Lessons and presentation mode in a real browser (issue "Lessons and figures").

Element contract (static/js/views/lesson/: lesson.js, present.js): the lesson panel
`[data-testid=lesson]` carries `data-state` (loading / ready / error), `data-step` (k, 1-based) and, once ready,
`data-session` (the step's session, the one the page shows); `[data-testid=lesson-counter]`
says "step k of n"; `[data-testid=lesson-prev]` / `[data-testid=lesson-next]` turn the
steps; `[data-testid=figures]` opens the figure links `[data-testid=figure-PANEL-FORMAT]`.
Presentation mode: `[data-testid=present-stage]` (canvas=WxH), `[data-testid=caption]`.
"""

from __future__ import annotations

import json
import re
import struct
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

WAIT_MS = 10_000
BUILD_MS = 30_000  # the digits lesson trains 2,000 steps before its step 2 shows

# What a name of a step's `show` / `controls` list stands for on the page (one element each).
PANEL_ELEMENT = {
    "formula": "[data-testid=formula]",
    "loss-chart": "#out-loss",
    "accuracy-chart": "#out-accuracy",
    "heatmap": "#out-heatmap",
    "digits": "#out-digits",
    "gradcheck": "[data-testid=gradcheck]",
    "landscape": "[data-testid=landscape]",
    "explorer": "[data-testid=explorer]",
    "activation-explorer": "[data-testid=explorer-activation-part]",
    "loss-explorer": "[data-testid=explorer-loss-part]",
    "timeline": "[data-testid=timeline]",
    "diagnostics": "[data-testid=diagnostics]",
}
ALWAYS_THERE = {
    "formula",
    "loss-chart",
    "gradcheck",
    "landscape",
    "explorer",
    "activation-explorer",
    "loss-explorer",
    "diagnostics",
}  # visible whenever shown
PANEL_PARTS = {
    "explorer": {"activation-explorer", "loss-explorer"}
}  # a whole shows its parts; a part, its whole


def shown_panels(step: dict) -> set[str]:
    """The panels a step shows: its `show`, with the parts of a whole and the whole of a part."""
    shown = set(step["show"])
    for whole, parts in PANEL_PARTS.items():
        if whole in shown:
            shown |= parts
        elif shown & parts:
            shown.add(whole)
    return shown


CONTROL_ELEMENT = {
    "play": "[data-testid=play]",
    "step": "[data-testid=step]",
    "phase-step": "[data-testid=phase-step]",
    "reset": "[data-testid=reset]",
    "lr": "[data-testid=lr]",
    "batch": "[data-testid=batch-size]",
    "optimizer": "[data-testid=optimizer]",
    "gradient": "[data-testid=gradient]",
}


# --- helpers -------------------------------------------------------------------------


def api(server, path: str):
    with urllib.request.urlopen(server + path, timeout=30) as response:
        return json.loads(response.read())


def step_ready(page, k: int, timeout: int = WAIT_MS) -> str:
    """Wait until the lesson panel shows step k in its session; returns the session id."""
    try:
        page.wait_for_function(
            """(k) => { const l = document.querySelector('[data-testid=lesson]');
                 const app = window.nnplay;
                 return l && l.dataset.state === 'ready' && l.dataset.step === String(k)
                   && app && app.sessionId === l.dataset.session
                   && app.snapshot && app.snapshot.session === app.sessionId
                   && app.topology && app.topology.session === app.sessionId; }""",
            arg=k,
            timeout=timeout,
        )
    except PlaywrightTimeout:
        shown = page.evaluate("""() => { const l = document.querySelector('[data-testid=lesson]');
            return l ? {state: l.dataset.state, step: l.dataset.step,
                        status: document.querySelector('[data-testid=lesson-status]')?.textContent} : null; }""")
        pytest.fail(f"lesson step {k} did not load: the panel shows {shown}")
    return page.evaluate("window.nnplay.sessionId")


def open_step(page, server, lesson_id: str, k: int, query: str = "", timeout: int = WAIT_MS) -> str:
    page.goto(f"{server}/lessons/{lesson_id}?step={k}{'&' + query if query else ''}")
    return step_ready(page, k, timeout)


def wait_number(page, selector: str, want: float, tol: float, attr: str | None = None) -> float:
    """Wait until the number in `selector` (text or attribute) is within tol of want."""
    script = """([sel, attr, want, tol]) => { const el = document.querySelector(sel); if (!el) return false;
        const v = parseFloat((attr ? el.getAttribute(attr) : el.textContent).replace(/,/g, ''));
        return Number.isFinite(v) && Math.abs(v - want) <= tol; }"""
    try:
        page.wait_for_function(script, arg=[selector, attr, want, tol], timeout=WAIT_MS)
    except PlaywrightTimeout:
        shown = page.evaluate(
            """([sel, attr]) => { const el = document.querySelector(sel);
            return el ? (attr ? el.getAttribute(attr) : el.textContent) : '<no such element>'; }""",
            [selector, attr],
        )
        pytest.fail(
            f"{selector}{' @' + attr if attr else ''}: wanted {want} (within {tol}), the page shows {shown!r}"
        )
    text = page.evaluate(
        "([sel, attr]) => { const el = document.querySelector(sel);"
        " return attr ? el.getAttribute(attr) : el.textContent; }",
        [selector, attr],
    )
    return float(text.replace(",", ""))


def step_count(page) -> int:
    return int(page.locator("[data-testid=step-count]").inner_text().replace(",", ""))


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


# A number as a lesson's text or the screen writes it: 1, 0.7311, 3,760, 3.054e-4, 88.3%;
# not the digits of a name (w1_11, 8x8). Signs are left aside.
NUMBER = re.compile(r"(?<![\w.^])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e-?\d+)?(?![\w])")


def written(text: str) -> tuple[float, float]:
    """(value, half a unit in its last written digit): "0.7311" -> (0.7311, 5e-5)."""
    mantissa, _, exponent = text.replace(",", "").partition("e")
    decimals = len(mantissa.partition(".")[2])
    scale = 10.0 ** int(exponent or 0)
    return float(mantissa) * scale, 0.5 * 10.0**-decimals * scale


def screen_text(page) -> str:
    """Everything the page shows outside the lesson panel: its visible text (the diagram's
    SVG labels included) and the values of its visible fields."""
    return page.evaluate("""() => {
        const panel = document.querySelector('[data-testid=lesson]');
        const shown = (el) => el && !panel.contains(el) && el.getClientRects().length > 0
            && getComputedStyle(el).visibility !== 'hidden';
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (shown(node.parentElement)) out.push(node.textContent);
        }
        for (const field of document.querySelectorAll('input, select')) if (shown(field)) out.push(field.value);
        return out.join(' ');
    }""")


def check_text_numbers_on_screen(page, where: str) -> None:
    """Every number the step's text states is one the screen shows, to the digits written."""
    text = page.locator("[data-testid=lesson-text]").inner_text()
    screen = [written(m) for m in NUMBER.findall(screen_text(page))]
    missing = []
    for number in NUMBER.findall(text):
        value, half = written(number)
        if not any(abs(value - shown) <= half + 1e-12 * abs(value) for shown, _ in screen):
            missing.append(number)
    assert not missing, f"{where}: the text states {missing}, which the screen does not show"


def check_step_shows(page, lesson: dict, k: int, created_step: int) -> None:
    """The panel text, the counters and the panels/controls of step k of `lesson`."""
    step = lesson["steps"][k - 1]
    n = len(lesson["steps"])
    expect(page.locator("[data-testid=lesson-counter]")).to_have_text(f"step {k} of {n}")
    expect(page.locator("[data-testid=lesson-step-title]")).to_have_text(step["title"])
    expect(page.locator("[data-testid=lesson-text]")).not_to_contain_text("\u2026")  # filled in
    expect(page.locator("[data-testid=lesson-title]")).to_contain_text(lesson["title"])
    assert parse_qs(urlsplit(page.url).query).get("step") == [str(k)], page.url
    # The step counter: the session's own step, which is the step's `steps` (plus the one
    # an "update" phase finishes) unless epochs were taken or the run diverged on the way.
    assert step_count(page) == created_step
    status = page.evaluate("window.nnplay.snapshot.status")
    if not step["epochs"] and status != "diverged":
        assert created_step == step["steps"] + (1 if step["phase"] == "update" else 0), (lesson["id"], k)
    if step["phase"]:
        assert page.evaluate("window.nnplay.snapshot.phase") == step["phase"]
    # Always there: the diagram and the lesson panel; never: the playground's data panel.
    expect(page.locator("[data-testid=lesson]")).to_be_visible()
    expect(page.locator("#diagram svg")).to_be_visible()
    expect(page.locator("#data-panel")).to_be_hidden()
    expect(page.locator("[data-testid=preset]")).to_be_hidden()
    two_d = page.evaluate("window.nnplay.config.layers[0] === 2")
    shown = shown_panels(step)
    for name, selector in PANEL_ELEMENT.items():
        if name not in shown:
            expect(page.locator(selector), f"{lesson['id']} step {k}: {name} hidden").to_be_hidden()
        elif name in ALWAYS_THERE or (name == "heatmap" and two_d):
            expect(page.locator(selector), f"{lesson['id']} step {k}: {name} shown").to_be_visible()
    for name, selector in CONTROL_ELEMENT.items():
        if name in step["controls"]:
            expect(page.locator(selector), f"{lesson['id']} step {k}: control {name} shown").to_be_visible()
        else:
            expect(page.locator(selector), f"{lesson['id']} step {k}: control {name} hidden").to_be_hidden()


# --- the list ------------------------------------------------------------------------


def test_the_lessons_page_lists_the_ten_lessons(page, server):
    listed = api(server, "/api/lessons")
    assert len(listed) == 10
    page.goto(server + "/")
    link = page.locator("#page-tools [data-testid=lessons-link]")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url(f"{server}/lessons")
    items = page.locator("[data-testid=lesson-item]")
    expect(items).to_have_count(10)
    for index, lesson in enumerate(listed):
        item = items.nth(index)
        expect(item).to_have_attribute("data-id", lesson["id"])
        expect(item).to_contain_text(lesson["title"])
        expect(item).to_contain_text(lesson["summary"])
        expect(item).to_contain_text(f"{lesson['steps']} steps")
        expect(item.locator("a")).to_have_attribute("href", f"/lessons/{lesson['id']}")
        expect(item.locator(".lesson-card-number")).to_have_text(str(lesson["number"]))
    items.nth(0).locator("a").click()
    page.wait_for_url(re.compile(r"/lessons/01-forward-pass\?step=1$"))
    step_ready(page, 1)


def test_an_unknown_lesson_is_not_found(page, server, allow_console):
    allow_console(r"status of 404", "the test opens a lesson that does not exist")
    response = page.goto(server + "/lessons/99-nothing")
    assert response.status == 404


# --- every step ----------------------------------------------------------------------


def test_every_step_of_every_lesson_loads_and_shows_its_state(page, server):
    """Each lesson from its first step, turned with the Next button. No console errors (the
    page fixture checks). The slowest steps (3 epochs of the 512-unit Keras-style net, 2,000
    digits steps) take the server a few seconds each to build."""
    for summary in api(server, "/api/lessons"):
        lesson = api(server, f"/api/lessons/{summary['id']}")
        count = len(lesson["steps"])
        first = open_step(page, server, lesson["id"], 1, timeout=BUILD_MS)
        sessions = [first]
        for k in range(1, count + 1):
            if k > 1:
                page.click("[data-testid=lesson-next]")
                sessions.append(step_ready(page, k, timeout=BUILD_MS))
            created = page.evaluate("window.nnplay.lesson.created.snapshot.step")
            check_step_shows(page, lesson, k, created)
            check_text_numbers_on_screen(page, f"{lesson['id']} step {k}")
        assert len(set(sessions)) == len(sessions), "every step has its own new session"
        expect(page.locator("[data-testid=lesson-next]")).to_be_disabled()


# --- the steps that show the worked numbers --------------------------------------------


def test_the_steps_show_the_numbers_their_text_states(page, server):
    # Lesson 1, step 4: the output of the 2-3-1 network is 1.2332, its output unit selected.
    open_step(page, server, "01-forward-pass", 4)
    wait_number(page, "[data-testid=node-2-0]", 1.2332, 1e-4, attr="data-value")
    expect(page.locator("[data-testid=node-2-0]")).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("[data-testid=formula]")).to_have_attribute("data-kind", "neuron")
    # Lesson 4, step 2: 100 updates, train loss about 3.05e-4.
    open_step(page, server, "04-finite-differences", 2)
    assert step_count(page) == 100
    wait_number(page, "[data-testid=train-loss]", 3.05e-4, 0.01e-4)
    # Lesson 6, step 2: the perceptron's weights after ten passes, W = (0.1, 0.2).
    open_step(page, server, "06-perceptron", 2)
    wait_number(page, "[data-testid=edge-0-0-0]", 0.1, 1e-9, attr="data-weight")
    wait_number(page, "[data-testid=edge-0-1-0]", 0.2, 1e-9, attr="data-weight")
    # Lesson 3, step 1: stopped after the backward pass, w11 selected.
    open_step(page, server, "03-chain-rule", 1)
    assert page.evaluate("window.nnplay.snapshot.phase") == "backward"
    if page.locator("[data-testid=phase]").count():
        expect(page.locator("[data-testid=phase]")).to_have_text("backward")
    expect(page.locator("[data-testid=edge-0-0-0]")).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("[data-testid=formula]")).to_have_attribute("data-kind", "weight")


def test_previous_and_next_change_the_step_and_the_url(page, server):
    first = open_step(page, server, "01-forward-pass", 1)
    expect(page.locator("[data-testid=lesson-prev]")).to_be_disabled()
    page.click("[data-testid=lesson-next]")
    second = step_ready(page, 2)
    assert second != first
    assert parse_qs(urlsplit(page.url).query)["step"] == ["2"]
    expect(page.locator("[data-testid=lesson-counter]")).to_have_text("step 2 of 4")
    expect(page.locator("[data-testid=node-1-0]")).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("PageDown")
    step_ready(page, 3)
    expect(page.locator("[data-testid=node-1-1]")).to_have_class(re.compile(r"\bselected\b"))
    # The page deletes the sessions of the steps it left (a moment later).
    deadline = time.monotonic() + 8
    while second in server.app.state.sessions.sessions and time.monotonic() < deadline:
        time.sleep(0.05)
    assert second not in server.app.state.sessions.sessions
    page.click("[data-testid=lesson-prev]")
    step_ready(page, 2)
    page.go_back()  # history: step 3 again
    step_ready(page, 3)
    assert parse_qs(urlsplit(page.url).query)["step"] == ["3"]
    # A step out of range is the nearest step; the URL says which.
    page.goto(f"{server}/lessons/01-forward-pass?step=99")
    step_ready(page, 4)
    assert parse_qs(urlsplit(page.url).query)["step"] == ["4"]


def test_the_figures_menu_links_the_figures_of_what_is_on_screen(page, server):
    session = open_step(page, server, "03-chain-rule", 1)
    page.click("[data-testid=figures] summary")
    base = f"/api/sessions/{session}/figure?"
    for panel in ("network", "loss", "boundary"):
        for fmt in ("svg", "png"):
            expect(page.locator(f"[data-testid=figure-{panel}-{fmt}]")).to_have_attribute(
                "href", f"{base}panel={panel}&format={fmt}"
            )
    formula = page.locator("[data-testid=figure-formula-svg]")
    expect(formula).to_have_attribute("href", f"{base}panel=formula&format=svg&layer=1&i=0&j=0")
    expect(formula).to_have_attribute("download", "lesson03-step1-formula.svg")
    for testid, kind in (("figure-formula-svg", "image/svg+xml"), ("figure-network-png", "image/png")):
        href = page.locator(f"[data-testid={testid}]").get_attribute("href")
        response = page.request.get(server + href)
        assert response.status == 200 and response.headers["content-type"].startswith(kind), (
            testid,
            response.status,
        )
    # Digits: no boundary (64 inputs) and no formula (nothing selected).
    open_step(page, server, "08-digits", 1)
    page.click("[data-testid=figures] summary")
    expect(page.locator("[data-testid=figure-network-svg]")).to_be_visible()
    expect(page.locator("[data-testid=figure-boundary-svg]")).to_have_count(0)
    expect(page.locator("[data-testid=figure-formula-svg]")).to_have_count(0)


# --- presentation mode ---------------------------------------------------------------

PRESENT = "present=1&canvas=1280x720&caption=1&hide=data,hyper"


def settled(page) -> None:
    """Wait until the stage has scaled its page to what is on it now."""
    page.wait_for_function(
        "() => { const c = document.querySelector('.present-content');"
        " return c && c.dataset.scale && !c.dataset.fitting; }"
    )
    page.wait_for_timeout(300)  # Plotly redraws the charts at their new width
    page.wait_for_function("() => !document.querySelector('.present-content').dataset.fitting")


def check_stage(page, width: int, height: int) -> None:
    """The page is exactly the canvas: no scrolling, the stage and its caption fill it."""
    settled(page)
    sizes = page.evaluate("""() => ({ w: document.documentElement.scrollWidth, h: document.documentElement.scrollHeight,
        stage: (({width, height}) => [width, height])(document.querySelector('[data-testid=present-stage]').getBoundingClientRect()),
        caption: document.querySelector('[data-testid=caption]')?.getBoundingClientRect().bottom })""")
    assert sizes["stage"] == [width, height], sizes
    assert (sizes["w"], sizes["h"]) == (width, height), sizes
    assert sizes["caption"] == height, sizes
    assert png_size(page.locator("[data-testid=present-stage]").screenshot()) == (width, height)
    assert png_size(page.screenshot(full_page=True)) == (width, height)


def test_presentation_mode_on_the_playground(page, server, screenshots):
    page.goto(f"{server}/?preset=seed-2-3-1&{PRESENT}")
    page.wait_for_function("() => window.nnplay && window.nnplay.snapshot && window.nnplay.topology")
    expect(page.locator("html")).to_have_class(re.compile(r"\bpresent\b"))
    caption = page.locator("[data-testid=caption]")
    expect(caption).to_contain_text("2-3-1 sigmoid/linear")
    expect(caption).to_contain_text("1.5208")
    expect(caption).to_contain_text("step 0")
    expect(page.locator("#data-panel")).to_be_hidden()
    expect(page.locator("#hyper-panel")).to_be_hidden()
    expect(page.locator("#diagram svg")).to_be_visible()
    # Bigger type than the playground's 14 px.
    assert page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)") > 16
    # The app rewrote its URL from the config and kept the presentation parameters.
    query = parse_qs(urlsplit(page.url).query)
    assert query["layers"] == ["2,3,1"]
    assert (query["present"], query["canvas"], query["caption"], query["hide"]) == (
        ["1"],
        ["1280x720"],
        ["1"],
        ["data,hyper"],
    )
    check_stage(page, 1280, 720)
    # The caption follows the engine: one step later it says step 1 and the new loss.
    page.evaluate("window.nnplay.send({type: 'step', steps: 1})")
    expect(caption).to_contain_text("step 1")
    expect(caption).not_to_contain_text("1.5208")
    for theme in ("light", "dark", "projector"):
        page.evaluate(
            "(t) => { const s = document.querySelector('[data-testid=theme]'); s.value = t;"
            " s.dispatchEvent(new Event('change')); }",
            theme,
        )
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        check_stage(page, 1280, 720)
        page.screenshot(path=str(screenshots / f"present-playground-{theme}.png"), animations="disabled")


def test_presentation_mode_on_a_lesson_step(open_page, server, screenshots):
    page = open_page(viewport={"width": 1920, "height": 1080})
    open_step(page, server, "03-chain-rule", 1, "present=1&canvas=1920x1080&caption=1")
    caption = page.locator("[data-testid=caption]")
    expect(caption).to_contain_text("Lesson 3, step 1 of 3")
    expect(caption).to_contain_text("2-3-1 sigmoid/linear")
    expect(caption).to_contain_text("1.5208")
    page.click("[data-testid=lesson-next]")
    step_ready(page, 2)
    expect(caption).to_contain_text("Lesson 3, step 2 of 3")
    query = parse_qs(urlsplit(page.url).query)
    assert (query["step"], query["canvas"]) == (["2"], ["1920x1080"])
    assert "layers" not in query, "a lesson page's URL is its step, not a config"
    check_stage(page, 1920, 1080)
    for theme in ("light", "dark", "projector"):
        page.evaluate(
            "(t) => { const s = document.querySelector('[data-testid=theme]'); s.value = t;"
            " s.dispatchEvent(new Event('change')); }",
            theme,
        )
        settled(page)
        page.screenshot(path=str(screenshots / f"present-lesson-{theme}.png"), animations="disabled")


def test_lesson_step_screenshots_in_every_theme(page, server, screenshots):
    open_step(page, server, "07-learning-rate-and-batch", 2)
    expect(page.locator("[data-testid=lr]")).to_be_visible()
    expect(page.locator("[data-testid=optimizer]")).to_be_hidden()
    expect(page.locator("#hyper-panel [data-testid=loss]")).to_be_hidden()
    for theme in ("light", "dark", "projector"):
        page.select_option("[data-testid=theme]", theme)
        expect(page.locator("html")).to_have_attribute("data-theme", theme)
        page.wait_for_timeout(300)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{theme}: the lesson page scrolls sideways by {overflow}px"
        page.screenshot(path=str(screenshots / f"lesson-07-2-{theme}.png"), animations="disabled")
    page.select_option("[data-testid=theme]", "light")


# --- a stage for every step ---------------------------------------------------------------

STAGE_MEASURE = (Path(__file__).with_name("stage_measure.js")).read_text(encoding="utf-8")
THEMES = ("light", "dark", "projector")
MIN_BODY_PX = 18  # at 1280x720; a larger canvas draws the same design larger


@pytest.mark.slow
@pytest.mark.parametrize(
    "width,height,themes",
    # A 1920x1080 canvas lays out the same 1280x720 design and draws it 1.5 times as large:
    # what a theme changes in that layout is measured on the 1280x720 canvas; the larger
    # one checks that every step keeps its layout and scales its text.
    [(1280, 720, THEMES), (1920, 1080, THEMES[:1])],
    ids=["1280-720", "1920-1080"],
)
def test_every_lesson_step_fits_its_stage_legibly(open_page, server, screenshots, width, height, themes):
    """Every step of every lesson, in every theme on a 1280x720 canvas and in the first on a
    1920x1080 one: no text smaller than 18 px (times the canvas's scale of the 1280x720
    design), nothing cut off by the stage or by a panel."""
    page = open_page(viewport={"width": width, "height": height})
    scale = min(width / 1280, height / 720)
    problems = []
    for summary in api(server, "/api/lessons"):
        for k in range(1, summary["steps"] + 1):
            open_step(
                page,
                server,
                summary["id"],
                k,
                f"present=1&canvas={width}x{height}&caption=1",
                timeout=BUILD_MS,
            )
            for theme in themes:
                page.evaluate(
                    "(t) => { const s = document.querySelector('[data-testid=theme]'); s.value = t;"
                    " s.dispatchEvent(new Event('change')); }",
                    theme,
                )
                settled(page)
                measured = page.evaluate(STAGE_MEASURE)
                where = f"{summary['id']} step {k} ({theme}, {width}x{height})"
                assert measured["scale"] == pytest.approx(scale), where
                if measured["smallest"]["size"] < MIN_BODY_PX * scale - 0.05:
                    problems.append(
                        f"{where}: text of {measured['smallest']['size']:.1f} px: {measured['smallest']}"
                    )
                if measured["cut"]:
                    problems.append(f"{where}: cut off: {'; '.join(measured['cut'][:4])}")
                    page.screenshot(
                        path=str(screenshots / f"stage-{width}-{summary['id'][:2]}-{k}-{theme}.png")
                    )
    assert not problems, "\n".join(problems)
