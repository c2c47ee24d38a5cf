"""A run's memory, worked out from its config, against what the engine really holds."""

import gc
import tracemalloc

import pytest

from core.config import resolve_config
from core.evaluation import evaluation
from core.features import FEATURES
from core.history import HISTORY_ROWS
from core.memory import estimate, timeline_bytes, too_big
from core.run import Run
from core.timeline import Timeline

BIG = {
    "layers": [64, 1024, 900, 10],
    "activations": ["relu", "relu", "softmax"],
    "loss": "cce",
    "data": {"name": "digits"},
    "optimizer": {"name": "adam"},
}


# Many rows seen through all seven features; every row measured (no sampled copies).
FED = {
    "data": {"name": "circle", "n": 6000},
    "features": list(FEATURES),
    "layers": [7, 4, 1],
    "activations": ["tanh", "sigmoid"],
    "metrics": {"max_samples": None},
}


def stepped(timeline, run, steps):
    """Step as the server does: in chunks that end where checkpoints are due."""
    while steps > 0:
        chunk = min(steps, timeline.until_due(run.step_count))
        run.step(chunk)
        timeline.record(run)
        steps -= chunk


@pytest.mark.slow
def test_the_estimate_bounds_what_a_big_run_holds_and_stays_close_to_it():
    """The 64-1024-900-10 Adam run, trained as a session is (its timeline's checkpoints
    filled up to the budget, the metrics after every step) and a whole split predicted:
    the most it ever held is under the estimate, and not far under it."""
    gc.collect()
    tracemalloc.start()
    try:
        run = Run(BIG)
        timeline = Timeline(run)
        stepped(timeline, run, 256)  # the 9th checkpoint is pickled while 8 are kept
        evaluation(run, "train")
        gc.collect()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    parts = estimate(run.config)
    assert timeline.nbytes <= timeline.max_bytes == timeline_bytes(run.config)
    assert held < peak <= parts["total"]
    assert parts["total"] <= 1.35 * peak, (parts, peak)


@pytest.mark.parametrize(
    "config",
    [{"preset": "xor"}, {"preset": "keras-mlp"}, {"preset": "spiral"}, {"preset": "seed-2-3-1"}, FED],
    ids=["xor", "keras-mlp", "spiral", "seed-2-3-1", "seven-features"],
)
def test_the_estimate_bounds_small_runs_too(config):
    gc.collect()
    tracemalloc.start()
    try:
        run = Run(config)
        timeline = Timeline(run)
        stepped(timeline, run, 64)
        evaluation(run, "train")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= estimate(run.config)["total"]


def test_features_cost_their_copy_of_the_data_and_the_identity_nothing():
    fed = estimate(resolve_config(FED))
    plain = estimate(resolve_config({**FED, "features": ["x1", "x2"], "layers": [2, 4, 1]}))
    seen = Run(FED).network_data
    assert seen.x_train.shape == (3000, 7)
    assert fed["features"] == seen.x_train.nbytes + seen.x_test.nbytes  # the copy, to the byte
    assert fed["data"] == plain["data"]  # the data's own rows are the same two columns
    same = Run({**FED, "features": ["x1", "x2"], "layers": [2, 4, 1]})
    assert plain["features"] == 0 and same.network_data is same.data  # no copy to count


def test_the_parts_follow_the_config():
    small = resolve_config({"preset": "xor"})
    parts = estimate(small)
    assert parts["total"] == sum(v for k, v in parts.items() if k != "total")
    assert parts["history"] == HISTORY_ROWS * 8 * (7 + 3)
    adam = estimate(resolve_config({"preset": "xor", "optimizer": {"name": "adam"}}))
    assert adam["parameters"] > parts["parameters"] and adam["checkpoints"] > parts["checkpoints"]
    half = estimate(resolve_config({**BIG, "dtype": "float32"}))
    full = estimate(resolve_config(BIG))
    assert half["parameters"] * 2 == full["parameters"]
    more = estimate(resolve_config({"preset": "xor", "data": {"name": "xor", "n": 4000}}))
    assert more["data"] > parts["data"]


def test_too_big_names_the_field_that_made_it_so():
    big = resolve_config(BIG)
    total = estimate(big)["total"]
    assert too_big(big, total) is None
    field, reason = too_big(big, total // 2)
    assert field == "layers"
    assert f"{total / 2**20:,.0f} MB" in reason and f"{total // 2 / 2**20:,.0f} MB" in reason
    sgd = resolve_config({**BIG, "optimizer": {"name": "sgd"}})
    limit = estimate(sgd)["total"] + 1
    assert too_big(sgd, limit) is None
    assert too_big(big, limit, before=sgd)[0] == "optimizer.name"
    mnist = resolve_config({"preset": "two-layer-mnist", "dtype": "float64"})
    assert too_big(mnist, 256 * 2**20)[0] == "data.n"  # 70,000 images of 784 float64s


def test_a_csv_costs_its_rows_and_its_text():
    def csv(rows: int) -> dict:
        text = "a,b,c,label\n" + "".join(f"{i},{i % 7},0.5,{i % 3}\n" for i in range(rows))
        layers = {"layers": [3, 4, 3], "activations": ["tanh", "softmax"], "loss": "cce"}
        return resolve_config({"data": {"name": "csv", "text": text, "test_fraction": 0.25}, **layers})

    small, large = csv(40), csv(4000)
    parts, more = estimate(small), estimate(large)
    assert more["data"] > parts["data"] and more["config"] > parts["config"]
    # The text is held twice (the run's config and the checkpoints' copy), a byte a character.
    assert more["config"] - parts["config"] == 2 * (len(large["data"]["text"]) - len(small["data"]["text"]))


def test_a_csv_too_big_for_a_session_is_named_by_its_text():
    text = ",".join(f"c{j}" for j in range(101)) + "\n" + ("1," * 100 + "0\n") * 10_000
    config = resolve_config({"data": {"name": "csv", "text": text}, "layers": [100, 2, 1]})
    parts = estimate(config)
    assert max((k for k in parts if k != "total"), key=parts.get) == "data"
    assert too_big(config, parts["total"] - 1)[0] == "data.text"
