"""The numbers behind each panel of the gradient explorer, checked without widgets.

Every expectation is computed independently here (from the reference layer,
from a wide Monte Carlo batch, or from the identities of the derivation), never
copied from the explorer's output.
"""
import numpy as np
import pytest

import autograder.reference as reference
from cs231n_style.data import random_case
from cs231n_style.explorer import agreement, batch, epsilon, facts, terms
from cs231n_style.explorer.equation4 import rms
from cs231n_style.explorer.equation4 import terms as eq4_terms
from cs231n_style.explorer.implementations import Implementation
from cs231n_style.explorer.settings import BATCH_SIZES, Settings
from test_explorer_fakes import backward_without_mean_term, backward_without_variance_term, fake_module, stub

REFERENCE = Implementation("reference", reference, "autograder/reference/layers.py")


def _implementation(**functions):
    return Implementation("fake", fake_module(**functions), "fake")


def _reference_dx(case, eps, backward=reference.batchnorm_backward_alt):
    _, cache = reference.batchnorm_forward(case.x, case.gamma, case.beta, {"mode": "train", "eps": eps})
    return backward(case.dout, cache)[0]


# --- eq. (4) split into three terms -------------------------------------------------------------

@pytest.mark.parametrize("eps", [0.0, 1e-5, 0.3, 10.0])
@pytest.mark.parametrize("backward", [reference.batchnorm_backward, reference.batchnorm_backward_alt])
def test_the_three_terms_add_up_to_the_reference_dx(eps, backward):
    case = random_case(16, 5, seed=3, loc=2.0, scale=0.7)
    t = eq4_terms(case.x, case.gamma, case.dout, eps)
    dx = _reference_dx(case, eps, backward)
    assert np.max(np.abs(t.dx - dx)) <= 1e-12 * np.max(np.abs(t.direct))
    assert np.allclose(t.direct, case.gamma * case.dout / np.sqrt(case.x.var(axis=0) + eps))
    assert np.allclose(t.mean, -(case.gamma * case.dout).mean(axis=0) / np.sqrt(case.x.var(axis=0) + eps))


def test_a_sweep_of_eps_gives_the_terms_of_each_eps():
    case = random_case(8, 3, seed=1)
    eps_values = np.array([1e-6, 1e-2, 2.0])
    sweep = eq4_terms(case.x, case.gamma, case.dout, eps_values[:, None, None])
    for k, eps in enumerate(eps_values):
        single = eq4_terms(case.x, case.gamma, case.dout, eps)
        for name in ("direct", "mean", "variance"):
            assert np.allclose(getattr(sweep, name)[k], getattr(single, name), rtol=1e-13, atol=0)


# --- batch size ---------------------------------------------------------------------------------

def test_predicted_dx_size_limits():
    n = np.array([1, 2, 3, 16, 1024])
    assert np.all(batch.predicted_dx_size(n, 1.0, 0.0) == np.sqrt(np.maximum(n - 2, 0) / n))
    assert np.allclose(batch.predicted_dx_size(n, 1.0, 1e12), np.sqrt((n - 1) / n))


@pytest.mark.parametrize("N, spread, eps", [(4, 1.0, 1e-8), (4, 1.0, 1.0), (4, 0.1, 10.0), (16, 1.0, 0.5),
                                            (2, 1e-3, 1e-8), (2, 1.0, 1.0), (3, 1.0, 0.1)])
def test_predicted_dx_size_matches_a_wide_monte_carlo_batch(N, spread, eps):
    # 20000 independent columns: the mean over them has a relative spread of about 1%.
    case = random_case(N, 20000, seed=7, scale=spread)
    dx = _reference_dx(case, eps)
    direct = eq4_terms(case.x, case.gamma, case.dout, eps).direct
    measured = np.sqrt(np.mean(np.sum(dx**2, axis=0) / np.sum(direct**2, axis=0)))
    assert measured == pytest.approx(batch.predicted_dx_size([N], spread, eps)[0], rel=0.05)


def test_dx_size_by_batch_for_the_reference():
    settings = Settings(eps=1e-5, spread=1.0)
    result = batch.dx_size_by_batch(REFERENCE, "batchnorm_backward", settings, BATCH_SIZES)
    assert result.measured[0] == 0  # N = 1: xhat = 0, dx = 0 exactly
    # N = 2: dx is (eps / (var + eps)) times the part of dxhat along xhat: small, not exactly 0.
    assert 0 < result.measured[1] < 0.05
    assert result.measured[2] == pytest.approx(result.predicted[2], rel=0.05)  # N = 3, still on the curve
    large = result.sizes >= 64
    assert np.allclose(result.measured[large], result.predicted[large], rtol=0.05)


