"""Response bodies, as OpenAPI describes them to clients and client generators.

The routes send the engine's own dicts, serialized once by orjson (`send`): FastAPI hands
a Response it is given straight to the client, without passing it through the route's
`response_model`. Passing the bodies through these models would copy every array once
more, put keys in the models' order and turn the integers of inline data (`[[1, 1]]`)
into floats; so the models describe the bodies and the tests hold the bodies to them
(tests/app/test_openapi.py and the fuzzing in tests/app/test_fuzz.py).

What the engine fixes is modelled field by field. What is open-ended is typed as such:
a data set's own parameters, the optimizer's and the batch order's saved state.
Numbers that can stop being finite (a diverging run) are `null` then, never NaN.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from app.lessons import LessonStep
from app.responses import JSONBody
from app.schemas import Activation, Metric, Phase, Until
from core.config import BATCH_ORDERS, DTYPES, GRADIENT_METHODS, INIT_SCHEMES, OPTIMIZERS, REGULARIZATIONS
from core.history import COLUMNS, COUNTS
from core.losses import LOSSES


def send(content: Any, status_code: int = 200) -> Response:
    """`content` as the response body, as it is (see the module docstring)."""
    return JSONBody(content, status_code=status_code)


class Out(BaseModel):
    """A response body: keys beyond the declared ones may be added in later versions."""

    model_config = ConfigDict(extra="allow")


Number = Annotated[float | None, Field(description="null when not finite")]
Vector = list[Number]
Matrix = Annotated[list[Vector], Field(description="a list of rows")]
Status = Literal["ready", "paused", "running", "diverged"]


# -- the parts of a snapshot ---------------------------------------------------------------
class LayerParams(Out):
    """One weight layer: W is fan_in x fan_out, b has fan_out entries (null without biases)."""

    W: Matrix
    b: Vector | None


class LayerValues(Out):
    """One layer's pre-activations z and activations a, rows x units."""

    z: Matrix
    a: Matrix


class TrainTest(Out):
    """A measure on the training and the test split (null: not finite, an empty split, or
    an accuracy of regression data)."""

    train: Number
    test: Number


class Divergence(Out):
    step: int = Field(description="the step that failed")
    array: str = Field(description="the array that was not finite: W1, b2, loss, ...")
    reason: str
    hint: str


class Probe(Out):
    """The first probe.size training rows."""

    inputs: Matrix
    targets: Matrix


class ParamsUpdate(Out):
    old: list[LayerParams]
    change: list[LayerParams]
    new: list[LayerParams]


class Pending(Out):
    """What the phases of the current step (after `update`, of the last step) computed, for
    at most the first 16 rows of the batch; each member appears once its phase has run."""

    batch: list[int] = Field(description="the shown rows' indices in the training set")
    batch_size: int
    inputs: Matrix
    targets: Matrix
    activations: list[LayerValues]
    loss: Number = Field(None, description="after `loss`: the batch loss plus any penalty")
    grads: list[LayerParams] | None = Field(None, description="after `backward`")
    evaluations: int | None = Field(None, description="after `backward`: loss evaluations the gradient took")
    deltas: list[Matrix] | None = Field(None, description="after `backward`, backprop only: dL/dz per layer")
    update: ParamsUpdate | None = Field(None, description="after `update`")


class DecisionGrid(Out):
    """Activations over an N x N grid of the input plane: row r has y = y[r], column c x = x[c]."""

    x: Vector
    y: Vector
    layers: list[list[Matrix]] = Field(description="per hidden layer, per unit, an N x N grid")
    output: list[Matrix] = Field(description="per output unit, an N x N grid")


class PackedGrid(Out):
    """One unit's grid as bytes: base64 of uint8, 0 standing for `low` and 255 for `high`."""

    low: float
    high: float
    data: str


class QuantizedGrid(Out):
    """The decision grid as the live frames carry it (docs/protocol.md)."""

    encoding: Literal["u8"]
    output: list[PackedGrid]
    layers: list[list[PackedGrid]]
    x: Vector
    y: Vector
    unit_x: Vector
    unit_y: Vector


