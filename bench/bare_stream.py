"""The server issue's reference: a bare FastAPI WebSocket endpoint that trains and sends
orjson frames as fast as it can, measured on this machine in the same run as nnplay.

The issue measured it at about 11,000 frames/s in all for the 2-3-1 (about 420 bytes a
frame) and about 4,000 for a 2-8-8-1 with a quantized 50x50 grid (about 5 KB), one core
busy. bench/server_stream.py runs this app with uvicorn as `nnplay serve` runs (no
per-message deflate), opens 100 sockets to it, counts the frames for a few seconds and
scales its targets by what this machine gives against those numbers.

Each socket trains its own network with plain NumPy, one step a frame, and sends
{"step", "loss", "params", "grid"?} with the grid as base64 bytes: nothing of nnplay.
"""

from __future__ import annotations

import asyncio
import base64

import numpy as np
import orjson
from fastapi import FastAPI, WebSocket, WebSocketDisconnect

ISSUE_FRAMES_PER_SECOND = {"2-3-1": 11_000, "2-8-8-1 + 50x50 grid": 4_000}

app = FastAPI()


class TinyNet:
    """Dense layers with tanh (sigmoid last), mean squared error, plain SGD."""

    def __init__(self, sizes: list[int], x: np.ndarray, t: np.ndarray, batch: int, seed: int):
        rng = np.random.default_rng(seed)
        self.W = [rng.normal(0, 1 / np.sqrt(a), (a, b)) for a, b in zip(sizes, sizes[1:])]
        self.b = [np.zeros(b) for b in sizes[1:]]
        self.x, self.t, self.batch, self.rng = x, t, batch, rng
        self.step_count = 0

    def forward(self, x: np.ndarray, dtype=np.float64) -> list[np.ndarray]:
        out, a = [], x.astype(dtype, copy=False)
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            z = a @ W.astype(dtype, copy=False) + b.astype(dtype, copy=False)
            a = 1 / (1 + np.exp(-z)) if i == len(self.W) - 1 else np.tanh(z)
            out.append(a)
        return out

    def step(self) -> float:
        rows = self.rng.integers(0, len(self.x), self.batch)
        x, t = self.x[rows], self.t[rows]
        acts = self.forward(x)
        loss = float(np.mean((acts[-1] - t) ** 2))
        delta = 2 * (acts[-1] - t) / t.size * acts[-1] * (1 - acts[-1])
        for i in range(len(self.W) - 1, -1, -1):
            a_prev = x if i == 0 else acts[i - 1]
            gW, gb = a_prev.T @ delta, delta.sum(axis=0)
            if i:
                delta = (delta @ self.W[i].T) * (1 - acts[i - 1] ** 2)
            self.W[i] -= 0.1 * gW
            self.b[i] -= 0.1 * gb
        self.step_count += 1
        return loss


GRID = (
    np.stack(np.meshgrid(np.linspace(-6, 6, 50), np.linspace(-6, 6, 50)), -1)
    .reshape(-1, 2)
    .astype(np.float32)
)


def quantized(values: np.ndarray) -> dict:
    low, high = float(values.min()), float(values.max())
    scale = 255 / (high - low) if high > low else 0.0
    data = np.rint((values - low) * scale).astype(np.uint8)
    return {"low": low, "high": high, "data": base64.b64encode(data.tobytes()).decode()}


def network(case: str) -> tuple[TinyNet, bool]:
    if case == "2-3-1":
        return TinyNet([2, 3, 1], np.array([[1.0, 1.0]]), np.array([[0.0]]), 1, 0), False
    rng = np.random.default_rng(1)
    x = rng.uniform(-6, 6, (100, 2))
    t = (x[:, :1] * x[:, 1:] > 0).astype(float)
    return TinyNet([2, 8, 8, 1], x, t, 10, 2), True


@app.websocket("/ws/{case}")
async def stream(websocket: WebSocket, case: str) -> None:
    await websocket.accept()
    net, grid = network(case)
    try:
        while True:
            loss = net.step()
            frame = {
                "step": net.step_count,
                "loss": loss,
                "params": [{"W": W, "b": b} for W, b in zip(net.W, net.b)],
            }
            if grid:
                frame["grid"] = quantized(net.forward(GRID, np.float32)[-1])  # a picture: float32
            await websocket.send_text(orjson.dumps(frame, option=orjson.OPT_SERIALIZE_NUMPY).decode())
            await asyncio.sleep(0)  # a send that did not wait would never let the others in
    except WebSocketDisconnect:
        pass