def test_dx_size_tells_a_missing_variance_term_apart():
    settings = Settings(eps=1e-5)
    right = batch.dx_size_by_batch(REFERENCE, "batchnorm_backward_alt", settings, (2, 4))
    wrong = batch.dx_size_by_batch(_implementation(batchnorm_backward_alt=backward_without_variance_term),
                                   "batchnorm_backward_alt", settings, (2, 4))
    # Without the variance term only the mean is removed: sqrt(1 - 1/N) instead of sqrt(1 - 2/N).
    assert wrong.measured[0] > 0.5 > right.measured[0]


def test_batch_noise_follows_the_formulas():
    noise = batch.batch_noise(BATCH_SIZES)
    assert noise.var_error[0] == 1.0  # one example: the batch variance is always 0
    assert noise.mean_error == pytest.approx(1 / np.sqrt(np.array(BATCH_SIZES)), rel=0.12)
    # The biased variance: sqrt(2N - 1)/N; the unbiased formula sqrt(2/(N - 1)) would be 60% off at N = 2.
    n = np.array(BATCH_SIZES, dtype=float)
    assert noise.var_error == pytest.approx(np.sqrt(2 * n - 1) / n, rel=0.2)
    assert noise.at(64) == (noise.mean_error[BATCH_SIZES.index(64)], noise.var_error[BATCH_SIZES.index(64)])
    assert batch.batch_noise(BATCH_SIZES) is noise  # cached: drawn once per session
    with pytest.raises(ValueError):
        noise.mean_error[0] = 0.0


# --- eps ----------------------------------------------------------------------------------------

def test_the_variance_term_fades_like_var_over_var_plus_eps():
    case = random_case(32, 1, seed=2, scale=0.5)
    var = case.x.var()
    sweep = epsilon.terms_by_eps(case, 0.5)
    ratio = sweep.variance / sweep.direct
    assert ratio / ratio[0] == pytest.approx((var / (var + sweep.eps)) / (var / (var + sweep.eps[0])), rel=1e-10)
    assert sweep.var == pytest.approx(var)
    # eps >> var: the layer is a centred, scaled shift and dx is the direct term plus the mean term.
    narrow = random_case(32, 1, seed=2, scale=0.01)
    big = eq4_terms(narrow.x, narrow.gamma, narrow.dout, 10.0)
    assert rms(big.variance) < 1e-3 * rms(big.direct + big.mean)


def test_direct_term_size_is_spread_over_s():
    case = random_case(64, 4, seed=5, scale=2.0)
    sweep = epsilon.terms_by_eps(case, 2.0)
    s = np.sqrt(case.x.var(axis=0) + sweep.eps[:, None])
    assert sweep.direct == pytest.approx(np.sqrt(np.mean((2.0 / s) ** 2, axis=1)), rel=1e-12)


def test_dx_by_eps_runs_the_code_and_agrees_with_eq4():
    case = random_case(64, 4, seed=0, scale=1.0)
    sweep = epsilon.terms_by_eps(case, 1.0, epsilon.CODE_EPS)
    code = epsilon.dx_by_eps(REFERENCE, "batchnorm_backward", case, 1.0)
    assert np.array_equal(code.eps, epsilon.CODE_EPS)
    assert code.dx == pytest.approx(sweep.dx, rel=1e-9)
    wrong = epsilon.dx_by_eps(_implementation(batchnorm_backward=backward_without_variance_term),
                              "batchnorm_backward", case, 1.0)
    assert wrong.dx[0] > sweep.dx[0] * 1.001  # the variance term removed energy that is now left in


# --- terms side by side -------------------------------------------------------------------------

