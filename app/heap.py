"""Memory the server has freed goes back to the system (glibc's malloc, on Linux).

The engine's arrays are large and short-lived (a step's activations, a checkpoint being
pickled, a frame being written) and are made in many threads. glibc gives each thread
that allocates at the same time an arena of its own (up to eight per core), and memory
freed in an arena mostly stays with the process: the resident size grows far past what
is in use, and NNPLAY_MEMORY_MB would bound the sessions' needs but not the process.
Two arenas, and handing freed pages back now and then, keep the two close. Elsewhere
(another C library, another system) both are left as they are.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import logging

import psutil

log = logging.getLogger("nnplay")

M_ARENA_MAX = -8  # mallopt's parameter number, from glibc's malloc.h
ARENAS = 2


def _glibc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None
    except OSError:
        return None


LIBC = _glibc()


def limit_arenas() -> None:
    """At most ARENAS malloc arenas for the threads made from now on: call it at start."""
    if LIBC is not None and LIBC.mallopt(M_ARENA_MAX, ARENAS) != 1:
        log.warning("could not limit malloc's arenas; the server may hold more memory than it uses")


def held_mb(children: bool = True) -> float:
    """What this process (and its children: the frame workers) hold in memory, their
    resident sizes, in MB."""
    return psutil.Process().memory_info().rss / 2**20 + (workers_mb() if children else 0.0)


def workers_mb() -> float:
    """What this process's children (the frame workers) hold in memory, in MB."""
    resident = 0
    for child in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.Error):  # one that has just ended
            resident += child.memory_info().rss
    return resident / 2**20


def give_back() -> None:
    """Return the heap's free pages to the system (a few ms; run it off the event loop)."""
    if LIBC is not None:
        LIBC.malloc_trim(0)
