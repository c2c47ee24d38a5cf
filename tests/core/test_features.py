"""Features: the inputs a network sees, computed from a plane's x1 and x2 (core/features.py)."""

import base64
import math

import numpy as np
import pytest

from core.config import resolve_config
from core.errors import ConfigError
from core.features import FEATURES, IDENTITY, network_inputs
from core.fields import BY_PATH, describe
from core.grids import grid_axes, grid_values
from core.run import Run
from core.snapshot import snapshot
from core.state import export_state, import_state

# Each feature written out again, one number at a time with math (not NumPy), to check the
# table's vectorised formulas against.
BY_HAND = {
    "x1": lambda a, b: a,
    "x2": lambda a, b: b,
    "x1^2": lambda a, b: a**2,
    "x2^2": lambda a, b: b**2,
    "x1*x2": lambda a, b: a * b,
    "sin(x1)": lambda a, b: math.sin(a),
    "sin(x2)": lambda a, b: math.sin(b),
}

SQUARES = {"preset": "circle", "features": ["x1^2", "x2^2"], "layers": [2, 1], "activations": ["sigmoid"]}


def errors_of(config):
    with pytest.raises(ConfigError) as error:
        Run(config)
    return {e["field"]: e["reason"] for e in error.value.errors}


def test_every_feature_gives_its_formula_on_every_row():
    assert set(FEATURES) == set(BY_HAND)
    x = np.random.default_rng(0).uniform(-6, 6, size=(50, 2))
    names = list(FEATURES)
    out = network_inputs(names, x)
    assert out.shape == (50, len(names)) and out.dtype == x.dtype and out.flags.c_contiguous
    for column, name in enumerate(names):
        expected = [BY_HAND[name](a, b) for a, b in x.tolist()]
        np.testing.assert_allclose(out[:, column], expected, rtol=1e-15, atol=1e-15, err_msg=name)


def test_features_keep_the_dtype_of_the_inputs():
    x = np.array([[0.5, -2.0], [3.0, 1.0]], dtype=np.float32)
    out = network_inputs(["sin(x2)", "x1*x2"], x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[math.sin(-2.0), -1.0], [math.sin(1.0), 3.0]], rtol=1e-6)


def test_the_identity_features_give_the_data_itself_not_a_copy():
    run = Run({"preset": "xor"})
    assert run.config["features"] == list(IDENTITY)
    assert run.network_data is run.data
    assert run._eval_sets["train"][0] is run.data.x_train
    x = np.zeros((3, 2))
    assert network_inputs(IDENTITY, x) is x


def test_the_default_and_the_explicit_identity_are_the_same_run():
    default, explicit = (
        Run({"preset": "spiral", "seed": 2}),
        Run({"preset": "spiral", "seed": 2, "features": ["x1", "x2"]}),
    )
    default.step(30)
    explicit.step(30)
    assert snapshot(default, grid=8) == snapshot(explicit, grid=8)
    assert default.history.as_dict() == explicit.history.as_dict()
    assert default.config["preset"] == explicit.config["preset"] == "spiral"


def test_a_run_with_features_trains_on_them():
    run = Run(SQUARES)
    data = run.data
    assert run.network_data is not data and run.sizes[0] == 2
    np.testing.assert_array_equal(run.network_data.x_train, data.x_train**2)
    np.testing.assert_array_equal(run.network_data.x_test, data.x_test**2)
    assert run.network_data.y_train is data.y_train  # only the inputs change
    # The first step's forward pass saw the squares of its batch's raw rows.
    run.step_phase()
    rows = run.pending.indices
    np.testing.assert_array_equal(run.pending.x, data.x_train[rows] ** 2)
    # With no hidden layer, a circle is a line in (x1^2, x2^2).
    run.step(600)
    assert run.metrics()["accuracy"]["test"] >= 0.95
    assert run.config["preset"] is None  # another network than the preset's


def test_the_input_layer_must_count_the_features():
    errors = errors_of({**SQUARES, "features": ["x1", "x2", "x1*x2"]})
    assert errors == {"layers[0]": "the features give 3 inputs, so the input layer needs 3 units"}
    run = Run({**SQUARES, "features": ["x1", "x2", "x1*x2"], "layers": [3, 1]})
    assert run.network_data.x_train.shape[1] == 3


def test_features_need_a_plane():
    errors = errors_of({"preset": "two-layer-digits", "features": ["x1", "x2", "x1^2"]})
    assert set(errors) == {"features"}
    assert "64 inputs" in errors["features"]
    # The default features mean the data's own inputs, however many there are.
    assert Run({"preset": "two-layer-digits"}).network_data.x_train.shape[1] == 64


@pytest.mark.parametrize(
    ("features", "field", "reason"),
    [
        ([], "features", "must be a list of 1 to 7"),
        ("x1", "features", "must be a list of 1 to 7"),
        (["x1", "x3"], "features[1]", "must be one of x1, x2, x1^2"),
        (["x1^2", "x1^2"], "features[1]", "x1^2 is listed twice"),
        ([1], "features[0]", "must be one of"),
    ],
)
def test_bad_features_are_named(features, field, reason):
    with pytest.raises(ConfigError) as error:
        resolve_config({"preset": "circle", "features": features})
    (only,) = error.value.errors
    assert only["field"] == field and reason in only["reason"]


def test_the_table_declares_features_once_as_a_topology_field():
    field = BY_PATH["features"]
    assert field.choices == tuple(FEATURES) and field.default == ["x1", "x2"]
    assert field.topology and not field.live and field.length == (1, len(FEATURES))
    (entry,) = [e for e in describe() if e["path"] == "features"]
    assert entry["choices"] == list(FEATURES) and entry["topology"]


