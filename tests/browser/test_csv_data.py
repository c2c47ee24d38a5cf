"""Your data on the page: a CSV pasted or uploaded under "Your data", checked by the server,
used with the layers it needs; a bad file's error with its line, the session untouched; a
4-input CSV with its diagram and curves, the plane views hidden."""

from __future__ import annotations

import pytest

pytest.importorskip("playwright", reason="the playwright package is not installed (pip install -e '.[test]')")

from playwright.sync_api import expect  # noqa: E402

from tests.browser.test_page import (  # noqa: E402
    WAIT_MS,
    check_labels,
    check_layout,
    open_app,
    rebuilt,
    settle,
)

XOR = "preset=xor"
SPECIES = """sepal_length,sepal_width,petal_length,petal_width,species
5.1,3.5,1.4,0.2,setosa
7.0,3.2,4.7,1.4,versicolor
6.3,3.3,6.0,2.5,virginica
4.9,3.0,1.4,0.2,setosa
6.4,3.2,4.5,1.5,versicolor
5.8,2.7,5.1,1.9,virginica
5.0,3.4,1.5,0.2,setosa
5.7,2.8,4.5,1.3,versicolor
6.7,3.1,5.6,2.4,virginica
5.4,3.9,1.7,0.4,setosa
"""
REFUSED = r"the server responded with a status of 422"


def open_your_data(page) -> None:
    page.locator("[data-testid=your-data] > summary").click()
    expect(page.locator("[data-testid=csv-text]")).to_be_visible()


def use_csv(page, text: str) -> str:
    """Paste `text`, wait for the server's check, use it; returns the new session's id."""
    old = page.evaluate("window.nnplay.sessionId")
    page.locator("[data-testid=csv-text]").fill(text)
    expect(page.locator("[data-testid=csv-use]")).to_be_enabled(timeout=WAIT_MS)
    page.locator("[data-testid=csv-use]").click()
    return rebuilt(page, old)


def test_a_pasted_csv_rebuilds_the_network_for_its_width_and_classes(page, server, screenshots):
    open_app(page, server, XOR)
    open_your_data(page)
    page.locator("[data-testid=csv-text]").fill(SPECIES)
    expect(page.locator("[data-testid=csv-summary]")).to_have_text(
        "10 rows (8 to train, 2 to test), 4 inputs; 3 classes: setosa, versicolor, virginica", timeout=WAIT_MS
    )
    target = page.locator("[data-testid=csv-target]")
    expect(target).to_have_value("species")
    assert target.locator("option").all_inner_texts()[:2] == ["sepal_length", "sepal_width"]
    old = page.evaluate("window.nnplay.sessionId")
    page.locator("[data-testid=csv-use]").click()
    rebuilt(page, old)
    config = page.evaluate("window.nnplay.config")
    assert config["layers"][0] == 4 and config["layers"][-1] == 3
    assert config["activations"][-1] == "softmax" and config["loss"] == "cce"
    assert config["data"]["name"] == "csv" and config["data"]["text"] == SPECIES
    expect(page.locator("[data-testid=layer-size-0]")).to_contain_text("4")
    expect(page.locator("[data-testid=dataset]")).to_have_value("csv")
    # A change of the network keeps the data (the URL carries a short CSV; a rebuild keeps it).
    page.locator("[data-testid=neurons-plus-1]").click()
    page.wait_for_function("() => window.nnplay.config.layers[1] === 5", timeout=WAIT_MS)
    assert page.evaluate("window.nnplay.config.data.text") == SPECIES
    page.locator("[data-testid=step-epoch]").click()
    expect(page.locator("[data-testid=step-count]")).not_to_have_text("0", timeout=WAIT_MS)
    settle(page)
    check_labels(page)
    check_layout(page, "csv used")
    page.screenshot(path=str(screenshots / "csv-4-inputs.png"))


