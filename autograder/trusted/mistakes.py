"""Known wrong versions of the batch-norm formulas, to name the mistake behind a wrong answer: every
diagnosis the trusted checks give of a wrong array goes through this module.

When a student's array differs from the reference, it is compared with each
variant below, computed on the same inputs; a variant that matches it (within
the dtype's limit) is reported: "your dx matches the formula without the path
through the variance". The variants come from the derivation's usual slips and
from the mistakes in published notes (the sign of beta, x for x̂ in dgamma,
sqrt(std + eps)).

Each variant is a function of (x, gamma, beta, dout, eps), all float64, returning
the array it would produce, or a list of arrays: the ways of writing the slip that
give different numbers.
"""
import numpy as np

from cs231n_style.gradient_check import same_entries

from . import structure
from .compare import limit, scaled_error


def _stats(x, eps, axis=0, ddof=0):
    mean = x.mean(axis=axis, keepdims=True)
    var = x.var(axis=axis, keepdims=True, ddof=ddof)
    return (x - mean) / np.sqrt(var + eps), np.sqrt(var + eps), var


def _dx(x, gamma, dout, eps, variance=1.0, mean=1.0, ddof=0, axis=0):
    """(g - mean·ḡ - variance·x̂·Σ(g x̂)/(N - ddof)) / s, the closed form with one part changed."""
    xhat, s, var = _stats(x, eps, axis, ddof)
    g = gamma * dout
    n = x.shape[axis] - ddof
    return (g - mean * g.mean(axis=axis, keepdims=True)
            - variance * xhat * (g * xhat).sum(axis=axis, keepdims=True) / n) / s


def _dx_sigma_eps(x, gamma, dout, eps, root=False):
    """The closed form for x̂ = (x - μ)/(σ + ε); with root=True, as published (divided by sqrt(σ + ε))."""
    xmu = x - x.mean(axis=0)
    std = x.std(axis=0)
    g = gamma * dout
    spread = std * (std + eps)
    scaled = np.divide(xmu, spread, out=np.zeros_like(xmu), where=spread > 0)
    core = g - g.mean(axis=0) - scaled * (g * xmu).mean(axis=0)
    return core / (np.sqrt(std + eps) if root else (std + eps))


def _graph(x, gamma, dout, eps, var_axis=0, mean_axis=0, through_dx1=True, dvar_power=None, direct_eps=None,
           power_inside=True):
    """The nine-step graph version, with its sums of dvar and dmean over the given axes (keepdims), dvar's
    (var + eps)^-3/2 replaced by dvar_power(var, eps), eps in the direct path's 1/sqrt(var + eps) replaced by
    direct_eps. through_dx1: dmean as -Σ(dx̂/s + 2·dvar·(x - μ)/N) (the staged graph), else as Σ(-dx̂/s) +
    dvar·mean(-2(x - μ)) (the three-line form). power_inside: dvar's power inside its sum, else after it (the
    same when the sum is over the batch)."""
    N = x.shape[0]
    mu = x.mean(axis=0)
    xmu = x - mu
    var = (xmu ** 2).mean(axis=0)
    s = np.sqrt(var + eps)
    inverse = 1 / np.sqrt(var + (eps if direct_eps is None else direct_eps))
    dxhat = dout * gamma
    power = (var + eps) ** -1.5 if dvar_power is None else dvar_power(var, eps)
    if power_inside:
        dvar = (dxhat * xmu * -0.5 * power).sum(axis=var_axis, keepdims=True)
    else:
        dvar = (dxhat * xmu).sum(axis=var_axis, keepdims=True) * -0.5 * power
    dx1 = dxhat * inverse + dvar * 2 * xmu / N
    if through_dx1:
        dmean = -dx1.sum(axis=mean_axis, keepdims=True)
    else:
        dmean = (-dxhat / s).sum(axis=mean_axis, keepdims=True) + dvar * (-2 * xmu).mean(axis=mean_axis,
                                                                                         keepdims=True)
    return dx1 + dmean / N