def test_term_sizes_are_relative_to_the_direct_term_and_bounded():
    case = random_case(64, 6, seed=4)
    sizes = terms.term_sizes(case, 1e-5, 1.0)
    t = eq4_terms(case.x, case.gamma, case.dout, 1e-5)
    assert sizes.direct == pytest.approx(np.ones(6))
    assert sizes.variance == pytest.approx(rms(t.variance, axis=0) / rms(t.direct, axis=0))
    for name in ("mean", "variance", "dx"):
        assert np.all(getattr(sizes, name) <= 1 + 1e-12)
    assert terms.dx_size(_reference_dx(case, 1e-5), case, 1e-5) == pytest.approx(sizes.dx, rel=1e-9)
    # the direct term at eps -> 0 has size spread / sqrt(var): close to 1 for a batch of 64
    assert sizes.direct_size == pytest.approx(1.0 / np.sqrt(case.x.var(axis=0) + 1e-5), rel=1e-12)


# --- the facts from the derivation --------------------------------------------------------------

def test_reference_dx_sums_to_zero_and_its_angle_to_xhat_matches_the_formula():
    case = random_case(64, 4, seed=6)
    for eps in (1e-4, 1e-2, 1.0):
        f = facts.facts(_reference_dx(case, eps), case, eps)
        assert np.all(f.batch_sum < 1e-13)
        assert f.cosine == pytest.approx(f.predicted_cosine, rel=1e-6)
    assert facts.facts(_reference_dx(case, 1.0), case, 1.0).cosine.min() > \
        facts.facts(_reference_dx(case, 1e-4), case, 1e-4).cosine.max()  # orthogonality fades as eps grows


def test_with_eps_zero_dx_is_orthogonal_to_xhat():
    case = random_case(64, 4, seed=6)
    f = facts.facts(_reference_dx(case, 0.0), case, 0.0)
    assert np.all(f.cosine < 1e-13)
    assert np.all(f.predicted_cosine == 0)


def test_facts_catch_buggy_gradients():
    case = random_case(64, 4, seed=6)
    _, cache = reference.batchnorm_forward(case.x, case.gamma, case.beta, {"mode": "train", "eps": 1e-5})
    no_mean = facts.facts(backward_without_mean_term(case.dout, cache)[0], case, 1e-5)
    no_variance = facts.facts(backward_without_variance_term(case.dout, cache)[0], case, 1e-5)
    assert np.all(no_mean.batch_sum > 1e-3)
    assert np.all(no_variance.batch_sum < 1e-13)
    assert np.all(no_variance.cosine > 1e3 * no_variance.predicted_cosine)


# --- graph vs closed form vs numerical ----------------------------------------------------------

def test_numerical_dx_matches_the_reference_at_the_sampled_entries():
    case = random_case(16, 3, seed=8)
    entries = agreement.sample_entries(case.x.shape, count=6, seed=1)
    assert len(set(zip(*entries))) == 6
    numerical = agreement.numerical_dx(REFERENCE, case, 1e-5, entries)
    assert numerical == pytest.approx(_reference_dx(case, 1e-5)[entries], abs=1e-8)


def test_agreement_of_the_reference_in_float64_and_float32():
    case64 = random_case(64, 4, seed=0, loc=3.0)
    case32 = random_case(64, 4, seed=0, loc=3.0, dtype=np.float32)
    a64 = agreement.agreement_by_eps(REFERENCE, case64)
    a32 = agreement.agreement_by_eps(REFERENCE, case32)
    assert not a64.problems and not a32.problems
    assert np.all(a64.graph_vs_closed < 1e-13)
    assert np.all(a64.graph_vs_numerical < 1e-6) and np.all(a64.closed_vs_numerical < 1e-6)
    assert np.all(a32.graph_vs_closed < 1e-5)
    # A centred difference with h = 1e-5 in float32 is mostly rounding: the check fails, the gradient is fine.
    assert np.median(a32.graph_vs_numerical) > 1e-3


def test_agreement_finds_the_wrong_closed_form_and_survives_a_stub():
    case = random_case(64, 4, seed=0)
    wrong = agreement.agreement_by_eps(_implementation(batchnorm_backward_alt=backward_without_variance_term), case)
    assert np.all(wrong.graph_vs_numerical < 1e-6)
    assert np.all(wrong.closed_vs_numerical[:5] > 1e-2) and np.all(wrong.graph_vs_closed[:5] > 1e-2)
    unfinished = agreement.agreement_by_eps(_implementation(batchnorm_backward_alt=stub("batchnorm_backward_alt")),
                                            case)
    assert [p.function for p in unfinished.problems] == ["batchnorm_backward_alt"]
    assert np.all(np.isnan(unfinished.closed_vs_numerical)) and np.all(np.isnan(unfinished.graph_vs_closed))
    assert np.all(unfinished.graph_vs_numerical < 1e-6)
