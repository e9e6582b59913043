"""Known wrong versions of the batch-norm formulas, to name the mistake behind a wrong answer.

When a student's array differs from the reference, it is compared with each
variant below, computed on the same inputs; a variant that matches it (within
the dtype's limit) is reported: "your dx matches the formula without the path
through the variance". The variants come from the derivation's usual slips and
from the mistakes in published notes (the sign of beta, x for x̂ in dgamma,
sqrt(std + eps)).

Each variant is a function of (x, gamma, beta, dout, eps), all float64, returning
the array it would produce.
"""
import numpy as np

from cs231n_style.gradient_check import same_entries

from .trusted import structure
from .trusted.compare import limit, scaled_error


def _stats(x, eps, axis=0, ddof=0):
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    return (x - mean) / np.sqrt(var + eps), np.sqrt(var + eps), var


def _dx(x, gamma, dout, eps, variance=1.0, mean=1.0, scale=1.0, over=None, ddof=0, axis=0):
    """(g - mean·ḡ - variance·x̂·Σ(g x̂)/(N - ddof)) / s, the closed form with one part changed."""
    xhat, s, var = _stats(x, eps, axis, ddof)
    g = gamma * dout
    n = x.shape[axis] - ddof
    return (g - mean * g.mean(axis=axis, keepdims=True)
            - variance * xhat * (g * xhat).sum(axis=axis, keepdims=True) / n) / s * scale


def _dx_sigma_eps(x, gamma, dout, eps, root=False):
    """The closed form for x̂ = (x - μ)/(σ + ε); with root=True, as published (divided by sqrt(σ + ε))."""
    xmu = x - x.mean(axis=0)
    std = x.std(axis=0)
    g = gamma * dout
    spread = std * (std + eps)
    scaled = np.divide(xmu, spread, out=np.zeros_like(xmu), where=spread > 0)
    core = g - g.mean(axis=0) - scaled * (g * xmu).mean(axis=0)
    return core / (np.sqrt(std + eps) if root else (std + eps))


_AXES = {0: "each feature (axis=0)", 1: "each row (axis=1)", None: "all entries (no axis)"}


def _closed_form_over(x, gamma, dout, eps, mean_axis, variance_axis, means):
    """The closed form with its two reductions, of g and of g·x̂, over the given axes: as means (g - mean(g)
    - x̂·mean(g x̂)) / s, or as the N-form's sums (N g - Σg - x̂·Σ(g x̂)) / (N s)."""
    xhat, s, _ = _stats(x, eps)
    g = gamma * dout
    if means:
        return (g - g.mean(axis=mean_axis, keepdims=True)
                - xhat * (g * xhat).mean(axis=variance_axis, keepdims=True)) / s
    N = x.shape[0]
    return (N * g - g.sum(axis=mean_axis, keepdims=True)
            - xhat * (g * xhat).sum(axis=variance_axis, keepdims=True)) / (N * s)


def _over_axes_variants():
    """Every closed form whose reductions are not both over each feature, in words."""
    found = {}
    for means in (True, False):
        kind = "means" if means else "sums"
        for mean_axis, mean_words in _AXES.items():
            for variance_axis, variance_words in _AXES.items():
                if mean_axis == variance_axis == 0:
                    continue
                one = kind[:-1]
                if mean_axis == variance_axis:
                    words = f"the {kind} of the closed form taken over {mean_words}"
                elif variance_axis == 0:
                    words = f"the {one} of dx̂ in the closed form taken over {mean_words}"
                elif mean_axis == 0:
                    words = f"the {one} of dx̂·x̂ in the closed form taken over {variance_words}"
                else:
                    words = f"the closed form's {one} of dx̂ taken over {mean_words} and of dx̂·x̂ over {variance_words},"
                found[f"{words} instead of each feature (axis=0)"] = (
                    lambda x, g, b, d, e, m=mean_axis, v=variance_axis, means=means:
                    _closed_form_over(x, g, d, e, m, v, means))
    return found


DX = {
    "the formula without the path through the variance (no x̂·mean(dx̂·x̂) term)":
        lambda x, g, b, d, e: _dx(x, g, d, e, variance=0.0),
    "the formula without the path through the mean (no -mean(dx̂) term)":
        lambda x, g, b, d, e: _dx(x, g, d, e, mean=0.0),
    "only the direct path, dx̂ / sqrt(var + eps)":
        lambda x, g, b, d, e: _dx(x, g, d, e, variance=0.0, mean=0.0),
    "the unbiased variance (N - 1) in the forward and backward pass":
        lambda x, g, b, d, e: _dx(x, g, d, e, ddof=1),
    "N - 1 instead of N in the variance term of the backward pass":
        lambda x, g, b, d, e: _dx(x, g, d, e, variance=x.shape[0] / max(x.shape[0] - 1, 1)),
    "dout where gamma * dout belongs (gamma missing)":
        lambda x, g, b, d, e: _dx(x, np.ones_like(g), d, e),
    "the wrong sign on the variance term":
        lambda x, g, b, d, e: _dx(x, g, d, e, variance=-1.0),
    "the wrong sign on the mean term":
        lambda x, g, b, d, e: _dx(x, g, d, e, mean=-1.0),
    "the whole gradient with the wrong sign":
        lambda x, g, b, d, e: -_dx(x, g, d, e),
    "the variance term without its factor 2 (dvar/dx taken as (x - mean) / N)":
        lambda x, g, b, d, e: _dx(x, g, d, e, variance=0.5),
    "the mean term without its 1/N":
        lambda x, g, b, d, e: _dx(x, g, d, e, mean=float(x.shape[0])),
    "eps left out (dividing by sqrt(var))":
        lambda x, g, b, d, e: _dx(x, g, d, 0.0),
    "eps added to the standard deviation, x̂ = (x - mean) / (std + eps)":
        lambda x, g, b, d, e: _dx_sigma_eps(x, g, d, e),
    "the published formula for std + eps, which divides by sqrt(std + eps)":
        lambda x, g, b, d, e: _dx_sigma_eps(x, g, d, e, root=True),
    "the exponent -3/2 of dvar written as -1/2":
        lambda x, g, b, d, e: _dx(x, g, d, e, variance=(x.var(axis=0) + e)),
    "statistics over each row (axis=1) instead of each feature (axis=0)":
        lambda x, g, b, d, e: _dx(x, g, d, e, axis=1),
    "gamma * dout, the gradient with respect to x̂ instead of x":
        lambda x, g, b, d, e: g * d,
    "only the diagonal of the Jacobian: each x_i's own path, without the sums over the batch":
        lambda x, g, b, d, e: g * d * (1 - 1 / x.shape[0] - _stats(x, e)[0] ** 2 / x.shape[0]) / _stats(x, e)[1],
}

