"""How many threads NumPy's BLAS may use, in this process and in the processes it starts.

The matrices here are small: with more than one thread, OpenBLAS spends more time handing
work between threads than doing it (the README gives the measurement), and a class
server's frame workers would fight over the same cores.
"""

from __future__ import annotations

import os
import sys

# Read by OpenBLAS, MKL and OpenMP when they load: processes started after the limit is set
# (the frame workers are spawned and import NumPy afresh) begin with the same one.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def limit_blas_threads(count: int) -> None:
    """At most `count` BLAS threads here (libraries already loaded) and in child processes."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(count)
    if "numpy" in sys.modules:  # else its BLAS starts with the variables above
        from threadpoolctl import threadpool_limits

        threadpool_limits(count)
