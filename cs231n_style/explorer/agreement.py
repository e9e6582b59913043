"""Graph vs closed form, and both against a numerical gradient, as ε and the dtype change.

Errors are max |difference| divided by the size of the column's largest direct
term, max_i |dxhat_i| / s (gradient_check.gradient_scales and scaled_error), so entries of dx near
zero do not turn rounding into a large "error" the way CS231n's rel_error can.
The numerical gradient is taken at a few entries of x only (centered
differences, step h), with the forward pass run in the chosen dtype: in float32
the step drowns in rounding, which is why gradient checks are done in float64.
"""
from dataclasses import dataclass

import numpy as np

from cs231n_style.gradient_check import eval_numerical_gradient_array, gradient_scales, scaled_error

from .problems import Problem

AGREEMENT_EPS = np.logspace(-8, 1, 10)
NUMERICAL_ENTRIES = 4
STEP = 1e-5


@dataclass(frozen=True)
class Agreement:
    """Scaled errors against eps, each of shape (K,), nan where a function failed.

    - eps: shape (K,)
    - graph_vs_closed: batchnorm_backward against batchnorm_backward_alt
    - graph_vs_numerical, closed_vs_numerical: each against the numerical gradient
    - problems: the Problems met on the way (one per failing function)
    """

    eps: np.ndarray
    graph_vs_closed: np.ndarray
    graph_vs_numerical: np.ndarray
    closed_vs_numerical: np.ndarray
    problems: tuple = ()


def sample_entries(shape, count=NUMERICAL_ENTRIES, seed=0):
    """`count` distinct (row, column) entries of an array of `shape`, as (rows, cols) index arrays."""
    n = int(np.prod(shape))
    flat = np.random.default_rng(seed).choice(n, size=min(count, n), replace=False)
    return np.unravel_index(np.sort(flat), shape)


def numerical_dx(implementation, case, eps, entries, h=STEP):
    """Centered-difference dx at `entries` of x, running the forward pass in case.x.dtype.

    Returns a float64 array of shape (len(entries[0]),).
    """
    x = case.x

    def forward_at(values):
        moved = x.copy()
        moved[entries] = values  # rounds to x's dtype: float32 keeps only ~7 digits of x + h
        return implementation.forward(moved, case.gamma, case.beta, eps)[0]

    return eval_numerical_gradient_array(forward_at, x[entries], case.dout, h)


def agreement_by_eps(implementation, case, eps_values=AGREEMENT_EPS, entries=None, h=STEP):
    """Measure the three scaled errors at each eps. Returns an Agreement.

    Raises Problem when the forward pass fails (nothing can be compared then);
    a failing backward pass only leaves its lines as nan and is listed in problems.
    """
    entries = sample_entries(case.x.shape) if entries is None else entries
    rows = {"graph_vs_closed": [], "graph_vs_numerical": [], "closed_vs_numerical": []}
    problems = {}
    for eps in eps_values:
        eps = float(eps)
        scale = gradient_scales(case.x, case.gamma, case.dout, eps)["dx"]
        _, cache = implementation.forward(case.x, case.gamma, case.beta, eps)
        dx = {}
        for name in ("batchnorm_backward", "batchnorm_backward_alt"):
            try:
                dx[name] = implementation.backward(name, case.dout, cache)
            except Problem as problem:
                problems.setdefault(problem.function, problem)
        numerical = numerical_dx(implementation, case, eps, entries, h)
        graph, closed = dx.get("batchnorm_backward"), dx.get("batchnorm_backward_alt")
        both = graph is not None and closed is not None
        rows["graph_vs_closed"].append(scaled_error(graph, closed, scale) if both else np.nan)
        for key, analytic in (("graph_vs_numerical", graph), ("closed_vs_numerical", closed)):
            error = np.nan if analytic is None else scaled_error(analytic[entries], numerical, scale[entries[1]])
            rows[key].append(error)
    return Agreement(np.asarray(eps_values), *(np.asarray(rows[k]) for k in rows), tuple(problems.values()))
