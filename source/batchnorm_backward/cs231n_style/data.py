"""Seeded synthetic inputs for the notebook's checks and the tests.

Each case is built by a function of a numpy Generator; `make_case(name, seed)`
returns fresh arrays every call, so a function that modifies its inputs cannot
spoil the next check. Cases cover the ordinary shapes and the edge cases: a
batch of one row, a single feature, values near 1e6 and near-constant features.
"""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Case:
    """Inputs for one forward/backward check.

    - x: data of shape (N, D)
    - gamma, beta: of shape (D,)
    - dout: an upstream gradient of shape (N, D)
    - bn_param: dict with mode 'train' and eps (a fresh dict per case)
    """

    name: str
    description: str
    x: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    dout: np.ndarray
    bn_param: dict = field(default_factory=lambda: {"mode": "train", "eps": 1e-5})

    @property
    def shape(self):
        return self.x.shape


def _standard(rng, N, D, loc=12.0, scale=5.0):
    """CS231n's gradient-check data: features with mean about loc and spread about scale."""
    x = scale * rng.standard_normal((N, D)) + loc
    return x, rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D))


def _gradcheck(rng):
    return _standard(rng, 4, 5)


def _medium(rng):
    return _standard(rng, 64, 32)


def _batch_of_one(rng):
    return _standard(rng, 1, 5)


def _batch_of_two(rng):
    return _standard(rng, 2, 5)


def _single_feature(rng):
    return _standard(rng, 6, 1)


def _large_values(rng):
    return _standard(rng, 8, 4, loc=1e6, scale=3.0)


def _near_constant(rng):
    x, gamma, beta, dout = _standard(rng, 8, 4)
    x[:, 1] = 7.0 + 1e-7 * rng.standard_normal(8)  # variance about 1e-14, far below eps
    x[:, 3] = -2.0  # exactly constant
    return x, gamma, beta, dout


def _activations(rng):
    """CS231n's forward check: a batch of hidden activations, far from zero mean and unit variance.

    The two weight matrices are the same for every seed, so batches of different
    seeds come from one distribution (what the running averages estimate).
    """
    N, D1, D2, D3 = 200, 50, 60, 3
    weights = np.random.default_rng(231)
    W1 = weights.standard_normal((D1, D2))
    W2 = weights.standard_normal((D2, D3))
    x = np.maximum(0, rng.standard_normal((N, D1)) @ W1) @ W2
    return x, np.ones(D3), np.zeros(D3), rng.standard_normal((N, D3))


def _timing(rng):
    return _standard(rng, 2048, 512)


CASES = {
    "gradcheck": (_gradcheck, "4x5 batch with mean 12 and spread 5 (CS231n's gradient check)"),
    "medium": (_medium, "64x32 batch"),
    "batch_of_one": (_batch_of_one, "N = 1: the batch variance is 0, so dx is 0"),
    "batch_of_two": (_batch_of_two, "N = 2: every xhat is +1 or -1 (up to eps)"),
    "single_feature": (_single_feature, "D = 1"),
    "large_values": (_large_values, "values near 1e6 with spread 3"),
    "near_constant": (_near_constant, "one feature with variance 1e-14 and one exactly constant"),
    "activations": (_activations, "200x3 hidden activations far from zero mean and unit variance"),
    "timing": (_timing, "2048x512 batch, big enough for timings to mean something"),
}


def make_case(name, seed=0, dtype=np.float64):
    """Build case `name` (a key of CASES) from `seed`, with arrays of `dtype`."""
    if name not in CASES:
        raise ValueError(f"name: expected one of {', '.join(CASES)}, got {name!r}")
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype: expected a floating-point dtype such as float32 or float64, got {dtype}")
    build, description = CASES[name]
    arrays = build(np.random.default_rng(seed))
    x, gamma, beta, dout = (np.asarray(a, dtype=dtype) for a in arrays)
    return Case(name, description, x, gamma, beta, dout)


def random_case(N, D, seed=0, dtype=np.float64, loc=0.0, scale=1.0):
    """A batch of shape (N, D) with features of mean about loc and spread about scale."""
    for name, value in (("N", N), ("D", D)):
        if not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    arrays = _standard(np.random.default_rng(seed), N, D, loc=loc, scale=scale)
    x, gamma, beta, dout = (np.asarray(a, dtype=dtype) for a in arrays)
    return Case(f"random {N}x{D}", f"{N}x{D} batch, mean {loc}, spread {scale}", x, gamma, beta, dout)
