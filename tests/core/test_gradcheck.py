"""The gradient check of a run, and how it stops early when told to (a time budget)."""

import numpy as np

from core.config import resolve_config
from core.gradcheck import check_gradients
from core.gradients import gradient_check
from core.run import Run


def flat(by_layer: list[dict]) -> list[np.ndarray]:
    """The arrays of a by-layer list in parameter order (W1, b1, W2, ...)."""
    return [
        np.asarray(layer[name], dtype=float)
        for layer in by_layer
        for name in ("W", "b")
        if layer[name] is not None
    ]


def test_a_check_told_to_stop_keeps_what_it_worked_out_and_says_how_far_it_got():
    run = Run(resolve_config({"preset": "xor"}))  # W1 2x4, b1 4, W2 4x2, b2 2, W3 2x1, b3 1
    whole = check_gradients(run)
    assert whole["checked"] == whole["parameters"] == 25
    asked = []

    def should_stop() -> bool:
        asked.append(True)
        return len(asked) > 10  # ten parameters, then stop: all of W1, half of b1

    part = check_gradients(run, should_stop=should_stop)
    assert part["checked"] == 10
    assert part["cost"]["numeric"]["loss_evaluations"] == 1 + 2 * 10

    numeric, full = flat(part["numeric"]), flat(whole["numeric"])
    entries = np.concatenate([a.ravel() for a in numeric])
    assert np.array_equal(entries[:10], np.concatenate([a.ravel() for a in full])[:10])
    assert np.isnan(entries[10:]).all()
    relative = np.concatenate([a.ravel() for a in flat(part["relative"])])
    assert np.isnan(relative[10:]).all() and not np.isnan(relative[:10]).any()
    assert flat(part["backprop"])[0].tolist() == flat(whole["backprop"])[0].tolist()

    measures = [layer[name] for layer in part["check"] for name in ("W", "b")]
    wholly = [layer[name] for layer in whole["check"] for name in ("W", "b")]
    assert measures[0] == wholly[0]  # W1: every entry checked, the same measures
    # b1: its first two entries, measured as gradient_check measures them.
    bp_b1 = flat(whole["backprop"])[1]
    expected = gradient_check([bp_b1[:2]], [flat(whole["numeric"])[1][:2]], ["b1"])[0]
    assert measures[1] == {k: expected[k] for k in ("max_abs", "max_rel", "rel_norm")}
    for untouched in measures[2:]:  # W2 onwards: nothing to measure
        assert all(np.isnan(value) for value in untouched.values())


def test_a_check_never_told_to_stop_is_the_same_as_one_without_the_question():
    run = Run(resolve_config({"preset": "xor"}))
    plain, asked = check_gradients(run), check_gradients(run, should_stop=lambda: False)
    assert asked["checked"] == plain["checked"] == plain["parameters"]
    for key in ("numeric", "relative", "backprop"):
        for a, b in zip(flat(plain[key]), flat(asked[key])):
            assert np.array_equal(a, b)
    assert asked["check"] == plain["check"]