def _graph_axes_variants():
    """The graph version with dvar or dmean summed over each row (axis=1): both ways of writing dmean."""
    found = {}
    for var_axis, mean_axis, words in ((1, 0, "dvar"), (0, 1, "dmean"), (1, 1, "dvar and dmean")):
        found[f"{words} summed over each row (axis=1) instead of over the batch (axis=0), in the graph version"] = (
            lambda x, g, b, d, e, v=var_axis, m=mean_axis:
            [_graph(x, g, d, e, v, m, through_dx1=through, power_inside=inside)
             for through in (True, False) for inside in (True, False)])
    return found


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
    "the variance term's sum of dout·x̂ (dgamma) replaced by the sum of dout (dbeta)":
        lambda x, g, b, d, e: (g * d - (g * d).mean(axis=0) - _stats(x, e)[0] * (g * d).mean(axis=0)) / _stats(x, e)[1],
    "dgamma and dbeta swapped inside the closed form (Σdout·x̂ where Σdout belongs and the reverse)":
        lambda x, g, b, d, e: (g * d - g * (d * _stats(x, e)[0]).mean(axis=0)
                               - _stats(x, e)[0] * (g * d).mean(axis=0)) / _stats(x, e)[1],
    "dx̂ = dout · x̂ (x̂ where gamma belongs)":
        lambda x, g, b, d, e: _dx(x, _stats(x, e)[0], d, e),
    "std ** -1.5 in dvar where (var + eps) ** -1.5 belongs":
        lambda x, g, b, d, e: _graph(x, g, d, e, dvar_power=lambda v, e_: (v + e_) ** -0.75),
    "eps left out of dvar's (var + eps) ** -1.5 (var ** -1.5)":
        lambda x, g, b, d, e: _graph(x, g, d, e, dvar_power=lambda v, e_: v ** -1.5),
    "eps left out of the 1/sqrt(var + eps) of the direct path (dx̂ / sqrt(var))":
        lambda x, g, b, d, e: [_graph(x, g, d, e, direct_eps=0.0, through_dx1=through) for through in (True, False)],
}

DX.update(_over_axes_variants())
DX.update(_graph_axes_variants())

DGAMMA = {
    "the sum of dout * x, where dout * x̂ belongs": lambda x, g, b, d, e: (d * x).sum(axis=0),
    "dbeta's value: dgamma and dbeta swapped (in the return, say)": lambda x, g, b, d, e: d.sum(axis=0),
    "the mean of dout * x̂ instead of its sum": lambda x, g, b, d, e: (d * _stats(x, e)[0]).mean(axis=0),
    "the sum over each row (axis=1) instead of each feature": lambda x, g, b, d, e: (d * _stats(x, e)[0]).sum(axis=1),
    "the sum over all entries, one number (np.sum without axis=0)": lambda x, g, b, d, e: (d * _stats(x, e)[0]).sum(),
    "the matrix x̂ᵀ·dout (D x D): its diagonal, the sum of dout * x̂ over the batch, is dgamma":
        lambda x, g, b, d, e: [_stats(x, e)[0].T @ d, d.T @ _stats(x, e)[0]],
}

DBETA = {
    "the mean of dout instead of its sum": lambda x, g, b, d, e: d.mean(axis=0),
    "dgamma's value: dgamma and dbeta swapped (in the return, say)":
        lambda x, g, b, d, e: (d * _stats(x, e)[0]).sum(axis=0),
    "the sum over each row (axis=1) instead of each feature": lambda x, g, b, d, e: d.sum(axis=1),
    "the sum over all entries, one number (np.sum without axis=0)": lambda x, g, b, d, e: d.sum(),
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
    "statistics over all entries, one mean and one variance (np.mean and np.var without axis=0)":
        lambda x, g, b, d, e: g * (x - x.mean()) / np.sqrt(x.var() + e) + b,
}

VARIANTS = {"dx": DX, "dgamma": DGAMMA, "dbeta": DBETA, "out": OUT}


def _scale_for(scale, shape):
    """The comparison's per-column scale (D,), for a variant of another shape: one number, or a column per row
    of a (D, D) matrix (the largest entry, for a shape it does not broadcast to)."""
    try:
        np.broadcast_shapes(np.shape(scale), shape)
        return scale
    except ValueError:
        return np.max(scale)


