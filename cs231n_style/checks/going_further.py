"""Checks of the going-further functions: the (σ + ε) convention, the unbiased variance, affine + batch norm."""
import numpy as np

from ..data import make_case
from ..gradient_check import check_gradient, eval_numerical_gradient_array, rel_error
from ..published import sigma_eps_dx_as_published
from .report import CheckFailed, call_student, report_gradient_checks, unpack

TOL = 1e-7


def show_published_sigma_eps(eps=1e-5):
    """Gradient-check the published dx for x̂ = (x - μ)/(σ + ε); prints the (large) error and returns it."""
    case = make_case("gradcheck")

    def out(x):  # the forward pass of this convention, straight from its definition
        return case.gamma * (x - x.mean(axis=0)) / (x.std(axis=0) + eps) + case.beta

    numeric = eval_numerical_gradient_array(out, case.x, case.dout)
    published = sigma_eps_dx_as_published(case.dout, case.x, case.gamma, eps)
    error = rel_error(published, numeric)
    print(f"published dx against the numerical gradient: relative error {error:.1e} (a correct dx gives about 1e-9)")
    return error


def _check_variant(layers, forward, backward, extra=()):
    case = make_case("gradcheck")

    def out(x, gamma, beta):
        return unpack(forward, call_student(layers, forward, x, gamma, beta, *extra), 2, "out, cache")[0]

    _, cache = unpack(forward, call_student(layers, forward, case.x, case.gamma, case.beta, *extra), 2, "out, cache")
    grads = unpack(backward, call_student(layers, backward, case.dout, cache), 3, "dx, dgamma, dbeta")
    numeric = (eval_numerical_gradient_array(lambda v: out(v, case.gamma, case.beta), case.x, case.dout),
               eval_numerical_gradient_array(lambda v: out(case.x, v, case.beta), case.gamma, case.dout),
               eval_numerical_gradient_array(lambda v: out(case.x, case.gamma, v), case.beta, case.dout))
    report_gradient_checks([check_gradient(g, a, n, TOL) for g, a, n in zip(("dx", "dgamma", "dbeta"), grads, numeric)],
                     backward)


def check_sigma_eps(layers):
    """batchnorm_backward_sigma_eps against the numerical gradient of batchnorm_forward_sigma_eps."""
    _check_variant(layers, "batchnorm_forward_sigma_eps", "batchnorm_backward_sigma_eps", (1e-5,))


def check_unbiased(layers):
    """batchnorm_backward_unbiased against the numerical gradient of batchnorm_forward_unbiased."""
    _check_variant(layers, "batchnorm_forward_unbiased", "batchnorm_backward_unbiased", (1e-5,))


def check_affine(layers, N=6, M=4, D=3):
    """affine_batchnorm_backward: dx and dw against numerical gradients; db should be 0."""
    rng = np.random.default_rng(231)
    x, w = rng.standard_normal((N, M)), rng.standard_normal((M, D))
    b, gamma, beta = rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal(D)
    dout = rng.standard_normal((N, D))
    name = "affine_batchnorm_forward"

    def out(x_, w_):
        return unpack(name, call_student(layers, name, x_, w_, b, gamma, beta, {"mode": "train"}), 2, "out, cache")[0]

    _, cache = unpack(name, call_student(layers, name, x, w, b, gamma, beta, {"mode": "train"}), 2, "out, cache")
    dx, dw, db, _, _ = unpack("affine_batchnorm_backward", call_student(layers, "affine_batchnorm_backward", dout, cache),
                              5, "dx, dw, db, dgamma, dbeta")
    checks = [check_gradient("dx", dx, eval_numerical_gradient_array(lambda v: out(v, w), x, dout), TOL),
              check_gradient("dw", dw, eval_numerical_gradient_array(lambda v: out(x, v), w, dout), TOL)]
    report_gradient_checks(checks, "affine_batchnorm_backward")
    db = np.asarray(db, dtype=np.float64)
    if db.shape != (D,) or np.abs(db).max() > 1e-10 * (1 + np.abs(dout).sum()):
        raise CheckFailed(f"db should be zero (shape ({D},)): batch norm removes every per-feature shift, "
                          f"so the bias before it cannot change the loss; got {db}")
    print("✓ db: zero, as it must be — the bias before batch norm has no effect")
