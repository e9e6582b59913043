"""The tuned closed form: same gradients as the reference, same dtype, inputs left alone."""
import numpy as np
import pytest
from helpers import train

from autograder import reference as ref
from autograder.bench import fast
from autograder.bench.fast import batchnorm_backward_fast
from autograder.reference.verify import numerical_bn_gradients
from cs231n_style.data import CASES, make_case, random_case
from cs231n_style.gradient_check import check_gradient, gradient_scales, scaled_error


def _errors(actual, expected, x, dout, cache):
    """Scaled errors of (dx, dgamma, dbeta): per column, in units of the size of their terms."""
    scales = gradient_scales(x, cache["gamma"], dout, cache["eps"])
    return [scaled_error(a, e, scales[name]) for a, e, name in zip(actual, expected, ("dx", "dgamma", "dbeta"))]


def _fast_and_alt(case):
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    return batchnorm_backward_fast(case.dout, cache), ref.batchnorm_backward_alt(case.dout, cache), cache


@pytest.mark.parametrize("name", list(CASES))
def test_agrees_with_reference_closed_form_in_float64(name):
    case = make_case(name, seed=1)
    got, expected, cache = _fast_and_alt(case)
    assert [g.shape for g in got] == [case.x.shape, case.gamma.shape, case.gamma.shape]
    assert max(_errors(got, expected, case.x, case.dout, cache)) < 1e-10


@pytest.mark.parametrize("rows_per_block", [1, 3, None])
@pytest.mark.parametrize("N, D", [(10, 7), (1000, 37), (1, 5)])
def test_blocks_of_rows_cover_every_row(monkeypatch, rows_per_block, N, D):
    # Small blocks force several blocks and a shorter last one.
    if rows_per_block is not None:
        monkeypatch.setattr(fast, "BLOCK_BYTES", rows_per_block * D * 8)
    case = random_case(N, D, seed=2, loc=3.0, scale=2.0)
    got, expected, cache = _fast_and_alt(case)
    assert max(_errors(got, expected, case.x, case.dout, cache)) < 1e-10


@pytest.mark.parametrize("case_name, seed", [("gradcheck", 0), ("gradcheck", 2), ("single_feature", 0)])
def test_matches_numerical_gradient(case_name, seed):
    case = make_case(case_name, seed)
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    numeric = numerical_bn_gradients(lambda x, g, b: train(ref.batchnorm_forward, x, g, b), case)
    for name, analytic, expected in zip(("dx", "dgamma", "dbeta"), batchnorm_backward_fast(case.dout, cache), numeric):
        check = check_gradient(name, analytic, expected)
        assert check.ok, f"{case_name}: {check}"


@pytest.mark.parametrize("N, D", [(64, 256), (1000, 37), (1, 1), (5, 1)])
def test_float32_stays_float32_and_agrees(N, D):
    case = random_case(N, D, seed=3, dtype=np.float32)
    got, expected, cache = _fast_and_alt(case)
    assert [g.dtype for g in got] == [np.float32] * 3
    assert max(_errors(got, expected, case.x, case.dout, cache)) < 1e-5
    # and with the float64 computation on the same (float32) numbers
    _, cache64 = train(ref.batchnorm_forward, *(a.astype(np.float64) for a in (case.x, case.gamma, case.beta)))
    exact = ref.batchnorm_backward_alt(case.dout.astype(np.float64), cache64)
    assert max(_errors(got, exact, case.x, case.dout, cache)) < 1e-4


@pytest.mark.parametrize("N, D", [(1, 1), (1, 6), (4, 1)])
def test_smallest_shapes(N, D):
    case = random_case(N, D, seed=4)
    (dx, dgamma, dbeta), expected, cache = _fast_and_alt(case)
    assert dx.shape == (N, D) and dgamma.shape == dbeta.shape == (D,)
    assert max(_errors((dx, dgamma, dbeta), expected, case.x, case.dout, cache)) < 1e-10
    if N == 1:
        # One row: x - mean is 0, so only beta gets a gradient.
        assert np.all(dx == 0) and np.all(dgamma == 0)
        np.testing.assert_array_equal(dbeta, case.dout[0])


def test_does_not_modify_dout_or_the_cache():
    case = make_case("medium")
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    before = {key: np.copy(value) for key, value in cache.items()}
    dout_before = case.dout.copy()
    for value in [case.dout, *cache.values()]:
        if isinstance(value, np.ndarray):
            value.flags.writeable = False  # any write would raise
    batchnorm_backward_fast(case.dout, cache)
    assert set(cache) == set(before)
    for key, value in before.items():
        np.testing.assert_array_equal(cache[key], value)
    np.testing.assert_array_equal(case.dout, dout_before)


def test_results_are_fresh_arrays():
    case = make_case("gradcheck")
    (dx, dgamma, dbeta), _, cache = _fast_and_alt(case)
    for result in (dx, dgamma, dbeta):
        for given in (case.dout, *[v for v in cache.values() if isinstance(v, np.ndarray)]):
            assert not np.shares_memory(result, given)


def test_non_contiguous_dout():
    case = random_case(40, 9, seed=5)
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    expected = ref.batchnorm_backward_alt(case.dout, cache)
    for dout in (np.asfortranarray(case.dout), np.repeat(case.dout, 2, axis=1)[:, ::2]):
        got = batchnorm_backward_fast(dout, cache)
        assert max(_errors(got, expected, case.x, case.dout, cache)) < 1e-10


def test_bad_dout_names_the_argument():
    case = make_case("gradcheck")
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    with pytest.raises(ValueError, match=r"^dout: expected shape \(4, 5\)"):
        batchnorm_backward_fast(case.dout[:3], cache)