def _fits(shape, expected):
    return tuple(shape) == tuple(expected) or same_entries(shape, expected)


def _matching(variants, name, student, x, gamma, beta, dout, eps, scale):
    """'your {name} matches {description}' for the first of `variants` (a table like DX) that `student` matches
    (within the dtype's limit), or None. x, gamma, beta, dout: float64."""
    allowed = limit(student.dtype)
    for description, variant in variants.items():
        with np.errstate(all="ignore"):
            found = variant(x, gamma, beta, dout, eps)
        for wrong in found if isinstance(found, list) else [found]:  # a list: the ways the slip may be written
            if _fits(student.shape, wrong.shape) and np.all(np.isfinite(wrong)) and \
                    scaled_error(student.reshape(wrong.shape), wrong, _scale_for(scale, wrong.shape)) <= allowed:
                return f"your {name} matches {description}"
    return None


def diagnose(name, student, x, gamma, beta, dout, eps, scale, structural=True, small_batches=False,
             running_means=None):
    """The description of the mistake behind `student` (the array `name`), or None.

    A known variant it matches, else (structural: for batchnorm's own formulas only) what its
    structure shows (trusted/structure.py). small_batches: try batches of two as well, where many
    variants coincide (to tell whether an array is batch norm with some slip, not which one).
    Inputs: the case's x (N, D), gamma (D,), beta (D,), dout (N, D), eps; scale (D,) as
    for the comparison with the reference; for out, running_means as structure.out_train takes them.
    """
    variants = VARIANTS.get(name, {})
    if student is None or not variants or student.dtype.kind != "f" or (np.shape(x)[0] < 3 and not small_batches):
        return None  # a batch of two cannot tell N - 1 from a factor 2, nor many variants from each other
    if name == "dx" and np.shape(x)[1] < 2:
        return None  # with one feature, the closed form's sums over axis 1 give the Jacobian's diagonal exactly
    x, gamma, beta, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, beta, dout))
    found = _matching(variants, name, student, x, gamma, beta, dout, eps, scale)
    if found:
        return found
    expected = {"dx": x.shape, "out": x.shape}.get(name, gamma.shape)
    if not structural or not _fits(student.shape, expected) or not np.all(np.isfinite(student)):
        return None
    student = student.reshape(expected)
    with np.errstate(all="ignore"):
        if name == "dx":
            return structure.dx(student, x, gamma, dout, eps)
        if name == "out":
            return structure.out_train(student, x, gamma, beta, eps, running_means)
        right = (dout * _stats(x, eps)[0]).sum(axis=0) if name == "dgamma" else dout.sum(axis=0)
        return structure.per_feature(name, student, right, x, gamma, eps)


# --- changed inputs ------------------------------------------------------------------------


def changes_inputs(function):
    """The mistake of a student function that changed an input array in place (named before any value it got
    wrong: those values most often follow from it)."""
    if function.endswith("_forward"):
        return (f"your {function} changes x, gamma or beta in place (x -= mean, say): the caller's array is "
                "spoiled and what is computed from it afterwards is wrong; compute into a new array (x - mean)")
    return (f"your {function} changes dout or the cache in place (dout *= gamma, say): every step after it sees the "
            "changed array; compute into a new one (dxhat = dout * gamma)")


# --- test mode and the running averages ----------------------------------------------------

TEST_MODE_BATCH_STATISTICS = "your test mode normalizes with the batch's own statistics, not the running averages"
TEST_MODE_UPDATES = ("your test mode updates running_mean and running_var: leave them as they are in test mode "
                     "(is the update outside the train branch?)")


def diagnose_test_mode(student, x, gamma, beta, running_mean, running_var, eps):
    """The mistake behind a wrong test-mode out (N, D), or None: the batch's statistics used, or what its
    structure shows (structure.out_test). running_mean, running_var (D,): the ones it should have used."""
    student = np.asarray(student)
    if student.shape != np.shape(x) or student.dtype.kind != "f" or not np.all(np.isfinite(student)):
        return None
    batch_statistics = gamma * (x - x.mean(0)) / np.sqrt(x.var(0) + eps) + beta
    if np.allclose(student, batch_statistics, rtol=1e-5, atol=1e-6):
        return TEST_MODE_BATCH_STATISTICS
    return structure.out_test(student, x, gamma, beta, running_mean, running_var, eps)


