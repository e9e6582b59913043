"""How closely two batch-norm backward results agree, in units that do not depend on the entry.

Entries of dx, dgamma and dbeta can be near zero (the columns of dx sum to
zero), so an entry-wise relative error can be large for a rounding difference.
Each gradient is measured instead against the size of the terms it is made of,
one scale per feature (cs231n_style.gradient_check.gradient_scales).
"""
import numpy as np

from cs231n_style.gradient_check import gradient_scales, scaled_error

# A float64 result agrees when within this many units of its scales; float32 and others use the second.
TOLERANCE = {np.dtype(np.float64): 1e-10, "other": 1e-4}


def max_scaled_error(actual, expected, dout, cache):
    """Largest error of actual (dx, dgamma, dbeta) against expected, in units of gradient_scales, for the
    reference's cache (its x, gamma and eps)."""
    scales = gradient_scales(cache["x"], cache["gamma"], dout, cache["eps"])
    return max(scaled_error(np.asarray(a), np.asarray(e), scales[name])
               for a, e, name in zip(actual, expected, ("dx", "dgamma", "dbeta")))


def tolerance(dtype):
    """The largest max_scaled_error that counts as agreement for results of `dtype`."""
    return TOLERANCE.get(np.dtype(dtype), TOLERANCE["other"])
