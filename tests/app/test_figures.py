"""Figures: byte-identical across calls and processes, valid images, real SVG text, and
the provenance (config, seed, step) inside."""

import hashlib
import json
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
import zlib

import pytest
from fastapi.testclient import TestClient

from app.figures import render_figure
from app.main import create_app
from app.settings import Settings
from core.run import Run

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def api():
    with TestClient(create_app(Settings(allowed_hosts=["testserver"]))) as client:
        yield client


def png_chunks(data: bytes) -> dict:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        body = data[at + 8 : at + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[at + 8 + length : at + 12 + length])[0]
        chunks.setdefault(kind.decode(), []).append(body)
        at += 12 + length
    return chunks


def test_the_network_figure_carries_the_worked_numbers_as_text(api):
    sid = api.post("/api/sessions", json={"preset": "seed-2-3-1"}).json()["id"]
    response = api.get(f"/api/sessions/{sid}/figure?panel=network&format=svg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(response.content)
    texts = {"".join(node.itertext()).strip() for node in root.iter(f"{SVG}text")}
    assert {"0.7311", "0.7858", "0.6900", "1.2332", "0.8000", "z=1.0000"} <= texts


def test_the_figures_name_the_features_a_network_sees(api):
    config = {
        "preset": "circle",
        "features": ["x1^2", "sin(x2)"],
        "layers": [2, 1],
        "activations": ["sigmoid"],
    }
    sid = api.post("/api/sessions", json=config).json()["id"]
    network = ET.fromstring(api.get(f"/api/sessions/{sid}/figure?panel=network&format=svg").content)
    texts = {"".join(node.itertext()).strip() for node in network.iter(f"{SVG}text")}
    assert {"x1^2", "sin(x2)"} <= texts
    neuron = api.get(f"/api/sessions/{sid}/figure?panel=formula&layer=1&unit=0").content.decode()
    assert "x1^2" in neuron and "sin(x2)" in neuron
    assert api.get(f"/api/sessions/{sid}/figure?panel=boundary&format=png").status_code == 200


@pytest.mark.parametrize("panel", ["network", "loss", "boundary", "formula"])
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_the_same_request_gives_the_same_bytes(api, panel, fmt):
    sid = api.post("/api/sessions", json={"preset": "xor", "seed": 4}).json()["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 30})
    url = f"/api/sessions/{sid}/figure?panel={panel}&format={fmt}&theme=dark&width=640&height=400"
    first, second = api.get(url), api.get(url)
    assert first.status_code == 200 and first.content == second.content
    if fmt == "png":
        chunks = png_chunks(first.content)
        width, height = struct.unpack(">II", chunks["IHDR"][0][:8])
        assert (width, height) == (640, 400)
        text = {k.decode(): v.decode() for k, v in (c.split(b"\0", 1) for c in chunks["tEXt"])}
        provenance = json.loads(text["Description"])
    else:
        root = ET.fromstring(first.content)
        description = next(n for n in root.iter() if n.tag.endswith("description"))
        provenance = json.loads("".join(description.itertext()))
    assert provenance["step"] == 30 and provenance["seed"] == 4 and provenance["panel"] == panel
    assert provenance["config"]["preset"] == "xor"


def test_figures_are_identical_across_processes():
    code = (
        "import hashlib, sys; from core.run import Run; from app.figures import render_figure; "
        "r = Run({'preset': 'seed-2-3-1-train'}); r.step(20); "
        "print(hashlib.sha256(render_figure(r, 'network', 'png') "
        "+ render_figure(r, 'loss', 'svg')).hexdigest())"
    )
    digests = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    }
    run = Run({"preset": "seed-2-3-1-train"})
    run.step(20)
    here = hashlib.sha256(
        render_figure(run, "network", "png") + render_figure(run, "loss", "svg")
    ).hexdigest()
    assert digests == {here + "\n"}


def test_the_formula_figure_shows_the_chain_rule(api):
    sid = api.post("/api/sessions", json={"preset": "seed-2-3-1"}).json()["id"]
    weight = api.get(f"/api/sessions/{sid}/figure?panel=formula&layer=1&i=0&j=0").content.decode()
    assert "(2.4664)(0.3000)(0.1966)(1.0000)" in weight and "0.1455" in weight
    neuron = api.get(f"/api/sessions/{sid}/figure?panel=formula&layer=1&unit=0&decimals=2").content.decode()
    assert "1.00·0.80 + 1.00·0.20 = 1.00" in neuron and "sigmoid(1.00) = 0.73" in neuron


def test_bad_figure_requests_name_the_field(api):
    sid = api.post("/api/sessions", json={"preset": "two-layer-digits"}).json()["id"]
    for query, field in (
        ("panel=pie", "panel"),
        ("format=gif", "format"),
        ("theme=neon", "theme"),
        ("width=10", "width"),
        ("panel=boundary", "panel"),
        ("panel=formula&layer=5", "layer"),
        ("panel=formula&layer=1&unit=99", "unit"),
        ("panel=formula&layer=1&i=64&j=0", "i"),
    ):
        response = api.get(f"/api/sessions/{sid}/figure?{query}")
        assert response.status_code == 422, (query, response.text)
        assert field in [f["field"] for f in response.json()["error"]["fields"]], query


def test_the_landscape_figure_is_the_same_bytes_for_the_same_url_and_names_its_slice(api):
    sid = api.post("/api/sessions", json={"preset": "xor"}).json()["id"]
    api.post(f"/api/sessions/{sid}/step", json={"steps": 40})
    url = f"/api/sessions/{sid}/figure?panel=landscape&resolution=11&seed=3"
    first, second = api.get(url), api.get(url)
    assert first.status_code == 200 and first.headers["content-type"] == "image/svg+xml"
    assert first.content == second.content
    text = first.content.decode()
    assert "direction 1 (seed 3)" in text and "now, step 40" in text and "step 0" in text
    other = api.get(f"/api/sessions/{sid}/figure?panel=landscape&resolution=11&seed=4")
    assert other.content != first.content
    weights = api.get(
        f"/api/sessions/{sid}/figure?panel=landscape&resolution=11&directions=weights&weights=W1[0,0],b2[1]"
        "&format=png"
    )
    assert weights.status_code == 200
    chunks = png_chunks(weights.content)
    text_chunks = dict(c.split(b"\0", 1) for c in chunks["tEXt"])
    provenance = json.loads(text_chunks[b"Description"])
    assert provenance["select"] == {
        "directions": "weights",
        "weights": ["W1[0,0]", "b2[1]"],
        "span": 1.0,
        "resolution": 11,
    }
    for query, field in (
        ("resolution=12", "resolution"),
        ("directions=weights", "weights"),
        ("directions=weights&weights=W1[0,0],W9[0,0]", "weights"),
        ("span=-1", "span"),
    ):
        response = api.get(f"/api/sessions/{sid}/figure?panel=landscape&{query}")
        assert response.status_code == 422, (query, response.text)
        assert field in [f["field"] for f in response.json()["error"]["fields"]], query


def test_nnplay_figure_draws_the_landscape_with_the_training_path(tmp_path, capsys):
    from app.cli import main

    out, again = tmp_path / "landscape.svg", tmp_path / "again.svg"
    args = ["figure", "--preset", "xor", "--steps", "30", "--panel", "landscape", "--resolution", "9"]
    assert main([*args, "--direction-seed", "2", "-o", str(out)]) == 0
    assert main([*args, "--direction-seed", "2", "-o", str(again)]) == 0
    assert out.read_bytes() == again.read_bytes()
    text = out.read_text()
    assert "direction 1 (seed 2)" in text and "now, step 30" in text and "step 0" in text
    weights = tmp_path / "weights.png"
    assert main([*args, "--directions", "weights", "--weights", "W1[0,0],W1[1,0]", "-o", str(weights)]) == 0
    assert weights.read_bytes()[:4] == b"\x89PNG"
    assert main([*args, "--directions", "weights", "--weights", "W1[0,0]", "-o", str(out)]) == 2
    assert "--weights: name two parameters" in capsys.readouterr().err
