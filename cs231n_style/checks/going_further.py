"""Checks of the going-further functions: the (σ + ε) convention, the unbiased variance, affine + batch norm,
layer norm."""
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


def check_layernorm(layers):
    """layernorm_forward normalizes each row (with gamma = 1, beta = 0: mean 0, standard deviation 1, whatever
    the other rows and ln_param's mode); layernorm_backward against the numerical gradient."""
    case = make_case("gradcheck")
    name = "layernorm_forward"
    ones, zeros = np.ones_like(case.gamma), np.zeros_like(case.beta)

    def normalized(x, ln_param):
        before = x.copy()
        out = unpack(name, call_student(layers, name, x, ones, zeros, ln_param), 2, "out, cache")[0]
        if not np.array_equal(x, before):
            raise CheckFailed(f"{name} changes x in place (x -= mean, say): compute into a new array (x - mean)")
        out = np.asarray(out, dtype=np.float64)
        if out.shape != x.shape:
            raise CheckFailed(f"{name}: out has shape {out.shape}, expected {x.shape} (the shape of x)")
        return out

    out = normalized(case.x, {})
    means, stds = out.mean(axis=1), out.std(axis=1)
    if np.abs(means).max() > 1e-7 or np.abs(stds - 1).max() > 1e-3:
        D = out.shape[1]
        if np.abs(out.mean(axis=0)).max() < 1e-7 and np.abs(out.std(axis=0) - 1).max() < 1e-3:
            hint = (". Your out normalizes each column (feature) over the batch, as batch norm does: layer norm "
                    "takes the statistics of each row, over its features (axis=1)")
        elif np.abs(means).max() < 1e-7 and np.abs(stds - np.sqrt((D - 1) / D)).max() < 1e-3:
            hint = (f". sqrt((D - 1) / D) = {np.sqrt((D - 1) / D):.4f}: the unbiased variance, where the biased "
                    "one belongs?")
        else:
            hint = ""
        raise CheckFailed(f"{name}: with gamma = 1 and beta = 0 each row of out should have mean 0 and standard "
                          f"deviation 1; got row means {np.round(means, 4)} and standard deviations "
                          f"{np.round(stds, 4)}{hint}")
    if not np.allclose(normalized(case.x[:1].copy(), {}), out[:1], rtol=1e-6, atol=1e-9):
        raise CheckFailed(f"{name}: the first row alone gives another out than in the batch: each row's statistics "
                          "are its own, over its features (axis=1), not the batch's")
    if not np.allclose(normalized(case.x, {"mode": "test"}), out, rtol=1e-6, atol=1e-9):
        raise CheckFailed(f"{name}: ln_param['mode'] = 'test' changes out: layer norm has no test mode (its "
                          "statistics are each row's own, at training and at test time alike)")
    print("✓ out: each row has mean 0 and standard deviation 1 (gamma = 1, beta = 0), alone or in the batch, "
          "in either mode")
    _check_variant(layers, name, "layernorm_backward", ({},))
