"""The pages under their own Content-Security-Policy (app/headers.py): they load, train and
draw with scripts from the server's files only, and the browser reports no violation.

Everything here is driven by locators and clicks (Playwright's own isolated world), never
by strings evaluated in the page, which the policy forbids."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

# Every violation the page meets, recorded by the page itself before its scripts run.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
"""


def test_the_playground_and_a_lesson_work_under_their_policy(open_page, server):
    page = open_page(bypass_csp=False)
    page.add_init_script(RECORD_VIOLATIONS)
    response = page.goto(f"{server}/?preset=xor")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    expect(page.locator("[data-testid=status]")).to_have_text("ready")
    page.locator("[data-testid=step]").click()
    expect(page.locator("[data-testid=step-count]")).to_have_text("1")  # the socket is up
    expect(page.locator("#out-loss .main-svg").first).to_be_visible()  # plotly drew
    expect(page.locator("#out-heatmap canvas").first).to_be_visible()
    page.goto(f"{server}/lessons/03-chain-rule?step=3")
    expect(page.locator("[data-testid=lesson]")).to_have_attribute("data-state", "ready")
    expect(page.locator("[data-testid=formula]")).to_contain_text("0.1455")
    assert page.evaluate("window.__violations") == []
