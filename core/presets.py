"""The course's presets: every network of the source material, plus playground classics.

Each preset is a partial config in the one config format; `resolve_config` fills in the
rest from the defaults.
"""

from __future__ import annotations

import struct
from typing import Any


def _float32(value: float) -> float:
    """The float64 that equals the float32 nearest `value`, as seed 000 stores its weights."""
    return struct.unpack("f", struct.pack("f", value))[0]


def _f32_matrix(rows: list[list[float]]) -> list[list[float]]:
    return [[_float32(v) for v in row] for row in rows]


def _transpose(rows: list[list[float]]) -> list[list[float]]:
    return [list(col) for col in zip(*rows)]


# Seed 000 writes its random start as 3x2 and 1x3 arrays and transposes them.
_SEED_TRAIN_PARAMS = [
    {
        "W": _transpose(_f32_matrix([[-0.0053, 0.3793], [-0.5820, -0.5204], [-0.2723, 0.1896]])),
        "b": [_float32(v) for v in (-0.0140, 0.5607, -0.0628)],
    },
    {"W": _transpose(_f32_matrix([[0.1528, -0.1745, -0.1135]])), "b": [_float32(-0.5516)]},
]

_ONE_SAMPLE = {"name": "inline", "inputs": [[1, 1]], "targets": [[0]]}

