"""Every reference formula against numerical gradients, and the forms against each other."""
import numpy as np
import pytest
from helpers import dx_scale, train
from hypothesis import given
from hypothesis import strategies as st

from autograder import reference as ref
from autograder.reference.verify import FORMULAS, verify_affine, verify_formula, verify_published_sigma_eps
from cs231n_style.checks.backward import numerical_stages
from cs231n_style.data import make_case, random_case
from cs231n_style.gradient_check import eval_numerical_gradient_array, rel_error, scaled_error


@pytest.mark.parametrize("formula", FORMULAS)
@pytest.mark.parametrize("case_name", ["gradcheck", "single_feature"])
def test_formula_matches_numerical_gradient(formula, case_name):
    checks = verify_formula(formula, make_case(case_name))
    assert [c.name for c in checks] == ["dx", "dgamma", "dbeta"]
    for check in checks:
        assert check.ok, f"{formula}: {check}"
        assert check.error < 1e-7


def test_affine_batchnorm_matches_numerical_gradient_in_both_forms():
    for form, checks in verify_affine().items():
        for check in checks:
            assert check.ok, f"{form}: {check}"


def test_affine_batchnorm_bias_gradient_is_zero():
    # Batch norm removes any per-feature shift, so the bias before it gets no gradient.
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((7, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3)
    gamma, beta, dout = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((7, 3))
    _, cache = ref.affine_batchnorm_forward(x, w, b, gamma, beta, {"mode": "train"})
    dx, dw, db, dgamma, dbeta = ref.affine_batchnorm_backward(dout, cache)
    numerical_db = eval_numerical_gradient_array(
        lambda v: ref.affine_batchnorm_forward(x, w, v, gamma, beta, {"mode": "train"})[0], b, dout)
    assert np.abs(db).max() < 1e-12
    assert np.abs(numerical_db).max() < 1e-9
    out_dm, dx_dm, dw_dm, db_dm, dgamma_dm, dbeta_dm = ref.affine_batchnorm_design_matrix(x, w, b, gamma, beta, dout)
    assert np.abs(db_dm).max() < 1e-12
    np.testing.assert_allclose(out_dm, ref.affine_batchnorm_forward(x, w, b, gamma, beta, {"mode": "train"})[0], atol=1e-13)
    np.testing.assert_allclose(dgamma_dm, dgamma, rtol=1e-12)
    np.testing.assert_allclose(dbeta_dm, dbeta, rtol=1e-12)


def test_design_matrix_variance_is_the_hidden_covariance():
    # Var of column j of x @ w equals w_jᵀ C w_j for the covariance C of x.
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((50, 6)) @ rng.standard_normal((6, 6)), rng.standard_normal((6, 2))
    xc = x - x.mean(axis=0)
    cov = xc.T @ xc / len(x)
    np.testing.assert_allclose(np.einsum("md,mk,kd->d", w, cov, w), (x @ w).var(axis=0), rtol=1e-12)


def test_published_sigma_eps_formula_fails_and_corrected_one_passes():
    for seed in range(5):
        published = verify_published_sigma_eps(seed=seed)
        assert not published.ok
        assert published.error > 1e-2, published
        corrected = verify_formula("batchnorm_backward_sigma_eps", make_case("gradcheck", seed))[0]
        assert corrected.name == "dx"
        assert corrected.error < 1e-6, corrected  # element-wise rel_error, see test_properties for the scaled one


def test_sigma_eps_published_and_corrected_differ_only_by_the_square_root():
    # Dividing by (σ + ε) instead of sqrt(σ + ε) turns the published dx into the correct one.
    case = make_case("gradcheck")
    _, cache = ref.batchnorm_forward_sigma_eps(case.x, case.gamma, case.beta, 1e-5)
    published = ref.published_sigma_eps_backward(case.dout, cache)
    corrected = ref.batchnorm_backward_sigma_eps(case.dout, cache)[0]
    np.testing.assert_allclose(published * np.sqrt(cache["std"] + 1e-5) / (cache["std"] + 1e-5), corrected, rtol=1e-12)


@pytest.mark.parametrize("case_name", ["gradcheck", "medium", "single_feature"])
def test_each_graph_stage_matches_its_numerical_gradient(case_name):
    case = make_case(case_name)
    eps = 1e-5
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta, eps)
    stages = ref.batchnorm_backward_stages(case.dout, cache)
    assert set(stages) == {"dxhat", "dvar", "dmean", "dx", "dgamma", "dbeta"}
    for name, numeric in numerical_stages(case, eps).items():
        assert stages[name].shape == numeric.shape, name
        scale = np.abs(numeric).max() + np.abs(stages[name]).max()
        assert scaled_error(stages[name], numeric, scale) < 1e-7, name


