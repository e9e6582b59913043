"""Two facts from the derivation, checked on an implementation's own dx.

1. dx sums to zero over the batch, for every feature: the mean and variance
   terms of eq. (4) subtract exactly the direct term's sum. Only rounding remains.
2. dx is orthogonal to xhat per feature — but only when eps = 0. In general

       sum_i xhat_i dx_i = eps / (var + eps) · sum_i dxhat_i xhat_i / s,

   which fades as eps becomes small relative to var. Both are shown as sizes
   relative to the vectors involved, so 1e-16 means "zero up to float64 rounding".
"""
from dataclasses import dataclass

import numpy as np

from .equation4 import terms


@dataclass(frozen=True)
class Facts:
    """Per feature, each of shape (D,):

    - batch_sum: |sum_i dx_i| / sum_i |dx_i|  (0 for a correct dx, up to rounding)
    - cosine: |sum_i xhat_i dx_i| / (|xhat| |dx|), the cosine of the angle between xhat and dx
    - predicted_cosine: that cosine for eq. (4)'s dx, from the formula above
    """

    batch_sum: np.ndarray
    cosine: np.ndarray
    predicted_cosine: np.ndarray


def _ratio(numerator, denominator):
    return np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)


def facts(dx, case, eps):
    """Check an implementation's dx (N, D) for the batch `case` at `eps`. Returns a Facts."""
    dx = np.asarray(dx, dtype=np.float64)
    t = terms(case.x, case.gamma, case.dout, eps)
    xhat_norm = np.linalg.norm(t.xhat, axis=0)
    batch_sum = _ratio(np.abs(dx.sum(axis=0)), np.abs(dx).sum(axis=0))
    cosine = _ratio(np.abs((t.xhat * dx).sum(axis=0)), xhat_norm * np.linalg.norm(dx, axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        predicted_dot = eps / (t.var + eps) * (t.dxhat * t.xhat).sum(axis=0) / t.s
    predicted_dot = np.nan_to_num(predicted_dot)
    predicted = _ratio(np.abs(predicted_dot), xhat_norm * np.linalg.norm(t.dx, axis=0))
    return Facts(batch_sum, cosine, predicted)