def diagnose_running(key, student, start, x, momentum, eps, start_mean=None):
    """The mistake behind a wrong running_mean or running_var (D,), or None (structure.running)."""
    return structure.running(key, student, start, x, momentum, eps, start_mean=start_mean)


# --- layer norm ----------------------------------------------------------------------------
# The slips of batch norm along the other axis, and those of writing batch norm where layer norm belongs. Layer
# norm's statistics are each row's (axis=1), so the tables below compute its right parts with axis=1.


def _ln_out(x, gamma, beta, eps, ddof=0):
    return gamma * _stats(x, eps, axis=1, ddof=ddof)[0] + beta


def _square_only(x, forms):
    """forms() where x is square, else no form: without keepdims=True, a row's statistics (N,) broadcast along
    the columns without an error only when N = D."""
    return forms() if x.shape[0] == x.shape[1] else []


def _ln_out_without_keepdims(x, g, b, e):
    mean, var = x.mean(axis=1), x.var(axis=1)
    rows = lambda v: v[:, None]  # noqa: E731 (the right broadcast, to mix with the wrong one)
    return [g * (x - m) / np.sqrt(v + e) + b for m, v in ((mean, var), (rows(mean), var), (mean, rows(var)))]


def _ln_dx_without_keepdims(x, g, d, e):
    xhat, s, _ = _stats(x, e, axis=1)
    dxhat = g * d
    mean, dot = dxhat.mean(axis=1), (dxhat * xhat).mean(axis=1)
    return [(dxhat - m - xhat * v) / s for m, v in ((mean, dot), (mean[:, None], dot), (mean, dot[:, None]))]


LAYERNORM_NO_TEST_MODE = ("layer norm has no test mode: with ln_param['mode'] = 'test' your layernorm_forward "
                          "gives another out than in train mode for the same x; its statistics are each row's own, "
                          "at training and at test time alike (no running averages)")
LAYERNORM_DEPENDS_ON_BATCH = ("your layernorm_forward gives a row another out when the other rows of the batch "
                              "change: layer norm's statistics are each row's own, over its features (axis=1), "
                              "not the batch's")

LAYERNORM_OUT = {
    "batch norm's statistics, of each feature over the batch (axis=0), where layer norm takes each row's over its "
    "features (axis=1)": lambda x, g, b, d, e: g * _stats(x, e, axis=0)[0] + b,
    "statistics over all entries, one mean and one variance (np.mean and np.var without axis=1)":
        lambda x, g, b, d, e: g * (x - x.mean()) / np.sqrt(x.var() + e) + b,
    "each row's mean but each feature's variance (axis=0)":
        lambda x, g, b, d, e: g * (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(0) + e) + b,
    "each feature's mean (axis=0) but each row's variance":
        lambda x, g, b, d, e: g * (x - x.mean(0)) / np.sqrt(x.var(1, keepdims=True) + e) + b,
    "each row's mean or variance without keepdims=True (shape (N,), which meets the (N, D) x along its columns)":
        lambda x, g, b, d, e: _square_only(x, lambda: _ln_out_without_keepdims(x, g, b, e)),
    "the unbiased variance (D - 1) instead of the biased one": lambda x, g, b, d, e: _ln_out(x, g, b, e, ddof=1),
    "eps left out": lambda x, g, b, d, e: _ln_out(x, g, b, 0.0),
    "y = gamma * x̂ - beta (the sign of beta)": lambda x, g, b, d, e: _ln_out(x, g, -b, e),
    "gamma and beta swapped": lambda x, g, b, d, e: _ln_out(x, b, g, e),
    "gamma missing": lambda x, g, b, d, e: _ln_out(x, np.ones_like(g), b, e),
    "beta missing": lambda x, g, b, d, e: _ln_out(x, g, np.zeros_like(b), e),
}

