"""The frame pieces: u8 grids decode to the engine's values, and history tails."""

import base64
from types import SimpleNamespace

import numpy as np
import pytest

from app.frames import history_tail
from core.grids import _pack, decision_grid, grid_axes, grid_values
from core.run import Run


def _decode(packed: dict) -> np.ndarray:
    data = np.frombuffer(base64.b64decode(packed["data"]), dtype=np.uint8).astype(float)
    return packed["low"] + data / 255 * (packed["high"] - packed["low"])


def test_a_u8_grid_decodes_to_the_engines_values_within_one_level():
    run = Run({"preset": "xor", "layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"]})
    run.step(20)
    grid = decision_grid(run, 30, encoding="u8", unit_resolution=10)
    fine, coarse = grid_values(run, 30), grid_values(run, 10)
    assert grid["encoding"] == "u8"
    np.testing.assert_allclose(grid["x"], fine["x"])
    np.testing.assert_allclose(grid["unit_y"], coarse["y"])
    assert [len(layer) for layer in grid["layers"]] == [8, 8] and len(grid["output"]) == 1
    pairs = [(grid["output"][0], fine["layers"][-1][0])]
    pairs += [
        (packed, values)
        for packed_layer, layer in zip(grid["layers"], coarse["layers"])
        for packed, values in zip(packed_layer, layer)
    ]
    for packed, values in pairs:
        exact = values.ravel()
        assert packed["low"] == pytest.approx(exact.min(), abs=1e-6)
        assert packed["high"] == pytest.approx(exact.max(), abs=1e-6)
        step = (packed["high"] - packed["low"]) / 255
        assert np.abs(_decode(packed) - exact).max() <= step / 2 + 1e-5


def test_live_frames_leave_the_axes_to_grid_axes():
    run = Run({"preset": "circle", "layers": [2, 6, 1], "activations": ["tanh", "sigmoid"]})
    whole, bare = decision_grid(run, 30, encoding="u8"), decision_grid(run, 30, encoding="u8", axes=False)
    axes = grid_axes(run, 30)
    assert set(whole) - set(bare) == {"x", "y", "unit_x", "unit_y", "features"} == set(axes)
    assert bare == {key: value for key, value in whole.items() if key not in axes}
    assert axes["features"] == whole["features"]  # the feature thumbnails
    for key in ("x", "y", "unit_x", "unit_y"):
        np.testing.assert_array_equal(axes[key], whole[key])
    assert len(grid_axes(run, 8)["unit_x"]) == 8  # thumbnails never finer than the grid
    assert grid_axes(Run({"preset": "linear-4-4-4-4"}), 10) is None


def test_thumbnails_keep_the_first_units_of_each_layer():
    run = Run({"preset": "circle", "layers": [2, 6, 5, 1], "activations": ["relu", "tanh", "sigmoid"]})
    grid = decision_grid(run, 20, max_units=4, encoding="u8")
    full = decision_grid(run, 20, encoding="u8")
    assert [len(layer) for layer in grid["layers"]] == [4, 4]
    assert grid["layers"][1] == full["layers"][1][:4]


def test_packing_copes_with_flat_and_non_finite_grids():
    units = [np.full((3, 3), 0.25), np.arange(16.0).reshape(4, 4)]
    units[1][0, 0] = np.nan
    units[1][3, 3] = np.inf
    flat, ramp = _pack(units)
    assert flat["low"] == flat["high"] == 0.25 and set(_decode(flat)) == {0.25}
    assert ramp["low"] == 0.0 and ramp["high"] == 14.0  # NaN and inf count as 0.0
    decoded = _decode(ramp).reshape(4, 4)
    assert decoded[0, 0] == 0.0 and decoded[3, 3] == 0.0
    assert decoded[2, 1] == pytest.approx(9.0, abs=14 / 255)


def test_no_grid_without_two_inputs():
    for encoding in ("u8", "floats"):
        assert decision_grid(Run({"preset": "seed-2-3-1"}), 10, encoding=encoding) is not None
        assert decision_grid(Run({"preset": "linear-4-4-4-4"}), 10, encoding=encoding) is None


def test_a_history_tail_stops_at_the_rows_its_snapshot_saw():
    run = Run({"preset": "xor"})
    run.step(9)  # rows for steps 0..9
    session = SimpleNamespace(run=run)  # all history_tail reads of a session
    assert history_tail(session, 3)["step"] == [4, 5, 6, 7, 8, 9]
    assert history_tail(session, 3, rows=6)["step"] == [4, 5]
    assert history_tail(session, 7, rows=6)["step"] == []
