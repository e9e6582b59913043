"""The structural diagnosis: mistakes no catalogue lists are named from the wrong array's structure."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.trusted import mistakes
from autograder import reference as ref
from autograder.trusted import structure
from cs231n_style.data import random_case
from cs231n_style.gradient_check import gradient_scales

EPS = 1e-3


def _parts(N=16, D=5, seed=3, dtype="float64"):
    c = random_case(N, D, seed=seed, loc=1.0, scale=0.5, dtype=dtype)
    x, gamma, beta, dout = (np.asarray(a, np.float64) for a in (c.x, c.gamma, c.beta, c.dout))
    mean, var = x.mean(0), x.var(0)
    s = np.sqrt(var + EPS)
    xhat, g = (x - mean) / s, gamma * dout
    terms = (g / s, -g.mean(0) / s * np.ones_like(x), -xhat * (g * xhat).mean(0) / s)
    return dict(x=x, gamma=gamma, beta=beta, dout=dout, mean=mean, var=var, s=s, terms=terms, N=N)


def _dx(p, direct=1.0, mean=1.0, variance=1.0):
    d, m, v = p["terms"]
    return direct * d + mean * m + variance * v


def _diagnose(name, student, p):
    size = gradient_scales(p["x"], p["gamma"], p["dout"], EPS)[name]
    return mistakes.diagnose(name, student, p["x"], p["gamma"], p["beta"], p["dout"], EPS, size)


@pytest.mark.parametrize("make, words", [
    (lambda p: _dx(p, variance=(p["N"] - 1) / p["N"]), "the variance term -x̂·mean(g·x̂)/s is (N - 1)/N"),
    (lambda p: _dx(p, variance=3.0), "the variance term -x̂·mean(g·x̂)/s is 3 times what it should be"),
    (lambda p: _dx(p, mean=2.0), "the mean term -mean(g)/s is twice too large"),
    (lambda p: _dx(p, mean=1 / p["N"]), "the mean term -mean(g)/s is N = 16 times too small (an extra 1/N)"),
    (lambda p: _dx(p) / p["s"], "your dx is divided by sqrt(var + eps) once too often (every term"),
    (lambda p: _dx(p) * p["s"], "your dx is multiplied by sqrt(var + eps) (a division by it missing) (every term"),
    (lambda p: _dx(p, variance=0.5) / p["gamma"],
     "the variance term -x̂·mean(g·x̂)/s is without gamma (dout where gamma * dout belongs), and half as large"),
    (lambda p: _dx(p, direct=0.0) + p["terms"][0] * p["s"], "the direct term g/s is multiplied by sqrt(var + eps)"),
    (lambda p: _dx(p, direct=-1.0, mean=-1.0), "the direct term g/s is of the wrong sign; the mean term"),
    (lambda p: 16 * _dx(p), "your dx is N = 16 times too large (a missing 1/N) (every term"),
    (lambda p: _dx(p, variance=0.0) - (p["gamma"] * p["dout"] * (p["x"] - p["mean"]) / p["s"]).mean(0) / p["s"],
     "the variance term -x̂·mean(g·x̂)/s is missing its x̂"),
])
def test_a_dx_with_one_term_off_is_explained_by_that_term(make, words):
    p = _parts()
    found = _diagnose("dx", make(p), p)
    assert found and words in found, found


@pytest.mark.parametrize("make, words", [
    (lambda p: p["gamma"] * (p["x"] - p["mean"]) / (p["var"] + EPS), "divided by var + eps, with no square root"),
    (lambda p: (p["x"] - p["mean"]) / np.sqrt(p["x"].var(0, ddof=1) + EPS) + p["beta"],
     "gamma missing; x - mean divided by sqrt of the unbiased variance"),
    (lambda p: p["gamma"] * p["x"] / p["s"] + p["beta"], "the mean not subtracted"),
    (lambda p: p["gamma"] * (p["x"] - p["x"].mean()) / p["s"] + p["beta"], "the mean over the whole batch subtracted"),
    (lambda p: -p["gamma"] * (p["x"] - p["mean"]) / np.sqrt(p["var"]) - p["beta"],
     "the sign of gamma flipped; x - mean divided by sqrt(var), eps left out; the sign of beta flipped"),
])
def test_a_wrong_train_mode_out_names_its_normalization_gamma_and_beta(make, words):
    p = _parts()
    found = _diagnose("out", make(p), p)
    assert found and words in found, found


def test_test_mode_and_running_averages_are_explained():
    p = _parts()
    x, gamma, beta = p["x"], p["gamma"], p["beta"]
    rm, rv = np.linspace(-1, 1, 5), np.linspace(0.5, 2, 5)
    assert structure.out_test((x - rm) / np.sqrt(rv + EPS), x, gamma, beta, rm, rv, EPS) == \
        "your out (test mode): gamma missing; beta missing"
    assert "x - running_mean divided by running_var + eps, with no square root" in \
        structure.out_test(gamma * (x - rm) / (rv + EPS) + beta, x, gamma, beta, rm, rv, EPS)
    assert structure.out_test(gamma * (x - rm) / np.sqrt(rv + EPS) + beta, x, gamma, beta, rm, rv, EPS) is None
    N, m = p["N"], 0.8
    assert structure.running("running_var", (1 - m) * rv + m * p["var"] * N / (N - 1), rv, x, m, EPS) == \
        "your running_var: momentum and 1 - momentum swapped; the unbiased batch variance (N - 1) averaged"
    assert structure.running("running_var", m * rv + (1 - m) * p["var"], rv, x, m, EPS) is None
    assert structure.running("running_mean", p["mean"], np.zeros(5), x, 0.9, EPS) == \
        "your running_mean: the batch value stored without averaging"


def test_right_answers_and_noise_are_not_explained():
    p = _parts()
    out, cache = ref.batchnorm_forward(p["x"], p["gamma"], p["beta"], {"mode": "train", "eps": EPS})
    dx = ref.batchnorm_backward_alt(p["dout"], cache)[0]
    assert structure.dx(dx, p["x"], p["gamma"], p["dout"], EPS) is None
    assert structure.out_train(out, p["x"], p["gamma"], p["beta"], EPS) is None
    noise = np.random.default_rng(0).normal(size=dx.shape)
    assert _diagnose("dx", noise, p) is None and _diagnose("out", noise, p) is None
    assert structure.dx(dx.astype(np.float32), p["x"], p["gamma"], p["dout"], EPS) is None
    assert structure.dx(dx[:5], p["x"][:5], p["gamma"], p["dout"][:5], EPS) is None  # too few rows to tell


@settings(max_examples=40, deadline=None)
@given(N=st.integers(8, 64), D=st.integers(1, 6), seed=st.integers(0, 10_000),
       term=st.sampled_from(["direct", "mean", "variance"]), factor=st.sampled_from([0.0, -1.0, 2.0, 0.5, 3.0]),
       dtype=st.sampled_from(["float64", "float32"]))
def test_any_case_names_the_term_that_is_off(N, D, seed, term, factor, dtype):
    p = _parts(N, D, seed, dtype)
    wrong = _dx(p, **{term: factor})
    found = structure.dx(wrong.astype(dtype), p["x"], p["gamma"], p["dout"], EPS)
    assert found and f"the {term} term" in found, found
