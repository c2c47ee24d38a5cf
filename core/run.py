"""A training run: one network, its data and optimizer, advanced one update (or one phase
of an update) at a time, with its history and a guard against divergence.

A step has four phases: `forward` (pick the batch, compute every z and a), `loss`,
`backward` (the gradient, by the configured method) and `update` (the optimizer's rule).
`step()` runs whatever phases of the current step remain, then whole steps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.batches import Batcher
from core.config import patch_config, resolve_config
from core.data import DataError, load_dataset
from core.errors import ConfigError, StateError
from core.gradients import Objective, backprop, numeric_gradient, perceptron_gradient
from core.history import History
from core.initializers import explicit_params, initial_params
from core.losses import get_loss
from core.metrics import evaluate
from core.network import LayerValues, build_network
from core.optimizers import make_optimizer

PHASES = ("forward", "loss", "backward", "update")


@dataclass
class PendingStep:
    """What the phases of the current (or last) step computed, for the teaching views."""

    indices: np.ndarray                      # (batch,) training rows
    x: np.ndarray                            # (batch, d)
    t: np.ndarray                            # (batch, k)
    batcher_state: dict                      # before this batch was drawn
    values: list[LayerValues] | None = None  # per layer z, a (batch, units)
    loss: float | None = None                # objective on the batch, before the update
    grads: list[np.ndarray] | None = None    # flat, parameter order
    deltas: list[np.ndarray] | None = None   # per layer dL/dz (batch, units), backprop only
    evaluations: int = 0                     # loss evaluations the gradient cost
    old_params: list[np.ndarray] | None = None
    new_params: list[np.ndarray] | None = None
    extra: dict = field(default_factory=dict)


class Run:
    def __init__(self, config: dict, *, mnist_dir=None, resolved: bool = False):
        """config: the one config format (partial, or resolved when `resolved`)."""
        self.config = config if resolved else resolve_config(config)
        self.mnist_dir = mnist_dir
        cfg = self.config
        self.dtype = np.dtype(cfg["dtype"])
        seeds = np.random.SeedSequence(cfg["seed"]).spawn(4)
        # Independent streams, so changing the batch size never changes the data or weights.
        self._data_seed, self._init_seed, self._batch_seed, self._eval_seed = seeds
        try:
            self.data = load_dataset(cfg["data"], np.random.default_rng(self._data_seed),
                                     self.dtype, mnist_dir=mnist_dir)
        except DataError as error:
            raise ConfigError(error.field, error.reason) from None
        self._check_fit()
        self.sizes = list(cfg["layers"])
        self.bias = cfg["bias"]
        self.initial = initial_params(cfg["init"], self.sizes, self.bias,
                                      np.random.default_rng(self._init_seed), self.dtype)
        self.network = build_network(self.sizes, cfg["activations"],
                                     [(W.copy(), None if b is None else b.copy()) for W, b in self.initial])
        self.loss = get_loss(cfg["loss"])
        self._eval_sets = self._make_eval_sets()
        self._configure_live()
        self.reset()

    # -- construction -------------------------------------------------------------
    def _check_fit(self) -> None:
        cfg, data = self.config, self.data
        errors = []
        d, k = data.x_train.shape[1], data.y_train.shape[1]
        if cfg["layers"][0] != d:
            errors.append({"field": "layers[0]", "reason": f"the data has {d} inputs, so the "
                                                           f"input layer needs {d} units"})
        if cfg["layers"][-1] != k:
            errors.append({"field": f"layers[{len(cfg['layers']) - 1}]",
                           "reason": f"the data has {k} target columns, so the output layer "
                                     f"needs {k} units"})
        if cfg["loss"] == "cce" and data.kind != "classification":
            errors.append({"field": "loss", "reason": "cce needs class labels; this data is regression"})
        if cfg["loss"] == "bce" and (np.any(data.y_train < 0) or np.any(data.y_train > 1)):
            errors.append({"field": "loss", "reason": "bce needs targets between 0 and 1"})
        size = cfg["batch"]["size"]
        if size is not None and size > len(data.x_train):
            errors.append({"field": "batch.size", "reason": f"{size} is more than the "
                                                            f"{len(data.x_train)} training rows"})
        if errors:
            raise ConfigError(errors)

    def _make_eval_sets(self):
        """Fixed subsets (at most metrics.max_samples rows) on which metrics are measured."""
        cap = self.config["metrics"]["max_samples"]
        rng = np.random.default_rng(self._eval_seed)
        sets = {}
        for name, x, y, labels in (
                ("train", self.data.x_train, self.data.y_train, self.data.labels_train),
                ("test", self.data.x_test, self.data.y_test, self.data.labels_test)):
            if cap is not None and len(x) > cap:
                rows = np.sort(rng.choice(len(x), size=cap, replace=False))
                x, y = x[rows], y[rows]
                labels = None if labels is None else labels[rows]
            sets[name] = (x, y, labels)
        return sets

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

    # -- state --------------------------------------------------------------------
    @property
    def param_names(self) -> list[str]:
        return [name for name, _ in self.network.parameters()]

    def param_arrays(self) -> list[np.ndarray]:
        return [array for _, array in self.network.parameters()]

    def _assign(self, flat: list[np.ndarray]) -> None:
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
        self.batcher = Batcher(len(self.data.x_train), cfg["size"], cfg["order"],
                               np.random.default_rng(self._batch_seed))
        self.step_count = 0
        self.status = "ready"
        self.phase: str | None = None
        self.pending: PendingStep | None = None
        self.last_grads: list[np.ndarray] | None = None
        self.divergence: dict | None = None
        self.history = History()
        self._metrics_cache = None
        self._record(force=True)

    def set_params(self, values) -> None:
        """Replace the parameters with user values [{"W", "b"}] (shapes checked).

        The step in progress is abandoned; a diverged run becomes usable again.
        """
        params = explicit_params(values, self.sizes, self.bias, self.dtype, field="params")
        self._assign([a for W, b in params for a in ((W,) if b is None else (W, b))])
        self._leave_phase()
        self.divergence = None
        if self.status == "diverged":
            self.status = "paused"
        self._metrics_cache = None

    def patch(self, partial: dict) -> None:
        """Merge live settings (optimizer, batch, regularization, gradient) without a reset."""
        config = patch_config(self.config, partial)
        size = config["batch"]["size"]
        if size is not None and size > len(self.data.x_train):
            raise ConfigError("batch.size", f"{size} is more than the {len(self.data.x_train)} "
                                            f"training rows")
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
        for _ in range(steps):
            while True:
                self.step_phase()
                if self.phase == "update" or self.status == "diverged":
                    break
            if self.status == "diverged":
                break
            taken += 1
        return taken

    def step_epochs(self, epochs: int = 1) -> int:
        """Steps until `epochs` more epoch boundaries are crossed; returns steps taken."""
        self._require_live()
        taken = 0
        for _ in range(epochs):
            if self.phase not in (None, "update"):
                taken += self.step(1)
                if self.batcher.samples_seen % self.batcher.n == 0:
                    continue
            taken += self.step(self.batcher.steps_to_epoch_end())
            if self.status == "diverged":
                break
        return taken

    def step_phase(self) -> str:
        """Run the next phase; returns its name."""
        self._require_live()
        nxt = PHASES[0] if self.phase in (None, "update") else PHASES[PHASES.index(self.phase) + 1]
        with np.errstate(all="ignore"):  # non-finite values are caught and reported below
            getattr(self, f"_phase_{nxt}")()
        if self.status != "diverged":
            self.phase = nxt
            if self.status == "ready":
                self.status = "paused"
        return nxt

    def _require_live(self) -> None:
        if self.status == "diverged":
            raise StateError("the run diverged; reset it, edit the weights or lower the learning rate")

    def _phase_forward(self) -> None:
        before = self.batcher.state()
        rows = self.batcher.next()
        x, t = self.data.x_train[rows], self.data.y_train[rows]
        self.pending = PendingStep(rows, x, t, before, values=self.network.forward(x))

    def _phase_loss(self) -> None:
        p = self.pending
        last = p.values[-1]
        p.loss = self.loss.value(last.z, last.a, p.t) + self.objective.penalty()

    def _phase_backward(self) -> None:
        p = self.pending
        method = self.config["gradient"]["method"]
        if self.optimizer.name == "perceptron":
            p.grads, _ = perceptron_gradient(self.network, p.x, p.t)
            p.evaluations = 1
        elif method == "backprop":
            result = backprop(self.objective, p.x, p.t, values=p.values)
            p.grads, p.deltas, p.evaluations = result.grads, result.deltas, 1
        else:
            p.grads, p.evaluations = numeric_gradient(self.objective, p.x, p.t, method,
                                                      self.config["gradient"]["epsilon"])

    def _phase_update(self) -> None:
        p = self.pending
        names = self.param_names
        p.old_params = self.param_arrays()
        problem = _first_nonfinite(names, p.grads, "the gradient of ") \
            or (None if np.isfinite(p.loss) else ("loss", "the batch loss is not finite"))
        if problem is None:
            p.new_params, state = self.optimizer.propose(p.old_params, p.grads)
            problem = _first_nonfinite(names, p.new_params, "")
        if problem is None:
            self._assign(p.new_params)
            self.step_count += 1
            self._metrics_cache = None
            metrics = self._record()
            if metrics is not None and metrics["loss"]["train"] is None:
                problem = ("loss", "the training loss is not finite after the update")
                self._assign(p.old_params)
                self.step_count -= 1
                self.history.truncate_after(self.step_count)
                self._metrics_cache = None
            else:
                self.optimizer.commit(state)
                self.last_grads = p.grads
        if problem is not None:
            self._diverge(*problem)

    def _diverge(self, array: str, reason: str) -> None:
        self.status = "diverged"
        self.divergence = {"step": self.step_count + 1, "array": array, "reason": reason,
                           "hint": "learning rate too high? Lower it, or reset."}

    # -- metrics ------------------------------------------------------------------
    def metrics(self) -> dict:
        """Loss and accuracy on the train and test evaluation sets at the current params."""
        if self._metrics_cache is None:
            with np.errstate(all="ignore"):
                self._metrics_cache = evaluate(self.network, self.loss, self._eval_sets,
                                               self.data.n_classes)
        return self._metrics_cache

    def _record(self, force: bool = False) -> dict | None:
        every = self.config["metrics"]["every"]
        if not force and (every == 0 or self.step_count % every):
            return None
        m = self.metrics()
        grads = self.last_grads if self.pending is None else self.pending.grads
        norms = None
        if self.step_count > 0 and grads is not None:
            norms = [float(np.linalg.norm(g)) for name, g in zip(self.param_names, grads)
                     if name.startswith("W")]
        self.history.append(step=self.step_count, epoch=self.batcher.epoch,
                            train_loss=m["loss"]["train"], test_loss=m["loss"]["test"],
                            train_accuracy=m["accuracy"]["train"],
                            test_accuracy=m["accuracy"]["test"],
                            batch_loss=None if self.pending is None else _finite(self.pending.loss),
                            grad_norm=norms)
        return m


def _finite(value):
    return float(value) if value is not None and np.isfinite(value) else None


def _first_nonfinite(names, arrays, prefix):
    for name, array in zip(names, arrays):
        if not np.all(np.isfinite(array)):
            return name, f"{prefix}{name} is not finite"
    return None