LAYERNORM_DX = {
    "batch norm's backward pass, its means over the batch (axis=0) where layer norm's run over each row's features "
    "(axis=1)": lambda x, g, b, d, e: [_dx(x, g, d, e, axis=0),
                                       (g * d - (g * d).mean(axis=0) - _stats(x, e, axis=1)[0]
                                        * (g * d * _stats(x, e, axis=1)[0]).mean(axis=0)) / _stats(x, e, axis=1)[1]],
    "each row's means without keepdims=True (shape (N,), which meets the (N, D) dx̂ along its columns)":
        lambda x, g, b, d, e: _square_only(x, lambda: _ln_dx_without_keepdims(x, g, d, e)),
    "the formula without the path through the variance (no x̂·mean(dx̂·x̂) term)":
        lambda x, g, b, d, e: _dx(x, g, d, e, variance=0.0, axis=1),
    "the formula without the path through the mean (no -mean(dx̂) term)":
        lambda x, g, b, d, e: _dx(x, g, d, e, mean=0.0, axis=1),
    "only the direct path, dx̂ / sqrt(var + eps)": lambda x, g, b, d, e: _dx(x, g, d, e, 0.0, 0.0, axis=1),
    "dout where gamma * dout belongs (gamma missing)": lambda x, g, b, d, e: _dx(x, np.ones_like(g), d, e, axis=1),
    "the wrong sign on the variance term": lambda x, g, b, d, e: _dx(x, g, d, e, variance=-1.0, axis=1),
    "the wrong sign on the mean term": lambda x, g, b, d, e: _dx(x, g, d, e, mean=-1.0, axis=1),
    "the whole gradient with the wrong sign": lambda x, g, b, d, e: -_dx(x, g, d, e, axis=1),
    "the unbiased variance (D - 1) in the forward and backward pass":
        lambda x, g, b, d, e: _dx(x, g, d, e, ddof=1, axis=1),
    "eps left out (dividing by sqrt(var))": lambda x, g, b, d, e: _dx(x, g, d, 0.0, axis=1),
    "gamma * dout, the gradient with respect to x̂ instead of x": lambda x, g, b, d, e: g * d,
}

LAYERNORM_DGAMMA = {
    "the sum over each row (axis=1), where dgamma, one entry per feature as gamma, sums over the batch (axis=0)":
        lambda x, g, b, d, e: (d * _stats(x, e, axis=1)[0]).sum(axis=1),
    "batch norm's x̂ (each feature normalized over the batch) where layer norm's belongs":
        lambda x, g, b, d, e: (d * _stats(x, e, axis=0)[0]).sum(axis=0),
    "the sum of dout * x, where dout * x̂ belongs": lambda x, g, b, d, e: (d * x).sum(axis=0),
    "dbeta's value: dgamma and dbeta swapped (in the return, say)": lambda x, g, b, d, e: d.sum(axis=0),
    "the mean of dout * x̂ instead of its sum": lambda x, g, b, d, e: (d * _stats(x, e, axis=1)[0]).mean(axis=0),
}

LAYERNORM_DBETA = {
    "the sum over each row (axis=1), where dbeta, one entry per feature as beta, sums over the batch (axis=0)":
        lambda x, g, b, d, e: d.sum(axis=1),
    "the mean of dout instead of its sum": lambda x, g, b, d, e: d.mean(axis=0),
    "dgamma's value: dgamma and dbeta swapped (in the return, say)":
        lambda x, g, b, d, e: (d * _stats(x, e, axis=1)[0]).sum(axis=0),
}

LAYERNORM_VARIANTS = {"dx": LAYERNORM_DX, "dgamma": LAYERNORM_DGAMMA, "dbeta": LAYERNORM_DBETA, "out": LAYERNORM_OUT}


def diagnose_layernorm(name, student, x, gamma, beta, dout, eps, scale):
    """The description of the mistake behind the student's layer-norm array `name` ("out", "dx", "dgamma" or
    "dbeta"), or None. Inputs as for diagnose."""
    if student is None or student.dtype.kind != "f" or np.shape(x)[1] < 3:
        return None  # two features cannot tell D - 1 from a factor 2, nor many variants from each other
    x, gamma, beta, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, beta, dout))
    return _matching(LAYERNORM_VARIANTS[name], name, student, x, gamma, beta, dout, eps, scale)
