"""Facts from the derivation, as properties of the reference over random shapes and scales."""
import numpy as np
from helpers import conditioning, dx_scale, train
from hypothesis import given
from hypothesis import strategies as st

from autograder import reference as ref
from cs231n_style.data import random_case

shapes = dict(N=st.integers(2, 64), D=st.integers(1, 8))
scales = dict(log_spread=st.floats(-3, 3), loc=st.floats(-1e4, 1e4))
seeds = st.integers(0, 2**32 - 1)
epsilons = st.sampled_from([0.0, 1e-8, 1e-5, 1e-3, 1.0, 10.0])
backwards = st.sampled_from([ref.batchnorm_backward, ref.batchnorm_backward_alt])


def _case(N, D, log_spread, loc, seed):
    return random_case(N, D, seed=seed, loc=loc, scale=10.0 ** log_spread)


@given(**shapes, **scales, eps=epsilons, seed=seeds, backward=backwards)
def test_dx_sums_to_zero_over_the_batch(N, D, log_spread, loc, eps, seed, backward):
    case = _case(N, D, log_spread, loc, seed)
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta, eps)
    dx = backward(case.dout, cache)[0]
    tol = 1e-14 * N * conditioning(case.x) * dx_scale(case.x, case.gamma, case.dout, eps)
    assert np.all(np.abs(dx.sum(axis=0)) <= tol)


@given(**shapes, **scales, eps=epsilons, seed=seeds, backward=backwards)
def test_dx_is_orthogonal_to_xhat_up_to_the_eps_term(N, D, log_spread, loc, eps, seed, backward):
    # sum_i xhat_i dx_i = eps / (var + eps) / sqrt(var + eps) * sum_i dxhat_i xhat_i:
    # exactly 0 when eps = 0, and fading as eps grows relative to the variance.
    case = _case(N, D, log_spread, loc, seed)
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta, eps)
    dx = backward(case.dout, cache)[0]
    xhat, var = cache["xhat"], cache["var"]
    dxhat = case.dout * case.gamma
    expected = eps / (var + eps) / np.sqrt(var + eps) * (dxhat * xhat).sum(axis=0)
    tol = 1e-14 * N * conditioning(case.x) * dx_scale(case.x, case.gamma, case.dout, eps)
    assert np.all(np.abs((xhat * dx).sum(axis=0) - expected) <= tol)
    if eps == 0.0:
        assert np.all(np.abs((xhat * dx).sum(axis=0)) <= tol)


@given(**shapes, **scales, eps=epsilons, seed=seeds, backward=backwards)
def test_dbeta_is_the_sum_of_dout_and_dgamma_the_sum_of_dout_times_xhat(N, D, log_spread, loc, eps, seed, backward):
    case = _case(N, D, log_spread, loc, seed)
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta, eps)
    _, dgamma, dbeta = backward(case.dout, cache)
    np.testing.assert_allclose(dbeta, case.dout.sum(axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dgamma, (case.dout * cache["xhat"]).sum(axis=0), rtol=1e-12, atol=1e-12)


@given(**shapes, log_spread=st.floats(-3, 3), seed=seeds, eps=epsilons,
       shift=st.floats(-1e3, 1e3), factor=st.floats(1e-3, 1e3))
def test_output_invariant_to_per_feature_shift_and_positive_scale(N, D, log_spread, seed, eps, shift, factor):
    # Shift: exact for every eps. Scale: exact when eps = 0; with eps > 0 the
    # output changes by a relative amount of about eps / var, which is checked too.
    case = _case(N, D, log_spread, 0.0, seed)
    spread = 10.0 ** log_spread
    shifts = shift * spread * np.linspace(-1, 1, D)
    out, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta, eps)
    shifted, _ = train(ref.batchnorm_forward, case.x + shifts, case.gamma, case.beta, eps)
    xhat_tol = 1e-12 * (1 + abs(shift)) * np.sqrt(N) + 1e-14
    assert np.all(np.abs(shifted - out) <= xhat_tol * np.abs(case.gamma) + 1e-15)

    scaled, scaled_cache = train(ref.batchnorm_forward, case.x * factor, case.gamma, case.beta, eps)
    var = cache["var"]
    # xhat = c / sqrt(var + eps) for centered c; scaling gives c / sqrt(var + eps / factor**2).
    drift = np.abs(np.sqrt((var + eps) / (var + eps / factor**2)) - 1)
    assert np.all(np.abs(scaled_cache["xhat"] - cache["xhat"]) <= drift * np.abs(cache["xhat"]) + 1e-12 * np.sqrt(N))
    if eps == 0.0:
        np.testing.assert_allclose(scaled, out, rtol=0, atol=1e-12 * np.sqrt(N) * (np.abs(case.gamma).max() + 1))


@given(**shapes, log_spread=st.floats(-2, 2), seed=seeds, factor=st.floats(1e-2, 1e2))
def test_dx_scales_inversely_with_the_input_when_eps_is_zero(N, D, log_spread, seed, factor):
    case = _case(N, D, log_spread, 0.0, seed)
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta, 0.0)
    _, cache_scaled = train(ref.batchnorm_forward, case.x * factor, case.gamma, case.beta, 0.0)
    dx = ref.batchnorm_backward_alt(case.dout, cache)[0]
    dx_scaled = ref.batchnorm_backward_alt(case.dout, cache_scaled)[0]
    scale = dx_scale(case.x, case.gamma, case.dout, 0.0)
    assert np.all(np.abs(dx_scaled * factor - dx) <= 1e-10 * scale)


@given(**shapes, **scales, eps=epsilons, seed=seeds)
def test_graph_and_closed_form_agree(N, D, log_spread, loc, eps, seed):
    case = _case(N, D, log_spread, loc, seed)
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta, eps)
    graph = ref.batchnorm_backward(case.dout, cache)
    alt = ref.batchnorm_backward_alt(case.dout, cache)
    scale = dx_scale(case.x, case.gamma, case.dout, eps)
    assert np.all(np.abs(graph[0] - alt[0]) <= 1e-14 * N * conditioning(case.x) * scale)
    np.testing.assert_allclose(graph[1], alt[1], rtol=1e-12, atol=1e-12 * np.abs(case.dout).sum())
    np.testing.assert_array_equal(graph[2], alt[2])


@given(**shapes, log_spread=st.floats(-2, 2), seed=seeds, eps=st.sampled_from([1e-5, 1e-2]))
def test_unbiased_variant_differs_from_biased_by_the_bessel_factor(N, D, log_spread, seed, eps):
    case = _case(N, D, log_spread, 0.0, seed)
    out_u, cache_u = ref.batchnorm_forward_unbiased(case.x, case.gamma, case.beta, eps)
    var_u = case.x.var(axis=0, ddof=1)
    np.testing.assert_allclose((out_u - case.beta) / case.gamma,
                               (case.x - case.x.mean(axis=0)) / np.sqrt(var_u + eps), rtol=1e-10, atol=1e-10)
    dx_u = ref.batchnorm_backward_unbiased(case.dout, cache_u)[0]
    assert np.all(np.abs(dx_u.sum(axis=0)) <= 1e-10 * N * dx_scale(case.x, case.gamma, case.dout, eps))