def test_a_bad_file_shows_its_line_and_the_session_stays(page, server, allow_console):
    allow_console(REFUSED, "a bad CSV is refused by the check route, on purpose")
    sid = open_app(page, server, XOR)
    layers = page.evaluate("window.nnplay.config.layers")
    open_your_data(page)
    text = page.locator("[data-testid=csv-text]")
    text.fill("x1,x2,label\n0.5,1.2,red\n-1,abc,blue\n")
    error = page.locator("[data-testid=csv-error]")
    expect(error).to_have_text("CSV: line 3, column x2: 'abc' is not a number", timeout=WAIT_MS)
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-testid=csv-use]")).to_be_disabled()
    text.fill("x1,x2,label\n0.5,1.2,red\n-1,0.3\n")
    expect(error).to_have_text("CSV: line 3 has 2 cells, the header (line 1) has 3", timeout=WAIT_MS)
    assert page.evaluate("window.nnplay.sessionId") == sid
    assert page.evaluate("window.nnplay.config.layers") == layers
    # Fixed: the error goes, and the file can be used.
    text.fill("x1,x2,label\n0.5,1.2,red\n-1,0.3,blue\n")
    expect(error).to_be_hidden(timeout=WAIT_MS)
    expect(page.locator("[data-testid=csv-use]")).to_be_enabled()


def test_an_uploaded_file_is_read_and_its_target_chosen(page, server, tmp_path):
    open_app(page, server, XOR)
    open_your_data(page)
    path = tmp_path / "heights.csv"
    path.write_text("height,age,weight\n1.62,30,60\n1.80,41,82\n1.75,25,70\n1.55,60,58\n")
    page.locator("[data-testid=csv-file]").set_input_files(str(path))
    expect(page.locator("[data-testid=csv-text]")).to_have_value(path.read_text(), timeout=WAIT_MS)
    expect(page.locator("[data-testid=csv-target]")).to_have_value("weight", timeout=WAIT_MS)
    page.locator("[data-testid=csv-target]").select_option("height")
    expect(page.locator("[data-testid=csv-summary]")).to_contain_text(
        "2 inputs; numbers to predict", timeout=WAIT_MS
    )
    old = page.evaluate("window.nnplay.sessionId")
    page.locator("[data-testid=csv-use]").click()
    rebuilt(page, old)
    config = page.evaluate("window.nnplay.config")
    assert config["data"]["target"] == "height"
    assert config["layers"][0] == 2 and config["layers"][-1] == 1 and config["loss"] == "mse"


def test_a_four_input_csv_shows_the_diagram_and_curves_without_plane_views(open_page, server, screenshots):
    for name, options in (
        ("desktop", {}),
        ("tablet", {"viewport": {"width": 1024, "height": 768}, "has_touch": True}),
    ):
        page = open_page(**options)
        open_app(page, server, XOR)
        plane = page.locator("[data-testid=heatmap-section]")
        expect(plane).to_be_visible()  # two inputs: the output plane is there
        open_your_data(page)
        use_csv(page, SPECIES)
        page.locator("[data-testid=step-epoch]").click()
        page.locator("[data-testid=step-epoch]").click()
        expect(page.locator("[data-testid=step-count]")).not_to_have_text("0", timeout=WAIT_MS)
        expect(page.locator("#diagram svg").first).to_be_visible()
        expect(page.locator("#metrics")).to_be_visible()
        for view in ("heatmap-section", "output-heatmap", "hidden-units"):
            expect(page.locator(f"[data-testid={view}]")).to_be_hidden()
        expect(page.locator("[data-testid=node-0-3]")).to_be_visible()  # the fourth input's node
        settle(page)
        check_layout(page, f"csv 4 inputs {name}")
        page.screenshot(path=str(screenshots / f"csv-4-inputs-{name}.png"), full_page=True)


def two_class_rows(n: int) -> str:
    """n points of a 2-D CSV: "inside" the unit circle or "outside", words as classes."""
    rows = []
    for i in range(n):
        x, y = ((i * 37) % 100) / 25 - 2, ((i * 61) % 100) / 25 - 2
        rows.append(f"{x:.3f},{y:.3f},{'inside' if x * x + y * y < 1.5 else 'outside'}")
    return "x,y,where\n" + "\n".join(rows) + "\n"