class SnapshotBase(Out):
    step: int = Field(description="parameter updates taken")
    epoch: int = Field(description="completed passes over the training rows")
    status: Status
    phase: Phase | None = Field(description="the last phase run; null: none yet")
    loss: TrainTest
    accuracy: TrainTest
    divergence: Divergence | None
    shown_units: list[int] = Field(description="per layer, inputs first, how many units the arrays cover")
    params: list[LayerParams]
    grads: list[LayerParams] | None = Field(description="the gradient the last update used")
    probe: Probe
    activations: list[LayerValues] = Field(description="the network on the probe rows, per weight layer")
    pending: Pending | None = Field(None, description="present once a phase has run")
    playing: bool
    steps_per_second: float


class Snapshot(SnapshotBase):
    """The state of a session after its last step or phase (docs/api.md, the snapshot format)."""

    grid: DecisionGrid | None = Field(None, description="only with ?grid=N; null without two inputs")
    until: Until | None = Field(
        description="where play pauses by itself, as the play that set it asked for it "
        '({"epochs": 100}: 100 epochs from then); null: none. A pause, a step, an edit, new '
        "data, a reset or reaching it clears it"
    )
    earliest_step: int = Field(
        description="the first step time travel can show (at, rewind, ?step=): "
        "0, the step a restored run started at, or later once "
        "the oldest kept states made room within its memory"
    )


class PastSnapshot(SnapshotBase):
    """A snapshot of an earlier step; its grid is packed as the live frames pack it."""

    grid: QuantizedGrid | None = Field(description="with ?grid=N; null otherwise or without two inputs")
    viewing_past: bool


# -- the resolved config -------------------------------------------------------------------
class InitConfig(Out):
    scheme: Literal[INIT_SCHEMES]  # type: ignore[valid-type]
    params: list[LayerParams] | None
    low: float
    high: float
    std: float


class OptimizerConfig(Out):
    name: Literal[OPTIMIZERS]  # type: ignore[valid-type]
    lr: float
    momentum: float
    rho: float
    beta1: float
    beta2: float
    eps: float


class GradientConfig(Out):
    method: Literal[GRADIENT_METHODS]  # type: ignore[valid-type]
    epsilon: float


class BatchConfig(Out):
    size: int | None = Field(description="null: the full batch")
    order: Literal[BATCH_ORDERS]  # type: ignore[valid-type]


class RegularizationConfig(Out):
    kind: Literal[REGULARIZATIONS]  # type: ignore[valid-type]
    rate: float


class ProbeConfig(Out):
    size: int


class MetricsConfig(Out):
    every: int
    max_samples: int | None


class Config(Out):
    """A fully resolved config: every field present (docs/api.md, the config format)."""

    preset: str | None
    layers: list[int]
    activations: list[Activation]
    bias: bool
    loss: Literal[tuple(LOSSES)]  # type: ignore[valid-type]
    init: InitConfig
    data: dict[str, Any] = Field(
        description="`name` and the parameters of that data set (GET /api/datasets lists them)"
    )
    optimizer: OptimizerConfig
    gradient: GradientConfig
    batch: BatchConfig
    regularization: RegularizationConfig
    dtype: Literal[DTYPES]  # type: ignore[valid-type]
    seed: int
    probe: ProbeConfig
    metrics: MetricsConfig


# -- sessions ------------------------------------------------------------------------------
class SessionView(Out):
    id: str
    config: Config
    snapshot: Snapshot


class Difference(Out):
    difference: str = Field(description='what the two differ in, in words: "lr 0.1 vs lr 0.3"')
    sides: list[str] = Field(
        description="each run's side of the difference, the original's first: "
        '["lr 0.1", "lr 0.3"] (["this run", "its copy"] for an exact copy)',
        min_length=2,
        max_length=2,
    )


class TwinView(SessionView, Difference):
    twin_of: str = Field(description="the id of the session this one was forked from")


class SnapshotReply(Out):
    snapshot: Snapshot


class StepReply(SnapshotReply):
    steps_taken: int = Field(
        description="steps this call took (a phase that ends a step counts "
        "as one); fewer than asked when the run diverged or "
        "the call stopped early"
    )
    stopped_early: Literal["time budget"] | None = Field(
        description='"time budget": the call used its NNPLAY_CALL_SECONDS and stopped at a step '
        "boundary (ask again to go on: the numbers are the same as in one call); "
        "null when it did not stop early"
    )
    reached: str | None = Field(
        None,
        description='with `until`: what says its target was reached ("test loss 0.0498 <= 0.05 '
        'at step 812"); null without a target, or when the call ended before it',
    )


class PastSnapshotReply(Out):
    snapshot: PastSnapshot


