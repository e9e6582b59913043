"""Batch size: how big dx is per example, and how noisy the batch statistics are.

Both are plain functions of numbers; the explorer plots them against N. With
layer norm chosen, the same for layernorm_* (whose statistics are each example's
own), and how much one example's output depends on the rest of its batch.

For a correct backward pass and an upstream gradient unrelated to x, eq. (4)
predicts the size of dx relative to its direct term dxhat / s: dx is dxhat
with its best straight-line fit on [1, xhat] removed, so N - 2 of N directions
survive when eps << var. A batch of one gives dx = 0, a batch of two almost 0.
"""
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .problems import Problem
from .settings import CENTRE_IN_SPREADS

# Columns per batch in the sweep: enough entries (N x columns) that one batch's luck
# averages out, so the dots fall on the expectation even at N = 3.
SWEEP_ENTRIES = 8192
MIN_SWEEP_FEATURES = 32


def sweep_features(n):
    """How many features (columns) the sweep uses at batch size n."""
    return max(MIN_SWEEP_FEATURES, SWEEP_ENTRIES // n)


@dataclass(frozen=True)
class DxSize:
    """Size of dx per example against the batch size.

    - sizes: batch sizes N, shape (K,)
    - measured: RMS of dx over the batch ÷ RMS of the direct term dxhat / s (see size_ratio), shape (K,)
    - predicted: the expected value of that ratio from eq. (4), shape (K,)
    """

    sizes: np.ndarray
    measured: np.ndarray
    predicted: np.ndarray


def predicted_dx_size(sizes, spread, eps):
    """Expected RMS(dx) ÷ RMS(dxhat / s) for random dout, as an array shaped like sizes.

    With r = var / (var + eps) for the batch variance var of a feature,
    dx = (dxhat - mean(dxhat) - r u u.dxhat) / s for the unit vector u along xhat.
    For dout with independent normal entries that leaves (N - 2 + (1 - r)^2) / N of the
    direct term's energy: sqrt(1 - 2/N) when eps << var, sqrt(1 - 1/N) when eps >> var
    (only the mean is removed), and 0 for N = 1. The batch variance itself varies from
    batch to batch (spread**2 times a chi-square with N - 1 degrees of freedom, over N), so
    (1 - r)^2 is averaged over it; that matters for small batches, where var is often tiny.
    """
    sizes = np.asarray(sizes)
    energy = np.zeros(sizes.shape, dtype=np.float64)
    for index, n in np.ndenumerate(sizes):
        if n >= 2:
            var = spread**2 * _variance_draws(int(n))
            energy[index] = (n - 2 + np.mean((eps / (var + eps)) ** 2)) / n
    return np.sqrt(energy)


@lru_cache(maxsize=64)
def _variance_draws(n, draws=20000):
    """Draws of the biased batch variance of n standard normals: chi-square(n - 1) / n, shape (draws,)."""
    values = np.random.default_rng(n).chisquare(n - 1, size=draws) / n
    values.flags.writeable = False
    return values


def size_ratio(dx, direct):
    """sqrt of the mean over features of |dx_j|^2 / |direct_j|^2, for arrays of shape (N, D).

    Each feature counts once: pooling all entries instead would let the features
    with the smallest variance, whose direct term dxhat / s is largest, decide alone.
    """
    dx_energy = np.sum(np.asarray(dx, dtype=np.float64) ** 2, axis=0)
    direct_energy = np.sum(direct**2, axis=0)
    keep = direct_energy > 0
    return float(np.sqrt(np.mean(dx_energy[keep] / direct_energy[keep]))) if np.any(keep) else 0.0


def dx_size_by_batch(implementation, backward_name, settings, sizes):
    """Measure RMS(dx) ÷ RMS(direct term) of an implementation at each batch size.

    Inputs:
    - implementation: an Implementation (see implementations.py)
    - backward_name: "batchnorm_backward" or "batchnorm_backward_alt"
    - settings: Settings giving eps, spread, dtype and seed (its batch size is ignored)
    - sizes: the batch sizes to measure

    Returns a DxSize; raises Problem if the implementation fails.
    """
    measured = []
    for n in sizes:
        case = settings.case(batch_size=n, features=sweep_features(n))
        _, cache = implementation.forward(case.x, case.gamma, case.beta, settings.eps)
        dx = implementation.backward(backward_name, case.dout, cache).astype(np.float64)
        x = case.x.astype(np.float64)
        direct = case.gamma * case.dout.astype(np.float64) / np.sqrt(x.var(axis=0) + settings.eps)
        measured.append(size_ratio(dx, direct))
    sizes = np.asarray(sizes)
    return DxSize(sizes, np.asarray(measured), predicted_dx_size(sizes, settings.spread, settings.eps))


@dataclass(frozen=True)
class BatchNoise:
    """How far the batch statistics fall from the true ones, typically (RMS over many batches).

    - sizes: batch sizes N, shape (K,)
    - mean_error: RMS of (batch mean - true mean) / true std, shape (K,)
    - var_error: RMS of batch var / true var - 1, shape (K,)
    - mean_predicted: 1 / sqrt(N), shape (K,)
    - var_predicted: sqrt(2N - 1) / N for the biased variance, shape (K,)
    """

    sizes: np.ndarray
    mean_error: np.ndarray
    var_error: np.ndarray
    mean_predicted: np.ndarray
    var_predicted: np.ndarray

    def at(self, n):
        """(mean_error, var_error) at batch size n (which must be one of sizes)."""
        k = int(np.flatnonzero(self.sizes == n)[0])
        return float(self.mean_error[k]), float(self.var_error[k])


@lru_cache(maxsize=4)
def batch_noise(sizes, draws=400, seed=0):
    """Draw `draws` batches of each size from a normal distribution and measure their statistics.

    Inputs:
    - sizes: tuple of batch sizes
    - draws: batches per size
    - seed: seed of the draws

    Returns a BatchNoise (cached: the same arguments give the same object, with read-only arrays).
    """
    rng = np.random.default_rng(seed)
    mean_error, var_error = [], []
    for n in sizes:
        z = rng.standard_normal((draws, n))
        mean_error.append(np.sqrt(np.mean(z.mean(axis=1) ** 2)))
        var_error.append(np.sqrt(np.mean((z.var(axis=1) - 1.0) ** 2)))
    n = np.asarray(sizes, dtype=np.float64)
    arrays = [np.asarray(sizes), np.asarray(mean_error), np.asarray(var_error), 1 / np.sqrt(n), np.sqrt(2 * n - 1) / n]
    for a in arrays:
        a.flags.writeable = False
    return BatchNoise(*arrays)


# Layer norm's statistics come from each example's own features: its sweep keeps D fixed.
LAYERNORM_FEATURES = 64


def layernorm_dx_size_by_batch(implementation, settings, sizes):
    """Measure layer norm's RMS(dx) ÷ RMS(direct term) at each batch size, with γ = 1.

    The direct term of row i is dout_i / s_i, s_i = sqrt(var_i + eps) of the row's
    LAYERNORM_FEATURES features, and each example counts once (size_ratio over rows).
    Eq. (4ᵀ) predicts batch norm's value with D in place of N, at every N: the
    `predicted` of the DxSize returned is constant. Raises Problem if the implementation fails.
    """
    measured = []
    for n in sizes:
        case = settings.case(batch_size=n, features=LAYERNORM_FEATURES)
        _, cache = implementation.layernorm_forward(case.x, np.ones_like(case.gamma), case.beta, settings.eps)
        dx = implementation.layernorm_backward(case.dout, cache).astype(np.float64)
        x = case.x.astype(np.float64)
        direct = case.dout.astype(np.float64) / np.sqrt(x.var(axis=1, keepdims=True) + settings.eps)
        measured.append(size_ratio(dx.T, direct.T))
    sizes = np.asarray(sizes)
    predicted = predicted_dx_size(np.array([LAYERNORM_FEATURES]), settings.spread, settings.eps)
    return DxSize(sizes, np.asarray(measured), np.full(sizes.shape, predicted[0]))


DEPENDENCE_SIZES = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
DEPENDENCE_DRAWS = 16


@dataclass(frozen=True)
class BatchDependence:
    """How much one example's output moves when the rest of its batch is drawn again.

    - sizes: batch sizes N, shape (K,)
    - batchnorm, layernorm: RMS over draws and features of out[0] minus its mean over the
      draws, with γ = 1 and β = 0, shape (K,); a Problem where that code failed; None if not shown
    """

    sizes: np.ndarray
    batchnorm: object
    layernorm: object

    @property
    def problems(self):
        return [value for value in (self.batchnorm, self.layernorm) if isinstance(value, Problem)]


def output_dependence(forward, settings, sizes=DEPENDENCE_SIZES, draws=DEPENDENCE_DRAWS):
    """RMS change of example 0's output over `draws` batches that share only example 0, shape (len(sizes),).

    Inputs:
    - forward: forward(x, gamma, beta, eps) -> (out, cache), train mode
    - settings: Settings giving eps, spread, dtype, features and seed
    Raises Problem if forward fails.
    """
    rng = np.random.default_rng(settings.seed)
    d, dtype, spread = settings.features, np.dtype(settings.dtype), settings.spread
    gamma, beta = np.ones(d, dtype=dtype), np.zeros(d, dtype=dtype)
    first = CENTRE_IN_SPREADS * spread + spread * rng.standard_normal(d)
    changes = []
    for n in sizes:
        outs = np.empty((draws, d))
        for k in range(draws):
            x = CENTRE_IN_SPREADS * spread + spread * rng.standard_normal((n, d))
            x[0] = first
            out, _ = forward(x.astype(dtype), gamma, beta, settings.eps)
            outs[k] = np.asarray(out, dtype=np.float64)[0]
        deviations = outs - outs.mean(axis=0)
        deviations[:, np.all(outs == outs[0], axis=0)] = 0  # an output that never moved: 0, not the mean's rounding
        changes.append(np.sqrt(np.mean(deviations ** 2)))
    return np.asarray(changes)


_DEPENDENCE_CACHE = {}
_DEPENDENCE_CACHE_SIZE = 8


def batch_dependence(implementation, settings):
    """A BatchDependence for the normalizations the settings show, measured with `implementation`.

    Moving the batch size or choosing the other backward pass changes nothing here, so the numbers are
    kept for settings and forward functions seen before (by their code: an edit reloaded by
    %autoreload replaces it, and then they are measured again).
    """
    def measured(shown, name, forward):
        if not shown:
            return None
        try:
            key = (settings.with_(batch_size=0, backward=""), implementation.label, name,
                   _code_of(implementation.function(name)))
            if key not in _DEPENDENCE_CACHE:
                if len(_DEPENDENCE_CACHE) >= _DEPENDENCE_CACHE_SIZE:
                    _DEPENDENCE_CACHE.pop(next(iter(_DEPENDENCE_CACHE)))
                _DEPENDENCE_CACHE[key] = output_dependence(forward, settings)
            return _DEPENDENCE_CACHE[key]
        except Problem as problem:
            return problem

    return BatchDependence(np.asarray(DEPENDENCE_SIZES),
                           measured(settings.shows_batchnorm, "batchnorm_forward", implementation.forward),
                           measured(settings.shows_layernorm, "layernorm_forward", implementation.layernorm_forward))


def _code_of(function):
    """What identifies a function's current code: the function (kept alive by the key, so never confused with a
    later one) and its code object, which %autoreload replaces in place."""
    return function, getattr(function, "__code__", None)
