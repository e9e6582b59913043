import numpy as np
import pytest

from cs231n_style.gradient_check import (GradientCheck, check_gradient, eval_numerical_gradient,
                                         eval_numerical_gradient_array, rel_error, scaled_error)


def test_rel_error_is_cs231ns_formula():
    x, y = np.array([1.0, 0.0, -2.0]), np.array([1.1, 1e-9, -2.0])
    expected = max(0.1 / 2.1, 1e-9 / 1e-8, 0.0)
    assert rel_error(x, y) == pytest.approx(expected)
    assert rel_error(x, x) == 0.0


def test_numerical_gradient_of_a_known_function():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    grad = eval_numerical_gradient(lambda v: np.sum(np.sin(v) * v), x)
    np.testing.assert_allclose(grad, np.cos(x) * x + np.sin(x), rtol=1e-8)
    np.testing.assert_array_equal(x, before)  # the caller's array is untouched


def test_numerical_gradient_array_weights_by_upstream_gradient():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((5, 3))
    x = rng.standard_normal((3, 2))
    df = rng.standard_normal((5, 2))
    grad = eval_numerical_gradient_array(lambda v: A @ v, x, df)
    np.testing.assert_allclose(grad, A.T @ df, rtol=1e-8)


def test_numerical_gradient_works_on_float32_input_in_float64():
    x = np.array([1.0, 2.0], dtype=np.float32)
    grad = eval_numerical_gradient(lambda v: np.sum(v**3), x)
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, 3 * x.astype(np.float64) ** 2, rtol=1e-8)


def test_verdict_lines():
    ok = check_gradient("dx", np.array([1.0, 2.0]), np.array([1.0, 2.0 + 2e-10]))
    assert ok.ok and bool(ok)
    assert str(ok) == "dx: relative error 5.0e-11 — OK, expect below 1e-07"
    bad = check_gradient("dgamma", np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    assert not bad.ok
    assert str(bad) == "dgamma: relative error 2.0e-01 — WRONG, expect below 1e-07"
    assert str(check_gradient("dx", None, np.zeros(2))) == "dx: is None (not computed yet?) — WRONG"
    shape = check_gradient("dx", np.zeros((2, 3)), np.zeros((3, 2)))
    assert not shape.ok and "has shape (2, 3), expected (3, 2)" in str(shape)
    assert not check_gradient("dx", np.array([np.nan]), np.zeros(1)).ok
    assert str(check_gradient("dx", np.ones(1), np.ones(1) * 1.01, tol=1e-1)).endswith("OK, expect below 1e-01")


def test_gradient_check_is_immutable_data():
    check = GradientCheck("dx", 1e-9, 1e-7)
    with pytest.raises(AttributeError):
        check.error = 1.0


def test_scaled_error_ignores_the_size_of_each_entry():
    actual, expected = np.array([[1e-12, 1.0]]), np.array([[2e-12, 1.0]])
    assert rel_error(actual, expected) > 1e-5  # element-wise: explodes on the tiny entry
    assert scaled_error(actual, expected, np.array([1.0, 1.0])) == pytest.approx(1e-12)
    with pytest.raises(ValueError, match="^scale"):
        scaled_error(actual, expected, 0.0)