def test_a_2d_csv_keeps_the_plane_names_its_classes_and_a_long_one_has_no_link(page, server, screenshots):
    open_app(page, server, XOR)
    open_your_data(page)
    text = two_class_rows(300)
    assert len(text) > 4000  # longer than a URL carries (urlstate.URL_TEXT_LIMIT)
    use_csv(page, text)
    expect(page.locator("[data-testid=heatmap-section]")).to_be_visible()
    legend = page.locator("[data-testid=heatmap-legend]")
    expect(legend).to_contain_text("inside", timeout=WAIT_MS)
    expect(legend).to_contain_text("outside")
    assert "csv=" not in page.url  # too long for the address; the session keeps it
    page.locator("[data-testid=neurons-plus-1]").click()
    page.wait_for_function("() => window.nnplay.config.layers[1] === 5", timeout=WAIT_MS)
    assert page.evaluate("window.nnplay.config.data.text") == text
    page.locator("[data-testid=share]").click()
    expect(page.locator("[data-testid=share-status]")).to_contain_text("too long for a link")
    expect(page.locator("[data-testid=share-url]")).to_be_hidden()
    settle(page)
    check_layout(page, "long csv shared")
    page.screenshot(path=str(screenshots / "csv-2d-words.png"))


def test_a_reload_keeps_a_short_csv_in_the_box(page, server):
    open_app(page, server, XOR)
    open_your_data(page)
    sid = use_csv(page, SPECIES)
    page.reload()
    page.wait_for_function("(s) => window.nnplay && window.nnplay.sessionId === s", arg=sid, timeout=WAIT_MS)
    expect(page.locator("[data-testid=your-data]")).to_have_attribute("open", "")
    expect(page.locator("[data-testid=csv-text]")).to_have_value(SPECIES)
    expect(page.locator("[data-testid=csv-target]")).to_have_value("species", timeout=WAIT_MS)


def test_a_file_too_large_is_refused_before_it_is_read(page, server, tmp_path):
    open_app(page, server, XOR)
    open_your_data(page)
    most = page.evaluate("window.nnplay.datasets.find((d) => d.name === 'csv').params.text.max_bytes")
    path = tmp_path / "big.csv"
    path.write_text("x,y\n" + "1,0\n" * (most // 4))
    page.locator("[data-testid=csv-file]").set_input_files(str(path))
    expect(page.locator("[data-testid=csv-error]")).to_have_text(
        f"big.csv has {path.stat().st_size:,} bytes: at most {most:,}", timeout=WAIT_MS
    )
    expect(page.locator("[data-testid=csv-text]")).to_have_value("")
    expect(page.locator("[data-testid=csv-use]")).to_be_disabled()


def test_the_table_edits_the_rows_and_the_box_follows(page, server, allow_console):
    allow_console(REFUSED, "a cell made bad on purpose is refused by the check route")
    open_app(page, server, XOR)
    open_your_data(page)
    text = page.locator("[data-testid=csv-text]")
    text.fill("x1,x2,label\n0.5,1.2,red\n-1,0.3,blue\n")
    table = page.locator("[data-testid=csv-table]")
    expect(table).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("[data-testid=csv-cell-1-2]")).to_have_value("blue")
    expect(page.locator("[data-testid=csv-cell-1-0]")).to_have_accessible_name("line 3 x1")
    cell = page.locator("[data-testid=csv-cell-1-1]")
    cell.fill("abc")
    cell.press("Tab")
    expect(page.locator("[data-testid=csv-error]")).to_have_text(
        "CSV: line 3, column x2: 'abc' is not a number", timeout=WAIT_MS
    )
    expect(text).to_have_value("x1,x2,label\n0.5,1.2,red\n-1,abc,blue\n")
    cell.fill("0.7")
    cell.press("Enter")
    expect(page.locator("[data-testid=csv-error]")).to_be_hidden(timeout=WAIT_MS)
    page.locator("[data-testid=csv-add-row]").click()
    expect(page.locator("[data-testid=csv-summary]")).to_contain_text("3 rows", timeout=WAIT_MS)
    page.locator("[data-testid=csv-cell-2-2]").fill("green")
    page.locator("[data-testid=csv-cell-2-2]").press("Tab")
    expect(page.locator("[data-testid=csv-summary]")).to_contain_text("3 classes", timeout=WAIT_MS)
    page.locator("[data-testid=csv-delete-row-0]").click()
    expect(text).to_have_value("x1,x2,label\n-1,0.7,blue\n-1,0.7,green\n", timeout=WAIT_MS)
    old = page.evaluate("window.nnplay.sessionId")
    expect(page.locator("[data-testid=csv-use]")).to_be_enabled(timeout=WAIT_MS)
    page.locator("[data-testid=csv-use]").click()
    rebuilt(page, old)
    assert page.evaluate("window.nnplay.config.data.text") == "x1,x2,label\n-1,0.7,blue\n-1,0.7,green\n"
    check_labels(page)
