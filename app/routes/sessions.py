"""/api/sessions: create, inspect, step, edit and export training sessions."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi import Path as FastAPIPath
from pydantic import Field

from app import commands, examine
from app.codegen import FRAMEWORKS, MAX_STEPS, CodeError, filename, script
from app.deps import ManagerDep, SessionDep, SettingsDep
from app.errors import BUSY_HEAVY, NOT_FOUND_SESSION, documented, invalid
from app.figures import FORMATS, HEIGHT_LIMITS, WIDTH_LIMITS, FigureError, render_figure
from app.frames import owned_snapshot, snapshot_numbers
from app.heavy import stop_when_disconnected
from app.joining import JoiningDep
from app.models import (
    ConfigAndSnapshot,
    DataReply,
    Evaluation,
    Export,
    Finding,
    Forward,
    GradientCheck,
    History,
    Landscape,
    NeuronAtStep,
    PastSnapshotReply,
    SessionView,
    SnapshotReply,
    StepReply,
    WeightExplanation,
    send,
)
from app.schemas import (
    ConfigModel,
    ExportDocument,
    ForwardRequest,
    LiveConfig,
    NewDataRequest,
    ParamsRequest,
    RowsRequest,
    StepRequest,
    Strict,
    to_engine,
)
from app.sessions import Session
from app.streaming import copy_cost, owned, send_csv, send_json
from core.diagnostics import diagnose
from core.errors import StateError
from core.evaluation import evaluation
from core.gradcheck import check_gradients
from core.landscape import MAX_RESOLUTION, MAX_SPAN, MIN_RESOLUTION, checkpoint_path, landscape, split_weights
from core.plain import plain
from core.run import Run
from core.snapshot import snapshot
from core.state import import_state

router = APIRouter(prefix="/sessions", tags=["sessions"])

Grid = Annotated[int | None, Query(ge=2, le=200, description="decision-boundary grid size (2-D inputs)")]


async def _snapshot(session: Session, grid: int | None, **options) -> dict:
    """The session's snapshot, its arrays copied under the lock (in a worker thread for a
    large network), to be written after the lock is let go: send_json (app/streaming.py)
    writes a large one in pieces off the event loop."""
    return await session.call(
        owned_snapshot, session, grid, cost=copy_cost(snapshot_numbers(session)), **options
    )


async def _created(session: Session, grid: int | None) -> dict:
    return {"id": session.id, "config": session.run.config, "snapshot": await _snapshot(session, grid)}


# What a route with a session id can answer besides its own errors (503: the session is
# in the store, moved there to free memory, and there is no room to bring it back now).
SESSION = documented(404, 503, not_found=NOT_FOUND_SESSION)
SESSION_INPUT = documented(404, 422, 503, not_found=NOT_FOUND_SESSION)
SESSION_STATE = documented(404, 409, 422, 503, not_found=NOT_FOUND_SESSION)  # where a StateError can arise


@router.post("", status_code=201, response_model=SessionView, responses=documented(422, 429, 503))
async def create_session(
    body: ConfigModel,
    manager: ManagerDep,
    settings: SettingsDep,
    request: Request,
    joining: JoiningDep,
    grid: Grid = None,
) -> Response:
    """A new session from a config (a preset alone is enough); with `class_code` (and a
    `name`, and the browser's `seat`) it joins the class, so the teacher board shows it."""
    config = to_engine(body)
    session = await manager.create(lambda: Run(config, mnist_dir=settings.mnist_dir), config)
    if joining is not None:
        joining.into(request, session)
    return send_json(await _created(session, grid), request, 201)


@router.post("/import", status_code=201, response_model=SessionView, responses=documented(422, 503))
async def import_session(
    body: ExportDocument, manager: ManagerDep, settings: SettingsDep, request: Request, grid: Grid = None
) -> Response:
    """A new session in the state an export describes."""
    doc = body.to_engine()
    session = await manager.create(lambda: import_state(doc, mnist_dir=settings.mnist_dir), doc.get("config"))
    return send_json(await _created(session, grid), request, 201)


Units = Annotated[int | None, Query(ge=1, le=1024, description="send at most this many units a layer")]


@router.get("/{session_id}", response_model=SessionView, responses=SESSION_INPUT)
async def get_session(
    session: SessionDep, request: Request, grid: Grid = None, units: Units = None
) -> Response:
    snap = await _snapshot(session, grid, max_units=units)
    return send_json({"id": session.id, "config": session.run.config, "snapshot": snap}, request)


@router.delete("/{session_id}", status_code=204, responses=SESSION_STATE)
async def delete_session(
    session: SessionDep,
    manager: ManagerDep,
    unwatched_only: Annotated[
        bool,
        Query(
            description="refuse (409) while a socket watches the session: a page "
            "leaving a session another tab still shows"
        ),
    ] = False,
) -> Response:
    if unwatched_only and session.subscribers:
        raise StateError(f"{len(session.subscribers)} socket(s) still watch this session; it is kept")
    await manager.delete(session.id)
    return Response(status_code=204)


# Where a heavy call (app/heavy.py) can be refused because the server is busy with others.
SESSION_HEAVY = documented(404, 409, 422, 503, not_found=NOT_FOUND_SESSION, busy=BUSY_HEAVY)


@router.post("/{session_id}/step", response_model=StepReply, responses=SESSION_HEAVY)
async def step(
    session: SessionDep,
    settings: SettingsDep,
    request: Request,
    body: StepRequest | None = None,
    grid: Grid = None,
) -> Response:
    """{"steps": n} or {"epochs": n} or {"phase": name}; no body (or {}) takes one step.
    {"until": {"test_loss": x}} (or steps, epochs, train_loss) stops at the step that
    reaches the target; with steps or epochs, those are the most it takes.
    A long call stops early when its time budget (NNPLAY_CALL_SECONDS) is used up or its
    client goes away, at a step boundary; the reply says how many steps it took, and
    whether its target was reached."""
    body = body or StepRequest()
    heavy = request.app.state.heavy
    budget = heavy.budget()
    async with stop_when_disconnected(request, budget):
        stepped = await commands.step(
            session,
            steps=body.steps,
            epochs=body.epochs,
            phase=body.phase,
            limit=settings.max_steps_per_call,
            heavy=heavy,
            budget=budget,
            until=None if body.until is None else body.until.pair(),
        )
    return send_json({"snapshot": await _snapshot(session, grid), **stepped._asdict()}, request)


@router.get("/{session_id}/at/{step}", response_model=PastSnapshotReply, responses=SESSION_STATE)
async def at_step(
    session: SessionDep,
    step: Annotated[int, FastAPIPath(ge=0)],
    request: Request,
    grid: Grid = None,
    units: Units = None,
) -> Response:
    """The snapshot the session had after `step` steps (time travel; the session itself
    does not move). Recomputed exactly from the nearest saved state."""
    snap = await session.call(_past_snapshot, session, step, grid, units)
    snap.update({"playing": False, "steps_per_second": session.steps_per_second, "viewing_past": True})
    return send_json({"snapshot": snap}, request)


def _past_snapshot(session: Session, step: int, grid: int | None, units: int | None) -> dict:
    # Under the session's lock, like the replay: the "past" may be the live run itself,
    # so its arrays are copied (and written after the lock is let go).
    past = _past(session, step)
    # The grid as the live frames carry it (with its axes), so a page draws the past like
    # the present.
    snap = owned(snapshot(past, max_units=units, raw=True, grid=grid, grid_encoding="u8"))
    snap["grid"] = plain(snap["grid"]) if grid else None
    return snap


class RewindRequest(Strict):
    step: Annotated[int, Field(ge=0)]


@router.post("/{session_id}/rewind", response_model=SnapshotReply, responses=SESSION_STATE)
async def rewind(body: RewindRequest, session: SessionDep, request: Request, grid: Grid = None) -> Response:
    """Continue from here: the session goes back to exactly its state after `step` steps;
    later steps and their history are dropped."""
    _check_step(session, body.step)
    await commands.rewind(session, body.step)
    return send_json({"snapshot": await _snapshot(session, grid)}, request)


def _check_step(session: Session, step: int) -> None:
    if step > session.run.step_count:
        raise invalid(
            "step",
            f"must be between 0 and {session.run.step_count}",
            message=f"step: the session has taken {session.run.step_count} steps",
        )


def _past(session: Session, step: int) -> Run:
    _check_step(session, step)
    if step == session.run.step_count and session.run.phase in (None, "update"):
        return session.run
    return session.timeline.state_at(session.run, step, mnist_dir=session.run.mnist_dir)


@router.post("/{session_id}/forward", response_model=Forward, responses=SESSION_INPUT)
async def forward(body: ForwardRequest, session: SessionDep) -> Response:
    """The network on given inputs: every layer's z and a, the output, the loss if targets
    are given, and with `explain` the arithmetic of every neuron (first 8 rows)."""
    return send(
        await session.call(examine.forward, session.run, body.inputs, body.targets, body.explain, cost=0.0)
    )


@router.get(
    "/{session_id}/gradients",
    response_model=GradientCheck,
    responses=documented(404, 422, 503, not_found=NOT_FOUND_SESSION, busy=BUSY_HEAVY),
)
async def gradients(
    session: SessionDep,
    request: Request,
    method: Literal["numeric-central", "numeric-forward"] = "numeric-central",
    epsilon: Annotated[float, Query(gt=0, le=1, allow_inf_nan=False)] = 1e-4,
    samples: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    """Backprop against finite differences on the training loss at the current params.
    A heavy call: the numeric gradient stops early when its time budget is used up
    (`checked` says how far it got) or its client goes away."""
    heavy = request.app.state.heavy
    budget = heavy.budget()

    def check() -> dict:
        result = check_gradients(session.run, method, epsilon, samples, should_stop=budget.should_stop)
        stopped = result["checked"] < result["parameters"]
        return {**result, "stopped_early": budget.reason if stopped else None}

    async with stop_when_disconnected(request, budget):
        result = await session.call_heavy(heavy, budget, check)
    return send(plain(result))


@router.get(
    "/{session_id}/landscape",
    response_model=Landscape,
    responses=documented(404, 422, 503, not_found=NOT_FOUND_SESSION, busy=BUSY_HEAVY),
)
async def loss_landscape(
    session: SessionDep,
    request: Request,
    settings: SettingsDep,
    directions: Annotated[
        Literal["random", "weights"],
        Query(description="two filter-normalized random directions, or two named weights"),
    ] = "random",
    seed: Annotated[int, Query(ge=0, le=2**32 - 1, description="random directions: their seed")] = 0,
    weights: Annotated[
        str | None, Query(max_length=200, description="weight directions: two parameters, e.g. W1[0,2],b2[0]")
    ] = None,
    span: Annotated[
        float, Query(gt=0, le=MAX_SPAN, allow_inf_nan=False, description="the grid runs from -span to span")
    ] = 1.0,
    resolution: Annotated[
        int, Query(ge=MIN_RESOLUTION, le=MAX_RESOLUTION, description="grid points a side, odd")
    ] = 21,
) -> Response:
    """The training loss on a 2-D slice of parameter space through the current parameters,
    with the time-travel checkpoints projected onto it (core/landscape.py). A heavy call:
    it stops early when its time budget is used up (`points` says how far it got)."""
    heavy = request.app.state.heavy
    budget = heavy.budget()
    if directions == "weights" and not weights:
        raise invalid("weights", "name two parameters, e.g. W1[0,2],b2[0], for weight directions")
    names = split_weights(weights or "")

    def compute() -> dict:
        run = session.run
        path = checkpoint_path(session.timeline.checkpoints, run.bias)
        result = landscape(
            run,
            directions,
            seed,
            names,
            span,
            resolution,
            path,
            max_work=settings.landscape_max_work,
            should_stop=budget.should_stop,
        )
        stopped = result["points"] < resolution * resolution
        return {**result, "stopped_early": budget.reason if stopped else None}

    async with stop_when_disconnected(request, budget):
        result = await session.call_heavy(heavy, budget, compute)
    return send(plain(result))


PastStep = Annotated[int | None, Query(ge=0, description="explain this earlier step")]


async def _run_at(session: Session, step: int | None) -> Run:
    return session.run if step is None else await session.call(_past, session, step)


@router.get("/{session_id}/explain/neuron", response_model=NeuronAtStep, responses=SESSION_STATE)
async def neuron(
    session: SessionDep,
    layer: Annotated[int, Query(ge=1)],
    unit: Annotated[int, Query(ge=0)],
    sample: Annotated[int, Query(ge=0)] = 0,
    step: PastStep = None,
) -> Response:
    """The arithmetic of z and a for one unit on one probe row (at `step`, if given)."""
    run = await _run_at(session, step)
    return send(await session.call(examine.neuron, run, layer, unit, sample, cost=0.0))


@router.get("/{session_id}/explain/weight", response_model=WeightExplanation, responses=SESSION_STATE)
async def weight(
    session: SessionDep,
    layer: Annotated[int, Query(ge=1)],
    i: Annotated[int, Query(ge=0)],
    j: Annotated[int, Query(ge=0)],
    sample: Annotated[int, Query(ge=0)] = 0,
    step: PastStep = None,
) -> Response:
    """The chain rule for dL/dw on the probe rows, factors for row `sample` (at `step`)."""
    run = await _run_at(session, step)
    return send(await session.call(examine.weight, run, layer, i, j, sample, cost=0.0))


@router.get("/{session_id}/evaluation", response_model=Evaluation, responses=SESSION_INPUT)
async def evaluate(
    session: SessionDep,
    split: Literal["train", "test"] = "test",
    limit: Annotated[int, Query(ge=0, le=200)] = 24,
) -> Response:
    """Classification only: the confusion matrix on a split and its first rows with their
    predicted class (for the digit gallery)."""
    result = await session.call(evaluation, session.run, split, limit)
    if result is None:
        raise invalid(
            "split", "the data has no classes", message="this session's data is regression: no classes"
        )
    return send(result)


@router.get(
    "/{session_id}/figure",
    response_class=Response,
    responses={
        200: {
            "description": "the panel as an image",
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}} for media in FORMATS.values()
            },
        },
        **documented(404, 409, 422, 503, not_found=NOT_FOUND_SESSION, busy=BUSY_HEAVY),
    },
)
async def figure(
    session: SessionDep,
    request: Request,
    settings: SettingsDep,
    panel: Literal["network", "loss", "boundary", "formula", "landscape"] = "network",
    format: Literal["svg", "png"] = "svg",
    theme: Literal["light", "dark", "projector", "print"] = "light",
    width: Annotated[int, Query(ge=WIDTH_LIMITS[0], le=WIDTH_LIMITS[1])] = 800,
    height: Annotated[int, Query(ge=HEIGHT_LIMITS[0], le=HEIGHT_LIMITS[1])] = 500,
    decimals: Annotated[int, Query(ge=2, le=4)] = 4,
    layer: Annotated[int | None, Query(ge=1)] = None,
    unit: Annotated[int | None, Query(ge=0)] = None,
    i: Annotated[int | None, Query(ge=0)] = None,
    j: Annotated[int | None, Query(ge=0)] = None,
    step: Annotated[int | None, Query(ge=0, description="draw this earlier step")] = None,
    directions: Annotated[Literal["random", "weights"] | None, Query(description="landscape panel")] = None,
    seed: Annotated[int | None, Query(ge=0, le=2**32 - 1, description="landscape panel")] = None,
    weights: Annotated[str | None, Query(max_length=200, description="landscape panel")] = None,
    span: Annotated[
        float | None, Query(gt=0, le=MAX_SPAN, allow_inf_nan=False, description="landscape panel")
    ] = None,
    resolution: Annotated[
        int | None, Query(ge=MIN_RESOLUTION, le=MAX_RESOLUTION, description="landscape panel (default 41)")
    ] = None,
) -> Response:
    """One panel as an image; the same request returns the same bytes. The formula panel
    shows neuron (layer, unit) or weight (layer, i, j); the landscape panel the slice that
    GET .../landscape with the same query computes (a heavy call, never stopped early: its
    work budget bounds it); `step` draws an earlier step."""
    select: dict = {k: v for k, v in (("layer", layer), ("unit", unit), ("i", i), ("j", j)) if v is not None}
    if panel == "landscape":
        select = {
            k: v
            for k, v in (
                ("directions", directions),
                ("seed", seed),
                ("span", span),
                ("resolution", resolution),
            )
            if v is not None
        }
        if weights is not None:
            select["weights"] = split_weights(weights)

    def draw() -> bytes:
        run = session.run if step is None else _past(session, step)
        if panel != "landscape":
            return render_figure(run, panel, format, theme, width, height, decimals, select)
        path = checkpoint_path(session.timeline.checkpoints, run.bias)
        return render_figure(
            run, panel, format, theme, width, height, decimals, select, path, settings.landscape_max_work
        )

    try:
        if panel == "landscape":
            heavy = request.app.state.heavy
            body = await session.call_heavy(heavy, heavy.budget(), draw)
        else:
            body = await session.call(draw)
    except FigureError as error:
        raise invalid(error.field, error.reason) from None
    return Response(
        body,
        media_type=FORMATS[format],
        headers={"Content-Disposition": f'inline; filename="nnplay-{panel}.{format}"'},
    )


