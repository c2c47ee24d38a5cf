"""/api/sessions/{id}/sweep: one setting tried at several values in the background
(core/sweep.py trains the variants, app/sweeps.py runs them off the event loop)."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from fastapi import APIRouter, Request, Response
from pydantic import Field

from app.deps import ManagerDep, SessionDep, SettingsDep
from app.errors import NOT_FOUND_SESSION, APIError, documented, invalid
from app.models import Number, Out, send
from app.schemas import Strict
from app.sweeps import Sweeps
from core.config import merge
from core.memory import estimate
from core.run import Run
from core.sweep import MAX_VALUES, changes, check_sweep, sweep_field, value_range, work

router = APIRouter(prefix="/sessions", tags=["sweeps"])

Value = int | float | str | None  # the setting's type: a number, a choice, or null where it may be
NO_SWEEP = "no session with this id, or no sweep of it (never started, or deleted)"


class SweepRequest(Strict):
    """The setting (a path of GET /api/config/fields, e.g. optimizer.lr) and its values,
    given as a list or as a range (`from`, `to`, `count`, `scale`)."""

    field: Annotated[
        str, Field(max_length=100, description="the setting to vary: its path, e.g. optimizer.lr, or lr")
    ]
    values: Annotated[list[Value] | None, Field(max_length=MAX_VALUES, description="the values to try")] = (
        None
    )
    from_: Annotated[float | None, Field(alias="from", description="a range's first value")] = None
    to: Annotated[float | None, Field(description="a range's last value")] = None
    count: Annotated[int | None, Field(ge=2, le=MAX_VALUES, description="a range's number of values")] = None
    scale: Annotated[Literal["log", "linear"], Field(description="a range's spacing")] = "log"
    steps: Annotated[int, Field(ge=1, description="steps each variant trains")] = 500

    def wanted(self) -> list[Value]:
        """The values asked for, a range spelled out; a 422 naming what is missing or too much."""
        given = (("from", self.from_), ("to", self.to), ("count", self.count))
        ranged = [name for name, value in given if value is not None]
        if self.values is not None:
            if ranged:
                raise invalid(ranged[0], "give values, or from, to and count, not both")
            return self.values
        if len(ranged) < 3:
            missing = next(name for name, value in given if value is None)
            raise invalid(missing, "is required without values (a range needs from, to and count)")
        assert self.from_ is not None and self.to is not None and self.count is not None
        return list(value_range(self.from_, self.to, self.count, self.scale))


class SweepResult(Out):
    value: Value = Field(description="the setting's value in this variant")
    train_loss: Number = Field(description="the data loss on the training evaluation rows after the steps")
    test_loss: Number = Field(description="the same on the test rows (null without a test split)")
    train_accuracy: Number = Field(description="classification: the share of training rows right")
    test_accuracy: Number
    diverged_at: int | None = Field(
        description="the variant's step (1 = its first) whose update was not finite; null: it did not diverge"
    )


class Sweep(Out):
    field: str
    values: list[Value]
    steps: int
    status: Literal["queued", "running", "done", "stopped", "failed"]
    done: int = Field(description="steps trained so far, of all the variants'")
    of: int = Field(description="steps of all the variants: steps x values")
    results: list[SweepResult] = Field(description="the variants finished, in the values' order")
    stopped_early: Literal["time budget", "cancelled"] | None = Field(
        description='"time budget": NNPLAY_SWEEP_SECONDS ran out; "cancelled": DELETE'
    )
    error: str | None = Field(description="failed: why")


def _sweeps(request: Request) -> Sweeps:
    return request.app.state.sweeps


@router.post(
    "/{session_id}/sweep",
    status_code=202,
    response_model=Sweep,
    responses=documented(404, 409, 422, 503, not_found=NOT_FOUND_SESSION),
)
async def start_sweep(
    body: SweepRequest, session: SessionDep, settings: SettingsDep, manager: ManagerDep, request: Request
) -> Response:
    """Train a twin of the session for `steps` steps at each value of one setting, in the
    background, from the session's state now (the session itself does not move); answers
    at once (202, `Location` the sweep's status). Each socket of the session gets `sweep`
    messages as it goes; GET .../sweep gives the results. One sweep per session at a time
    (409 while one runs)."""
    values = body.wanted()
    if len(values) > settings.sweep_max_variants:
        most = settings.sweep_max_variants
        raise invalid("values", f"at most {most} values (NNPLAY_SWEEP_MAX_VARIANTS), got {len(values)}")
    if body.steps > settings.max_steps_per_call:
        raise invalid("steps", f"must be at most {settings.max_steps_per_call} (NNPLAY_MAX_STEPS_PER_CALL)")
    run = session.run
    field = sweep_field(body.field)
    checked = await anyio.to_thread.run_sync(check_sweep, run, field, values, body.steps)
    cost = work(run, field, checked, body.steps)
    if cost > settings.sweep_max_work:
        raise invalid(
            "steps",
            f"{len(checked)} variants of {body.steps} steps take about {cost:,} multiply-adds, more than "
            f"the {settings.sweep_max_work:,} allowed (NNPLAY_SWEEP_MAX_WORK); ask for fewer steps or values",
        )
    memory = _memory(run, field, checked)
    if memory > manager.session_limit:
        raise invalid(
            "values",
            f"the sweep would hold about {memory / 2**20:,.0f} MB (a copy of the run and a variant); "
            f"a session may use at most {manager.session_limit / 2**20:,.0f} MB",
        )
    job = await _sweeps(request).start(session, field, checked, body.steps, memory)
    response = send(job.view(), 202)
    response.headers["Location"] = f"/api/sessions/{session.id}/sweep"
    return response


def _memory(run: Run, field: str, values: list[Value]) -> int:
    """Bytes a sweep holds at most: its copy of the run, and the costliest variant."""
    variants = [estimate(merge(run.config, changes(field, value)))["total"] for value in values]
    return estimate(run.config)["total"] + max(variants)


@router.get("/{session_id}/sweep", response_model=Sweep, responses=documented(404, 503, not_found=NO_SWEEP))
async def get_sweep(session: SessionDep, request: Request) -> Response:
    """The session's sweep: how far it got, and the results of the variants it finished."""
    job = _sweeps(request).get(session.id)
    if job is None:
        raise _no_sweep()
    return send(job.view())


@router.delete("/{session_id}/sweep", status_code=204, responses=documented(404, 503, not_found=NO_SWEEP))
async def delete_sweep(session: SessionDep, request: Request) -> Response:
    """Stop the session's sweep (at its next chunk of steps) and forget it."""
    if not await _sweeps(request).cancel(session.id):
        raise _no_sweep()
    return Response(status_code=204)


def _no_sweep() -> APIError:
    return APIError(404, "not_found", "this session has no sweep (never started, or deleted)")
