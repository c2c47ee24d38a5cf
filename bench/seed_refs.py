"""The source articles' own training code, written the way they write it, to time against.

Seed 000 (the source article on the 2-3-1 network, section 4.3 and "合并前向传播和反向传播"): a 2-3-1
net as a list of four arrays, trained by `update_weights`, which deep-copies the weights
and nudges each of the 13 parameters by 1e-4 (forward finite differences).

Seed 002 (the source article on the two-layer net): `TwoLayerNet` with its backprop `gradient`, and
its training loop's step (random batch by np.random.choice, gradient, update, loss).
The seed imports sigmoid, sigmoid_grad, softmax and cross_entropy_error from the book's
`common.functions` without showing them; they are written here from their formulas.
"""

from __future__ import annotations

from copy import deepcopy

import numpy as np


# -- seed 000 ---------------------------------------------------------------------
def feed_forward(inputs, outputs, weights):
    pre_hidden = np.dot(inputs, weights[0]) + weights[1]
    hidden = 1 / (1 + np.exp(-pre_hidden))
    out = np.dot(hidden, weights[2]) + weights[3]
    mean_squared_error = np.mean(np.square(out - outputs))
    return mean_squared_error


def update_weights(inputs, outputs, weights, lr):
    original_weights = deepcopy(weights)
    temp_weights = deepcopy(weights)
    updated_weights = deepcopy(weights)
    original_loss = feed_forward(inputs, outputs, original_weights)
    for i, layer in enumerate(original_weights):
        for index, _weight in np.ndenumerate(layer):
            temp_weights = deepcopy(weights)
            temp_weights[i][index] += 0.0001
            _loss_plus = feed_forward(inputs, outputs, temp_weights)
            grad = (_loss_plus - original_loss) / (0.0001)
            updated_weights[i][index] -= grad * lr
    return updated_weights, original_loss


def seed000_weights():
    """The article's random start, float32 as it writes it."""
    return [
        np.array([[-0.0053, 0.3793], [-0.5820, -0.5204], [-0.2723, 0.1896]], dtype=np.float32).T,
        np.array([-0.0140, 0.5607, -0.0628], dtype=np.float32),
        np.array([[0.1528, -0.1745, -0.1135]], dtype=np.float32).T,
        np.array([-0.5516], dtype=np.float32),
    ]


def seed000_steps():
    """steps(n): n calls of the article's update_weights on x = [[1, 1]], y = [[0]]."""
    x = np.array([[1, 1]])
    y = np.array([[0]])
    W = seed000_weights()

    def steps(n):
        nonlocal W
        for _ in range(n):
            W, loss = update_weights(x, y, W, 0.01)

    return steps


# -- seed 002 ---------------------------------------------------------------------
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_grad(x):
    return (1.0 - sigmoid(x)) * sigmoid(x)


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)  # shifted so exp never overflows
    return np.exp(x) / np.sum(np.exp(x), axis=-1, keepdims=True)


def cross_entropy_error(y, t):
    # One-hot t: the probability of each row's true class, with 1e-7 against log(0).
    t = t.argmax(axis=1)
    batch_size = y.shape[0]
    return -np.sum(np.log(y[np.arange(batch_size), t] + 1e-7)) / batch_size


class TwoLayerNet:
    """As seed 002 writes it (numerical_gradient and accuracy left out: not timed)."""

    def __init__(self, input_size, hidden_size, output_size, weight_init_std=0.01):
        self.params = {}
        self.params["W1"] = weight_init_std * np.random.randn(input_size, hidden_size)
        self.params["b1"] = np.zeros(hidden_size)
        self.params["W2"] = weight_init_std * np.random.randn(hidden_size, output_size)
        self.params["b2"] = np.zeros(output_size)

    def predict(self, x):
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        y = softmax(a2)
        return y

    def loss(self, x, t):
        y = self.predict(x)
        return cross_entropy_error(y, t)

    def gradient(self, x, t):
        W1, W2 = self.params["W1"], self.params["W2"]
        b1, b2 = self.params["b1"], self.params["b2"]
        grads = {}
        batch_num = x.shape[0]
        # forward
        a1 = np.dot(x, W1) + b1
        z1 = sigmoid(a1)
        a2 = np.dot(z1, W2) + b2
        y = softmax(a2)
        # backward
        dy = (y - t) / batch_num
        grads["W2"] = np.dot(z1.T, dy)
        grads["b2"] = np.sum(dy, axis=0)
        da1 = np.dot(dy, W2.T)
        dz1 = sigmoid_grad(a1) * da1
        grads["W1"] = np.dot(x.T, dz1)
        grads["b1"] = np.sum(dz1, axis=0)
        return grads


def seed002_steps(x_train, t_train, dtype=np.float32, seed=0):
    """steps(n): n iterations of seed 002's training loop body (batch 100, lr 0.1).

    x_train (n, 784) and one-hot t_train (n, 10) as `dtype`; the parameters are cast to
    `dtype` too, so a float32 run stays float32 throughout.
    """
    np.random.seed(seed)
    network = TwoLayerNet(input_size=784, hidden_size=50, output_size=10)
    network.params = {key: value.astype(dtype) for key, value in network.params.items()}
    train_size = x_train.shape[0]
    batch_size = 100
    learning_rate = 0.1
    train_loss_list = []

    def steps(n):
        for _i in range(n):
            batch_mask = np.random.choice(train_size, batch_size)
            x_batch = x_train[batch_mask]
            t_batch = t_train[batch_mask]
            grad = network.gradient(x_batch, t_batch)
            for key in ("W1", "b1", "W2", "b2"):
                network.params[key] -= learning_rate * grad[key]
            loss = network.loss(x_batch, t_batch)
            train_loss_list.append(loss)

    return steps