@router.get(
    "/{session_id}/code",
    response_class=Response,
    responses={
        200: {
            "description": "the script, as a download",
            "content": {"text/x-python": {"schema": {"type": "string"}}},
        },
        **SESSION_STATE,
    },
)
async def code(
    session: SessionDep,
    framework: Annotated[Literal[FRAMEWORKS], Query(description="the script's library")] = "numpy",  # type: ignore[valid-type]
    steps: Annotated[int, Query(ge=1, le=MAX_STEPS, description="steps the script trains")] = 10,
) -> Response:
    """One self-contained script that builds the network with the session's current
    weights, data, loss and optimizer state, trains `steps` more steps on the batches the
    session would take next (the session itself does not move), and prints
    {"train_loss": [...]}: the data loss over all the training rows after each step."""
    try:
        text = await session.call(script, session.run, framework, steps, session.id)
    except CodeError as error:
        raise invalid(error.field, error.reason) from None
    return Response(
        text,
        media_type="text/x-python; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename(framework, session.id)}"'},
    )


@router.get("/{session_id}/diagnostics", response_model=list[Finding], responses=SESSION)
async def diagnostics(session: SessionDep) -> Response:
    """Saturated or dead units, a rising loss, overfitting: in plain words, with the units."""
    return send(await session.call(diagnose, session.run, cost=0.0))


