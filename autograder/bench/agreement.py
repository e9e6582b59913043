"""How closely two batch-norm backward results agree, in units that do not depend on the entry.

Entries of dx, dgamma and dbeta can be near zero (the columns of dx sum to
zero), so an entry-wise relative error can be large for a rounding difference.
Each gradient is measured instead against the size of the terms it is made of,
one scale per feature (column):

- dx: max_i |gamma * dout_i| * inv_std, the size of the direct term;
- dgamma: sum_i |dout_i * xhat_i|;
- dbeta: sum_i |dout_i|.
"""
import numpy as np

from cs231n_style.gradient_check import scaled_error

# A float64 result agrees when within this many units of its scales; float32 and others use the second.
TOLERANCE = {np.dtype(np.float64): 1e-10, "other": 1e-4}


def gradient_scales(dout, cache):
    """Per-feature scales of (dx, dgamma, dbeta), each of shape (D,), in float64."""
    dout = np.asarray(dout, dtype=np.float64)
    xhat = np.asarray(cache["xhat"], dtype=np.float64)
    gamma = np.asarray(cache["gamma"], dtype=np.float64)
    inv_std = np.asarray(cache["inv_std"], dtype=np.float64)
    tiny = np.finfo(np.float64).tiny  # keeps an all-zero column's scale positive
    return (
        np.abs(gamma * dout).max(axis=0) * inv_std + tiny,
        np.abs(dout * xhat).sum(axis=0) + tiny,
        np.abs(dout).sum(axis=0) + tiny,
    )


def max_scaled_error(actual, expected, dout, cache):
    """Largest error of actual (dx, dgamma, dbeta) against expected, in units of gradient_scales."""
    scales = gradient_scales(dout, cache)
    return max(scaled_error(np.asarray(a), np.asarray(e), s) for a, e, s in zip(actual, expected, scales))


def tolerance(dtype):
    """The largest max_scaled_error that counts as agreement for results of `dtype`."""
    return TOLERANCE.get(np.dtype(dtype), TOLERANCE["other"])
