"""What the explorer's controls set, their ranges, and the data they select.

Every value a control can take is checked here, so `open_explorer(batch_size=0)`
fails with a ValueError naming batch_size before any widget is built.
"""
import math
import numbers
from dataclasses import dataclass, replace

import numpy as np

from cs231n_style.data import random_case

# Powers of two and their halfway points: even steps on a log scale, exact integers.
BATCH_SIZES = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)
EPS_RANGE = (1e-8, 10.0)
SPREAD_RANGE = (1e-3, 100.0)
DTYPES = ("float64", "float32")
BACKWARDS = {"graph": "batchnorm_backward", "closed form": "batchnorm_backward_alt"}
# What the two batch-size panels draw: batch norm, layer norm (section 5.4), or the two side by side.
NORMALIZATIONS = ("batch norm", "layer norm", "both")
MAX_FEATURES = 16
# Features are centred at a few spreads from zero, so x - mean matters at any spread
# without float32 losing most of its digits to the offset.
CENTRE_IN_SPREADS = 3.0


def _check_real(name, value, low, high):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name}: expected a number from {low:g} to {high:g}, got {value!r}")


def _check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, got {value!r}")


@dataclass(frozen=True)
class Settings:
    """The state of the controls.

    - batch_size: N, one of BATCH_SIZES
    - eps: the constant added to the variance, within EPS_RANGE
    - spread: standard deviation of each feature, within SPREAD_RANGE (the variance is spread**2)
    - dtype: "float64" or "float32", the dtype the implementation runs in
    - implementation: a label of the implementations offered, e.g. "yours" or "reference"
    - backward: "graph" (batchnorm_backward) or "closed form" (batchnorm_backward_alt)
    - normalization: what the batch-size panels draw, one of NORMALIZATIONS
    - features: D, the number of features (columns), 1 to MAX_FEATURES
    - seed: seed of the random data
    """

    batch_size: int = 64
    eps: float = 1e-5
    spread: float = 1.0
    dtype: str = "float64"
    implementation: str = "yours"
    backward: str = "graph"
    normalization: str = "batch norm"
    features: int = 4
    seed: int = 0

    def validate(self, labels):
        """Raise ValueError naming the first bad field; `labels` are the implementations offered.

        Returns the settings with dtype spelled as a string ("float32" for np.float32).
        """
        if isinstance(self.batch_size, bool) or self.batch_size not in BATCH_SIZES:
            raise ValueError(f"batch_size: expected one of {', '.join(map(str, BATCH_SIZES))} "
                             f"(the steps of the slider), got {self.batch_size!r}")
        _check_real("eps", self.eps, *EPS_RANGE)
        _check_real("spread", self.spread, *SPREAD_RANGE)
        dtype = _dtype_name(self.dtype)
        _check_choice("dtype", dtype, DTYPES)
        _check_choice("implementation", self.implementation, tuple(labels))
        _check_choice("backward", self.backward, tuple(BACKWARDS))
        _check_choice("normalization", self.normalization, NORMALIZATIONS)
        for name, low, high in (("features", 1, MAX_FEATURES), ("seed", 0, 2**32 - 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or not low <= value <= high:
                raise ValueError(f"{name}: expected an integer from {low} to {high}, got {value!r}")
        return replace(self, dtype=dtype)

    def with_(self, **changes):
        """A copy with some fields changed (not validated)."""
        return replace(self, **changes)

    @property
    def backward_name(self):
        return BACKWARDS[self.backward]

    @property
    def shows_batchnorm(self):
        return self.normalization in ("batch norm", "both")

    @property
    def shows_layernorm(self):
        return self.normalization in ("layer norm", "both")

    def case(self, batch_size=None, features=None):
        """The data for these settings: a Case with x (N, D) of mean 3σ and spread σ, in self.dtype."""
        return random_case(int(batch_size or self.batch_size), int(features or self.features), seed=int(self.seed),
                           dtype=np.dtype(self.dtype), loc=CENTRE_IN_SPREADS * self.spread, scale=self.spread)


def float_eps(dtype):
    """The rounding unit of `dtype` (2.2e-16 for float64, 1.2e-7 for float32)."""
    return float(np.finfo(np.dtype(dtype)).eps)


def _dtype_name(value):
    """'float32' for 'float32', np.float32 or np.dtype('float32'); the value itself if it is no dtype."""
    if isinstance(value, (str, type, np.dtype)):
        try:
            return str(np.dtype(value))
        except TypeError:
            pass
    return value