class ConfigAndSnapshot(Out):
    config: Config
    snapshot: Snapshot


class DataChange(Out):
    step: int = Field(description="the step at which the data changed")
    rows: int = Field(description="the training rows from that step on")


class DataReply(ConfigAndSnapshot):
    data_changes: list[DataChange] = Field(description="every step at which the data changed, oldest first")


class LessonSession(SessionView):
    step: LessonStep
    text: str = Field(
        description="the step's text with its placeholders filled from this "
        "session's state (app/lesson_text.py)"
    )


class Bias(Out):
    symbol: str
    value: Number


class Term(Out):
    input: str
    input_value: Number
    weight: str
    weight_value: Number
    product: Number


class NeuronExplanation(Out):
    """z = sum of the terms (+ bias), a = activation(z), with every number named."""

    layer: int
    unit: int
    z_symbol: str
    a_symbol: str
    terms: list[Term] = Field(description="at most 64: the largest products of a wide layer")
    terms_omitted: int
    bias: Bias | None
    z: Number
    activation: str
    formula: str
    a: Number


class NeuronAtStep(NeuronExplanation):
    step: int


class Forward(Out):
    layers: list[LayerValues]
    output: Matrix
    loss: Number = Field(None, description="only with targets")
    explain: list[list[list[NeuronExplanation]]] | None = Field(
        None, description="only with explain: per row (the first 8), per layer, per unit (the first 64)"
    )


class FactorTerm(Out):
    delta_symbol: str
    delta: Number
    weight: str
    weight_value: Number
    product: Number


class Factor(Out):
    symbol: str
    value: Number
    meaning: str
    terms: list[FactorTerm] | None = Field(None, description="a sum over the units above")


class WeightExplanation(Out):
    """The chain rule for dL/dw: `factors` multiply to row `sample`'s contribution."""

    model_config = ConfigDict(populate_by_name=True)

    layer: int
    from_: int = Field(alias="from")
    to: int
    weight: str
    weight_value: Number
    sample: int
    samples: int
    factors: list[Factor]
    product: Number
    contributions: Vector
    gradient: Number
    delta: Number
    shortcut: str | None
    step: int


class Measures(Out):
    max_abs: Number
    max_rel: Number
    rel_norm: Number


class LayerMeasures(Out):
    W: Measures
    b: Measures | None


class BackpropCost(Out):
    seconds: float
    loss_evaluations: int
    passes: str


class NumericCost(Out):
    seconds: float
    loss_evaluations: int


class GradientCost(Out):
    backprop: BackpropCost
    numeric: NumericCost


class GradientCheck(Out):
    loss: Number
    samples: int
    method: str
    epsilon: float
    parameters: int
    backprop: list[LayerParams]
    numeric: list[LayerParams]
    relative: list[LayerParams] = Field(description="|bp - num| / (|bp| + |num|) per entry")
    check: list[LayerMeasures] = Field(
        description="each array's measures over its checked entries; null measures when it has none"
    )
    checked: int = Field(
        description="parameters the numeric gradient worked out, in parameter "
        "order (each array row by row); the rest are null in "
        "`numeric` and `relative`"
    )
    stopped_early: Literal["time budget"] | None = Field(
        description='"time budget": the numeric gradient used its NNPLAY_CALL_SECONDS before every '
        "parameter was checked; null when it checked them all"
    )
    cost: GradientCost


class LandscapePath(Out):
    steps: list[int] = Field(description="the time-travel checkpoints' steps, then the current step")
    alpha: Vector
    beta: Vector
    residual: Vector = Field(description="each state's distance from the plane (0 for weight directions)")


class Landscape(Out):
    directions: Literal["random", "weights"]
    seed: int | None = Field(None, description="random directions: the seed they were drawn from")
    weights: list[str] | None = Field(None, description="weight directions: the two parameters")
    span: float
    resolution: int
    axis: Vector = Field(description="the grid's coordinates along either direction, -span to span")
    loss: Matrix = Field(
        description="the training data loss; row i at beta = axis[i], column j at alpha = axis[j]; "
        "null where not finite or not worked out"
    )
    center_loss: Number = Field(description="the loss at (0, 0): the current training loss")
    points: int = Field(description="grid points worked out, row by row")
    path: LandscapePath
    work: int = Field(description="multiply-adds the grid takes")
    stopped_early: Literal["time budget"] | None = Field(
        description='"time budget": NNPLAY_CALL_SECONDS ran out before every grid point was worked out'
    )


