"""Numerical gradients and readable verdicts for comparing them with yours.

The numerical gradient uses centered differences, (f(x + h) - f(x - h)) / 2h,
whose error shrinks as h**2; in float64 with h = 1e-5 a correct analytic
gradient agrees with it to a relative error of about 1e-8 or better.
"""
from dataclasses import dataclass

import numpy as np


def rel_error(x, y):
    """CS231n's relative error: max over entries of |x - y| / max(1e-8, |x| + |y|)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def eval_numerical_gradient(f, x, h=1e-5):
    """Numerical gradient of a scalar function.

    Inputs:
    - f: function taking an array shaped like x and returning a number
    - x: array of any shape (not modified)
    - h: step size

    Returns: float64 array shaped like x, the centered-difference df/dx.
    """
    return eval_numerical_gradient_array(lambda z: np.asarray(f(z), dtype=np.float64), x, np.ones(()), h)


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Numerical gradient of sum(f(x) * df), for a function returning an array.

    Inputs:
    - f: function taking an array shaped like x and returning an array shaped like df
    - x: array of any shape (not modified; evaluated in float64)
    - df: upstream gradient, the shape of f(x)
    - h: step size

    Returns: float64 array shaped like x.
    """
    x = np.array(x, dtype=np.float64)  # a private copy, perturbed in place below
    df = np.asarray(df, dtype=np.float64)
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        old = x[ix]
        x[ix] = old + h
        pos = np.array(f(x), dtype=np.float64)
        x[ix] = old - h
        neg = np.array(f(x), dtype=np.float64)
        x[ix] = old
        grad[ix] = np.sum((pos - neg) * df) / (2 * h)
    return grad


def same_entries(shape, expected_shape):
    """True if `shape` is `expected_shape` with leading axes of length 1: (1, D) for (D,), as a sum over
    axis 0 with keepdims=True leaves it. (D, 1), a column, is another arrangement and is not."""
    shape, expected_shape = tuple(shape), tuple(expected_shape)
    extra = len(shape) - len(expected_shape)
    return extra > 0 and shape[extra:] == expected_shape and all(n == 1 for n in shape[:extra])


@dataclass(frozen=True)
class GradientCheck:
    """The outcome of comparing one analytic gradient with a numerical one."""

    name: str
    error: float  # CS231n rel_error; nan when the shapes could not be compared
    tol: float
    problem: str = ""  # why the comparison could not be made, if it could not
    shape: tuple = None  # the analytic gradient's shape, where it is the right one with leading axes of length 1

    @property
    def ok(self):
        return not self.problem and self.error < self.tol

    def __str__(self):
        if self.problem:
            return f"{self.name}: {self.problem} — WRONG"
        verdict = "OK" if self.ok else "WRONG"
        text = f"{self.name}: relative error {self.error:.1e} — {verdict}, expect below {self.tol:.0e}"
        if self.shape is not None:
            text += (f" (but of shape {self.shape}: the docstring asks for another, and the autograder takes a "
                     "small deduction for it)")
        return text

    def __bool__(self):
        return self.ok


def check_gradient(name, analytic, expected, tol=1e-7):
    """Compare an analytic gradient with the expected (usually numerical) one.

    Inputs:
    - name: what is compared, e.g. "dx"
    - analytic: your gradient (any array-like, or None if not computed)
    - expected: the gradient to compare with, an array
    - tol: the largest relative error that counts as correct

    Returns a GradientCheck; print it for a one-line verdict such as
    "dx: relative error 3.1e-10 — OK, expect below 1e-07".
    """
    expected = np.asarray(expected)
    if analytic is None:
        return GradientCheck(name, float("nan"), tol, "is None (not computed yet?)")
    analytic = np.asarray(analytic)
    shape = analytic.shape if same_entries(analytic.shape, expected.shape) else None
    if analytic.shape != expected.shape and shape is None:
        return GradientCheck(name, float("nan"), tol, f"has shape {analytic.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(analytic)):
        return GradientCheck(name, float("nan"), tol, "contains nan or inf")
    return GradientCheck(name, rel_error(analytic.reshape(expected.shape), expected), tol, shape=shape)


# Added to every scale, so that a column whose terms are all zero keeps a positive one.
SCALE_FLOOR = np.finfo(np.float64).tiny


def gradient_scales(x, gamma, dout, eps):
    """The per-column sizes batch norm's arrays are measured in by scaled_error, each of shape (D,), float64.

    - "out": |gamma| + 1 (out = gamma * x̂ + beta, with x̂ of order 1)
    - "dx": max_i |gamma * dout_i| / sqrt(var + eps), the largest direct term of eq. (4)
    - "dgamma": sum_i |dout_i * x̂_i|, the size of the terms dgamma sums
    - "dbeta": sum_i |dout_i|

    Inputs: x (N, D), gamma (D,), dout (N, D), eps (a float).
    """
    x, gamma, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, dout))
    var = x.var(axis=0)
    xhat = (x - x.mean(axis=0)) / np.sqrt(var + eps)
    return {"out": np.abs(gamma) + 1.0,
            "dx": np.abs(gamma * dout).max(axis=0) / np.sqrt(var + eps) + SCALE_FLOOR,
            "dgamma": np.abs(dout * xhat).sum(axis=0) + SCALE_FLOOR,
            "dbeta": np.abs(dout).sum(axis=0) + SCALE_FLOOR}


def scaled_error(actual, expected, scale):
    """Largest |actual - expected| measured in units of `scale`.

    CS231n's rel_error divides by the entries themselves, so an entry near zero
    (common in dx, whose columns sum to zero) turns a rounding difference into
    a large "error". Dividing by a scale that does not depend on the entry, such
    as the size of a column's largest term, measures what matters instead.

    Inputs:
    - actual, expected: arrays of the same shape
    - scale: positive array broadcastable to that shape, e.g. one value per column

    Returns a float.
    """
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    if np.any(scale <= 0):
        raise ValueError("scale: expected positive values")
    return float(np.max(np.abs(actual - expected) / scale))
