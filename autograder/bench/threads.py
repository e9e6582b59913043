"""One thread for numpy's BLAS, so numpy and PyTorch are compared on one core each.

Element-wise numpy runs on one thread anyway; only BLAS calls (matmul, and the
matrix-vector products the tuned closed form and the memory floor use for
their sums) may start more. OpenBLAS, MKL and OpenMP read their thread counts
from the environment once, when numpy is first imported, so the limit works
only if it is set before that: `python -m autograder.bench` does it first thing.
This module must not import numpy.
"""
import os
import sys

BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS")


def limit_blas_threads():
    """Set every variable of BLAS_THREAD_VARIABLES to 1, if numpy is not imported yet.

    Returns True if the limit was set in time, False if numpy was already imported.
    """
    if "numpy" in sys.modules:
        return False
    for name in BLAS_THREAD_VARIABLES:
        os.environ[name] = "1"
    return True


def blas_threads_note():
    """One line saying whether numpy's BLAS is limited to one thread in this process."""
    if all(os.environ.get(name) == "1" for name in BLAS_THREAD_VARIABLES):
        return f"numpy BLAS: 1 thread ({', '.join(BLAS_THREAD_VARIABLES)} = 1)"
    return (f"numpy BLAS: not limited to 1 thread ({BLAS_THREAD_VARIABLES[0]} is not 1); "
            f"`python -m autograder.bench` limits it before importing numpy")
