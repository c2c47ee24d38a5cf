"""Frame workers render the live frames' arrays and grids on other cores: the same bytes
as the server's own process, whatever happens to a worker."""

import asyncio
import contextlib
import os
import signal
import time

import pytest

from app.framepool import MAX_JOB_VALUES, PIPE_BYTES, FramePool, _pipe_size, render
from app.jsonio import dumps
from core.frame import frame_arrays
from core.grids import decision_grid
from core.run import Run
from tests.app.test_socket import create, next_snapshot, send, watch


@contextlib.asynccontextmanager
async def started_pool(workers: int):
    """A started pool, closed on the way out."""
    pool = FramePool(workers)
    await pool.start()
    try:
        yield pool
    finally:
        pool.close()


def _jobs() -> list:
    """Frames' arrays of several kinds of run: with a probe, the gradients and the last
    change, in float64 and float32, with and without biases, a grid or not."""
    runs = [
        Run({"preset": "xor", "layers": [2, 8, 8, 1], "activations": ["tanh", "tanh", "sigmoid"]}),
        Run({"preset": "spiral"}),
        Run({"preset": "seed-2-3-1"}),  # no biases
        Run({"preset": "perceptron-and"}),
        Run({"preset": "xor", "dtype": "float32"}),
        Run({"preset": "two-layer-digits"}),  # 64 inputs, float32: no grid
    ]
    jobs = []
    for steps, run in enumerate(runs):
        run.step(3 + steps)
        jobs += [
            frame_arrays(run, grid=24, params=True, probe_rows=True, change=True),
            frame_arrays(run, grid=9, max_units=2),
        ]
    return jobs


def test_workers_render_what_the_server_renders():
    jobs = _jobs()

    async def main():
        async with started_pool(2) as pool:
            drawn = await asyncio.gather(*(pool.render(job) for job in jobs * 5))
            pipes = [_pipe_size(end.fileno()) for w in pool._workers for end in (w.requests, w.replies)]
            return drawn, pool.rendered_here, [w.process.pid for w in pool._workers], pipes

    drawn, here, pids, pipes = asyncio.run(main())
    assert drawn == [render(job) for job in jobs] * 5
    # Both ways grown, so neither the loop nor a worker waits on a full pipe.
    with open("/proc/sys/fs/pipe-max-size") as limit:
        assert pipes == [min(PIPE_BYTES, int(limit.read()))] * 4
    assert here == 0 and len(set(pids)) == 2 and os.getpid() not in pids
    for pid in pids:  # closed: the workers have ended
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_replies_bigger_than_the_read_buffer_arrive_whole(monkeypatch):
    # A buffer smaller than one reply's header: every reply comes in pieces, makes the
    # buffer grow, and several may wait in it at once.
    monkeypatch.setattr("app.framepool.READ_BYTES", 3)
    jobs = _jobs()

    async def main():
        async with started_pool(1) as pool:
            drawn = await asyncio.gather(*(pool.render(job) for job in jobs * 3))
            return drawn, pool.rendered_here, len(pool._workers[0].buffer)

    drawn, here, size = asyncio.run(main())
    assert drawn == [render(job) for job in jobs] * 3
    assert here == 0 and size >= max(len(body) for body in drawn)


def test_a_big_network_and_a_pool_without_workers_render_in_process():
    wide = Run({"preset": "xor", "layers": [2, 200, 200, 1], "activations": ["tanh", "tanh", "sigmoid"]})
    job = frame_arrays(wide, grid=10, max_units=4)
    assert job.values > MAX_JOB_VALUES

    async def main(workers):
        async with started_pool(workers) as pool:
            return await pool.render(job), pool.rendered_here

    for workers in (0, 1):
        body, here = asyncio.run(main(workers))
        assert body == dumps({"grid": decision_grid(wide, 10, 4, "u8", axes=False)}) and here == 1


def test_a_worker_that_dies_costs_nothing_but_its_core(caplog):
    jobs = _jobs()

    async def main():
        async with started_pool(2) as pool:
            assert await pool.render(jobs[0]) == render(jobs[0])  # both are up
            victim = pool._workers[0]
            os.kill(victim.process.pid, signal.SIGKILL)
            pending = [asyncio.ensure_future(pool.render(job)) for job in jobs * 3]
            drawn = await asyncio.gather(*pending)
            deadline = time.monotonic() + 5
            while victim.alive and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            after = await asyncio.gather(*(pool.render(job) for job in jobs))
            return drawn, after, victim.alive, pool._workers[1].alive

    drawn, after, victim_alive, other_alive = asyncio.run(main())
    assert drawn == [render(job) for job in jobs] * 3 and after == [render(job) for job in jobs]
    assert not victim_alive and other_alive
    assert any("frame worker nnplay-frames-1 stopped answering" in r.message for r in caplog.records)


@pytest.mark.nnplay_settings(frame_workers=1)
def test_live_frames_with_a_grid_worker_carry_the_engines_grid(client, app):
    session_id = create(client, preset="xor", layers=[2, 6, 1], activations=["tanh", "sigmoid"])
    with watch(client, session_id, "?grid=20&units=4") as (ws, topology, first):
        run = app.state.sessions.sessions[session_id].run
        assert dumps(first["grid"]) == dumps(decision_grid(run, 20, 4, "u8", axes=False))
        send(ws, type="step", steps=3)
        frame = next_snapshot(ws, lambda f: f["step"] == 3)
        assert dumps(frame["grid"]) == dumps(decision_grid(run, 20, 4, "u8", axes=False))
        assert len(app.state.frame_pool._workers) == 1 and app.state.frame_pool.rendered_here == 0
        # While a worker renders, training goes on: a frame's history still ends at its step.
        send(ws, type="play", steps_per_second=120)
        frames = []
        next_snapshot(ws, lambda f: f["step"] >= 60, timeout=10, seen=frames)
        send(ws, type="pause")
        tails = [(f["step"], f["history"]["step"]) for f in frames if f["history"]["step"]]
        assert len(tails) > 5 and all(rows[-1] == step for step, rows in tails)
        steps = [s for _, rows in tails for s in rows]
        assert steps == sorted(set(steps))  # no row twice, none out of order


def test_a_pool_whose_workers_cannot_start_renders_in_process(monkeypatch, caplog):
    import app.framepool as framepool

    def refuse(count):
        raise OSError("no more processes")

    monkeypatch.setattr(framepool, "_spawn", refuse)
    job = _jobs()[0]

    async def main():
        async with started_pool(2) as pool:  # the server starts all the same
            return await pool.render(job), pool.stats()

    body, stats = asyncio.run(main())
    assert body == render(job) and stats == {"workers": 0, "by_workers": 0, "here": 1}
    assert any("could not start" in r.message for r in caplog.records)


def test_a_stuck_worker_is_given_up_and_its_frames_still_come(caplog):
    jobs = _jobs()

    async def main():
        async with started_pool(1) as pool:
            assert await pool.render(jobs[0]) == render(jobs[0])
            victim = pool._workers[0]
            os.kill(victim.process.pid, signal.SIGSTOP)  # alive, but never answers
            started = time.monotonic()
            drawn = await asyncio.gather(*(pool.render(job) for job in jobs))
            waited = time.monotonic() - started
            victim.process.join(timeout=5)
            return drawn, waited, victim.alive, victim.process.is_alive(), pool.stats()

    drawn, waited, alive, running, stats = asyncio.run(main())
    assert drawn == [render(job) for job in jobs] and waited < 4
    assert not alive and not running and stats["workers"] == 0 and stats["here"] == len(jobs)
    assert any("stopped answering" in r.message for r in caplog.records)
