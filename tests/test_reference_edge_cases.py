"""Edge cases of the reference: tiny batches, extreme values, float32, mutation, bad input."""
import copy

import numpy as np
import pytest
from helpers import dx_scale, train

from autograder import reference as ref
from cs231n_style.data import make_case
from cs231n_style.gradient_check import eval_numerical_gradient_array, scaled_error

BACKWARDS = [ref.batchnorm_backward, ref.batchnorm_backward_alt]


@pytest.mark.parametrize("backward", BACKWARDS)
def test_batch_of_one_gives_beta_and_zero_dx(backward):
    case = make_case("batch_of_one")
    out, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    np.testing.assert_array_equal(out, case.beta[None, :])
    dx, dgamma, dbeta = backward(case.dout, cache)
    np.testing.assert_array_equal(dx, np.zeros_like(case.x))
    np.testing.assert_array_equal(dgamma, np.zeros_like(case.gamma))
    np.testing.assert_array_equal(dbeta, case.dout[0])


@pytest.mark.parametrize("backward", BACKWARDS)
def test_batch_of_two_matches_the_closed_form_for_two_rows(backward):
    # With N = 2, xhat = ±sqrt(var / (var + eps)) and dx = ±(eps / (var + eps)) (g1 - g2) / (2 sqrt(var + eps)).
    case = make_case("batch_of_two")
    eps = 1e-2
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta, eps)
    dx = backward(case.dout, cache)[0]
    g = case.dout * case.gamma
    var = case.x.var(axis=0)
    sign = np.sign(case.x[0] - case.x[1])
    row0 = sign * sign * eps / (var + eps) * (g[0] - g[1]) / (2 * np.sqrt(var + eps))
    np.testing.assert_allclose(dx, np.stack([row0, -row0]), rtol=1e-10)


@pytest.mark.parametrize("backward", BACKWARDS)
def test_single_feature(backward):
    case = make_case("single_feature")
    assert case.x.shape[1] == 1
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    dx = backward(case.dout, cache)[0]
    numeric = eval_numerical_gradient_array(
        lambda v: train(ref.batchnorm_forward, v, case.gamma, case.beta)[0], case.x, case.dout)
    assert scaled_error(dx, numeric, dx_scale(case.x, case.gamma, case.dout, 1e-5)) < 1e-8


@pytest.mark.parametrize("backward", BACKWARDS)
def test_values_near_1e6_give_what_the_same_data_near_0_gives(backward):
    case = make_case("large_values")
    assert np.abs(case.x).min() > 9e5
    centered = case.x - 1e6  # exact: float64 holds these differences without rounding
    out_big, cache_big = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    out_small, cache_small = train(ref.batchnorm_forward, centered, case.gamma, case.beta)
    np.testing.assert_allclose(out_big, out_small, rtol=0, atol=1e-9)
    scale = dx_scale(case.x, case.gamma, case.dout, 1e-5)
    assert scaled_error(backward(case.dout, cache_big)[0], backward(case.dout, cache_small)[0], scale) < 1e-9


@pytest.mark.parametrize("backward", BACKWARDS)
def test_near_constant_features(backward):
    case = make_case("near_constant")
    eps = 1e-5
    out, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta, eps)
    assert np.all(np.isfinite(out))
    np.testing.assert_array_equal(out[:, 3], np.full(len(out), case.beta[3]))  # the exactly constant column
    dx = backward(case.dout, cache)[0]
    g = case.dout * case.gamma
    # A constant column has xhat = 0: dx reduces to (g - mean(g)) / sqrt(eps).
    np.testing.assert_allclose(dx[:, 3], (g[:, 3] - g[:, 3].mean()) / np.sqrt(eps), rtol=1e-12)
    numeric = eval_numerical_gradient_array(
        lambda v: train(ref.batchnorm_forward, v, case.gamma, case.beta, eps)[0], case.x, case.dout, h=1e-6)
    assert scaled_error(dx, numeric, dx_scale(case.x, case.gamma, case.dout, eps)) < 1e-7


