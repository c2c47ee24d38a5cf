"""The class in the browser: the board shows the address and QR code to join, a student's
page (a network or a lesson) is on the board, the teacher sends everyone to a lesson step
and resets one student's run, and a wrong token does not keep asking."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from app.main import create_app
from app.settings import Settings
from tests.browser.test_page import ready
from tests.threaded_server import threaded_server

TOKEN = "browser-teacher-token-0123"
CODE = "ROOM42"


@pytest.fixture(scope="module")
def room():
    settings = Settings(
        host="127.0.0.1",
        port=8000,
        allowed_origins=[],
        max_sessions=200,
        mnist_dir=None,
        data_dir=None,
        teacher_token=TOKEN,
        class_code=CODE,
    )
    app = create_app(settings)
    with threaded_server(app, "nnplay-class-server", start_timeout=15) as (_, port):
        yield f"http://127.0.0.1:{port}", app


def student(open_page, base: str, name: str, path: str = "/?preset=xor", **options):
    page = open_page(**options)
    page.add_init_script(f"localStorage.setItem('nnplay:nickname', {name!r})")
    page.goto(f"{base}{path}{'&' if '?' in path else '?'}class={CODE}")
    ready(page)
    return page


def board(open_page, base: str):
    page = open_page()
    page.goto(f"{base}/teacher#token={TOKEN}")
    expect(page.locator("[data-testid=class-code]")).to_have_text(CODE)
    return page


def rows(page) -> list[str]:
    return page.locator("[data-testid=student-row] td:first-child").all_text_contents()


def test_the_board_shows_how_to_join_and_resets_a_student(open_page, room, screenshots):
    base, app = room
    teacher = board(open_page, base)
    link = teacher.locator("[data-testid=join-url]")
    expect(link).to_contain_text(f"?class={CODE}")
    # Opened on loopback: the link names an address other machines can reach, if there is one.
    from app.lan import lan_addresses

    if lan_addresses():
        assert "127.0.0.1" not in link.text_content()
    qr = teacher.locator("[data-testid=join-qr] svg").bounding_box()
    assert qr and qr["width"] >= 100 and qr["height"] >= 100

    ann = student(open_page, base, "ann")
    for _ in range(4):
        ann.locator("[data-testid=step]").click()
    expect(ann.locator("[data-testid=step-count]")).to_have_text("4")
    expect(teacher.locator("[data-testid=student-row]")).to_have_count(1)
    row = teacher.locator("[data-testid=student-row]", has_text="ann")
    expect(row.locator("td").nth(2)).to_have_text("4")
    teacher.screenshot(path=str(screenshots / "teacher-board.png"))
    row.locator("[data-testid=student-reset]").click()
    expect(ann.locator("[data-testid=step-count]")).to_have_text("0")  # the student sees it at once
    expect(row.locator("td").nth(2)).to_have_text("0")


def test_the_teacher_sends_everyone_to_a_lesson_step(open_page, room):
    base, app = room
    teacher = board(open_page, base)
    bob = student(open_page, base, "bob", has_touch=True, viewport={"width": 1024, "height": 768})
    expect(teacher.locator("[data-testid=student-row]", has_text="bob")).to_have_count(1)
    lessons = teacher.locator("[data-testid=lesson-push-lesson] option")
    lesson_id = lessons.nth(1).get_attribute("value")
    teacher.select_option("[data-testid=lesson-push-lesson]", lesson_id)
    teacher.fill("[data-testid=lesson-push-step]", "2")
    teacher.locator("[data-testid=lesson-push-send]").click()
    expect(teacher.locator("[data-testid=lesson-push-result]")).to_contain_text("sent to")
    bob.locator("[data-testid=open-lesson]").tap()
    bob.wait_for_url(f"**/lessons/{lesson_id}?step=2*")
    expect(bob.locator("[data-testid=lesson]")).to_have_attribute("data-state", "ready")
    expect(bob.locator("[data-testid=lesson]")).to_have_attribute("data-step", "2")
    sid = ready(bob)
    # The lesson's session is in the class: one row for bob, the lesson step's network.
    session = app.state.sessions.sessions[sid]
    assert (session.student, session.seat is not None) == ("bob", True)
    expect(teacher.locator("[data-testid=student-row]", has_text="bob")).to_have_count(1)


def test_a_wrong_token_is_asked_for_again_and_not_tried_every_two_seconds(open_page, room, allow_console):
    allow_console(r"status of 403", "a wrong token, on purpose")
    base, _ = room
    page = open_page()
    calls = []
    page.on("request", lambda request: calls.append(request.url) if "/api/teacher/" in request.url else None)
    page.goto(f"{base}/teacher#token=not-the-right-token-at-all")
    expect(page.locator("#login")).to_be_visible()
    page.wait_for_timeout(4500)  # two refresh periods
    assert len(calls) <= 3, calls  # the first refresh's three calls, then nothing