@router.put("/{session_id}/params", response_model=SnapshotReply, responses=SESSION_INPUT)
async def put_params(
    body: ParamsRequest, session: SessionDep, request: Request, grid: Grid = None
) -> Response:
    """Replace the weights and biases (shapes checked); takes effect at once."""
    await commands.set_params(session, [p.model_dump() for p in body.params])
    return send_json({"snapshot": await _snapshot(session, grid)}, request)


@router.patch("/{session_id}", response_model=ConfigAndSnapshot, responses=SESSION_INPUT)
async def patch_session(
    body: LiveConfig, session: SessionDep, request: Request, grid: Grid = None
) -> Response:
    """Change optimizer, batch, regularization or gradient settings without a reset."""
    await commands.patch(session, to_engine(body))
    snap = await _snapshot(session, grid)
    return send_json({"config": session.run.config, "snapshot": snap}, request)


@router.post("/{session_id}/new-data", response_model=ConfigAndSnapshot, responses=SESSION_INPUT)
async def new_data(
    session: SessionDep, request: Request, body: NewDataRequest | None = None, grid: Grid = None
) -> Response:
    """New data, same weights: the data set drawn afresh with data.seed `seed` (absent: a
    random one); the parameters, optimizer state and history go on from where they are."""
    await commands.new_data(session, None if body is None else body.seed)
    snap = await _snapshot(session, grid)
    return send_json({"config": session.run.config, "snapshot": snap}, request)