def test_same_config_same_numbers():
    a, b = Run({**SQUARES, "seed": 5}), Run({**SQUARES, "seed": 5})
    a.step(40)
    b.step(40)
    assert snapshot(a, grid=6) == snapshot(b, grid=6)
    assert a.history.as_dict() == b.history.as_dict()


def test_export_and_import_keep_the_features_and_continue_bit_for_bit():
    run = Run(
        {
            **SQUARES,
            "features": ["x1^2", "sin(x2)", "x1*x2"],
            "layers": [3, 4, 1],
            "activations": ["tanh", "sigmoid"],
        }
    )
    run.step(11)
    run.step_phase()
    doc = export_state(run)
    assert doc["config"]["features"] == ["x1^2", "sin(x2)", "x1*x2"]
    copy = import_state(doc)
    assert copy.config["features"] == run.config["features"]
    run.step(9)
    copy.step(9)
    assert snapshot(run, grid=6) == snapshot(copy, grid=6)
    assert run.history.as_dict() == copy.history.as_dict()


def test_grids_cover_the_raw_plane_and_feed_the_network_its_features():
    run = Run({**SQUARES, "features": ["x1*x2", "sin(x1)"]})
    run.step(5)
    grid = grid_values(run, 7)
    domain = run.data.domain
    np.testing.assert_array_equal(grid["x"], np.linspace(*domain[0], 7))
    np.testing.assert_array_equal(grid["y"], np.linspace(*domain[1], 7))
    gx, gy = np.meshgrid(grid["x"], grid["y"])
    fed = np.column_stack([(gx * gy).ravel(), np.sin(gx).ravel()])
    expected = run.network.predict(fed)[:, 0].reshape(7, 7)
    np.testing.assert_allclose(grid["layers"][-1][0], expected, rtol=1e-12)


def test_the_grid_axes_carry_a_thumbnail_of_every_feature():
    run = Run({**SQUARES, "features": ["x2", "x1^2", "sin(x1)"], "layers": [3, 1]})
    axes = grid_axes(run, 30)
    assert list(axes["features"]) == list(FEATURES)  # every one: the page lists them all
    assert grid_axes(Run({"preset": "circle"}), 30)["features"] == axes["features"]  # the network's aside
    n = len(axes["unit_x"])
    gx, gy = np.meshgrid(axes["unit_x"], axes["unit_y"])
    for name, values in (("x2", gy), ("x1^2", gx**2), ("sin(x1)", np.sin(gx)), ("x1*x2", gx * gy)):
        packed = axes["features"][name]
        assert packed["low"] == pytest.approx(values.min(), abs=1e-5)
        assert packed["high"] == pytest.approx(values.max(), abs=1e-5)
        data = np.frombuffer(base64.b64decode(packed["data"]), dtype=np.uint8).reshape(n, n)
        decoded = packed["low"] + data / 255 * (packed["high"] - packed["low"])
        assert np.abs(decoded - values).max() <= (packed["high"] - packed["low"]) / 255


# Points drawn on a plane: a ring of class 0 round a blob of class 1, as the page sends them
# (inline rows with the plane's box), which x1^2 and x2^2 separate with a line.
RING = [[3 * math.cos(a), 3 * math.sin(a)] for a in np.linspace(0, 2 * math.pi, 8, endpoint=False)]
BLOB = [[0.5, 0.0], [-0.5, 0.0], [0.0, 0.5], [0.0, -0.5]]
DRAWN = {
    "name": "inline",
    "inputs": RING + BLOB,
    "labels": [0] * len(RING) + [1] * len(BLOB),
    "domain": [[-6, 6], [-6, 6]],
}


def test_points_drawn_on_a_plane_train_on_their_features_and_take_more_drawn_points():
    run = Run({**SQUARES, "preset": None, "data": DRAWN, "optimizer": {"name": "sgd", "lr": 0.5}})
    np.testing.assert_array_equal(run.network_data.x_train, run.data.x_train**2)
    run.step(400)
    assert run.metrics()["accuracy"]["train"] == 1.0  # a line in (x1^2, x2^2)
    # Points drawn later are the plane's two inputs too, however many features the network sees.
    wide = Run(
        {**SQUARES, "preset": None, "data": DRAWN, "features": ["x1", "x2", "x1*x2"], "layers": [3, 1]}
    )
    wide.replace_rows([[1.0, 2.0], [-2.0, 1.0]], labels=[0, 1])
    assert wide.network_data.x_train.tolist() == [[1.0, 2.0, 2.0], [-2.0, 1.0, -2.0]]
    with pytest.raises(ConfigError) as error:
        wide.replace_rows([[1.0, 2.0, 3.0]], labels=[0])
    assert error.value.errors == [
        {
            "field": "inputs",
            "reason": "each row must have 2 (the plane's inputs, which the features are computed from), "
            "got 3 values",
        }
    ]


def test_a_csv_of_two_columns_is_a_plane_its_features_are_computed_from():
    text = "x,y,label\n" + "".join(f"{a:.3f},{b:.3f},{int(a * a + b * b < 2)}\n" for a, b in RING + BLOB)
    run = Run(
        {**SQUARES, "preset": None, "data": {"name": "csv", "text": text}, "features": ["x1^2", "x2^2"]}
    )
    assert run.data.domain is not None
    np.testing.assert_allclose(run.network_data.x_train, run.data.x_train**2)
    run.step(5)
    assert np.isfinite(run.metrics()["loss"]["train"])