@pytest.mark.parametrize("name", ["gradcheck", "medium", "activations", "near_constant"])
def test_float32_in_float32_out(name):
    case32 = make_case(name, dtype=np.float32)
    case64 = make_case(name)
    bn_param = {"mode": "train"}
    out, cache = ref.batchnorm_forward(case32.x, case32.gamma, case32.beta, bn_param)
    assert out.dtype == np.float32
    assert bn_param["running_mean"].dtype == np.float32 and bn_param["running_var"].dtype == np.float32
    out64, cache64 = train(ref.batchnorm_forward, case64.x, case64.gamma, case64.beta)
    np.testing.assert_allclose(out, out64, rtol=0, atol=2e-5 * (1 + np.abs(out64).max()))
    for backward in BACKWARDS:
        grads = backward(case32.dout, cache)
        assert [g.dtype for g in grads] == [np.float32] * 3, backward.__name__
        grads64 = backward(case64.dout, cache64)
        assert scaled_error(grads[0], grads64[0], dx_scale(case64.x, case64.gamma, case64.dout, 1e-5)) < 1e-3
    test_out, _ = ref.batchnorm_forward(case32.x, case32.gamma, case32.beta, {**bn_param, "mode": "test"})
    assert test_out.dtype == np.float32


def _snapshot(obj):
    return copy.deepcopy(obj)


def _assert_same(before, after, what):
    if isinstance(before, dict):
        assert before.keys() == after.keys(), what
        for key in before:
            _assert_same(before[key], after[key], f"{what}[{key!r}]")
    elif isinstance(before, (tuple, list)):
        for i, (b, a) in enumerate(zip(before, after)):
            _assert_same(b, a, f"{what}[{i}]")
    elif isinstance(before, np.ndarray):
        np.testing.assert_array_equal(before, after, err_msg=what)
    else:
        assert before == after, what


def test_inputs_and_caches_are_never_mutated():
    case = make_case("medium")
    running_mean, running_var = np.arange(32.0), np.arange(32.0) + 1
    bn_param = {"mode": "train", "running_mean": running_mean, "running_var": running_var}
    inputs = _snapshot((case.x, case.gamma, case.beta, case.dout, running_mean, running_var))
    _, cache = ref.batchnorm_forward(case.x, case.gamma, case.beta, bn_param)
    cache_before = _snapshot(cache)
    for backward in BACKWARDS + [ref.batchnorm_backward_stages]:
        backward(case.dout, cache)
        _assert_same(cache_before, cache, f"cache after {backward.__name__}")
    _assert_same(inputs, (case.x, case.gamma, case.beta, case.dout, running_mean, running_var), "inputs")
    # The running averages are replaced in bn_param, never written into the caller's arrays.
    assert bn_param["running_mean"] is not running_mean

    for forward, backward in [(ref.batchnorm_forward_sigma_eps, ref.batchnorm_backward_sigma_eps),
                              (ref.batchnorm_forward_unbiased, ref.batchnorm_backward_unbiased)]:
        _, cache = forward(case.x, case.gamma, case.beta, 1e-5)
        cache_before = _snapshot(cache)
        backward(case.dout, cache)
        _assert_same(cache_before, cache, f"cache after {backward.__name__}")
    _assert_same(inputs[:4], (case.x, case.gamma, case.beta, case.dout), "inputs")


