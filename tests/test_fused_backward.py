"""The fused kernel (cs231n_style/fused.py): the reference's gradients in float64 and float32, at the edges too.

The kernel needs numba, an optional extra: the tests that run it skip without it,
saying what to install; the tests of what happens without it run either way.
"""
import sys

import numpy as np
import pytest
from helpers import train
from optional import import_or_skip

from autograder import reference as ref
from autograder.bench.agreement import max_scaled_error, tolerance
from cs231n_style import fused
from cs231n_style.data import CASES, make_case, random_case

INSTALL = "make bench-deps, or pip install numba"


@pytest.fixture(scope="module")
def numba():
    return import_or_skip("numba", INSTALL)


def _fused_and_alt(case):
    """The fused kernel's and the reference closed form's (dx, dgamma, dbeta) on one case, and the cache."""
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    got = fused.batchnorm_backward_fused(case.dout, cache["x"], cache["gamma"], cache["mean"], cache["inv_std"])
    return got, ref.batchnorm_backward_alt(case.dout, cache), cache


def _cases():
    for name in CASES:
        yield make_case(name, seed=1)
    for dtype in (np.float64, np.float32):
        for N, D in ((1, 1), (1, 6), (6, 1), (64, 256), (1000, 37)):
            yield random_case(N, D, seed=2, dtype=dtype, loc=5.0, scale=3.0)


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: f"{c.name.replace(' ', '-')}-{c.x.dtype}")
def test_agrees_with_the_reference_closed_form(numba, case):
    got, expected, cache = _fused_and_alt(case)
    N, D = case.x.shape
    assert [g.shape for g in got] == [(N, D), (D,), (D,)]
    assert [g.dtype for g in got] == [case.x.dtype] * 3
    assert max_scaled_error(got, expected, case.dout, cache) < tolerance(case.x.dtype)


@pytest.mark.parametrize("N, D", [(64, 256), (1000, 37), (5, 1)])
def test_float32_is_as_close_to_the_float64_gradient_as_the_reference(numba, N, D):
    case = random_case(N, D, seed=3, dtype=np.float32, loc=12.0, scale=5.0)
    got, expected, cache = _fused_and_alt(case)
    _, cache64 = train(ref.batchnorm_forward, *(a.astype(np.float64) for a in (case.x, case.gamma, case.beta)))
    exact = ref.batchnorm_backward_alt(case.dout.astype(np.float64), cache64)
    assert max_scaled_error(got, exact, case.dout, cache) < 10 * max(max_scaled_error(expected, exact, case.dout,
                                                                                        cache), 1e-6)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_one_row_gives_only_beta_a_gradient(numba, dtype):
    # x - mean is 0: the direct and mean terms cancel exactly, as in the reference.
    case = random_case(1, 6, seed=4, dtype=dtype)
    (dx, dgamma, dbeta), _, _ = _fused_and_alt(case)
    assert np.all(dx == 0) and np.all(dgamma == 0)
    np.testing.assert_array_equal(dbeta, case.dout[0])


def test_inputs_are_left_alone_and_results_are_fresh(numba):
    case = make_case("medium")
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    inputs = (case.dout, cache["x"], cache["gamma"], cache["mean"], cache["inv_std"])
    before = [a.copy() for a in inputs]
    for a in inputs:
        a.flags.writeable = False  # any write would raise
    results = fused.batchnorm_backward_fused(*inputs)
    for a, b in zip(inputs, before):
        np.testing.assert_array_equal(a, b)
    assert not any(np.shares_memory(r, a) for r in results for a in inputs)


def test_non_contiguous_and_mixed_dtype_inputs(numba):
    case = random_case(40, 9, seed=5)
    got, expected, cache = _fused_and_alt(case)
    args = (cache["x"], cache["gamma"], cache["mean"], cache["inv_std"])
    for dout in (np.asfortranarray(case.dout), np.repeat(case.dout, 2, axis=1)[:, ::2]):
        assert max_scaled_error(fused.batchnorm_backward_fused(dout, *args), expected, case.dout, cache) < 1e-10
    # a float32 dout with float64 statistics is computed in float64, as numpy would
    mixed = fused.batchnorm_backward_fused(case.dout.astype(np.float32), *args)
    assert [g.dtype for g in mixed] == [np.float64] * 3


@pytest.mark.parametrize("change, message", [
    (lambda a: {**a, "gamma": a["gamma"][:-1]}, r"^gamma: expected shape \(5,\) to match D = 5 columns of x"),
    (lambda a: {**a, "dout": a["dout"][:3]}, r"^dout: expected shape \(4, 5\)"),
    (lambda a: {**a, "x": a["x"][0]}, r"^x: expected a 2-D array of shape \(N, D\)"),
    (lambda a: {**a, "inv_std": a["inv_std"].astype(np.int64)}, r"^inv_std: expected a floating-point array"),
    (lambda a: {k: v.astype(np.float16) for k, v in a.items()}, r"expected float64 or float32 arrays, got float16"),
])
def test_bad_input_names_the_argument(change, message):
    case = make_case("gradcheck")
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    arguments = {"dout": case.dout, **{k: cache[k] for k in ("x", "gamma", "mean", "inv_std")}}
    with pytest.raises(ValueError, match=message):
        fused.batchnorm_backward_fused(**change(arguments))


def test_without_numba_it_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    assert fused.load_numba() is None and fused.compiled_kernel() is None
    case = make_case("gradcheck")
    _, cache = train(ref.batchnorm_forward, case.x, case.gamma, case.beta)
    with pytest.raises(ImportError, match=r"^the fused kernel needs numba, which is not installed: pip install numba"):
        fused.batchnorm_backward_fused(case.dout, cache["x"], cache["gamma"], cache["mean"], cache["inv_std"])
