"""The three terms of eq. (4) side by side, feature by feature: which one dominates?

Each is measured by its RMS over the batch, relative to the direct term's.
For a correct dx none exceeds 1: the mean term is at most the direct term
(|mean(dxhat)| <= RMS(dxhat)), so is the variance term (Cauchy–Schwarz, with
RMS(xhat) <= 1), and dx is the direct term with two directions projected out.
"""
from dataclasses import dataclass

import numpy as np

from .equation4 import rms, terms


@dataclass(frozen=True)
class TermSizes:
    """Per feature, RMS over the batch ÷ RMS of the direct term, each of shape (D,).

    - direct (all ones), mean, variance: the terms of eq. (4)
    - dx: their sum (eq. 4's dx)
    - direct_size: RMS of the direct term in units of RMS(dxhat)/spread, shape (D,)
    """

    direct: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    dx: np.ndarray
    direct_size: np.ndarray


def _direct_rms(t):
    size = rms(t.direct, axis=0)
    return np.where(size > 0, size, 1.0)


def term_sizes(case, eps, spread):
    """The terms of eq. (4) for the batch `case` at `eps`. Returns a TermSizes."""
    t = terms(case.x, case.gamma, case.dout, eps)
    size = _direct_rms(t)
    per_feature = {name: rms(getattr(t, name), axis=0) / size for name in ("direct", "mean", "variance", "dx")}
    direct_size = size / (rms(t.dxhat, axis=0) / spread)
    return TermSizes(**per_feature, direct_size=direct_size)


def dx_size(dx, case, eps):
    """RMS over the batch of an implementation's dx ÷ RMS of the direct term, shape (D,)."""
    t = terms(case.x, case.gamma, case.dout, eps)
    return rms(np.asarray(dx, dtype=np.float64), axis=0) / _direct_rms(t)
