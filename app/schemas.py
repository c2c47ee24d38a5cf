"""Request bodies. Every model forbids unknown fields, refuses NaN and Infinity, and bounds
every number; the engine then checks what depends on the whole config (shapes, pairings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from core.activations import ACTIVATIONS
from core.config import LIVE_SECTIONS, TOPOLOGY_FIELDS
from core.data.inline import MAX_ROWS
from core.fields import BY_PATH, FIELDS, MAX_HIDDEN_LAYERS, MAX_SEED, MAX_UNITS, data_params
from core.fields import Field as ConfigField
from core.initializers import PARAM_LIMIT
from core.run import MAX_DATA_CHANGES, PHASES

MAX_STEPS = 10_000
# The largest step count an export may carry: exact in a JSON number (a double) and in the
# store's 64-bit integers, and more steps than any run will take.
MAX_STEP_COUNT = 2**53 - 1

# The engine's names, from its registries: Literals built at run time, which Pydantic
# checks and the OpenAPI schema lists. A type checker sees the string each is.
if TYPE_CHECKING:
    Activation = str
    Phase = str
else:
    Activation = Literal[tuple(ACTIVATIONS)]
    Phase = Literal[PHASES]
Finite = Annotated[float, Field(ge=-PARAM_LIMIT, le=PARAM_LIMIT)]
Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
Row = Annotated[list[Finite], Field(min_length=1, max_length=MAX_UNITS)]
Matrix = Annotated[list[Row], Field(min_length=1, max_length=MAX_ROWS)]
Metric = Literal["test_loss", "train_loss", "test_accuracy", "train_accuracy"]  # what a challenge measures


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class ParamsModel(Strict):
    """One layer's parameters: W is fan_in x fan_out, b has fan_out entries (null without biases)."""

    W: Annotated[list[Row], Field(min_length=1, max_length=MAX_UNITS)]
    b: Row | None = None


ParamList = Annotated[list[ParamsModel], Field(min_length=1, max_length=MAX_HIDDEN_LAYERS + 1)]


def _bounds(field: ConfigField) -> Any:
    """Field(...) with the table's limits for a number."""
    limits: dict[str, Any] = {}
    if field.low is not None:
        limits["gt" if field.low_open else "ge"] = field.low
    if field.high is not None:
        limits["lt" if field.high_open else "le"] = field.high
    return Field(**limits)


def _annotation(field: ConfigField) -> Any:
    """The type a request may send for a field of the table."""
    length: dict[str, Any] = dict(zip(("min_length", "max_length"), field.length or ()))
    if field.path == "layers":
        return Annotated[list[Units], Field(**length)]
    if field.path == "activations":
        return Annotated[list[Activation], Field(**length)]
    if field.kind == "params":
        return ParamList
    if field.kind == "matrix":
        return Matrix
    if field.kind == "int_list":  # inline data's class labels
        label = Annotated[int, _bounds(field)]
        return Annotated[list[label], Field(min_length=1, max_length=MAX_ROWS)]
    if field.kind == "text":  # csv data's text and target column: the engine states the limit in
        return str  # bytes (core.data.csv), and the request body's limit bounds it before

    if field.kind == "choice":
        return Literal[field.choices]
    if field.kind == "choice_list":  # features: names of the table's, as many as it allows
        names = Literal[field.choices]  # type: ignore[name-defined]  # built at run time, as for "choice"
        return Annotated[list[names], Field(**length)]
    if field.kind == "bool":
        return bool
    return Annotated[int if field.kind == "int" else float, _bounds(field)]


def _model(name: str, doc: str, fields: tuple[ConfigField, ...]) -> Any:
    """A request model with one optional member per field (null, or left out: the default)."""
    members: dict[str, Any] = {field.key: (_annotation(field) | None, None) for field in fields}
    return create_model(name, __base__=Strict, __doc__=doc, **members)


def _section(section: str) -> tuple[ConfigField, ...]:
    return tuple(field for field in FIELDS + data_params() if field.section == section)


# The config's sections, from the table (a new field there is a new member here).
SECTIONS = {
    "init": _model("InitModel", "How the first weights are chosen.", _section("init")),
    "data": _model("DataModel", "The data set and its params.", _section("data")),
    "optimizer": _model("OptimizerModel", "The update rule and its settings.", _section("optimizer")),
    "gradient": _model("GradientModel", "How the gradient is worked out.", _section("gradient")),
    "batch": _model("BatchModel", "Which training rows each step takes.", _section("batch")),
    "regularization": _model(
        "RegularizationModel", "A penalty on large weights.", _section("regularization")
    ),
    "probe": _model("ProbeModel", "The rows the per-unit views show.", _section("probe")),
    "metrics": _model(
        "MetricsModel", "How often the metrics are measured, and on how many rows.", _section("metrics")
    ),
}


DataSection = SECTIONS["data"]


class DataCheckRequest(Strict):
    """A config's `data`, to be checked and described without making a session."""

    data: DataSection  # type: ignore[valid-type]


def _members(paths: list[str]) -> dict[str, Any]:
    """Members for these top-level paths: a section's model, or a field of the table."""
    return {
        path: (SECTIONS[path] | None, None) if path in SECTIONS else (_annotation(BY_PATH[path]) | None, None)
        for path in paths
    }