def test_running_averages_follow_cs231n_convention():
    case = make_case("gradcheck")
    bn_param = {"mode": "train", "momentum": 0.8}
    ref.batchnorm_forward(case.x, case.gamma, case.beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.2 * case.x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(bn_param["running_var"], 0.2 * case.x.var(axis=0), rtol=1e-14)
    x2 = case.x * 2 + 1
    ref.batchnorm_forward(x2, case.gamma, case.beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"],
                               0.8 * 0.2 * case.x.mean(axis=0) + 0.2 * x2.mean(axis=0), rtol=1e-14)

    default = {"mode": "train"}
    ref.batchnorm_forward(case.x, case.gamma, case.beta, default)
    np.testing.assert_allclose(default["running_mean"], 0.1 * case.x.mean(axis=0), rtol=1e-14)


def test_test_mode_uses_running_averages_and_leaves_them_alone():
    case = make_case("activations")
    bn_param = {"mode": "train"}
    rng = np.random.default_rng(0)
    for _ in range(60):  # CS231n's check: after training, test-time outputs are near zero mean, unit variance
        batch = make_case("activations", seed=int(rng.integers(1 << 30))).x
        ref.batchnorm_forward(batch, case.gamma, case.beta, bn_param)
    bn_param["mode"] = "test"
    running = (bn_param["running_mean"].copy(), bn_param["running_var"].copy())
    out, cache = ref.batchnorm_forward(case.x, case.gamma, case.beta, bn_param)
    assert cache is None
    np.testing.assert_array_equal(bn_param["running_mean"], running[0])
    np.testing.assert_array_equal(bn_param["running_var"], running[1])
    expected = (case.x - running[0]) / np.sqrt(running[1] + 1e-5)
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert np.all(np.abs(out.mean(axis=0)) < 0.25) and np.all(np.abs(out.std(axis=0) - 1) < 0.25)


GOOD = make_case("gradcheck")


@pytest.mark.parametrize("kwargs, argument", [
    ({"x": np.ones(5)}, "x"),
    ({"x": np.ones((2, 5, 1))}, "x"),
    ({"x": [[1.0] * 5] * 4}, "x"),
    ({"x": np.ones((4, 5), dtype=int)}, "x"),
    ({"x": np.ones((0, 5))}, "x"),
    ({"gamma": np.ones(4)}, "gamma"),
    ({"gamma": np.ones((1, 5))}, "gamma"),
    ({"beta": np.ones(6)}, "beta"),
    ({"bn_param": {"mode": "eval"}}, r"bn_param\['mode'\]"),
    ({"bn_param": {}}, r"bn_param\['mode'\]"),
    ({"bn_param": "train"}, "bn_param"),
    ({"bn_param": {"mode": "train", "eps": -1e-5}}, r"bn_param\['eps'\]"),
    ({"bn_param": {"mode": "train", "eps": float("nan")}}, r"bn_param\['eps'\]"),
    ({"bn_param": {"mode": "train", "eps": "1e-5"}}, r"bn_param\['eps'\]"),
    ({"bn_param": {"mode": "train", "momentum": 1.5}}, r"bn_param\['momentum'\]"),
    ({"bn_param": {"mode": "test", "running_mean": np.zeros(3)}}, r"bn_param\['running_mean'\]"),
    ({"bn_param": {"mode": "test", "running_var": -np.ones(5)}}, r"bn_param\['running_var'\]"),
])
def test_bad_forward_input_raises_value_error_naming_the_argument(kwargs, argument):
    args = {"x": GOOD.x, "gamma": GOOD.gamma, "beta": GOOD.beta, "bn_param": {"mode": "train"}, **kwargs}
    with pytest.raises(ValueError, match=rf"^{argument}: "):
        ref.batchnorm_forward(**args)


@pytest.mark.parametrize("backward", BACKWARDS)
@pytest.mark.parametrize("dout", [np.ones((4, 4)), np.ones((5, 4)), np.ones(20), np.ones((4, 5), dtype=int)])
def test_bad_dout_raises_value_error_naming_dout(backward, dout):
    _, cache = train(ref.batchnorm_forward, GOOD.x, GOOD.gamma, GOOD.beta)
    with pytest.raises(ValueError, match=r"^dout: .*\(4, 5\)|^dout: expected a floating"):
        backward(dout, cache)


def test_bad_variant_input_raises_value_error():
    with pytest.raises(ValueError, match="^eps: "):
        ref.batchnorm_forward_sigma_eps(GOOD.x, GOOD.gamma, GOOD.beta, eps=-1.0)
    with pytest.raises(ValueError, match="^x: .*N = 2"):
        ref.batchnorm_forward_unbiased(GOOD.x[:1], GOOD.gamma, GOOD.beta)
    w, b = np.ones((3, 5)), np.ones(5)
    with pytest.raises(ValueError, match=r"^x: expected shape \(N, 3\)"):
        ref.affine_batchnorm_forward(GOOD.x, w, b, GOOD.gamma, GOOD.beta, {"mode": "train"})
    with pytest.raises(ValueError, match="^b: "):
        ref.affine_batchnorm_forward(GOOD.x[:, :3], w, np.ones(4), GOOD.gamma, GOOD.beta, {"mode": "train"})
    with pytest.raises(ValueError, match="^w: "):
        ref.affine_batchnorm_forward(GOOD.x, np.ones(5), b, GOOD.gamma, GOOD.beta, {"mode": "train"})
