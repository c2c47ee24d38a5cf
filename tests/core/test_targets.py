"""Targets (core/targets.py): where training pauses by itself, never a step past it."""

import pytest

from core.errors import ConfigError
from core.run import Run
from core.targets import make_target


def train_to(run, target, most=100_000):
    """Step as a play loop does: as far as the target allows, then look."""
    while (words := target.reached(run)) is None:
        assert run.step_count < most, "the target was never reached"
        run.step(target.steps_before_check(run))
    return words


def first_step_where(run, reached, most=100_000):
    """The step count at which `reached(run)` first holds, stepping one step at a time."""
    while not reached(run):
        assert run.step_count < most
        run.step(1)
    return run.step_count


def test_a_step_target_counts_from_now():
    run = Run({"preset": "xor"})
    run.step(7)
    target = make_target(run, "steps", 50)
    assert target.asked == {"steps": 50} and target.reached(run) is None
    assert train_to(run, target) == "reached 50 steps (step 57)"
    assert run.step_count == 57


@pytest.mark.parametrize("order", ["sequential", "shuffle", "random"])
@pytest.mark.parametrize("size", [1, 3, 7, None])
def test_an_epoch_target_stops_at_the_first_step_of_that_epoch(order, size):
    config = {"preset": "xor", "batch": {"size": size, "order": order}}
    run, alone = Run(config), Run(config)
    run.step(5)
    alone.step(5)  # the same run, stepped one step at a time
    end = run.batcher.epoch + 3
    target = make_target(run, "epochs", 3)
    words = train_to(run, target)
    assert run.step_count == first_step_where(alone, lambda r: r.batcher.epoch >= end)
    assert run.batcher.epoch == end and words.startswith(f"reached 3 epochs (epoch {end}, ")


@pytest.mark.parametrize("every", [1, 4])
@pytest.mark.parametrize("kind", ["train_loss", "test_loss"])
def test_a_loss_target_stops_at_the_first_measured_step_at_or_below_it(kind, every):
    config = {"preset": "circle", "seed": 3, "metrics": {"every": every}}
    run, alone = Run(config), Run(config)
    start = run.metrics()["loss"][kind[:-5]]
    goal = start / 2
    target = make_target(run, kind, goal)
    words = train_to(run, target)

    def measured_low(r):  # a row at this step, and the loss measured at it low enough
        last = r.history.last()
        return last["step"] == r.step_count and r.metrics()["loss"][kind[:-5]] <= goal

    assert run.step_count == first_step_where(alone, measured_low)
    assert run.step_count % every == 0
    loss = run.history.last()[kind]  # the rows it looked at carry what it measured
    assert loss <= goal < run.history.column(kind)[-2]
    assert run.history.column("evaluated")[-2:] == [True, True]
    assert words == f"{kind.replace('_', ' ')} {loss:.4g} <= {goal:g} at step {run.step_count:,}"


def test_a_step_in_progress_is_finished_first():
    run = Run({"preset": "xor", "batch": {"size": 2}})
    run.step_phase()  # forward: a batch is drawn
    target = make_target(run, "epochs", 1)
    assert target.steps_before_check(run) == 1 and target.reached(run) is None
    train_to(run, target)
    assert run.batcher.epoch == 1 and run.phase == "update"


def test_targets_that_cannot_be_met_are_refused_naming_the_field():
    run = Run({"preset": "xor", "metrics": {"every": 0}})
    for kind, value, field in (
        ("train_loss", 0.1, "until.train_loss"),  # never measured
        ("steps", 0, "until.steps"),
        ("epochs", -1, "until.epochs"),
        ("test_loss", float("nan"), "until.test_loss"),
        ("accuracy", 0.9, "until"),
    ):
        with pytest.raises(ConfigError) as caught:
            make_target(run, kind, value)
        assert caught.value.errors[0]["field"] == field, (kind, value)
