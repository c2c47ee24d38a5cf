"""app/heap.py: on glibc the server asks for two malloc arenas and hands freed pages back."""

import ctypes
import threading

import pytest

from app import heap


def rss_bytes() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmRSS:"))


pytestmark = pytest.mark.skipif(heap.LIBC is None, reason="not glibc: the heap is left as it is")


def test_the_arena_limit_is_accepted():
    assert heap.LIBC.mallopt(heap.M_ARENA_MAX, heap.ARENAS) == 1
    heap.limit_arenas()  # and says nothing when it is


def test_freed_small_blocks_go_back_to_the_system():
    """Blocks below malloc's mmap threshold (as Python objects and small arrays are), made
    in a thread and mostly freed, stay with the process while the few left pin its heap,
    until the heap is trimmed."""
    blocks = []

    def fill():
        blocks.extend(ctypes.create_string_buffer(64 * 1024) for _ in range(3000))  # ~190 MB

    worker = threading.Thread(target=fill)
    worker.start()
    worker.join()
    held = rss_bytes()
    kept = blocks[::16]  # the rest are freed; these few, spread out, pin the heap
    blocks.clear()
    heap.give_back()
    assert held - rss_bytes() > 100 * 2**20
    assert len(kept) == 188
