"""A training run: one network, its data and optimizer, advanced one update (or one phase
of an update) at a time, with its history and a guard against divergence.

A step has four phases: `forward` (pick the batch, compute every z and a), `loss`,
`backward` (the gradient, by the configured method) and `update` (the optimizer's rule).
`step()` runs whatever phases of the current step remain, then whole steps.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

from core.batches import Batcher
from core.config import patch_config, resolve_config
from core.data import DataError, Dataset, check_spec, load_dataset
from core.data.base import targets_for_labels
from core.data.inline import as_classification, check_labels, check_matrix
from core.errors import ConfigError, StateError
from core.features import RAW_INPUTS, is_identity, network_data
from core.gradients import Objective, backprop, numeric_gradient, perceptron_gradient
from core.history import HISTORY_ROWS, History
from core.initializers import explicit_params, initial_params
from core.losses import get_loss
from core.metrics import evaluate, evaluation_every
from core.network import LayerValues, build_network
from core.optimizers import Optimizer, make_optimizer
from core.pending import PendingStep

PHASES = ("forward", "loss", "backward", "update")
# An update that grows the parameters' L2 norm by more than this factor has its training
# loss measured at once (_plan_evaluation).
GROWTH = 1.1
# Data changes a run remembers (the newest): one per edit of the rows, a few per lesson.
MAX_DATA_CHANGES = 1000

# An evaluation set: inputs, targets and class labels (None for regression).
EvalSet = tuple[np.ndarray, np.ndarray, np.ndarray | None]


def _gives_batch_size(raw: object) -> bool:
    """Whether a config as the user wrote it sets batch.size itself."""
    return isinstance(raw, dict) and isinstance(raw.get("batch"), dict) and "size" in raw["batch"]


class Run:
    # Made by reset(), which __init__ calls after _configure_live has looked for them.
    optimizer: Optimizer
    batcher: Batcher
    # The training set's forward pass and loss from the evaluation at the current
    # parameters, for the next step to take over (_plan_evaluation); None when stale.
    _forward_ahead: tuple[list[LayerValues], float] | None
    _metrics_cache: dict[str, Any] | None
    # Whether the history's last row was recorded at the current parameters and data, so
    # that an evaluation made now (metrics()) is that row's too.
    _row_is_now: bool
    # The parameters' squared L2 norm (over every array) after the last update; None when
    # they changed otherwise (_grows).
    _last_square: Any
    # The data and the network's view of it (network_data), worked out once per data set.
    _network_data: tuple[Dataset, Dataset] | None = None
    # The seed whose batch and evaluation streams the run draws from, when not its own
    # (follow_seed): a twin with another seed takes its original's batches.
    streams_seed: int | None = None

    def __init__(
        self,
        config: dict[str, Any],
        *,
        mnist_dir: str | os.PathLike[str] | None = None,
        resolved: bool = False,
    ) -> None:
        """config: the one config format (partial, or resolved when `resolved`)."""
        self.config = config if resolved else resolve_config(config)
        self.mnist_dir = mnist_dir
        cfg = self.config
        self.dtype = np.dtype(cfg["dtype"])
        seeds = np.random.SeedSequence(cfg["seed"]).spawn(4)
        # Independent streams, so changing the batch size never changes the data or weights.
        self._data_seed, self._init_seed, self._batch_seed, self._eval_seed = seeds
        self.data = self._load_data(cfg["data"])
        self._fit_to_data(batch_size_given=resolved or _gives_batch_size(config))
        self._check_fit()
        self.sizes = list(cfg["layers"])
        self.bias = cfg["bias"]
        self.initial = initial_params(
            cfg["init"], self.sizes, self.bias, np.random.default_rng(self._init_seed), self.dtype
        )
        self.network = build_network(
            self.sizes,
            cfg["activations"],
            [(W.copy(), None if b is None else b.copy()) for W, b in self.initial],
        )
        self._param_names = self.param_names  # fixed with the topology; read every update
        self._weight_index = [i for i, name in enumerate(self._param_names) if name[0] == "W"]
        self._sqrt = math.sqrt if self.dtype == np.float64 else np.sqrt
        self.loss = get_loss(cfg["loss"])
        self._eval_sets = self._make_eval_sets()
        self._configure_live()
        self.reset()

    # -- construction -------------------------------------------------------------
    def _load_data(self, spec: dict[str, Any]) -> Dataset:
        """The data `spec` describes, drawn from its own `seed` when it has one, else from
        the run's seed. Data seed k draws what run seed k draws (the same first child of
        its SeedSequence), so pinning data.seed to the old seed keeps the data of a run
        whose seed changes."""
        try:
            seed = check_spec(spec)[1].get("seed")  # checked before it seeds anything
            stream = self._data_seed if seed is None else np.random.SeedSequence(seed).spawn(1)[0]
            return load_dataset(spec, np.random.default_rng(stream), self.dtype, mnist_dir=self.mnist_dir)
        except DataError as error:
            raise ConfigError(error.field, error.reason) from None

    def _fit_to_data(self, batch_size_given: bool) -> None:
        """What the user left unsaid is read to fit the data: inline 0/1 or one-hot targets
        under a classification loss are classes (even if the rows show only one), and a
        batch size the user did not give (a default, a preset's) is capped at the number
        of training rows. The config records the size used, so the run replays as is."""
        cfg, data = self.config, self.data
        if cfg["loss"] in ("cce", "bce") and data.kind == "regression" and data.name == "inline":
            self.data = as_classification(data) or data
        size, rows = cfg["batch"]["size"], len(self.data.x_train)
        if not batch_size_given and size is not None and size > rows:
            cfg["batch"] = {**cfg["batch"], "size": rows}

    def _check_fit(self) -> None:
        cfg, data = self.config, self.data
        errors = []
        d, k = data.x_train.shape[1], data.y_train.shape[1]
        # The network sees the data's own inputs, or features computed from a plane's two.
        fed = not is_identity(cfg["features"])
        n = len(cfg["features"]) if fed else d
        if fed and d != RAW_INPUTS:
            errors.append(
                {
                    "field": "features",
                    "reason": f"are computed from a plane's two inputs; this data has {d} inputs, "
                    "so the network sees them as they are: leave features at x1, x2",
                }
            )
        elif cfg["layers"][0] != n:
            source = "the features give" if fed else "the data has"
            errors.append(
                {
                    "field": "layers[0]",
                    "reason": f"{source} {n} inputs, so the input layer needs {n} units",
                }
            )
        if cfg["layers"][-1] != k:
            errors.append(
                {
                    "field": f"layers[{len(cfg['layers']) - 1}]",
                    "reason": f"the data has {k} target columns, so the output layer needs {k} units",
                }
            )
        if cfg["loss"] == "cce" and data.kind != "classification":
            errors.append({"field": "loss", "reason": "cce needs class labels; this data is regression"})
        if cfg["loss"] == "bce" and (np.any(data.y_train < 0) or np.any(data.y_train > 1)):
            errors.append({"field": "loss", "reason": "bce needs targets between 0 and 1"})
        size = cfg["batch"]["size"]
        if size is not None and size > len(data.x_train):
            errors.append(
                {
                    "field": "batch.size",
                    "reason": f"{size} is more than the {len(data.x_train)} training rows",
                }
            )
        if errors:
            raise ConfigError(errors)

    def _make_eval_sets(self) -> dict[str, EvalSet]:
        """Fixed subsets (at most metrics.max_samples rows) on which metrics are measured."""
        cap = self.config["metrics"]["max_samples"]
        rng = np.random.default_rng(self._eval_seed)
        sets: dict[str, EvalSet] = {}
        data = self.network_data
        for name, x, y, labels in (
            ("train", data.x_train, data.y_train, data.labels_train),
            ("test", data.x_test, data.y_test, data.labels_test),
        ):
            if cap is not None and len(x) > cap:
                rows = np.sort(rng.choice(len(x), size=cap, replace=False))
                x, y = x[rows], y[rows]
                labels = None if labels is None else labels[rows]
            sets[name] = (x, y, labels)
        return sets

    def follow_streams(self, other: Run) -> None:
        """Draw the batches and the evaluation rows from `other`'s random streams, from
        the start: a twin with another seed (core/fork.py) then takes the very rows
        `other` takes at each step, also after a reset. The run starts over (reset)."""
        self.follow_seed(other.config["seed"] if other.streams_seed is None else other.streams_seed)

    def follow_seed(self, seed: int) -> None:
        """Draw the batches and the evaluation rows as a run of seed `seed` draws them (its
        streams), from the start; the run starts over (reset). An export keeps the seed
        (core/state.py), so a twin keeps its original's batches when it is saved."""
        _, _, self._batch_seed, self._eval_seed = np.random.SeedSequence(seed).spawn(4)
        self.streams_seed = None if seed == self.config["seed"] else seed
        self._eval_sets = self._make_eval_sets()
        self._plan_evaluation()
        self.reset()

    def evaluation_set(self, name: str) -> EvalSet:
        """The fixed rows (x, y, labels) the metrics measure on: "train" or "test"."""
        return self._eval_sets[name]

    def _configure_live(self) -> None:
        """(Re)apply the sections that may change during a run."""
        cfg = self.config
        reg = cfg["regularization"]
        self.objective = Objective(self.network, self.loss, reg["kind"], reg["rate"])
        if getattr(self, "optimizer", None) is not None and self.optimizer.name == cfg["optimizer"]["name"]:
            self.optimizer.configure(cfg["optimizer"])
        else:
            self.optimizer = make_optimizer(cfg["optimizer"])
        if getattr(self, "batcher", None) is not None:
            self.batcher.configure(cfg["batch"]["size"], cfg["batch"]["order"])
        self._plan_evaluation()

    def _plan_evaluation(self) -> None:
        """When the history's rows carry the train and test evaluation, and whether a step
        may take its forward pass from the evaluation before it.

        A full-batch run whose batch is the training evaluation set itself, in order (all
        the training rows, sequential, or a single row), evaluates the training set with
        the very forward pass and loss its next step computes (the same arrays, the same
        formulas: the same numbers). That step takes them over, so such a run's every row
        carries its training loss and accuracy at no cost beyond training.

        The full evaluation (a forward pass over each evaluation set, which on a large set
        costs many steps) comes every `_evaluate_every` steps, so that it takes at most a
        small share of the run's time (core.metrics.evaluation_every), and whenever the
        metrics are shown (metrics(), which gives the last row its evaluation).

        Between two, a row whose update grew the parameters' L2 norm by more than a tenth
        is evaluated at once (the norm comes with the update's finite check: it costs
        nothing). A loss is not finite only at huge parameters, a run heading for them
        grows by leaps, and its training loss is then checked after the very update that
        leaves it not finite (which is undone, as with an evaluation every step), not some
        steps later at parameters that could only be reset.
        """
        cfg, n = self.config, len(self.data.x_train)
        size = n if cfg["batch"]["size"] is None else min(cfg["batch"]["size"], n)
        self._reuse_forward = (
            self._eval_sets["train"][0] is self.network_data.x_train
            and size == n
            and (n == 1 or cfg["batch"]["order"] == "sequential")
        )
        costly = [
            len(x)
            for name, (x, _, _) in self._eval_sets.items()
            if len(x) and not (name == "train" and self._reuse_forward)
        ]
        every = cfg["metrics"]["every"]
        self._evaluate_every = evaluation_every(self.sizes, size, costly, every)
        self._spaced = every > 0 and self._evaluate_every > every  # rows without the evaluation

    @property
    def network_data(self) -> Dataset:
        """The data as the network sees it: its inputs mapped through the config's
        features (core/features.py), `data` itself under the identity features. Worked out
        once per data set: training, evaluation, probes and diagnostics all read it."""
        data, cached = self.data, self._network_data
        if cached is None or cached[0] is not data:
            cached = self._network_data = (data, network_data(self.config["features"], data))
        return cached[1]

    # -- state --------------------------------------------------------------------
    @property
    def param_names(self) -> list[str]:
        return [name for name, _ in self.network.parameters()]

    def param_arrays(self) -> list[np.ndarray]:
        return self.network.arrays()

    def _assign(self, flat: list[np.ndarray]) -> None:
        self._last_square = None
        it = iter(flat)
        for layer in self.network.layers:
            layer.W = next(it)
            if layer.b is not None:
                layer.b = next(it)

    def reset(self) -> None:
        """Back to the exact initial parameters; history, optimizer and batches start over."""
        self._assign([a.copy() for W, b in self.initial for a in ((W,) if b is None else (W, b))])
        self.optimizer = make_optimizer(self.config["optimizer"])
        cfg = self.config["batch"]
        self.batcher = Batcher(
            len(self.data.x_train), cfg["size"], cfg["order"], np.random.default_rng(self._batch_seed)
        )
        self.step_count = 0
        self.status = "ready"
        self.phase: str | None = None
        self.pending: PendingStep | None = None
        self.last_grads: list[np.ndarray] | None = None
        self.divergence: dict[str, Any] | None = None
        self.history = History()
        # The steps at which the data changed ({"step", "rows"}), kept beside the history
        # (its columns are per step; these are a few marks); a reset starts both over.
        self.data_changes: list[dict[str, int]] = []
        self._forget_metrics()
        with np.errstate(all="ignore"):
            self._record(force=True)

    def set_params(self, values: Any, *, bounded: bool = True) -> None:
        """Replace the parameters with user values [{"W", "b"}] (shapes checked; with
        `bounded`, magnitudes too: see explicit_params).

        The step in progress is abandoned; a diverged run becomes usable again.
        """
        params = explicit_params(values, self.sizes, self.bias, self.dtype, field="params", bounded=bounded)
        self._assign([a for W, b in params for a in ((W,) if b is None else (W, b))])
        self._leave_phase()
        self.divergence = None
        if self.status == "diverged":
            self.status = "paused"
        self._forget_metrics()
        self._row_is_now = False

    def restore_last_good(self) -> None:
        """Continue a diverged run from its last good state: the parameters and optimizer
        state after the last finite step (the update that failed was never applied). The
        run is paused at that step, its failed step abandoned."""
        if self.status != "diverged":
            raise StateError("the run has not diverged: there is nothing to restore")
        self._leave_phase()
        self.divergence = None
        self.status = "paused"
        self._forget_metrics()

    def new_data(self, seed: int) -> None:
        """Draw the data afresh with data seed `seed` (the config's data.seed), keeping
        everything else: the parameters, the optimizer's state, the batch order and the
        history go on, as the playground's "regenerate" does. The rows keep their count,
        so the batches fit. The initial parameters are the seed's as before, so a reset
        starts the same network on the new data. The step in progress is abandoned."""
        self._swap_data({**self.config["data"], "seed": seed})

    def replace_rows(self, inputs: Any, *, labels: Any = None, targets: Any = None) -> None:
        """Train on these rows from now on (a drawn data set), keeping the parameters, the
        optimizer's state and the history, as new_data does.

        `labels` (class numbers, for classification data: each below its class count) or
        `targets` (rows of the output's width) give the answers. Every row is a training
        row (the data becomes inline rows, test_fraction 0: the test set is empty); a 2-D
        set keeps its plane's box. A batch size above the new row count is capped to it
        (the config records the cap), and the pass in progress ends: the next batch starts
        a pass over the new rows. The step is recorded in `data_changes`. An empty set is
        refused: a run needs a row to train on. Bad rows raise ConfigError naming
        "inputs", "labels" or "targets", and leave the run as it was."""
        try:
            self._swap_data(self._rows_spec(inputs, labels, targets))
        except ConfigError as error:
            raise ConfigError(
                [
                    {"field": e["field"].removeprefix("data."), "reason": e["reason"].replace("data.", "")}
                    for e in error.errors
                ]
            ) from None

    def _rows_spec(self, inputs: Any, labels: Any, targets: Any) -> dict[str, Any]:
        """The inline data spec of user rows, checked against what this run's data means."""
        if isinstance(inputs, (list, tuple, np.ndarray)) and len(inputs) == 0:
            raise ConfigError("inputs", "is empty: a run needs at least one row to train on")
        data, (width, outputs) = self.data, (self.sizes[0], self.sizes[-1])
        spec: dict[str, Any] = {"name": "inline", "test_fraction": 0.0}
        # Rows are the data's own inputs: under features, the plane's two they are computed from.
        raw = (width, "the input layer's width")
        if not is_identity(self.config["features"]):
            raw = (RAW_INPUTS, "the plane's inputs, which the features are computed from")
        for field, rows, wanted, what in (
            ("inputs", inputs, *raw),
            ("targets", targets, outputs, "the output layer's width"),
        ):
            if rows is not None:
                try:
                    matrix = check_matrix(rows, field)
                except DataError as error:
                    raise ConfigError(error.field, error.reason) from None
                if matrix.shape[1] != wanted:
                    raise ConfigError(
                        field, f"each row must have {wanted} ({what}), got {matrix.shape[1]} values"
                    )
                spec[field] = matrix.tolist()  # plain floats: the config is JSON
        if labels is not None and targets is None:
            if data.kind != "classification" or data.n_classes is None:
                raise ConfigError(
                    "labels", "this data is regression: give targets (a row of outputs per row)"
                )
            try:
                checked = check_labels(labels, "labels")
            except DataError as error:
                raise ConfigError(error.field, error.reason) from None
            wrong = np.flatnonzero(checked >= data.n_classes)
            if wrong.size:
                i = int(wrong[0])
                raise ConfigError(
                    "labels", f"label {i} is {checked[i]}; the data's classes are 0 to {data.n_classes - 1}"
                )
            # Two classes are one 0/1 label column; more are one-hot rows of every class,
            # so the output keeps its width even when the rows show fewer classes.
            if data.n_classes == 2:
                spec["labels"] = checked.tolist()
            else:
                spec["targets"] = targets_for_labels(checked, data.n_classes).tolist()
        else:
            spec["labels"] = labels
        if data.domain is not None:
            spec["domain"] = [list(pair) for pair in data.domain]
        return spec

    def _swap_data(self, spec: dict[str, Any]) -> None:
        """Train on the data `spec` describes from now on, keeping the parameters, the
        optimizer's state and the history; raises ConfigError (the run unchanged) when the
        data does not fit the network. A new row count starts a new pass of the batches."""
        old = self.data, self.config
        data = self._load_data(spec)  # bad data raises here, before anything changed
        name, params = check_spec(spec)  # as a resolved config holds it: every param
        self.data, self.config = data, {**self.config, "data": {"name": name, **params}}
        try:
            self._fit_to_data(batch_size_given=True)
            size, rows = self.config["batch"]["size"], len(self.data.x_train)
            if size is not None and size > rows:
                self.config["batch"] = {**self.config["batch"], "size": rows}
            self._check_fit()
        except ConfigError:
            self.data, self.config = old
            raise
        self._leave_phase()  # the drawn batch, given back to the batcher it came from
        if len(self.data.x_train) != self.batcher.n:
            self.batcher = self.batcher.refit(len(self.data.x_train), self.config["batch"]["size"])
        self._eval_sets = self._make_eval_sets()
        self._plan_evaluation()
        self._forget_metrics()
        self._row_is_now = False
        self.note_data_change()

    def note_data_change(self) -> None:
        """Where the data changed: the step, and the training rows from then on (several
        changes at one step are one mark, the last). A new list: a message or document
        already made with the old one keeps what it said."""
        marks = self.data_changes
        if marks and marks[-1]["step"] == self.step_count:
            marks = marks[:-1]
        mark = {"step": self.step_count, "rows": len(self.data.x_train)}
        self.data_changes = [*marks, mark][-MAX_DATA_CHANGES:]

    def patch(self, partial: dict[str, Any]) -> None:
        """Merge live settings (optimizer, batch, regularization, gradient) without a reset."""
        config = patch_config(self.config, partial)
        size = config["batch"]["size"]
        if size is not None and size > len(self.data.x_train):
            raise ConfigError("batch.size", f"{size} is more than the {len(self.data.x_train)} training rows")
        self.config = config
        self._configure_live()
        if self.status == "diverged":
            # The user changed something (a lower rate, say): let them continue from the
            # last finite parameters.
            self.status = "paused"
            self.divergence = None

    def _leave_phase(self) -> None:
        if self.pending is not None and self.phase not in (None, "update"):
            # Give the drawn batch back so the step sequence stays the same.
            self.batcher.load_state(self.pending.batcher_state)
        self.phase = None
        self.pending = None

    # -- stepping -----------------------------------------------------------------
    def step(self, steps: int = 1) -> int:
        """Finish the step in progress (if any), then take whole steps; returns steps taken."""
        self._require_live()
        taken = 0
        # One errstate for the whole call, not one per phase: entering it costs about as
        # much as a phase of a small network. Non-finite values are caught and reported
        # by the update phase.
        with np.errstate(all="ignore"):
            if steps > 0 and self.phase not in (None, "update"):
                for name in PHASES[PHASES.index(self.phase) + 1 :]:
                    self._advance(name)
                    if self.status == "diverged":
                        return taken
                taken += 1
            while taken < steps:
                self._whole_step()
                if self.status == "diverged":
                    break
                taken += 1
        return taken

    def step_epochs(self, epochs: int = 1, take: Callable[[int], int] | None = None) -> int:
        """Steps until `epochs` more epoch boundaries are crossed; returns steps taken.

        `take(n)` takes n steps and returns how many it took (by default `step`): a caller
        may take them in slices and stop between two (a time budget). Fewer than asked
        ends the call, at a step boundary, as a divergence does.
        """
        self._require_live()
        take = take or self.step
        taken = 0
        for _ in range(epochs):
            if self.phase not in (None, "update"):
                done = take(1)
                taken += done
                if done < 1 or self.status == "diverged":
                    break
                if self.batcher.samples_seen % self.batcher.n == 0:
                    continue
            wanted = self.batcher.steps_to_epoch_end()
            done = take(wanted)
            taken += done
            if done < wanted or self.status == "diverged":
                break
        return taken

    def step_phase(self) -> str:
        """Run the next phase; returns its name."""
        self._require_live()
        nxt = PHASES[0] if self.phase in (None, "update") else PHASES[PHASES.index(self.phase) + 1]
        with np.errstate(all="ignore"):  # non-finite values are caught and reported below
            self._advance(nxt)
        return nxt

    def _advance(self, name: str) -> None:
        """Run one phase and move the run's phase and status on (not if it diverged)."""
        getattr(self, f"_phase_{name}")()
        if self.status != "diverged":
            self.phase = name
            if self.status == "ready":
                self.status = "paused"

    def _whole_step(self) -> None:
        """The four phases of one step, as _advance would run them (only the update can
        diverge), without looking each one up by name."""
        self._phase_forward()
        self.phase = "forward"
        if self.status == "ready":
            self.status = "paused"
        self._phase_loss()
        self.phase = "loss"
        self._phase_backward()
        self.phase = "backward"
        self._phase_update()
        if self.status != "diverged":
            self.phase = "update"

    def _require_live(self) -> None:
        if self.status == "diverged":
            raise StateError("the run diverged; reset it, edit the weights or lower the learning rate")

    def _phase_forward(self) -> None:
        batcher = self.batcher
        before = batcher.mark()
        rows = batcher.next()
        data = self.network_data
        whole = self._reuse_forward and rows.shape[0] == batcher.n
        if whole:
            # Every training row, in order: the batch is the training set itself (nothing
            # writes into either), not a copy of it.
            x, t = data.x_train, data.y_train
        else:
            # take(rows, axis=0) is x_train[rows] with less overhead per call.
            x, t = data.x_train.take(rows, axis=0), data.y_train.take(rows, axis=0)
        ahead = self._forward_ahead
        if ahead is not None and whole:
            # The evaluation at these parameters ran this very forward pass and loss.
            self._forward_ahead = None
            self.pending = PendingStep(rows, x, t, batcher, before, values=ahead[0])
            self.pending.data_loss = ahead[1]
            return
        self.pending = PendingStep(rows, x, t, batcher, before, values=self.network.forward(x))

    def _in_progress(self) -> PendingStep:
        """The step that the phases after `forward` work on (made by _phase_forward)."""
        p = self.pending
        if p is None:
            raise StateError("no step is in progress: its forward phase comes first")
        return p

    def _phase_loss(self) -> None:
        p = self._in_progress()
        data_loss = p.data_loss  # set when the forward pass came with its loss (_phase_forward)
        if data_loss is None:
            data_loss = p.data_loss = self.loss.value_of(p.values[-1], p.t)
        p.loss = data_loss + self.objective.penalty()

    def _phase_backward(self) -> None:
        p = self._in_progress()
        method = self.config["gradient"]["method"]
        if self.optimizer.name == "perceptron":
            p.grads, _ = perceptron_gradient(self.network, p.x, p.t)
            p.evaluations = 1
        elif method == "backprop":
            result = backprop(self.objective, p.x, p.t, values=p.values, data_loss=p.data_loss)
            p.grads, p.deltas, p.evaluations = result.grads, result.deltas, 1
        else:
            p.grads, p.evaluations = numeric_gradient(
                self.objective, p.x, p.t, method, self.config["gradient"]["epsilon"]
            )

    def _phase_update(self) -> None:
        p = self._in_progress()
        grads, loss = p.grads, p.loss
        if grads is None or loss is None:
            raise StateError("the update phase needs the loss and backward phases first")
        old_params = p.old_params = self.network.arrays()
        new_params, state = self.optimizer.propose(old_params, grads)
        p.new_params = new_params
        # Usually the batch loss and every new parameter are finite, and that is all there
        # is to check: each update rule turns a non-finite gradient into a non-finite
        # parameter (w - lr * inf is -inf, NaN stays NaN, RMSProp's and Adam's inf / inf
        # is NaN). One number tells: the loss plus the sum of squares of every new
        # parameter (a BLAS dot per array, the cheapest test there is) is finite when they
        # all are, unless it overflows. Otherwise look closer, in the order that names the
        # first culprit.
        problem = None
        square = sum(map(np.vdot, new_params, new_params))
        if not math.isfinite(loss + square):
            problem = self._update_problem(p, grads, loss, new_params)
        if problem is None:
            grown = self._spaced and self._grows(old_params, square)
            self._assign(new_params)
            self._last_square = square
            self.step_count += 1
            self._forget_metrics()
            metrics = self._record(measure=grown)
            if metrics is not None and metrics["loss"]["train"] is None:
                problem = ("loss", "the training loss is not finite after the update")
                self._assign(old_params)
                self.step_count -= 1
                self.history.truncate_after(self.step_count)
                self._forget_metrics()
            else:
                self.optimizer.commit(state)
                self.last_grads = grads
        if problem is not None:
            self._diverge(*problem)

    def _grows(self, old: list[np.ndarray], new_square: Any) -> bool:
        """Whether an update grows the parameters' L2 norm by more than GROWTH: the new
        square is the finite check's, the old one the last update's (worked out here when
        the parameters came from elsewhere: a reset, an edit, an import)."""
        old_square = self._last_square
        if old_square is None:
            old_square = sum(map(np.vdot, old, old))
        return not new_square <= GROWTH**2 * old_square

    def _update_problem(
        self, p: PendingStep, grads: list[np.ndarray], loss: float, new_params: list[np.ndarray]
    ) -> tuple[str, str] | None:
        """What stops this update: a non-finite gradient, else a non-finite batch loss,
        else a non-finite new parameter (the first one, in parameter order)."""
        names = self._param_names
        problem = _first_nonfinite(names, grads, "the gradient of ") or (
            None if math.isfinite(loss) else ("loss", "the batch loss is not finite")
        )
        if problem is not None:
            p.new_params = None  # refused before any update was worked out
            return problem
        return _first_nonfinite(names, new_params, "")

    def _diverge(self, array: str, reason: str) -> None:
        self.status = "diverged"
        self.divergence = {
            "step": self.step_count + 1,
            "array": array,
            "reason": reason,
            "hint": "learning rate too high? Lower it, or reset.",
        }

    # -- metrics ------------------------------------------------------------------
    def _forget_metrics(self) -> None:
        """The parameters changed: the metrics (and the forward pass they ran) are stale."""
        self._metrics_cache = None
        self._forward_ahead = None

    def metrics(self) -> dict[str, Any]:
        """Loss and accuracy on the train and test evaluation sets at the current params.

        What is shown is measured: the history's last row, when it is of these parameters
        and data and carries no evaluation yet, takes this one.
        """
        m = self._metrics_cache
        if m is None:
            with np.errstate(all="ignore"):
                m = self._evaluate()
            loss, acc = m["loss"], m["accuracy"]
            if self._row_is_now:
                self.history.evaluate_last(
                    self.step_count, (loss["train"], loss["test"], acc["train"], acc["test"])
                )
        return m

    def _evaluate(self, names: tuple[str, ...] = ("train", "test")) -> dict[str, Any]:
        """metrics() worked out afresh (on the sets in `names` only: then not kept as the
        metrics), under the caller's np.errstate (entering one costs about as much as the
        evaluation of a small network)."""
        forwards: dict[str, Any] | None = {} if self._reuse_forward else None
        m = evaluate(self.network, self.loss, self._eval_sets, self.data.n_classes, forwards, names)
        if len(names) == 2:
            self._metrics_cache = m
        self._forward_ahead = forwards.get("train") if forwards else None
        return m

    def _record(self, force: bool = False, measure: bool = False) -> dict[str, Any] | None:
        """A history row for this step, if one is due (`force`: whatever metrics.every
        says), with the full evaluation if it is on the schedule (or `measure`); returns
        the evaluation it carries (None: none; its test values are None when only the free
        training set's were measured)."""
        every = self.config["metrics"]["every"]
        step = self.step_count
        if not force and (every == 0 or step % every):
            return None
        # The parameters are new: never cached (and under step's errstate).
        full = force or measure or step % self._evaluate_every == 0
        m = self._evaluate() if full else self._evaluate(("train",)) if self._reuse_forward else None
        grads = self.last_grads if self.pending is None else self.pending.grads
        norms = None
        if step > 0 and grads is not None:
            # sqrt(g . g) is what np.linalg.norm works out, without its checks per call
            # (vdot flattens by itself; np.sqrt, not math.sqrt, keeps a float32 run's norm
            # a float32 square root; a float64 one is math.sqrt's, correctly rounded both
            # ways, at less cost).
            sqrt, vdot = self._sqrt, np.vdot
            norms = [float(sqrt(vdot(grads[i], grads[i]))) for i in self._weight_index]
        if len(self.history) >= HISTORY_ROWS:
            self.history = self.history.thinned()  # a new object: readers keep whole rows
        batch_loss = None if self.pending is None else _finite(self.pending.loss)
        if m is None:  # NaN, not None: NumPy writes a row of floats as it is, at once
            values: tuple[float | None, ...] = (math.nan, math.nan, math.nan, math.nan, batch_loss)
        else:
            loss, acc = m["loss"], m["accuracy"]
            values = (loss["train"], loss["test"], acc["train"], acc["test"], batch_loss)
        self.history.add(step, self.batcher.epoch, values, norms, full)
        self._row_is_now = True
        return m


def _finite(value: float | None) -> float | None:
    # math.isfinite: np.isfinite's answer for a scalar, without making an array of it.
    return float(value) if value is not None and math.isfinite(value) else None


def _first_nonfinite(names: list[str], arrays: list[np.ndarray], prefix: str) -> tuple[str, str] | None:
    for name, array in zip(names, arrays):
        if not _all_finite(array):
            return name, f"{prefix}{name} is not finite"
    return None


def _all_finite(array: np.ndarray) -> bool:
    """Whether every entry is finite.

    First the sum of squares, by BLAS's dot (several times cheaper than isfinite(...).all()
    on a big array, and one call on a small one): an inf or NaN entry makes it inf or NaN,
    so a finite sum settles it. Finite entries can still overflow the sum; only then is
    each entry looked at.
    """
    return math.isfinite(np.vdot(array, array)) or bool(np.isfinite(array).all())