_TOP = list(dict.fromkeys(field.section or field.path for field in FIELDS))

if TYPE_CHECKING:
    ConfigModel = Strict
    LiveConfig = Strict
else:
    ConfigModel = create_model(
        "ConfigModel",
        __base__=Strict,
        __doc__="The engine's config format; a `preset` alone is enough.",
        **_members(_TOP),
    )
    LiveConfig = create_model(
        "LiveConfig",
        __base__=Strict,
        __doc__="The parts of a config that change without a reset (PATCH, the socket's `set`).\n\n"
        "layers, activations, features and bias are accepted here only to be refused by name.",
        **_members([*LIVE_SECTIONS, *TOPOLOGY_FIELDS]),
    )


def to_engine(model: BaseModel) -> dict:
    """The fields the client actually sent (explicit nulls kept: batch.size null = full batch)."""
    return model.model_dump(exclude_unset=True)


# The most epochs one call may ask for (the steps are bounded too: settings.max_steps_per_call).
MAX_EPOCHS = 1000
# The largest loss a target may name: more than any loss a run that has not diverged shows.
MAX_TARGET_LOSS = PARAM_LIMIT


class Until(Strict):
    """Where training pauses by itself: exactly one of a number of steps or epochs from
    now, or a train or test loss at or below which it stops (core/targets.py)."""

    steps: Annotated[int, Field(ge=1, le=MAX_STEP_COUNT)] | None = None
    epochs: Annotated[int, Field(ge=1, le=MAX_STEP_COUNT)] | None = None
    train_loss: Annotated[float, Field(gt=0, le=MAX_TARGET_LOSS)] | None = None
    test_loss: Annotated[float, Field(gt=0, le=MAX_TARGET_LOSS)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Until:
        given = [kind for kind in type(self).model_fields if getattr(self, kind) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of steps, epochs, train_loss or test_loss")
        return self

    def pair(self) -> tuple[str, float]:
        """The one target given, as (kind, value)."""
        return next((kind, value) for kind, value in self if value is not None)


class StepRequest(Strict):
    """Exactly one of steps, epochs or phase; or `until` (alone, or with steps or epochs as
    the most to take)."""

    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] | None = None
    epochs: Annotated[int, Field(ge=1, le=MAX_EPOCHS)] | None = None
    phase: Phase | None = None
    until: Until | None = None


class ForwardRequest(Strict):
    inputs: Annotated[list[Row], Field(min_length=1, max_length=1000)]
    targets: Annotated[list[Row], Field(min_length=1, max_length=1000)] | None = None
    explain: bool = False

    @field_validator("inputs", "targets")
    @classmethod
    def _rectangular(cls, rows):
        # Ragged rows cannot become a matrix: refuse them here, naming the field.
        if rows is not None and len({len(row) for row in rows}) > 1:
            raise ValueError("every row needs the same number of values")
        return rows


class ParamsRequest(Strict):
    params: ParamList


DataSeed = Annotated[
    int | None,
    Field(ge=0, le=MAX_SEED, description="the new data.seed; absent or null: a random one"),
]


class NewDataRequest(Strict):
    """New data for a session: its data set drawn afresh with another data seed."""

    seed: DataSeed = None


class RowsRequest(Strict):
    """Rows to train on from now on (drawn on the plane): inputs, and labels (class
    numbers, classification data) or targets (rows of outputs, regression)."""

    # No least length here: the engine says why an empty set cannot train.
    inputs: Annotated[list[Row], Field(max_length=MAX_ROWS)]
    labels: Annotated[list[Annotated[int, Field(ge=0)]], Field(max_length=MAX_ROWS)] | None = None
    targets: Matrix | None = None


class DataChangeModel(Strict):
    """A step at which the run's data changed, and its training rows from then on."""

    step: Annotated[int, Field(ge=0, le=MAX_STEP_COUNT)]
    rows: Annotated[int, Field(ge=1, le=MAX_ROWS)]


class DivergenceModel(Strict):
    """Where a run diverged, as the engine reports it (core.run)."""

    step: Annotated[int, Field(ge=1, le=MAX_STEP_COUNT)]
    array: Annotated[str, Field(max_length=64)]
    reason: Annotated[str, Field(max_length=500)]
    hint: Annotated[str, Field(max_length=500)]


class ExportDocument(BaseModel):
    """What GET /export returns; POST /import takes it back. Its config is held to the
    same limits as a new session's (ConfigModel); the engine checks the arrays' shapes
    against it (core.state.import_state)."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)

    config: ConfigModel
    params: list[dict]
    history: dict | None = None
    step: Annotated[int, Field(ge=0, le=MAX_STEP_COUNT)] | None = None
    status: Literal["ready", "paused", "running", "diverged"] | None = None
    divergence: DivergenceModel | None = None
    data_changes: Annotated[list[DataChangeModel], Field(max_length=MAX_DATA_CHANGES)] | None = None
    # A twin with another seed: the seed whose batches it takes (core/fork.py).
    streams: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None

    def to_engine(self) -> dict:
        """The document as core.state.import_state takes it: the config as sent."""
        return {**self.model_dump(), "config": to_engine(self.config)}
