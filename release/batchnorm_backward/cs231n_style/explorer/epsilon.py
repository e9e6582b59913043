"""ε: how the terms of eq. (4) change as ε grows past the variance.

With s = sqrt(var + eps), the direct and mean terms shrink like 1/s, but the
variance term carries xhat twice and shrinks like var / (var + eps) · 1/s:
once eps >> var, xhat ≈ (x - mean)/sqrt(eps) is tiny, the normalisation has
faded, and the layer is a centred, scaled shift, gamma (x - mean)/sqrt(eps) + beta,
whose dx = (dxhat - mean(dxhat)) / sqrt(eps).
"""
from dataclasses import dataclass

import numpy as np

from .equation4 import rms, terms

EPS_SWEEP = np.logspace(-8, 1, 28)  # three points per decade over the slider's range
CODE_EPS = EPS_SWEEP[::3]  # where the implementation itself is run: once per decade


def unit(dxhat, spread):
    """Size of the direct term at eps -> 0 for a feature of spread `spread`: RMS(dxhat) / spread, shape (D,).

    Every size in the ε and terms panels is measured in this unit, so they read
    the same whatever the spread or the scale of dout.
    """
    u = rms(dxhat, axis=0) / spread
    return np.where(u > 0, u, 1.0)


@dataclass(frozen=True)
class EpsSweep:
    """RMS size of each term of eq. (4) against eps, in units of RMS(dxhat)/spread.

    - eps: shape (K,)
    - direct, mean, variance: the three terms, each shape (K,)
    - dx: their sum, shape (K,)
    - var: the batch variance averaged over the features (a number)
    """

    eps: np.ndarray
    direct: np.ndarray
    mean: np.ndarray
    variance: np.ndarray
    dx: np.ndarray
    var: float


def terms_by_eps(case, spread, eps_values=EPS_SWEEP):
    """Sizes of the terms of eq. (4) for the batch `case` at each eps. Returns an EpsSweep."""
    eps_values = np.asarray(eps_values, dtype=np.float64)
    t = terms(case.x, case.gamma, case.dout, eps_values[:, None, None])  # all eps at once: (K, N, D)
    scale = unit(t.dxhat, spread)
    sizes = [rms(getattr(t, name) / scale, axis=(-2, -1)) for name in ("direct", "mean", "variance", "dx")]
    return EpsSweep(eps_values, *sizes, float(t.var.mean()))


@dataclass(frozen=True)
class CodeSweep:
    """RMS size of an implementation's dx against eps, in the units of EpsSweep.

    - eps: shape (K,)
    - dx: shape (K,)
    """

    eps: np.ndarray
    dx: np.ndarray


def dx_by_eps(implementation, backward_name, case, spread, eps_values=CODE_EPS):
    """Run an implementation at each eps and measure its dx. Returns a CodeSweep; raises Problem if it fails."""
    scale = unit(case.gamma.astype(np.float64) * case.dout, spread)
    sizes = []
    for eps in eps_values:
        _, cache = implementation.forward(case.x, case.gamma, case.beta, float(eps))
        dx = implementation.backward(backward_name, case.dout, cache)
        sizes.append(rms(dx / scale))
    return CodeSweep(np.asarray(eps_values), np.asarray(sizes))
