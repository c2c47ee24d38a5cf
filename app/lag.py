"""How late the event loop runs: a probe sleeps a fixed time and measures the overshoot.

A busy loop (training done inline, a slow serializer) shows up here before users feel it.
"""

from __future__ import annotations

import asyncio
import collections
import time

PROBE_SECONDS = 0.05


class LoopLag:
    def __init__(self, keep: int = 400):
        self.samples: collections.deque[float] = collections.deque(maxlen=keep)

    async def watch(self) -> None:
        while True:
            started = time.perf_counter()
            await asyncio.sleep(PROBE_SECONDS)
            self.samples.append(max(0.0, time.perf_counter() - started - PROBE_SECONDS))

    def summary(self) -> dict:
        """Milliseconds over the last samples: p50, p95 and max (None before the first)."""
        if not self.samples:
            return {"p50": None, "p95": None, "max": None}
        ordered = sorted(self.samples)

        def pick(q: float) -> float:
            return round(1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))], 3)

        return {"p50": pick(0.5), "p95": pick(0.95), "max": round(1000 * ordered[-1], 3)}
