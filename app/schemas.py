"""Request bodies. Every model forbids unknown fields, refuses NaN and Infinity, and bounds
every number; the engine then checks what depends on the whole config (shapes, pairings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.activations import ACTIVATIONS
from core.config import (
    BATCH_ORDERS,
    DTYPES,
    GRADIENT_METHODS,
    INIT_SCHEMES,
    MAX_HIDDEN_LAYERS,
    MAX_SEED,
    MAX_UNITS,
    OPTIMIZERS,
    REGULARIZATIONS,
)
from core.data import DATASETS
from core.losses import LOSSES
from core.presets import PRESETS
from core.run import PHASES

MAX_ROWS = 10_000
MAX_STEPS = 10_000

# The engine's activation names, from its registry: a Literal built at run time, which
# Pydantic checks and the OpenAPI schema lists. A type checker sees the string it is.
if TYPE_CHECKING:
    Activation = str
else:
    Activation = Literal[tuple(ACTIVATIONS)]
Finite = Annotated[float, Field(ge=-1e6, le=1e6)]
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


class InitModel(Strict):
    scheme: Literal[INIT_SCHEMES] | None = None  # type: ignore[valid-type]
    params: ParamList | None = None
    low: Annotated[float, Field(ge=-100, le=100)] | None = None
    high: Annotated[float, Field(ge=-100, le=100)] | None = None
    std: Annotated[float, Field(gt=0, le=100)] | None = None


class DataModel(Strict):
    name: Literal[tuple(DATASETS)] | None = None  # type: ignore[valid-type]
    n: Annotated[int, Field(ge=1, le=100_000)] | None = None
    noise: Annotated[float, Field(ge=0, le=1)] | None = None
    test_fraction: Annotated[float, Field(ge=0, lt=1)] | None = None
    inputs: Matrix | None = None
    targets: Matrix | None = None
    labels: (
        Annotated[list[Annotated[int, Field(ge=0, le=1023)]], Field(min_length=1, max_length=MAX_ROWS)] | None
    ) = None


class OptimizerModel(Strict):
    name: Literal[OPTIMIZERS] | None = None  # type: ignore[valid-type]
    lr: Annotated[float, Field(gt=0, le=100)] | None = None
    momentum: Annotated[float, Field(ge=0, lt=1)] | None = None
    rho: Annotated[float, Field(ge=0, lt=1)] | None = None
    beta1: Annotated[float, Field(ge=0, lt=1)] | None = None
    beta2: Annotated[float, Field(ge=0, lt=1)] | None = None
    eps: Annotated[float, Field(gt=0, le=1)] | None = None


class GradientModel(Strict):
    method: Literal[GRADIENT_METHODS] | None = None  # type: ignore[valid-type]
    epsilon: Annotated[float, Field(gt=0, le=1)] | None = None


class BatchModel(Strict):
    size: Annotated[int, Field(ge=1, le=MAX_ROWS)] | None = None
    order: Literal[BATCH_ORDERS] | None = None  # type: ignore[valid-type]


class RegularizationModel(Strict):
    kind: Literal[REGULARIZATIONS] | None = None  # type: ignore[valid-type]
    rate: Annotated[float, Field(ge=0, le=10)] | None = None


class ProbeModel(Strict):
    size: Annotated[int, Field(ge=1, le=64)] | None = None


class MetricsModel(Strict):
    every: Annotated[int, Field(ge=0, le=100_000)] | None = None
    max_samples: Annotated[int, Field(ge=1, le=100_000)] | None = None


class LiveConfig(Strict):
    """The parts of a config that change without a reset (PATCH, the socket's `set`).

    layers, activations and bias are accepted here only to be refused by name.
    """

    optimizer: OptimizerModel | None = None
    batch: BatchModel | None = None
    regularization: RegularizationModel | None = None
    gradient: GradientModel | None = None
    layers: list[Units] | None = None
    activations: list[Activation] | None = None
    bias: bool | None = None


class ConfigModel(Strict):
    """The engine's config format; a `preset` alone is enough."""

    preset: Literal[tuple(PRESETS)] | None = None  # type: ignore[valid-type]
    layers: Annotated[list[Units], Field(min_length=2, max_length=MAX_HIDDEN_LAYERS + 2)] | None = None
    activations: Annotated[list[Activation], Field(min_length=1, max_length=MAX_HIDDEN_LAYERS + 1)] | None = (
        None
    )
    bias: bool | None = None
    loss: Literal[tuple(LOSSES)] | None = None  # type: ignore[valid-type]
    init: InitModel | None = None
    data: DataModel | None = None
    optimizer: OptimizerModel | None = None
    gradient: GradientModel | None = None
    batch: BatchModel | None = None
    regularization: RegularizationModel | None = None
    dtype: Literal[DTYPES] | None = None  # type: ignore[valid-type]
    seed: Annotated[int, Field(ge=0, le=MAX_SEED)] | None = None
    probe: ProbeModel | None = None
    metrics: MetricsModel | None = None


def to_engine(model: BaseModel) -> dict:
    """The fields the client actually sent (explicit nulls kept: batch.size null = full batch)."""
    return model.model_dump(exclude_unset=True)


class StepRequest(Strict):
    """Exactly one of steps, epochs or phase."""

    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] | None = None
    epochs: Annotated[int, Field(ge=1, le=1000)] | None = None
    phase: Literal[PHASES] | None = None  # type: ignore[valid-type]


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


# The largest step count an export may carry: exact in a JSON number (a double) and in the
# store's 64-bit integers, and more steps than any run will take.
MAX_STEP_COUNT = 2**53 - 1


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

    def to_engine(self) -> dict:
        """The document as core.state.import_state takes it: the config as sent."""
        return {**self.model_dump(), "config": to_engine(self.config)}
