"""Time travel: any earlier step, exactly, and continuing from there."""
import numpy as np
import pytest

from core.run import Run
from core.snapshot import snapshot
from core.timeline import CHECKPOINT_OVERHEAD, Timeline


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
    assert len(timeline.checkpoints) <= timeline.limit + 1
    for step in (0, 1, 7, 13, 29, 40):
        past = timeline.state_at(run, step)
        got = snapshot(past, activations=False)
        assert got["params"] == states[step]["params"], step
        assert got["step"] == step and past.history.last()["step"] == step
    assert run.step_count == 40  # the live run is untouched


def test_checkpoints_thin_within_the_budget():
    run = Run({"preset": "xor"})
    timeline = Timeline(run, budget=10 * (25 * 2 * 8 + CHECKPOINT_OVERHEAD))  # room for 10 checkpoints
    stepped(timeline, run, 500)
    assert timeline.limit == 10 and timeline.spacing > 1
    assert sum(1 for c in timeline.checkpoints if not c.pinned) <= timeline.limit
    assert timeline.checkpoints[0].step == 0


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
