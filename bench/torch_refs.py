"""The benchmark cases in PyTorch, written the usual way for speed on a CPU.

nn.Sequential of nn.Linear layers, the fused losses (MSELoss, BCEWithLogitsLoss,
CrossEntropyLoss on logits and class indices), torch.optim, and batches by index
tensors (randperm per epoch, or randint) rather than a DataLoader, which would only
add overhead. Same data, dtype and initial weights as the engine's run. One thread.

Every builder takes a fresh core.run.Run and returns steps(n).
"""

from __future__ import annotations

import numpy as np

try:
    import torch
    from torch import nn
except ImportError:  # the benchmark then leaves the PyTorch columns out
    torch = None

ACTIVATIONS = {"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}


def available() -> bool:
    return torch is not None


def setup_threads() -> None:
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)


def version() -> str:
    return torch.__version__


def _model(run):
    """nn.Sequential from the run's initial weights; the output activation is left to
    the fused loss (linear outputs stay as they are)."""
    dtype = getattr(torch, str(run.dtype))
    layers = []
    names = run.config["activations"]
    for index, ((W, b), name) in enumerate(zip(run.initial, names)):
        linear = nn.Linear(W.shape[0], W.shape[1], bias=b is not None, dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T)))
            if b is not None:
                linear.bias.copy_(torch.from_numpy(b))
        layers.append(linear)
        if index < len(names) - 1:
            layers.append(getattr(nn, ACTIVATIONS[name])())
    return nn.Sequential(*layers)


def _optimizer(run, model):
    opt = run.config["optimizer"]
    if opt["name"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=opt["lr"])
    if opt["name"] == "rmsprop":  # Keras' rho is PyTorch's alpha; eps outside the sqrt in both
        return torch.optim.RMSprop(model.parameters(), lr=opt["lr"], alpha=opt["rho"], eps=opt["eps"])
    raise ValueError(f"no PyTorch optimizer set up for {opt['name']}")


def _loss(run):
    loss, last = run.config["loss"], run.config["activations"][-1]
    if loss == "mse" and last == "linear":
        return nn.MSELoss(), lambda y: y
    if loss == "bce" and last == "sigmoid":
        return nn.BCEWithLogitsLoss(), lambda y: y
    if loss == "cce" and last == "softmax":
        return nn.CrossEntropyLoss(), lambda y: y.argmax(dim=1)  # class indices
    raise ValueError(f"no PyTorch loss set up for {loss} with a {last} output")


def torch_steps(run):
    model = _model(run)
    optimizer = _optimizer(run, model)
    loss_fn, targets = _loss(run)
    X = torch.from_numpy(run.data.x_train)
    Y = targets(torch.from_numpy(run.data.y_train))
    n = len(X)
    size = run.config["batch"]["size"]
    order = run.config["batch"]["order"]
    generator = torch.Generator().manual_seed(run.config["seed"])

    def batches():
        while True:
            if size is None or size >= n:
                yield X, Y  # full batch: no indexing at all
            elif order == "random":
                rows = torch.randint(0, n, (size,), generator=generator)
                yield X[rows], Y[rows]
            else:
                perm = torch.randperm(n, generator=generator) if order == "shuffle" else torch.arange(n)
                for start in range(0, n, size):
                    rows = perm[start : start + size]
                    yield X[rows], Y[rows]

    source = batches()

    def steps(count):
        for _ in range(count):
            x, y = next(source)
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()

    return steps
