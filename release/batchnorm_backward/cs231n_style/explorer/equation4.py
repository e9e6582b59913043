"""Eq. (4) of the derivation, split into its three terms (trusted numpy, float64).

Per feature (column), with s = sqrt(var + eps) and dxhat = gamma * dout,

    dx = (1 / (N s)) (N dxhat - sum_i dxhat_i - xhat sum_i dxhat_i xhat_i)
       =  dxhat / s                      the direct term
       -  mean_i(dxhat_i) / s            the mean term
       -  xhat mean_i(dxhat_i xhat_i) / s  the variance term

The explorer uses these to show what the student's dx is made of; the
student's own functions are never needed for it.
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Terms:
    """The pieces of eq. (4) for one batch, all float64.

    - xhat: normalized input of shape (N, D)
    - dxhat: gamma * dout, of shape (N, D)
    - var: batch variance per feature, of shape (D,)
    - s: sqrt(var + eps), of shape (D,)  (with a sweep of eps, see `terms`: (K, 1, D))
    - direct, mean, variance: the three terms, each of shape (N, D)
    """

    xhat: np.ndarray
    dxhat: np.ndarray
    var: np.ndarray
    s: np.ndarray
    direct: np.ndarray
    mean: np.ndarray
    variance: np.ndarray

    @property
    def dx(self):
        """Their sum, dL/dx of shape (N, D)."""
        return self.direct + self.mean + self.variance


def terms(x, gamma, dout, eps):
    """Split dx of a train-mode batch norm into the three terms of eq. (4).

    Inputs:
    - x: data of shape (N, D)
    - gamma: scale of shape (D,)
    - dout: upstream gradient of shape (N, D)
    - eps: the constant added to the variance, >= 0; or an array of shape (K, 1, 1) to get
      every term for K values at once, with an extra leading axis: s of shape (K, 1, D),
      xhat and the terms of shape (K, N, D)

    Returns a Terms (float64 whatever the dtype of the inputs).
    """
    x = np.asarray(x, dtype=np.float64)
    centered = x - x.mean(axis=0)
    var = (centered * centered).mean(axis=0)
    s = np.sqrt(var + eps)
    with np.errstate(divide="ignore", invalid="ignore"):  # s = 0 only for a constant feature with eps = 0
        xhat = centered / s
        dxhat = np.asarray(gamma, dtype=np.float64) * np.asarray(dout, dtype=np.float64)
        direct = dxhat / s
        # Means over the batch are over axis -2, so a leading axis of eps values carries through.
        mean = -dxhat.mean(axis=-2, keepdims=True) / s * np.ones_like(direct)
        variance = -xhat * (dxhat * xhat).mean(axis=-2, keepdims=True) / s
    return Terms(xhat, dxhat, var, s, direct, mean, variance)


def rms(a, axis=None):
    """Root mean square of `a` (over `axis`), in float64."""
    a = np.asarray(a, dtype=np.float64)
    return np.sqrt(np.mean(a * a, axis=axis))