class Sample(Out):
    index: int
    label: int
    predicted: int
    confidence: Number
    inputs: Vector


class Evaluation(Out):
    split: Literal["train", "test"]
    rows: int
    classes: int
    accuracy: Number
    confusion: list[list[int]] = Field(description="row: the true class, column: the predicted one")
    image_shape: list[int] | None
    samples: list[Sample]


class Finding(Out):
    kind: str = Field(description="saturated, dead_relu, rising_loss, overfitting, ...")
    message: str
    units: list[list[int]] = Field(description="[layer, unit] pairs, layers from 1")


def _history_column(name: str):
    """(type, required) of one of the engine's history columns (core/history.py names them)."""
    if name in COUNTS:
        return list[int], ...
    if name == "evaluated":
        return list[bool], Field(description="per row: whether it carries the train and test evaluation")
    return (list[Vector | None] if name == "grad_norm" else Vector), ...


History = create_model(
    "History",
    __base__=Out,
    __doc__="Per-step metrics, a list per column, an entry per recorded step; grad_norm "
    "has per step the L2 norm of each layer's dL/dW (null at step 0). The train and test "
    "loss and accuracy are measured on a schedule and whenever shown: `evaluated` says which "
    "rows carry them (a full-batch run's rows carry the training set's in every row).",
    **{name: _history_column(name) for name in COLUMNS},
)


class Export(Out):
    """Everything needed to recreate the session; POST /api/sessions/import takes it back."""

    format: str
    config: Config
    params: list[LayerParams]
    history: History | None
    step: int
    status: Status
    divergence: Divergence | None
    optimizer: dict[str, Any] = Field(
        description="the optimizer's state (velocities, moments), as that optimizer keeps it"
    )
    batcher: dict[str, Any] = Field(description="where the batch order stands, with its random state")
    last_grads: list[LayerParams] | None
    data_changes: list[DataChange] = Field(description="the steps at which the data changed")


# -- catalog, lessons, explorers, health ---------------------------------------------------
class LoopLag(Out):
    p50: float | None
    p95: float | None
    max: float | None


class GridStats(Out):
    workers: int
    by_workers: int
    here: int


class MemoryUse(Out):
    used_mb: float = Field(
        description="what the sessions in memory may need together (core/memory.py's estimate of each)"
    )
    total_mb: float = Field(description="the most the server may hold (NNPLAY_MEMORY_MB)")
    base_mb: float = Field(
        description="what the server holds without any session (measured at start, or "
        "NNPLAY_MEMORY_BASE_MB): its sessions may need total_mb less this together"
    )
    session_mb: float = Field(description="the most one session may need (NNPLAY_SESSION_MEMORY_MB)")
    in_store: int = Field(
        description="idle sessions moved to the store to free memory; each comes back when it is asked for"
    )


class Ready(Out):
    status: Literal["ready"] = Field(description="this process may be sent requests (a 503 when not)")
    process: str | None = Field(
        None, description="NNPLAY_PROCESS_NAME: which of several server processes answered (null: one alone)"
    )


class Health(Out):
    status: Literal["ok", "degraded"] = Field(
        description="degraded: the server answers, but something needs a look (see problems)"
    )
    problems: list[str] = Field(
        default_factory=list, description="what is wrong while degraded, e.g. saves that fail"
    )
    version: str
    process: str | None = Field(
        None, description="NNPLAY_PROCESS_NAME: which of several server processes answered (null: one alone)"
    )
    sessions: int
    memory: MemoryUse
    loop_lag_ms: LoopLag
    grids: GridStats


class Preset(Out):
    id: str
    title: str
    description: str
    config: Config


class Dataset(Out):
    name: str
    kind: str
    description: str
    input_dim: int | None = Field(description="null when the data decides (inline)")
    output_dim: int | None
    available: bool
    unavailable_reason: str | None = Field(description="why it cannot be used on this server")
    params: dict[str, dict[str, Any]] = Field(
        description="per parameter: type, default, min, max, description"
    )


class HeadRow(Out):
    """A row of a CSV as read: its line in the text and its cells (as text, trimmed)."""

    line: int
    cells: list[str]


