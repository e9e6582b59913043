"""PyTorch's native backward computes what the reference computes, so the benchmark compares like with like.

Skipped when PyTorch is not installed (it is an optional extra); the benchmark's
own "not installed" path is tested in test_bench_backward.py.
"""
import numpy as np
import pytest
from optional import import_or_skip

from autograder.bench import torch_backward
from autograder.bench.agreement import max_scaled_error, tolerance
from autograder.reference import batchnorm_backward_alt, batchnorm_forward
from cs231n_style.data import make_case, random_case

torch = import_or_skip("torch", "make bench-deps, or pip install torch==2.13.0")


def _cases():
    for name in ("gradcheck", "medium", "single_feature", "large_values", "near_constant", "activations"):
        yield make_case(name, seed=1)
    for dtype in (np.float64, np.float32):
        yield random_case(1000, 37, seed=2, dtype=dtype, loc=5.0, scale=3.0)
        yield random_case(2, 3, seed=3, dtype=dtype)


@pytest.mark.parametrize("case", list(_cases()), ids=lambda c: f"{c.name} {c.x.dtype}")
def test_torch_backward_agrees_with_the_reference(case):
    _, cache = batchnorm_forward(case.x, case.gamma, case.beta, case.bn_param)
    with torch_backward.one_thread(torch):
        got = [t.numpy() for t in torch_backward.torch_backward_function(torch, case.dout, cache)()]
    assert [g.dtype for g in got] == [case.x.dtype] * 3
    expected = batchnorm_backward_alt(case.dout, cache)
    assert max_scaled_error(got, expected, case.dout, cache) < tolerance(case.x.dtype)


def test_tolerances_separate_rounding_from_a_wrong_formula():
    # Leaving out the mean of dxhat (a classic mistake) is far outside the tolerance.
    case = random_case(50, 4, seed=4)
    _, cache = batchnorm_forward(case.x, case.gamma, case.beta, case.bn_param)
    dx, dgamma, dbeta = batchnorm_backward_alt(case.dout, cache)
    wrong = dx + (case.dout * case.gamma).mean(axis=0) * cache["inv_std"]
    assert max_scaled_error((wrong, dgamma, dbeta), (dx, dgamma, dbeta), case.dout, cache) > 1e-3


def test_one_thread_inside_and_restored_after():
    before = torch.get_num_threads()
    with torch_backward.one_thread(torch):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before


def test_description_names_the_version():
    assert torch_backward.describe(torch).startswith(f"PyTorch {torch.__version__} ")
