"""What a client can ask of a session, shared by the REST routes and the socket.

Every command that changes the state tells all sockets watching the session.
"""

from __future__ import annotations

import asyncio
import secrets

from app.errors import invalid
from app.frames import topology_message
from app.heavy import Budget, HeavyCalls
from app.live import broadcast
from app.playclock import start_playing, stop_playing
from app.sessions import Session, Stepped
from app.streaming import copy_cost
from core.config import patch_config
from core.data.load import fixed_rows
from core.errors import StateError
from core.fields import MAX_SEED
from core.memory import estimate, too_big
from core.run import PHASES
from core.state import export_state
from core.targets import make_target


async def step(
    session: Session,
    *,
    steps: int | None = None,
    epochs: int | None = None,
    phase: str | None = None,
    limit: int = 10_000,
    heavy: HeavyCalls | None = None,
    budget: Budget | None = None,
    until: tuple[str, float] | None = None,
) -> Stepped:
    """One of: n steps, n epochs, or phases up to and including `phase` (none: one step).
    With `until` (a target's kind and value, core/targets.py) it stops at the step that
    reaches it: alone, a step or epoch target is that many steps or epochs and a loss
    target takes up to `limit` steps; with steps or epochs, those are the most it takes.
    At most `limit` steps, however they are asked for; with `heavy` and a `budget`, a long
    call is a heavy one (app/heavy.py) and may stop early. Returns what it did."""
    given = [k for k, v in (("steps", steps), ("epochs", epochs), ("phase", phase)) if v is not None]
    if len(given) > 1 or (until is not None and phase is not None):
        reason = "give only one of steps, epochs or phase"
        raise invalid(
            [{"field": k, "reason": reason} for k in (*given, *(["until"] if until else []))],
            message="give one of steps, epochs or phase",
        )
    fields = dict(steps="steps", epochs="epochs")
    if until is not None and not given:
        kind, value = until
        if kind in fields:  # the target is the count itself
            steps, epochs = (int(value), None) if kind == "steps" else (None, int(value))
            fields[kind] = f"until.{kind}"
        else:
            steps = limit
    if steps is None and epochs is None and phase is None:
        steps = 1
    batcher = session.run.batcher
    expected = steps or (epochs or 0) * -(-batcher.n // batcher.size)
    if expected > limit:
        field = fields["steps" if steps else "epochs"]
        raise invalid(field, f"that is {expected:,} steps; at most {limit:,} per call")
    await stop_playing(session)
    target = None if until is None else await session.call(make_target, session.run, *until, cost=0.0)
    if phase is not None:
        before = session.run.step_count
        await session.call(_phase, session, phase, cost=session.step_seconds)
        _announce(session)
        return Stepped(session.run.step_count - before, None)
    try:
        stepped = await session.step(
            steps=steps or 0, epochs=epochs or 0, heavy=heavy, budget=budget, target=target
        )
    except asyncio.CancelledError:
        _announce(session)  # the asking socket closed: the steps it did take are shown to others
        raise
    _announce(session)
    return stepped


def _phase(session: Session, wanted: str) -> None:
    """Run phases until `wanted` has run: from idle, "update" runs a whole step."""
    for _ in PHASES:
        name = session.run.step_phase()
        if name == "update":
            session.timeline.record(session.run)
        if name == wanted:
            return


async def patch(session: Session, partial: dict) -> None:
    """Live settings; one that would take the session past its memory limit (another
    optimizer's state, say) is a 422 naming the field, and nothing changes."""

    session.until = None  # an edit is a new experiment: play goes on, without the old target

    def change(partial: dict) -> None:
        session.grow_check(patch_config(session.run.config, partial))
        session.run.patch(partial)

    grown = session.memory
    await session.call(_changed, session, change, partial, cost=0.0)
    broadcast(session, {"type": "config", "config": session.run.config})
    broadcast(session)
    if session.memory > grown and session.on_grown is not None:
        await session.on_grown(session)


async def new_data(session: Session, seed: int | None) -> None:
    """The data drawn afresh with data seed `seed` (None: a random one), the weights kept
    and a playing run going on. Every socket gets the new points (a topology message).
    Data whose rows no seed changes (core.data.load.fixed_rows) is a 422 naming data.seed:
    a new seed there would only mark a data change that changed nothing."""
    same = fixed_rows(session.run.config["data"])
    if same is not None:
        raise invalid("data.seed", f"new data would be the same rows: {same}")
    chosen = secrets.randbelow(MAX_SEED + 1) if seed is None else seed
    session.until = None  # other data: a loss target set on the old data no longer means the same

    def change() -> dict:
        _changed(session, session.run.new_data, chosen)
        return topology_message(session)

    broadcast(session, await session.call(change, cost=0.0))
    broadcast(session, {"type": "config", "config": session.run.config})
    broadcast(session)


async def replace_rows(
    session: Session, inputs: list, labels: list | None = None, targets: list | None = None
) -> None:
    """The session trains on these rows from now on (drawn on the plane), the weights,
    optimizer and history kept and a playing run going on (core.run.Run.replace_rows).
    Every socket gets the new points (a topology message, with the data changes)."""
    session.until = None  # other data: a loss target set on the old data no longer means the same

    def change() -> dict:
        if session.memory_limit is not None:  # more rows cost more memory: named as the rows
            drawn = {"name": "inline", "inputs": inputs, "test_fraction": 0.0}
            problem = too_big(
                {**session.run.config, "data": drawn}, session.memory_limit, before=session.run.config
            )
            if problem is not None:
                raise invalid("inputs", problem[1])
        _changed(session, session.run.replace_rows, inputs, labels=labels, targets=targets)
        session.memory = estimate(session.run.config)["total"]
        return topology_message(session)

    grown = session.memory
    broadcast(session, await session.call(change, cost=0.0))
    broadcast(session, {"type": "config", "config": session.run.config})
    broadcast(session)
    if session.memory > grown and session.on_grown is not None:
        await session.on_grown(session)


async def reset(session: Session) -> None:
    await stop_playing(session)

    def work() -> None:
        session.run.reset()
        session.timeline.clear(session.run)

    await session.call(work, cost=0.0)
    session.generation += 1
    broadcast(session)


async def restore(session: Session) -> None:
    """A diverged run back at its last good step, paused."""
    await stop_playing(session)
    await session.call(_changed, session, session.run.restore_last_good, cost=0.0)
    broadcast(session)


async def set_params(session: Session, params: list[dict]) -> None:
    session.until = None  # new weights: the old target no longer means what it did
    await session.call(_changed, session, session.run.set_params, params, cost=0.0)
    broadcast(session)


def _changed(session: Session, change, *args, **options) -> None:
    """A user's change at this step: kept in the timeline, so replays start after it."""
    change(*args, **options)
    session.timeline.record(session.run, pinned=True)


async def rewind(session: Session, step: int) -> None:
    """Go back to exactly the state after `step` steps and continue from there."""
    await stop_playing(session)

    def work() -> None:
        past = session.timeline.state_at(session.run, step, mnist_dir=session.run.mnist_dir)
        session.timeline.truncate_after(step)
        session.replace_run(past)

    await session.call(work)
    broadcast(session)


async def play(
    session: Session, steps_per_second: float, until: tuple[str, float] | None = None, *, resume: bool = False
) -> None:
    """Play at this speed; with `until` (a target's kind and value), pause by itself once
    it is reached, counted from now. `resume`: play again as it played before nobody
    watched, towards the target it had."""
    if session.run.status == "diverged":
        raise StateError("the run diverged; reset it, edit the weights or lower the learning rate")
    target = None if until is None else await session.call(make_target, session.run, *until, cost=0.0)
    if resume:
        target = session.until
    start_playing(session, steps_per_second, target)
    broadcast(session)


async def pause(session: Session) -> None:
    await stop_playing(session)
    broadcast(session)


async def export(session: Session) -> dict:
    """The export document (core/state.py) as it is now, to be written at leisure: copies
    of the arrays (in a worker thread for a large network) and a view of the history, both
    taken under the session's lock; app/streaming.py writes them as export_state's plain
    document would be written."""
    numbers = sum(a.size for a in session.run.param_arrays()) * (2 + len(session.run.optimizer.state))

    def take() -> dict:
        run = session.run  # under the lock: a rewind may have replaced it meanwhile
        doc = export_state(run, arrays=True, history=False, config=run.config)
        doc["history"] = run.history.view()
        return doc

    return await session.call(take, cost=copy_cost(numbers))


def _announce(session: Session) -> None:
    if session.run.status == "diverged":
        broadcast(session, {"type": "diverged", **(session.run.divergence or {})})
    broadcast(session)