@router.put("/{session_id}/data", response_model=DataReply, responses=SESSION_INPUT)
async def put_data(body: RowsRequest, session: SessionDep, request: Request, grid: Grid = None) -> Response:
    """Train on these rows from now on (points drawn on the plane): the data becomes
    inline rows, all of them training rows; the parameters, optimizer state and history
    go on, and the step is added to `data_changes`. Labels for classification data (each
    below its class count), targets for regression; an empty set is refused."""
    await commands.replace_rows(session, body.inputs, body.labels, body.targets)
    snap = await _snapshot(session, grid)
    reply = {"config": session.run.config, "snapshot": snap, "data_changes": session.run.data_changes}
    return send_json(reply, request)


@router.post("/{session_id}/reset", response_model=SnapshotReply, responses=SESSION_INPUT)
async def reset(session: SessionDep, request: Request, grid: Grid = None) -> Response:
    """Back to the same initial parameters; history cleared."""
    await commands.reset(session)
    return send_json({"snapshot": await _snapshot(session, grid)}, request)


@router.post("/{session_id}/restore", response_model=SnapshotReply, responses=SESSION_STATE)
async def restore(session: SessionDep, request: Request, grid: Grid = None) -> Response:
    """A diverged run continues from its last good step (its parameters and optimizer state
    before the update that failed), paused; 409 when the run has not diverged."""
    await commands.restore(session)
    return send_json({"snapshot": await _snapshot(session, grid)}, request)


