"""The 2-3-1 network's training as the shortest NumPy program writes it: a reference
process for bench/cli_speed.py to time `nnplay train --preset seed-2-3-1` against.

The textbook start (seed 000, as the seed-2-3-1 preset has it): x = (1, 1), target 0, no
biases, sigmoid hidden units, a linear output, mean squared error, SGD at 0.01. Each step
records its loss (what `nnplay train` keeps in its history), and the last one is printed
as JSON, so the two programs can be checked to agree.

    .venv/bin/python bench/bare_train.py --steps 10000
"""

from __future__ import annotations

import argparse
import json

import numpy as np


def train(steps: int) -> list[float]:
    x = np.array([[1.0, 1.0]])
    t = np.array([[0.0]])
    W1 = np.array([[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]])
    W2 = np.array([[0.3], [0.5], [0.9]])
    lr = 0.01
    losses = []
    for _ in range(steps):
        a1 = 1.0 / (1.0 + np.exp(-(x @ W1)))
        y = a1 @ W2
        losses.append(float(np.square(y - t).sum() / y.size))
        dy = 2.0 * (y - t) / y.size
        dW2 = a1.T @ dy
        dW1 = x.T @ ((dy @ W2.T) * (a1 * (1.0 - a1)))
        W1 -= lr * dW1
        W2 -= lr * dW2
    y = (1.0 / (1.0 + np.exp(-(x @ W1)))) @ W2
    losses.append(float(np.square(y - t).sum() / y.size))  # after the last update
    return losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    losses = train(parser.parse_args().steps)
    print(json.dumps({"loss": losses[-1], "rows": len(losses)}))


if __name__ == "__main__":
    main()
