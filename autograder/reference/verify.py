"""Verify every reference formula against centered-difference numerical gradients.

`verify_all()` yields one (formula, case, GradientCheck) per gradient, with
CS231n's rel_error on well-conditioned inputs. It is what `make demo` prints
first and what the tests assert on. `verify_published_sigma_eps()` checks seed
001's published formula the same way, and it fails.
"""
import numpy as np

from cs231n_style.data import make_case
from cs231n_style.gradient_check import check_gradient, eval_numerical_gradient_array

from . import derivations, layers

TOL = 1e-7
CASES = (("gradcheck", 0), ("single_feature", 0))


def _train_forward(x, gamma, beta):
    return layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})


# name -> (forward(x, gamma, beta) -> (out, cache), backward(dout, cache) -> (dx, dgamma, dbeta))
FORMULAS = {
    "batchnorm_backward (graph)": (_train_forward, layers.batchnorm_backward),
    "batchnorm_backward_alt (closed form)": (_train_forward, layers.batchnorm_backward_alt),
    "batchnorm_backward_sigma_eps": (layers.batchnorm_forward_sigma_eps, layers.batchnorm_backward_sigma_eps),
    "batchnorm_backward_unbiased": (layers.batchnorm_forward_unbiased, layers.batchnorm_backward_unbiased),
}


def numerical_bn_gradients(forward, case, h=1e-5):
    """Numerical (dx, dgamma, dbeta) of sum(out * dout), for forward(x, gamma, beta) -> (out, cache)."""
    x, gamma, beta, dout = case.x, case.gamma, case.beta, case.dout
    return (
        eval_numerical_gradient_array(lambda v: forward(v, gamma, beta)[0], x, dout, h),
        eval_numerical_gradient_array(lambda v: forward(x, v, beta)[0], gamma, dout, h),
        eval_numerical_gradient_array(lambda v: forward(x, gamma, v)[0], beta, dout, h),
    )


def verify_formula(name, case, tol=TOL):
    """Check the backward `name` of FORMULAS on a Case; returns GradientChecks for dx, dgamma, dbeta."""
    forward, backward = FORMULAS[name]
    _, cache = forward(case.x, case.gamma, case.beta)
    analytic = backward(case.dout, cache)
    numeric = numerical_bn_gradients(forward, case)
    return [check_gradient(g, a, n, tol) for g, a, n in zip(("dx", "dgamma", "dbeta"), analytic, numeric)]


def verify_published_sigma_eps(case_name="gradcheck", seed=0, eps=1e-5):
    """Seed 001's published dx for the (σ + ε) convention against the numerical gradient."""
    case = make_case(case_name, seed)
    forward = layers.batchnorm_forward_sigma_eps
    _, cache = forward(case.x, case.gamma, case.beta, eps)
    numeric = eval_numerical_gradient_array(lambda v: forward(v, case.gamma, case.beta, eps)[0], case.x, case.dout)
    return check_gradient("dx", derivations.published_sigma_eps_backward(case.dout, cache), numeric, TOL)


def verify_affine(seed=0, N=6, M=4, D=3):
    """A linear layer followed by batch norm: dx and dw, chained and in the design-matrix form."""
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal((N, M)), rng.standard_normal((M, D))
    b, gamma, beta = rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))

    def out(x_, w_):
        return layers.affine_batchnorm_forward(x_, w_, b, gamma, beta, {"mode": "train"})[0]

    num_dx = eval_numerical_gradient_array(lambda v: out(v, w), x, dout)
    num_dw = eval_numerical_gradient_array(lambda v: out(x, v), w, dout)
    _, cache = layers.affine_batchnorm_forward(x, w, b, gamma, beta, {"mode": "train"})
    dx, dw, _, _, _ = layers.affine_batchnorm_backward(dout, cache)
    _, dx_dm, dw_dm, _, _, _ = derivations.affine_batchnorm_design_matrix(x, w, b, gamma, beta, dout)
    return {
        "chained": [check_gradient("dx", dx, num_dx, TOL), check_gradient("dw", dw, num_dw, TOL)],
        "design matrix": [check_gradient("dx", dx_dm, num_dx, TOL), check_gradient("dw", dw_dm, num_dw, TOL)],
    }


def verify_all():
    """Yield (formula, case description, GradientCheck) for every reference gradient."""
    for name in FORMULAS:
        for case_name, seed in CASES:
            case = make_case(case_name, seed)
            for check in verify_formula(name, case):
                yield name, f"{case_name} {case.shape[0]}x{case.shape[1]} seed {seed}", check
    for form, checks in verify_affine().items():
        for check in checks:
            yield f"affine_batchnorm ({form})", "x 6x4, w 4x3", check