HistoryFormat = Annotated[
    str, Query(description="json, or csv for a CSV file", json_schema_extra={"enum": ["json", "csv"]})
]
FromStep = Annotated[int, Query(alias="from", ge=0, description="the rows from this step on")]
ToStep = Annotated[int | None, Query(ge=0, description="the rows before this step (default: all)")]


@router.get(
    "/{session_id}/history",
    response_model=History,
    responses={
        200: {
            "content": {"text/csv": {"schema": {"type": "string"}}},
            "description": "the columns as JSON, or with ?format=csv a CSV file",
        },
        **SESSION_INPUT,
    },
)
async def history(
    session: SessionDep,
    request: Request,
    format: HistoryFormat = "json",
    first: FromStep = 0,
    to: ToStep = None,
) -> Response:
    """Per-step metrics from step 0, or the rows with `from` <= step < `to`; ?format=csv
    for CSV. A long history is streamed, written off the event loop."""
    if format not in ("json", "csv"):
        raise invalid("format", f"must be json or csv, got {format!r}", message="format: must be json or csv")
    if to is not None and first > to:
        reason = f"from ({first}) is after to ({to})"
        raise invalid(
            [
                {"field": "from", "reason": f"must be at most to ({to})"},
                {"field": "to", "reason": f"must be at least from ({first})"},
            ],
            message=f"from, to: {reason}",
        )
    # A view, not a copy: the rows it holds are never written again (core/history.py).
    rows = await session.call(session.run.history.view, first, to, cost=0.0)
    if format == "csv":
        return send_csv(rows, {"Content-Disposition": f'attachment; filename="history-{session.id[:8]}.csv"'})
    return send_json(rows, request)


@router.get("/{session_id}/export", response_model=Export, responses=SESSION)
async def export(session: SessionDep, request: Request) -> Response:
    """Everything needed to recreate the session: config, params, history and more. Always
    the whole history (an export must import as the run it was); a long one is streamed."""
    return send_json(await commands.export(session), request)
