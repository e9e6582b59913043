"""A tuned numpy closed form of the batch-norm backward pass, for the benchmark.

This is a reference implementation, never shipped to students: it shows how far
plain numpy gets (`python -m autograder.bench`). The math is the closed form of
`batchnorm_backward_alt`, rearranged so that the per-feature factors are folded
into two vectors:

    dbeta  = sum_i dout_i                 dgamma = sum_i dout_i * xhat_i
    dx     = gamma / sqrt(var + eps) * (dout - dbeta / N - xhat * dgamma / N)
           = dout * scale + xhat * a + b

with scale = gamma * inv_std, a = -scale * dgamma / N and b = -scale * dbeta / N
(all of shape (D,)). What makes it fast:

- the reductions stream at memory speed: dbeta is a matrix-vector product
  (ones @ dout, one BLAS call) and dgamma an einsum, which multiplies and sums
  without a temporary (N, D) product;
- dx is built in place in its output buffer, a block of rows at a time, with
  one scratch block: four element-wise operations per block, all on data still
  in the CPU cache, so dout and xhat come from main memory once each. Whole-array
  temporaries would also each be a fresh (N, D) allocation, whose page faults
  can cost as much as the arithmetic.
"""
import numpy as np

from cs231n_style.validation import check_dout

# Bytes per block of rows in the dx pass. Four blocks (dout, xhat, dx, scratch)
# stay in the last-level cache between the four operations on them. Measured on
# a 32 MiB L3: 512 KiB to 2 MiB about the same; 64 KiB and less lose to numpy's
# per-call overhead; whole arrays lose once they no longer fit in the cache.
BLOCK_BYTES = 1024 * 1024


def batchnorm_backward_fast(dout, cache):
    """Backward pass for batch normalization: the closed form, tuned.

    Inputs:
    - dout: upstream gradient dL/dout, of shape (N, D)
    - cache: from the reference batchnorm_forward in train mode, a dict with
      (at least) xhat of shape (N, D), gamma and inv_std of shape (D,)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)

    All three have the dtype of the inputs (float32 stays float32). Neither
    dout nor the cache is modified.
    """
    xhat, gamma, inv_std = cache["xhat"], cache["gamma"], cache["inv_std"]
    check_dout(dout, xhat.shape)
    N, D = dout.shape
    dtype = np.result_type(dout, xhat, gamma, inv_std)

    dbeta = np.ones(N, dtype=dtype) @ dout
    dgamma = np.einsum("ij,ij->j", dout, xhat)
    scale = gamma * inv_std
    a = scale * dgamma * (-1.0 / N)
    b = scale * dbeta * (-1.0 / N)

    dx = np.empty((N, D), dtype=dtype)
    rows = max(1, BLOCK_BYTES // (D * dtype.itemsize))
    scratch = np.empty((min(rows, N), D), dtype=dtype)
    for start in range(0, N, rows):
        block = dx[start:start + rows]
        tmp = scratch[:len(block)]
        np.multiply(xhat[start:start + rows], a, out=block)
        block += b
        np.multiply(dout[start:start + rows], scale, out=tmp)
        block += tmp
    return dx, dgamma, dbeta