def test_dmean_second_term_vanishes():
    # dL/dmean = -sum(dxhat)/std + dvar * mean(-2 (x - mean)); the second factor is 0 at the batch mean.
    case = make_case("medium")
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    stages = ref.batchnorm_backward_stages(case.dout, cache)
    first_term = -stages["dxhat"].sum(axis=0) * cache["inv_std"]
    np.testing.assert_allclose(stages["dmean"], first_term, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case_name", ["gradcheck", "medium", "activations", "single_feature", "batch_of_two"])
def test_graph_and_closed_form_agree_to_1e_10(case_name):
    case = make_case(case_name)
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    graph = ref.batchnorm_backward(case.dout, cache)
    alt = ref.batchnorm_backward_alt(case.dout, cache)
    assert scaled_error(graph[0], alt[0], dx_scale(case.x, case.gamma, case.dout, 1e-5)) < 1e-10
    assert rel_error(graph[1], alt[1]) < 1e-10
    assert rel_error(graph[2], alt[2]) < 1e-10
    if case_name == "gradcheck":
        assert rel_error(graph[0], alt[0]) < 1e-10  # CS231n's own metric, on CS231n's data


@given(N=st.integers(2, 12), D=st.integers(1, 5), log_spread=st.floats(-2, 2), offset=st.floats(-100, 100),
       eps=st.sampled_from([0.0, 1e-8, 1e-5, 1e-2, 1.0]), seed=st.integers(0, 2**32 - 1))
def test_reference_backwards_match_numerical_gradient_over_shapes_and_scales(N, D, log_spread, offset, eps, seed):
    # The offset is in units of the spread: a numerical gradient of data far from
    # zero relative to its spread is itself inaccurate (test_properties covers that data).
    spread = 10.0 ** log_spread
    case = random_case(N, D, seed=seed, loc=offset * spread, scale=spread)
    h = 1e-5 * spread  # the step must be small relative to the data's own spread
    for name, (forward, backward) in FORMULAS.items():
        if "sigma_eps" in name:
            continue  # its own test below: it has a kink where std = 0
        fwd = (lambda x, g, b: forward(x, g, b, eps)) if "unbiased" in name else (
            lambda x, g, b: ref.batchnorm_forward(x, g, b, {"mode": "train", "eps": eps}))
        _, cache = fwd(case.x, case.gamma, case.beta)
        dx, dgamma, dbeta = backward(case.dout, cache)
        num_dx = eval_numerical_gradient_array(lambda v: fwd(v, case.gamma, case.beta)[0], case.x, case.dout, h)
        scale = dx_scale(case.x, case.gamma, case.dout, eps)
        assert scaled_error(dx, num_dx, scale) < 1e-6, name
        num_dgamma = eval_numerical_gradient_array(lambda v: fwd(case.x, v, case.beta)[0], case.gamma, case.dout)
        assert scaled_error(dgamma, num_dgamma, np.abs(case.dout).sum(axis=0)) < 1e-8, name
        np.testing.assert_allclose(dbeta, case.dout.sum(axis=0), rtol=1e-12, atol=1e-12)


@given(N=st.integers(2, 12), D=st.integers(1, 5), log_spread=st.floats(-1, 2),
       eps=st.sampled_from([1e-8, 1e-5, 1e-2, 1.0]), seed=st.integers(0, 2**32 - 1))
def test_sigma_eps_backward_matches_numerical_gradient(N, D, log_spread, eps, seed):
    spread = 10.0 ** log_spread
    case = random_case(N, D, seed=seed, scale=spread)
    _, cache = ref.batchnorm_forward_sigma_eps(case.x, case.gamma, case.beta, eps)
    dx = ref.batchnorm_backward_sigma_eps(case.dout, cache)[0]
    num = eval_numerical_gradient_array(
        lambda v: ref.batchnorm_forward_sigma_eps(v, case.gamma, case.beta, eps)[0], case.x, case.dout, 1e-5 * spread)
    scale = np.abs(case.gamma * case.dout).max(axis=0) / (case.x.std(axis=0) + eps)
    assert scaled_error(dx, num, scale) < 1e-6
