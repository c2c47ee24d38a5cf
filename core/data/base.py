"""What a loaded data set looks like, the registry of data sets, and the train/test split.

Every data set module registers itself here with a DatasetInfo (what GET /api/datasets
lists) and a loader; `core.data.load.load_dataset` validates a spec against the info and
calls the loader, which builds its arrays and hands them to `make_dataset`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np


class DataError(ValueError):
    """A bad data spec (or a data file that cannot be used), naming the config field.

    `field` is a dotted path relative to the config (e.g. "data.noise"), so a front end
    can show `reason` next to the right control.
    """

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")

    def __reduce__(self) -> tuple[type[DataError], tuple[str, str]]:
        # The default pickling passes only the message, which __init__ cannot take.
        return (type(self), (self.field, self.reason))


@dataclass
class Dataset:
    """A loaded data set, already split into train and test rows.

    x_train (n_train, d) and x_test (n_test, d) are float arrays of the requested dtype;
    n_test may be 0, giving shape (0, d). y_train (n_train, k) / y_test (n_test, k) are
    float targets: a single 0/1 column for 2 classes, one-hot (k = n_classes) for more,
    real values for regression. labels_train (n_train,) / labels_test (n_test,) are int64
    class indices, None for regression. `domain` is a fixed plotting box
    ((x_min, x_max), (y_min, y_max)) containing every 2-D input, None when d != 2.
    """

    name: str
    kind: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    labels_train: np.ndarray | None
    labels_test: np.ndarray | None
    n_classes: int | None
    domain: tuple[tuple[float, float], ...] | None
    image_shape: tuple[int, int] | None
    description: str
    # The classes' names when the data names them (a CSV's words), in class order.
    class_names: tuple[str, ...] | None = None


@dataclass(frozen=True)
class DatasetInfo:
    """One registry entry, JSON-serializable through dataclasses.asdict.

    `params` maps each accepted spec key (besides "name") to a description such as
    {"type": "int", "default": 200, "min": 4, "max": 10000, "description": "..."}.
    Types are "int", "float" (checked by load_dataset), "matrix" (list of equal-length
    rows of numbers), "int_list" and "text" (a string; checked by the data set's loader). "nullable": True
    marks params whose default None means "not set"; "optional": True ones are left out of
    a checked spec while they are not set (the data `seed` every set takes, see SEED_PARAM).
    `input_dim` is None when it depends on the spec (inline data). `n_classes` is the
    classes a classification set always has (2 for the planes and gates, 10 for the
    digits); None for regression, or when the rows decide (inline data, a CSV).
    """

    name: str
    kind: str
    description: str
    input_dim: int | None
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    n_classes: int | None = None

    @property
    def output_dim(self) -> int | None:
        """The output units a network for this set needs: one for regression and for two
        classes (a 0/1 column), one per class for more; None when the rows decide."""
        if self.kind == "regression":
            return 1
        if self.n_classes is None:
            return None
        return 1 if self.n_classes == 2 else self.n_classes


Loader = Callable[[dict[str, Any], np.random.Generator, np.dtype, Any], Dataset]
# Given a checked spec's params: why its rows are the same under every data seed, or None
# when the seed draws them (their points, their noise, which are held back for testing).
FixedRows = Callable[[dict[str, Any]], str | None]

DATASETS: dict[str, DatasetInfo] = {}
# Loaders stay out of DatasetInfo so that asdict(info) is plain JSON.
LOADERS: dict[str, Loader] = {}
# Per data set, why a spec key that other data sets take is refused (better than "unknown").
REFUSALS: dict[str, dict[str, str]] = {}
# Per data set that may not draw anything at random: when its rows are fixed (see FixedRows).
# A set missing here generates its points, so every data seed gives others.
FIXED_ROWS: dict[str, FixedRows] = {}

PLANE_DOMAIN = ((-6.0, 6.0), (-6.0, 6.0))

MAX_DATA_SEED = 2**32 - 1  # as the run's seed (core.fields.MAX_SEED)
# Every data set takes a seed of its own: "new data" is a new data seed, and a run's seed
# can change ("new weights") while its data stays, the data seed pinned. Left out, as in
# every config from before it, the data is drawn from the run's seed as it always was.
SEED_PARAM: dict[str, Any] = {
    "type": "int",
    "default": None,
    "min": 0,
    "max": MAX_DATA_SEED,
    "description": "The seed the data is drawn (and split) with; null: the run's seed.",
    "nullable": True,
    "optional": True,
}


def register(
    info: DatasetInfo,
    loader: Loader,
    refusals: dict[str, str] | None = None,
    fixed_rows: FixedRows | None = None,
) -> None:
    """Add a data set to DATASETS (registration order is display order), with the data
    `seed` every set takes added to its params. `fixed_rows` says when its rows do not
    depend on the data seed; leave it out for a set that generates its points."""
    if info.name in DATASETS:
        raise RuntimeError(f"data set {info.name!r} registered twice")
    DATASETS[info.name] = replace(info, params={**info.params, "seed": dict(SEED_PARAM)})
    LOADERS[info.name] = loader
    REFUSALS[info.name] = dict(refusals or {})
    if fixed_rows is not None:
        FIXED_ROWS[info.name] = fixed_rows


def unsplit(what: str) -> FixedRows:
    """The FixedRows of a set whose only random draw is its test split: `what` (its rows,
    as the reason names them) are fixed while test_fraction is 0."""
    return lambda p: (
        None if p["test_fraction"] > 0 else f"{what}, all of them training rows: nothing is drawn at random"
    )


def int_param(
    default: int | None, low: int, high: int, description: str, nullable: bool = False
) -> dict[str, Any]:
    """A params entry for an integer in [low, high]."""
    entry = {"type": "int", "default": default, "min": low, "max": high, "description": description}
    if nullable:
        entry["nullable"] = True
    return entry


def float_param(default: float, low: float, high: float, description: str) -> dict[str, Any]:
    """A params entry for a finite number in [low, high]."""
    return {"type": "float", "default": default, "min": low, "max": high, "description": description}


def noise_param(description: str) -> dict[str, Any]:
    """The shared `noise` entry: 0..0.5, default 0."""
    return float_param(0.0, 0.0, 0.5, description)


def fraction_param(default: float) -> dict[str, Any]:
    """The shared `test_fraction` entry: 0..0.9."""
    return float_param(default, 0.0, 0.9, "Share of the rows held back as test data, never trained on.")


def generated_params(noise_text: str) -> dict[str, dict[str, Any]]:
    """The params shared by the generated 2-D sets: n, noise, test_fraction."""
    return {
        "n": int_param(200, 4, 10000, "How many points to generate (train and test together)."),
        "noise": noise_param(noise_text),
        "test_fraction": fraction_param(0.5),
    }


def split_indices(
    n: int, test_fraction: float, rng: np.random.Generator, shuffle: bool = True
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (n_train,), (n_test,) int64 for a train/test split of n rows.

    With `shuffle` the order comes from rng.permutation(n) and the last
    round(n * test_fraction) of it are test rows; at least one row always stays in
    train. Without `shuffle` (allowed only when test_fraction is 0) rows keep their order.
    """
    n_test = min(round(n * test_fraction), n - 1) if n > 0 else 0
    if not shuffle:
        if n_test:
            raise ValueError("a split with test rows must shuffle")
        return np.arange(n, dtype=np.int64), np.zeros(0, dtype=np.int64)
    order = rng.permutation(n).astype(np.int64)
    return order[: n - n_test], order[n - n_test :]


def targets_for_labels(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Float64 targets for int labels (n,): (n, 1) 0/1 for 2 classes, else one-hot (n, n_classes)."""
    labels = np.asarray(labels, dtype=np.int64)
    if n_classes == 2:
        return labels.astype(np.float64).reshape(-1, 1)
    y = np.zeros((labels.shape[0], n_classes), dtype=np.float64)
    y[np.arange(labels.shape[0]), labels] = 1.0
    return y


def make_dataset(
    info: DatasetInfo,
    x: np.ndarray,
    y: np.ndarray,
    labels: np.ndarray | None,
    *,
    n_classes: int | None,
    test_fraction: float,
    rng: np.random.Generator,
    dtype: Any,
    shuffle: bool = True,
    domain: tuple[tuple[float, float], ...] | None = None,
    image_shape: tuple[int, int] | None = None,
    kind: str | None = None,
    class_names: tuple[str, ...] | None = None,
) -> Dataset:
    """Split rows x (n, d), y (n, k), labels (n,) or None, and cast to `dtype`.

    `kind` overrides info.kind (inline data decides it from its targets).
    """
    train, test = split_indices(x.shape[0], test_fraction, rng, shuffle)

    def part(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(a[rows], dtype=dtype)

    def label_part(rows: np.ndarray) -> np.ndarray | None:
        return None if labels is None else np.asarray(labels, dtype=np.int64)[rows].copy()

    return Dataset(
        name=info.name,
        kind=kind or info.kind,
        x_train=part(x, train),
        y_train=part(y, train),
        x_test=part(x, test),
        y_test=part(y, test),
        labels_train=label_part(train),
        labels_test=label_part(test),
        n_classes=n_classes,
        domain=domain,
        image_shape=image_shape,
        description=info.description,
        class_names=class_names,
    )
