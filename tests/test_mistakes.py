"""The mistake catalogue: every variant is told apart from the others and from the right answer."""
import numpy as np
import pytest

from autograder.trusted import mistakes
from autograder import reference as ref
from autograder.trusted import exceptions
from cs231n_style.data import random_case
from cs231n_style.gradient_check import gradient_scales

EPS = 0.05  # comparable with the variance of some features, so the eps mistakes show


@pytest.fixture(scope="module")
def case():
    c = random_case(9, 4, seed=5, loc=2.0, scale=0.5)
    c.x[:, 0] *= 0.1  # a feature whose variance is below eps
    return c


def _correct(case):
    out, cache = ref.batchnorm_forward(case.x, case.gamma, case.beta, {"mode": "train", "eps": EPS})
    dx, dgamma, dbeta = ref.batchnorm_backward_alt(case.dout, cache)
    return {"out": out, "dx": dx, "dgamma": dgamma, "dbeta": dbeta}


@pytest.mark.parametrize("name", list(mistakes.VARIANTS))
def test_each_variant_is_diagnosed_as_itself_and_the_right_answer_as_nothing(case, name):
    size = gradient_scales(case.x, case.gamma, case.dout, EPS)[name]
    right = _correct(case)[name]
    assert mistakes.diagnose(name, right, case.x, case.gamma, case.beta, case.dout, EPS, size) is None
    for description, variant in mistakes.VARIANTS[name].items():
        found = variant(case.x, case.gamma, case.beta, case.dout, EPS)
        for wrong in found if isinstance(found, list) else [found]:
            if wrong.shape == right.shape:
                assert np.max(np.abs(wrong - right) / size) > 1e-2, f"{description} is indistinguishable from correct"
            assert mistakes.diagnose(name, wrong, case.x, case.gamma, case.beta, case.dout, EPS, size) == \
                f"your {name} matches {description}"


@pytest.mark.parametrize("N, D", [(6, 6), (7, 5)])  # square: a row's statistics without keepdims raise no error
@pytest.mark.parametrize("name", list(mistakes.LAYERNORM_VARIANTS))
def test_each_layernorm_variant_is_diagnosed_as_itself_and_the_right_answer_as_nothing(N, D, name):
    case = random_case(N, D, seed=N, loc=2.0, scale=0.5)
    case.x[0] = 2.0 + 0.05 * case.x[0]  # a row whose variance is below eps
    out, cache = ref.layernorm_forward(case.x, case.gamma, case.beta, {"eps": EPS})
    right = dict(zip(("out", "dx", "dgamma", "dbeta"), (out, *ref.layernorm_backward(case.dout, cache))))[name]
    size = 1e-12 + np.abs(right).max(axis=0)
    args = (case.x, case.gamma, case.beta, case.dout, EPS, size)
    assert mistakes.diagnose_layernorm(name, right, *args) is None
    tried = 0
    for description, variant in mistakes.LAYERNORM_VARIANTS[name].items():
        found = variant(*args[:5])
        for wrong in found if isinstance(found, list) else [found]:
            tried += 1
            if wrong.shape == right.shape:
                assert np.max(np.abs(wrong - right) / size) > 1e-2, f"{description} is indistinguishable from correct"
            assert mistakes.diagnose_layernorm(name, wrong, *args) == f"your {name} matches {description}"
    assert tried >= len(mistakes.LAYERNORM_VARIANTS[name]) - (N != D)  # the keepdims forms exist for N = D only


def test_float32_answers_are_matched_within_the_float32_limit(case):
    size = gradient_scales(case.x, case.gamma, case.dout, EPS)["dx"]
    wrong = mistakes.DX["the wrong sign on the variance term"](case.x, case.gamma, case.beta, case.dout, EPS)
    found = mistakes.diagnose("dx", wrong.astype(np.float32), case.x, case.gamma, case.beta, case.dout, EPS, size)
    assert found == "your dx matches the wrong sign on the variance term"


def test_unknown_arrays_and_names_give_no_diagnosis(case):
    size = gradient_scales(case.x, case.gamma, case.dout, EPS)["dx"]
    noise = np.random.default_rng(0).standard_normal(case.x.shape)
    assert mistakes.diagnose("dx", noise, case.x, case.gamma, case.beta, case.dout, EPS, size) is None
    assert mistakes.diagnose("dw", noise, case.x, case.gamma, case.beta, case.dout, EPS, size) is None
    assert mistakes.diagnose("dx", None, case.x, case.gamma, case.beta, case.dout, EPS, size) is None


@pytest.mark.parametrize("text, words", [
    ("batchnorm_backward raised ValueError: operands could not be broadcast together with shapes (9,4) (9,) "
     "at line 3 of layers.py: dx = dx1 + dvar", "one number per row of the batch"),
    ("f raised ValueError: operands could not be broadcast together with shapes (9,4) (4,9) ", "a transpose"),
    ("f raised ValueError: shapes (9,4) and (9,4) not aligned: 4 (dim 1) != 9 (dim 0)", "np.dot is a matrix product"),
    ("f raised ValueError: operands could not be broadcast together with shapes (9,4) (3,) ", None),
    ("f raised ValueError: operands could not be broadcast together with shapes (9,) (4,) ", "the other axis"),
    ("layernorm_forward raised ValueError: operands could not be broadcast together with shapes (9,4) (9,) ",
     "keepdims=True"),
    ("layernorm_forward raised KeyError: 'mode' at line 3 of layers.py", "no train and test modes"),
    ("layernorm_forward raised KeyError: 'eps'", "ln_param.get('eps', 1e-5)"),
    ("f raised KeyError: 'x'", None)])
def test_numpy_errors_name_the_likely_mistake(text, words):
    found = exceptions.explain(text)
    assert found is None if words is None else words in found


def test_a_sum_over_rows_that_crashes_is_named_with_the_line():
    from cs231n_style.errors import raised
    case = random_case(9, 4, seed=1)
    try:
        dvar = case.x.sum(axis=1)  # (9,)
        case.x + dvar
    except ValueError as exc:
        text = raised("batchnorm_backward", exc)
    assert text.startswith("batchnorm_backward raised ValueError: operands could not be broadcast")
    assert "one number per row" in exceptions.explain(text)