DX.update(_over_axes_variants())

DGAMMA = {
    "the sum of dout * x, where dout * x̂ belongs": lambda x, g, b, d, e: (d * x).sum(axis=0),
    "dbeta's value: dgamma and dbeta swapped (in the return, say)": lambda x, g, b, d, e: d.sum(axis=0),
    "the mean of dout * x̂ instead of its sum": lambda x, g, b, d, e: (d * _stats(x, e)[0]).mean(axis=0),
    "the sum over each row (axis=1) instead of each feature": lambda x, g, b, d, e: (d * _stats(x, e)[0]).sum(axis=1),
}

DBETA = {
    "the mean of dout instead of its sum": lambda x, g, b, d, e: d.mean(axis=0),
    "dgamma's value: dgamma and dbeta swapped (in the return, say)":
        lambda x, g, b, d, e: (d * _stats(x, e)[0]).sum(axis=0),
    "the sum over each row (axis=1) instead of each feature": lambda x, g, b, d, e: d.sum(axis=1),
}

OUT = {
    "the unbiased variance (N - 1) instead of the biased one": lambda x, g, b, d, e: g * _stats(x, e, ddof=1)[0] + b,
    "eps outside the square root, (x - mean) / (sqrt(var) + eps)":
        lambda x, g, b, d, e: g * (x - x.mean(0)) / (np.sqrt(x.var(0)) + e) + b,
    "eps left out": lambda x, g, b, d, e: g * _stats(x, 0.0)[0] + b,
    "y = gamma * x̂ - beta (the sign of beta)": lambda x, g, b, d, e: g * _stats(x, e)[0] - b,
    "gamma and beta swapped": lambda x, g, b, d, e: b * _stats(x, e)[0] + g,
    "gamma missing": lambda x, g, b, d, e: _stats(x, e)[0] + b,
    "x - mean / sqrt(var + eps): the parentheses around x - mean missing":
        lambda x, g, b, d, e: g * (x - x.mean(0) / np.sqrt(x.var(0) + e)) + b,
    "beta missing": lambda x, g, b, d, e: g * _stats(x, e)[0],
    "statistics over each row (axis=1) instead of each feature (axis=0)":
        lambda x, g, b, d, e: g * _stats(x, e, axis=1)[0] + b,
    "the standard deviation where the variance belongs, (x - mean) / sqrt(std + eps)":
        lambda x, g, b, d, e: g * (x - x.mean(0)) / np.sqrt(x.std(0) + e) + b,
}

VARIANTS = {"dx": DX, "dgamma": DGAMMA, "dbeta": DBETA, "out": OUT}


def _fits(shape, expected):
    return tuple(shape) == tuple(expected) or same_entries(shape, expected)


def diagnose(name, student, x, gamma, beta, dout, eps, scale, structural=True, small_batches=False):
    """The description of the mistake behind `student` (the array `name`), or None.

    A known variant it matches, else (structural: for batchnorm's own formulas only) what its
    structure shows (trusted/structure.py). small_batches: try batches of two as well, where many
    variants coincide (to tell whether an array is batch norm with some slip, not which one).
    Inputs: the case's x (N, D), gamma (D,), beta (D,), dout (N, D), eps; scale (D,) as
    for the comparison with the reference.
    """
    variants = VARIANTS.get(name, {})
    if student is None or not variants or student.dtype.kind != "f" or (np.shape(x)[0] < 3 and not small_batches):
        return None  # a batch of two cannot tell N - 1 from a factor 2, nor many variants from each other
    if name == "dx" and np.shape(x)[1] < 2:
        return None  # with one feature, the closed form's sums over axis 1 give the Jacobian's diagonal exactly
    x, gamma, beta, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, beta, dout))
    allowed = limit(student.dtype)
    for description, variant in variants.items():
        with np.errstate(all="ignore"):
            wrong = variant(x, gamma, beta, dout, eps)
        if _fits(student.shape, wrong.shape) and np.all(np.isfinite(wrong)) and \
                scaled_error(student.reshape(wrong.shape), wrong, scale) <= allowed:
            return f"your {name} matches {description}"
    expected = {"dx": x.shape, "out": x.shape}.get(name, gamma.shape)
    if not structural or not _fits(student.shape, expected) or not np.all(np.isfinite(student)):
        return None
    student = student.reshape(expected)
    with np.errstate(all="ignore"):
        if name == "dx":
            return structure.dx(student, x, gamma, dout, eps)
        if name == "out":
            return structure.out_train(student, x, gamma, beta, eps)
        right = (dout * _stats(x, eps)[0]).sum(axis=0) if name == "dgamma" else dout.sum(axis=0)
        return structure.per_feature(name, student, right, x, gamma, eps)
