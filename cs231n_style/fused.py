"""The batch-norm backward pass as one compiled loop: the fused kernel (optional: needs numba).

numpy makes a pass over whole arrays for every operation. A compiled loop can
compute eq. (4) in the two passes that the memory floor (memory_floor.py) counts:

    pass 1, row by row:   dbeta_j += dout_ij      g_j += dout_ij * (x_ij - mean_j)
    between the passes:   dgamma = g * inv_std, and per feature
                          m = dbeta / N      scale = gamma * inv_std      a = -scale * dgamma * inv_std / N
    pass 2, row by row:   dx_ij = (dout_ij - m_j) * scale_j + (x_ij - mean_j) * a_j

which is eq. (4), dx = scale * (dout - dbeta / N - xhat * dgamma / N) with
xhat = (x - mean) * inv_std, written out. Rows are the outer loop and features
the inner one, so both passes walk dout, x and dx in memory order (row-major),
and the sums of pass 1 go into arrays of D numbers. No sum runs along the inner
loop, so the compiler turns it into vector instructions as it stands
(`compiled_kernel().inspect_asm()` shows them); fastmath=True and
error_model="numpy" were measured to change nothing here and are left out.
It runs on one thread (parallel=False).

numba compiles the loops on the first call with each dtype (float64, float32),
which takes a few seconds; later calls run the compiled code.
"""
import functools

import numpy as np

from .validation import check_array, check_dout

INSTALL = "pip install numba (or, in the course repository, make bench-deps)"
NOT_INSTALLED = f"the fused kernel needs numba, which is not installed: {INSTALL}"
DTYPES = (np.dtype(np.float64), np.dtype(np.float32))
# How numba compiles _two_passes: machine code only (no Python objects), on one thread.
JIT_OPTIONS = {"nopython": True, "parallel": False}


def _two_passes(dout, x, gamma, mean, inv_std, dx, dgamma, dbeta, work):
    """The loops numba compiles. The first five arguments are those of batchnorm_backward_fused, all
    C-contiguous and of one dtype; the loops write dx (N, D), dgamma (D,), dbeta (D,) and use work (3, D).
    (Allocated in here instead, they made numba take about twice as long to compile the loops.)"""
    N, D = dout.shape
    m, scale, a = work[0], work[1], work[2]
    for j in range(D):
        dbeta[j] = 0
        dgamma[j] = 0
    for i in range(N):
        for j in range(D):
            d = dout[i, j]
            dbeta[j] += d
            dgamma[j] += d * (x[i, j] - mean[j])
    for j in range(D):
        dgamma[j] *= inv_std[j]
        m[j] = dbeta[j] / N
        scale[j] = gamma[j] * inv_std[j]
        a[j] = -scale[j] * dgamma[j] * inv_std[j] / N
    for i in range(N):
        for j in range(D):
            dx[i, j] = (dout[i, j] - m[j]) * scale[j] + (x[i, j] - mean[j]) * a[j]


def load_numba():
    """The numba module, or None if it cannot be imported."""
    try:
        import numba
    except ImportError:
        return None
    return numba


def compiled_kernel():
    """_two_passes as numba compiles it (on its first call with each dtype), or None without numba."""
    numba = load_numba()
    return None if numba is None else _jit(numba)


@functools.cache
def _jit(numba):
    return numba.jit(**JIT_OPTIONS)(_two_passes)


def batchnorm_backward_fused(dout, x, gamma, mean, inv_std):
    """Backward pass for batch normalization in train mode, fused into two passes over the data.

    Inputs:
    - dout: upstream gradient dL/dout, of shape (N, D)
    - x: the forward pass's input, of shape (N, D)
    - gamma: scale parameter, of shape (D,)
    - mean: the batch mean of x, of shape (D,)
    - inv_std: 1 / sqrt(var + eps) with the batch's (biased) variance, of shape (D,)
    all float64, or all float32, or a mix (computed in float64).

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    new arrays of the inputs' dtype (float32 stays float32); the inputs are not modified.

    Raises ImportError, saying how to install it, when numba is not installed.
    """
    check_array("x", x, ndim=2, shape_hint=" of shape (N, D)")
    N, D = x.shape
    if N < 1 or D < 1:
        raise ValueError(f"x: expected at least one row and one column, got shape {x.shape}")
    check_dout(dout, x.shape)
    for name, value in (("gamma", gamma), ("mean", mean), ("inv_std", inv_std)):
        check_array(name, value, shape=(D,), shape_hint=f" to match D = {D} columns of x")
    dtype = np.result_type(dout, x, gamma, mean, inv_std)
    if dtype not in DTYPES:
        raise ValueError(f"dout, x, gamma, mean, inv_std: expected float64 or float32 arrays, got {dtype}")
    kernel = compiled_kernel()
    if kernel is None:
        raise ImportError(NOT_INSTALLED)
    dx, dgamma, dbeta = np.empty((N, D), dtype=dtype), np.empty(D, dtype=dtype), np.empty(D, dtype=dtype)
    kernel(*(np.ascontiguousarray(a, dtype=dtype) for a in (dout, x, gamma, mean, inv_std)),
           dx, dgamma, dbeta, np.empty((3, D), dtype=dtype))
    return dx, dgamma, dbeta
