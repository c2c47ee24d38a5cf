"""axe-core on the pages a class uses: the playground in every theme, a lesson in every
theme, and the teacher board with a student on it. No serious or critical violation
(contrast of HTML text, names of controls, labels, ARIA); and what axe leaves undecided or
does not check, measured here (contrast_measure.js): 4.5:1 for SVG text (the diagram's
labels, the charts'), 3:1 for the edge of every control.

axe-core comes from npm at the version package-lock.json pins (tools/setup.sh test
installs it); without it these tests are skipped, saying so.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_classroom import board, room, student  # noqa: F401  (room: a fixture)
from tests.browser.test_page import ready

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
THEMES = ("light", "dark", "projector")
SERIOUS = ("serious", "critical")
CONTRAST_MEASURE = Path(__file__).with_name("contrast_measure.js").read_text(encoding="utf-8")

pytestmark = pytest.mark.skipif(
    not AXE.exists(),
    reason=f"axe-core is not installed ({AXE} is missing; `bash tools/setup.sh test` "
    "installs it with npm from package-lock.json)",
)


def serious_violations(page) -> list[str]:
    """axe's serious and critical violations on the page as it is now, one line per element."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, { resultTypes: ['violations'] })")
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']} at {' '.join(node['target'])}: "
        f"{node['failureSummary']}"
        for rule in result["violations"]
        if rule["impact"] in SERIOUS
        for node in rule["nodes"]
    ]


def short_contrast(page) -> list[str]:
    """SVG text under 4.5:1 and controls under 3:1, one line each."""
    found = page.evaluate(CONTRAST_MEASURE)
    return [f"text {line}" for line in found["text"]] + [f"control {line}" for line in found["controls"]]


def themed(open_page, theme: str, **options):
    page = open_page(**options)
    page.add_init_script(f"localStorage.setItem('nnplay:theme', {theme!r})")
    return page


@pytest.mark.parametrize("theme", THEMES)
def test_the_playground_has_no_serious_violations(open_page, server, theme):
    page = themed(open_page, theme)
    page.goto(f"{server}/?preset=xor")
    ready(page)
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    # A few steps: the metrics, charts and the heat map show numbers, not placeholders.
    page.locator("[data-testid=step-epoch]").click()
    page.wait_for_function("() => window.nnplay.snapshot.step > 0")
    found = serious_violations(page) + short_contrast(page)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("theme", THEMES)
def test_a_lesson_has_no_serious_violations(open_page, server, theme):
    page = themed(open_page, theme)
    page.goto(f"{server}/lessons/03-chain-rule?step=2")
    ready(page)
    expect(page.locator("[data-testid=lesson-title]")).to_contain_text("Lesson 3")
    assert page.evaluate("document.documentElement.dataset.theme") == theme
    found = serious_violations(page) + short_contrast(page)
    assert not found, "\n".join(found)


def test_the_teacher_board_has_no_serious_violations(open_page, room):  # noqa: F811
    base, _ = room
    teacher = board(open_page, base)
    student(open_page, base, "axe")
    expect(teacher.locator("[data-testid=student-row]", has_text="axe")).to_have_count(1)
    found = serious_violations(teacher) + short_contrast(teacher)
    assert not found, "\n".join(found)