PRESETS: dict[str, dict[str, Any]] = {
    "seed-2-3-1": {
        "title": "The 2-3-1 network worked by hand",
        "description": "Two inputs, three sigmoid hidden units, one linear output, no biases, "
        "the textbook weights; one sample x = (1, 1) with target y = 0. "
        "Forward pass: h = (1.0, 1.3, 0.8), a = (0.7311, 0.7858, 0.6900), "
        "y_hat = 1.2332, loss 1.5208.",
        "config": {
            "layers": [2, 3, 1],
            "activations": ["sigmoid", "linear"],
            "bias": False,
            "loss": "mse",
            "data": _ONE_SAMPLE,
            "init": {
                "scheme": "explicit",
                "params": [
                    {"W": [[0.8, 0.4, 0.3], [0.2, 0.9, 0.5]], "b": None},
                    {"W": [[0.3], [0.5], [0.9]], "b": None},
                ],
            },
            "optimizer": {"name": "sgd", "lr": 0.01},
            "batch": {"size": None, "order": "sequential"},
            "probe": {"size": 1},
        },
    },
    "seed-2-3-1-train": {
        "title": "Training the 2-3-1 by finite differences",
        "description": "The same network with biases, trained as the article does: nudge each "
        "of the 13 parameters by 1e-4, measure the loss change, step with "
        "lr 0.01. Loss 0.33455 at the start, about 3e-4 after 100 updates.",
        "config": {
            "layers": [2, 3, 1],
            "activations": ["sigmoid", "linear"],
            "bias": True,
            "loss": "mse",
            "data": _ONE_SAMPLE,
            "init": {"scheme": "explicit", "params": _SEED_TRAIN_PARAMS},
            "optimizer": {"name": "sgd", "lr": 0.01},
            "gradient": {"method": "numeric-forward", "epsilon": 1e-4},
            "batch": {"size": None, "order": "sequential"},
            "probe": {"size": 1},
        },
    },
    "perceptron-and": {
        "title": "The perceptron learns AND",
        "description": "Rosenblatt's perceptron: a step unit, weights and bias starting at 0, "
        "the rule w += lr (t - o) x with lr 0.1, one sample at a time in the "
        "order (1,1), (1,0), (0,1), (0,0). After 10 passes: w = (0.1, 0.2), "
        "b = -0.2.",
        "config": {
            "layers": [2, 1],
            "activations": ["step"],
            "bias": True,
            "loss": "mse",
            "data": {"name": "gate-and"},
            "init": {"scheme": "zeros"},
            "optimizer": {"name": "perceptron", "lr": 0.1},
            "batch": {"size": 1, "order": "sequential"},
        },
    },
    "two-layer-digits": {
        "title": "Two-layer net on handwritten digits",
        "description": "The TwoLayerNet of the source: sigmoid hidden layer of 50, softmax "
        "output, cross-entropy, weights 0.01 N(0, 1), a random batch of 100 "
        "each step, lr 0.1; on the 8x8 digits (64 inputs).",
        "config": {
            "layers": [64, 50, 10],
            "activations": ["sigmoid", "softmax"],
            "bias": True,
            "loss": "cce",
            "data": {"name": "digits"},
            "init": {"scheme": "normal", "std": 0.01},
            "optimizer": {"name": "sgd", "lr": 0.1},
            "batch": {"size": 100, "order": "random"},
        },
    },
    "two-layer-mnist": {
        "title": "Two-layer net on MNIST (784-50-10)",
        "description": "The source's TwoLayerNet(784, 50, 10) on the real MNIST files; needs "
        "the four IDX files in the configured MNIST directory.",
        "config": {
            "layers": [784, 50, 10],
            "activations": ["sigmoid", "softmax"],
            "bias": True,
            "loss": "cce",
            "data": {"name": "mnist"},
            "init": {"scheme": "normal", "std": 0.01},
            "optimizer": {"name": "sgd", "lr": 0.1},
            "batch": {"size": 100, "order": "random"},
            "dtype": "float32",
        },
    },
    "keras-mlp": {
        "title": "Keras-style 512-unit ReLU net with RMSProp",
        "description": "Dense(512, relu) then Dense(10, softmax), categorical cross-entropy, "
        "RMSProp (lr 0.001, rho 0.9), batch 128, Glorot-uniform weights, "
        "as Keras builds it; on the 8x8 digits.",
        "config": {
            "layers": [64, 512, 10],
            "activations": ["relu", "softmax"],
            "bias": True,
            "loss": "cce",
            "data": {"name": "digits"},
            "init": {"scheme": "xavier"},
            "optimizer": {"name": "rmsprop", "lr": 0.001, "rho": 0.9, "eps": 1e-7},
            "batch": {"size": 128, "order": "shuffle"},
        },
    },
    "keras-mnist": {
        "title": "Keras MNIST net (784-512-10)",
        "description": "The Keras example of the source on the real MNIST files; needs the "
        "four IDX files in the configured MNIST directory.",
        "config": {
            "layers": [784, 512, 10],
            "activations": ["relu", "softmax"],
            "bias": True,
            "loss": "cce",
            "data": {"name": "mnist"},
            "init": {"scheme": "xavier"},
            "optimizer": {"name": "rmsprop", "lr": 0.001, "rho": 0.9, "eps": 1e-7},
            "batch": {"size": 128, "order": "shuffle"},
            "dtype": "float32",
        },
    },
    "linear-4-4-4-4": {
        "title": "A 4-4-4-4 network with no activations",
        "description": "Three linear layers of 4 without biases, squared error summed over "
        "the outputs, one sample, weights uniform in [0, 1) (seed 004). The "
        "loss falls, but the whole net is still one linear map.",
        "config": {
            "layers": [4, 4, 4, 4],
            "activations": ["linear", "linear", "linear"],
            "bias": False,
            "loss": "sse",
            "data": {
                "name": "inline",
                "inputs": [[0.42, 0.72, 0.11, 0.30]],
                "targets": [[0.5, 0.7, 0.3, 0.1]],
            },
            "init": {"scheme": "uniform", "low": 0.0, "high": 1.0},
            "optimizer": {"name": "sgd", "lr": 0.002},
            "batch": {"size": None, "order": "sequential"},
            "probe": {"size": 1},
        },
    },
    "xor": {
        "title": "XOR, playground style",
        "description": "Two-dimensional XOR (label = sign of x*y) learned by a 2-4-2-1 tanh "
        "network with a sigmoid output.",
        "config": {
            "layers": [2, 4, 2, 1],
            "activations": ["tanh", "tanh", "sigmoid"],
            "loss": "bce",
            "data": {"name": "xor", "n": 200, "noise": 0.0, "test_fraction": 0.5},
            "optimizer": {"name": "sgd", "lr": 0.1},
            "batch": {"size": 10, "order": "shuffle"},
        },
    },
    "circle": {
        "title": "Circle, playground style",
        "description": "An inner disc against an outer ring, learned by a 2-4-2-1 tanh network.",
        "config": {
            "layers": [2, 4, 2, 1],
            "activations": ["tanh", "tanh", "sigmoid"],
            "loss": "bce",
            "data": {"name": "circle", "n": 200, "noise": 0.0, "test_fraction": 0.5},
            "optimizer": {"name": "sgd", "lr": 0.1},
            "batch": {"size": 10, "order": "shuffle"},
        },
    },
    "spiral": {
        "title": "Spiral, playground style",
        "description": "Two interleaved spirals; needs a deeper 2-8-8-8-1 tanh network and Adam.",
        "config": {
            "layers": [2, 8, 8, 8, 1],
            "activations": ["tanh", "tanh", "tanh", "sigmoid"],
            "loss": "bce",
            "data": {"name": "spiral", "n": 300, "noise": 0.0, "test_fraction": 0.5},
            "optimizer": {"name": "adam", "lr": 0.01},
            "batch": {"size": 10, "order": "shuffle"},
        },
    },
}