class DataSummary(Out):
    """What a data spec loads to (POST /api/datasets/check): what a network for it needs."""

    name: str
    kind: str = Field(description="classification or regression")
    input_dim: int = Field(description="the input layer's size")
    output_dim: int = Field(description="the output layer's size: 1, or one per class for more than two")
    n_classes: int | None = Field(description="null for regression")
    class_names: list[str] | None = Field(description="the classes' names when the data names them (csv)")
    n_train: int
    n_test: int = Field(description="rows held back as test data (data.test_fraction)")
    columns: list[str] | None = Field(description="csv data: the header's column names, in order")
    head: list[HeadRow] | None = Field(description="csv data: its first 50 rows as read, for a table")


class FieldApplies(Out):
    field: str = Field(description="the field whose value decides")
    values: list[str] = Field(description="the values it is used with")


FieldType = Literal["int", "float", "bool", "choice", "int_list", "choice_list", "params", "matrix", "text"]


class ConfigField(Out):
    """One field of the config, as core/fields.py declares it."""

    path: str = Field(description="where it sits in the config: optimizer.lr, layers, data.noise")
    type: FieldType = Field(
        description="int_list: layers (or inline data's labels); choice_list: activations; "
        "params: explicit weights; matrix: rows of numbers; text: a string (csv data's text)"
    )
    default: Any = Field(description="the value when none is given (a data param's is its data set's)")
    help: str
    choices: list[Any] | None = Field(description="the allowed values (of each entry, for a list)")
    min: float | None = Field(description="the smallest value (of each entry, for a list)")
    max: float | None = Field(description="the largest value (of each entry, for a list)")
    min_open: bool = Field(description="min itself is refused")
    max_open: bool = Field(description="max itself is refused")
    nullable: bool = Field(description="null is a value (batch.size null: full batch)")
    live: bool = Field(description="may change during a run (PATCH, the socket's `set`)")
    topology: bool = Field(description="the network's shape: changing it needs a new session")
    sweepable: bool = Field(description="a sweep may vary it (POST /api/sessions/{id}/sweep)")
    length: list[int] | None = Field(description="a list's fewest and most entries")
    applies: FieldApplies | None = Field(description="used only while another field has one of these values")
    per_dataset: dict[str, dict[str, Any]] | None = Field(
        description="a data param: per data set that takes it, its default, limits and description "
        "(min and max above hold for at least one)"
    )
    facts: dict[str, Any] | None = Field(
        description="layers: max_parameters; activations: output_only, without_gradient (what "
        "gradient descent cannot train through); loss: fused_with (the output activation it needs)"
    )


class LessonSummary(Out):
    id: str
    number: int
    title: str
    summary: str
    steps: int


class ActivationCurve(Out):
    name: str
    formula: str
    derivative_formula: str
    z: Vector
    a: Vector
    da: Vector


class Shortcut(Out):
    activation: str
    grad_logits: Vector


class LossValue(Out):
    name: str
    formula: str
    value: Number
    grad_output: Vector
    shortcut: Shortcut | None


class LossComparison(Out):
    prediction: Vector
    target: Vector
    losses: list[LossValue]


# -- the classroom -------------------------------------------------------------------------
class ClassInfo(Out):
    code: str
    students: int
    join_url: str = Field(
        description="the link students open: the board's own address, or "
        "this machine's LAN address when the board is on loopback"
    )
    join_urls: list[str] = Field(description="every link that may work, best first")
    join_qr: str = Field(description="join_url as a QR code: an SVG element, to put in a page")


class BoardRow(Out):
    student: str
    handle: str = Field(description="a short public name of the session; it controls nothing")
    preset: str | None
    data: str
    layers: list[int]
    step: int
    status: Status
    loss: TrainTest
    accuracy: TrainTest
    curve: list[float]
    watching: int


class Reached(Out):
    students: int
    sockets: int


class Entry(Out):
    student: str
    handle: str
    score: Number
    met: bool
    step: int
    hidden_units: int


class Challenge(Out):
    id: str
    title: str
    data: str
    metric: Metric
    target: float
    max_hidden_units: int | None
    leaderboard: list[Entry]


class Broadcast(Out):
    type: Literal["broadcast"]
    config: Config
    message: str


class LessonPush(Out):
    """The teacher's "open lesson L at step k", as the socket message and in StudentView."""

    type: Literal["lesson"]
    lesson: str
    step: int
    title: str
    step_title: str
    message: str


class StudentView(Out):
    code: str
    broadcast: Broadcast | None
    lesson: LessonPush | None
    challenges: list[Challenge]
