"""Time travel: any earlier step, exactly, and continuing from there."""

import numpy as np
import pytest

from core.errors import StateError
from core.memory import checkpoint_bytes
from core.run import Run
from core.snapshot import snapshot
from core.timeline import MIN_CHECKPOINTS, Timeline


def stepped(timeline, run, steps):
    """Step as the server does: in chunks that end where checkpoints are due."""
    while steps > 0:
        chunk = min(steps, timeline.until_due(run.step_count))
        run.step(chunk)
        timeline.record(run)
        steps -= chunk


@pytest.mark.parametrize("preset", ["xor", "seed-2-3-1-train", "keras-mlp"])
def test_every_earlier_step_is_reproduced_exactly(preset):
    run = Run({"preset": preset})
    timeline = Timeline(run, budget=80_000 if preset != "keras-mlp" else 100_000_000)
    reference = Run({"preset": preset})
    states = {0: snapshot(reference, activations=False)}
    for step in range(1, 41):
        reference.step(1)
        states[step] = snapshot(reference, activations=False)
    stepped(timeline, run, 40)
    assert timeline.nbytes <= timeline.max_bytes
    for step in (0, 1, 7, 13, 29, 40):
        past = timeline.state_at(run, step)
        got = snapshot(past, activations=False)
        assert got["params"] == states[step]["params"], step
        assert got["step"] == step and past.history.last()["step"] == step
    assert run.step_count == 40  # the live run is untouched


def test_checkpoints_thin_within_the_budget():
    run = Run({"preset": "xor"})
    timeline = Timeline(run, budget=10 * checkpoint_bytes(run.config))  # room for 10 checkpoints
    stepped(timeline, run, 500)
    assert timeline.max_bytes == 10 * checkpoint_bytes(run.config) and timeline.spacing > 1
    assert timeline.nbytes <= timeline.max_bytes and len(timeline.checkpoints) <= 10
    assert all(c.nbytes <= checkpoint_bytes(run.config) for c in timeline.checkpoints)
    assert timeline.checkpoints[0].step == 0


def test_a_change_after_every_step_stays_within_the_budget_and_exact():
    """'Step 1, change the learning rate', again and again: every checkpoint is pinned, and
    they count toward the budget too. The oldest go; every step still kept is exact."""
    config = {"preset": "spiral"}  # Adam: its state is kept and replayed as well
    run, reference = Run(config), Run(config)
    timeline = Timeline(run)
    states = {0: snapshot(reference, activations=False)["params"]}
    rates = [0.01 + 0.001 * (i % 7) for i in range(300)]
    for step, lr in enumerate(rates, start=1):
        for each in (run, reference):
            each.step(1)
            each.patch({"optimizer": {"lr": lr}})
        timeline.record(run)
        timeline.record(run, pinned=True)
        states[step] = snapshot(reference, activations=False)["params"]
        assert timeline.nbytes <= timeline.max_bytes
    assert len(timeline.checkpoints) >= MIN_CHECKPOINTS and all(c.pinned for c in timeline.checkpoints)
    earliest = timeline.earliest
    assert 0 < earliest < 300  # the oldest made room
    for step in (earliest, earliest + 1, (earliest + 300) // 2, 299, 300):
        past = timeline.state_at(run, step)
        assert snapshot(past, activations=False)["params"] == states[step], step
    with pytest.raises(StateError, match=f"keeps its states from step {earliest} on"):
        timeline.state_at(run, earliest - 1)


def test_pinned_and_unpinned_checkpoints_share_the_budget_and_replays_stay_exact():
    """Changes now and then between stretches of training: the loose checkpoints thin out
    first, the pinned ones go only from the oldest, and no replay crosses a change."""
    config = {"preset": "xor"}
    run, reference = Run(config), Run(config)
    timeline = Timeline(run, budget=12 * checkpoint_bytes(run.config))
    states = {0: snapshot(reference, activations=False)["params"]}
    for change in range(40):
        for _ in range(13):
            stepped(timeline, run, 1)
            reference.step(1)
            states[reference.step_count] = snapshot(reference, activations=False)["params"]
        lr = 0.05 + 0.01 * (change % 5)
        run.patch({"optimizer": {"lr": lr}})
        reference.patch({"optimizer": {"lr": lr}})
        timeline.record(run, pinned=True)
        states[reference.step_count] = snapshot(reference, activations=False)["params"]
        assert timeline.nbytes <= timeline.max_bytes
    for step in range(timeline.earliest, run.step_count + 1, 7):
        past = timeline.state_at(run, step)
        assert snapshot(past, activations=False)["params"] == states[step], step


def test_a_pinned_change_is_never_replayed_across():
    run = Run({"preset": "xor"})
    timeline = Timeline(run, budget=100)
    stepped(timeline, run, 10)
    run.patch({"optimizer": {"lr": 0.5}})
    timeline.record(run, pinned=True)
    stepped(timeline, run, 10)
    reference = Run({"preset": "xor"})
    reference.step(10)
    reference.patch({"optimizer": {"lr": 0.5}})
    reference.step(5)
    past = timeline.state_at(run, 15)
    assert all(np.array_equal(a, b) for a, b in zip(past.param_arrays(), reference.param_arrays()))


def test_out_of_range_steps_are_refused():
    run = Run({"preset": "xor"})
    timeline = Timeline(run)
    with pytest.raises(ValueError):
        timeline.state_at(run, 1)


def test_a_checkpoint_gives_fresh_arrays_of_the_state_it_kept():
    run = Run({"preset": "keras-mlp"})  # RMSProp: optimizer state as well as parameters
    timeline = Timeline(run, budget=100_000_000)
    stepped(timeline, run, 8)
    kept = [a.copy() for a in run.param_arrays()]
    first, second = timeline.checkpoints[-1].doc(), timeline.checkpoints[-1].doc()
    run.step(3)  # the run moves on; the checkpoint does not
    arrays = [layer[k] for layer in first["params"] for k in ("W", "b")]
    assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(arrays, kept))
    square = first["optimizer"]["square"]
    assert len(square) == len(kept) and all(a.shape == b.shape for a, b in zip(square, kept))
    for a in arrays + square:
        assert a.flags.writeable and a.flags.owndata  # the caller's to keep or change
    assert first["params"][0]["W"] is not second["params"][0]["W"]
