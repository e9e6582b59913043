"""Shared helpers for the tests: per-column scales for comparing batch-norm gradients."""
import numpy as np

from cs231n_style.gradient_check import gradient_scales


def dx_scale(x, gamma, dout, eps):
    """Per-column size of the direct term of eq. (4), |gamma * dout| / sqrt(var + eps), as (D,)."""
    return gradient_scales(x, gamma, dout, eps)["dx"]


def train(forward, x, gamma, beta, eps=1e-5):
    """Reference-style forward in train mode; returns (out, cache)."""
    return forward(x, gamma, beta, {"mode": "train", "eps": eps})


def conditioning(x):
    """Per-column max|x| / std: how much rounding in x - mean is amplified, as (D,).

    A column far from zero with a small spread (x ≈ 4096 ± 0.01) loses digits in
    x - mean however the formula is written; tolerances scale with this.
    """
    x = x.astype(np.float64)
    return 1.0 + np.abs(x).max(axis=0) / np.maximum(x.std(axis=0), 1e-300)


class FakeClock:
    """A clock that advances only when the fake functions it makes are called: exact timings for tests."""

    def __init__(self):
        self.now = 0.0
        self.calls = []

    def __call__(self):
        return self.now

    def work(self, name, seconds):
        """A function that takes `seconds` on this clock and records its name when called."""
        def fn(*args):
            self.calls.append(name)
            self.now += seconds
        return fn
