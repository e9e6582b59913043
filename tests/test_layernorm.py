"""Layer norm: the reference against numerical gradients, and what the notebook's check and the grader's checks
say about the ways students get it wrong."""
import numpy as np
import pytest
from mutants import mutant

from autograder import reference as ref
from autograder.trusted import run_check
from cs231n_style import checks
from cs231n_style.data import random_case
from cs231n_style.gradient_check import eval_numerical_gradient_array, rel_error

F, B = "layernorm_forward", "layernorm_backward"
ROW_MEAN = "mean = x.mean(axis=1, keepdims=True)"
ROW_VAR = "inv_std = 1.0 / np.sqrt((xmu * xmu).mean(axis=1, keepdims=True) + eps)"
CLOSED_FORM = ("dx = (dxhat - dxhat.mean(axis=1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=1, keepdims=True))"
               " * inv_std")
TEST_BRANCH = ('    if ln_param.get("mode") == "test":  # copied from batch norm\n        D = x.shape[1]\n'
               '        rm, rv = ln_param.get("running_mean", np.zeros(D)), ln_param.get("running_var", np.ones(D))\n'
               '        return gamma * (x - rm) / np.sqrt(rv + eps) + beta, None\n')
EPS_LINE = '    eps = ln_param.get("eps", 1e-5)\n'

# name: (edits, what the notebook's check says, what the grader's diagnosis names, visible test lost)
MISTAKES = {
    "batch norm's axis": ([(ROW_MEAN, ROW_MEAN.replace("axis=1", "axis=0"), F),
                           (ROW_VAR, ROW_VAR.replace("axis=1", "axis=0"), F),
                           (CLOSED_FORM, CLOSED_FORM.replace("axis=1", "axis=0"), B)],
                          "as batch norm does", "batch norm's statistics", True),
    "all entries": ([(ROW_MEAN, "mean = x.mean()", F), (ROW_VAR, "inv_std = 1.0 / np.sqrt((xmu * xmu).mean() + eps)", F)],
                    "each row of out should have mean 0", "statistics over all entries", True),
    "a little of the batch mean": ([(ROW_MEAN, ROW_MEAN + " + 0.1 * x.mean()", F)],
                                   "each row of out should have mean 0", "when the other rows of the batch change", True),
    "no keepdims in the forward pass": ([(ROW_MEAN, "mean = x.mean(axis=1)", F)], "could not be broadcast",
                                        "keepdims=True", True),
    "no keepdims in the backward pass": ([("dx = (dxhat - dxhat.mean(axis=1, keepdims=True)",
                                           "dx = (dxhat - dxhat.mean(axis=1)", B)], "could not be broadcast",
                                         "keepdims=True", True),
    "a test mode": ([(EPS_LINE, EPS_LINE + TEST_BRANCH, F)], "layer norm has no test mode", "layer norm has no test mode",
                    True),
    "a mode required": ([(EPS_LINE, EPS_LINE + '    mode = ln_param["mode"]\n', F)], "KeyError: 'mode'",
                        "no train and test modes", True),
    "the unbiased variance": ([(ROW_VAR, "inv_std = 1.0 / np.sqrt(x.var(axis=1, ddof=1, keepdims=True) + eps)", F)],
                              "the unbiased variance", "the unbiased variance (D - 1)", True),
    "x changed in place": ([("xmu = x - mean", "x -= mean\n    xmu = x", F)], "changes x in place", "in place", True),
    "no variance path": ([("xhat * (dxhat * xhat).mean(axis=1, keepdims=True)", "0", B)],
                         "dx of layernorm_backward does not match", "without the path through the variance", True),
    "gamma missing": ([("dxhat = dout * gamma", "dxhat = dout", B)], "dx of layernorm_backward does not match",
                      "gamma missing", True),
    "dgamma over the rows": ([("dgamma = (dout * xhat).sum(axis=0)", "dgamma = (dout * xhat).sum(axis=1)", B)],
                             "dgamma", "sum over each row (axis=1)", True),
    "dbeta as a mean": ([("dbeta = dout.sum(axis=0)", "dbeta = dout.mean(axis=0)", B)], "dbeta",
                        "the mean of dout instead of its sum", True),
}


@pytest.mark.parametrize("N, D", [(4, 5), (1, 7), (6, 3), (5, 5)])
def test_reference_matches_numerical_gradients_and_each_row_of_dx_sums_to_zero(N, D):
    case = random_case(N, D, seed=N * D, loc=3.0, scale=2.0)

    def out(x, gamma, beta):
        return ref.layernorm_forward(x, gamma, beta, {})[0]

    _, cache = ref.layernorm_forward(case.x, case.gamma, case.beta, {"mode": "train"})
    dx, dgamma, dbeta = ref.layernorm_backward(case.dout, cache)
    numeric = (eval_numerical_gradient_array(lambda v: out(v, case.gamma, case.beta), case.x, case.dout),
               eval_numerical_gradient_array(lambda v: out(case.x, v, case.beta), case.gamma, case.dout),
               eval_numerical_gradient_array(lambda v: out(case.x, case.gamma, v), case.beta, case.dout))
    scale = np.abs(case.gamma * case.dout).max() / np.sqrt(cache["inv_std"].min() ** -2)
    assert np.abs(dx - numeric[0]).max() < 1e-7 * (1 + scale)
    assert rel_error(dgamma, numeric[1]) < 1e-8 and rel_error(dbeta, numeric[2]) < 1e-8
    assert np.abs(dx.sum(axis=1)).max() < 1e-12 * (1 + np.abs(dx).max())  # section 3.5, transposed


def test_reference_normalizes_each_row_alone_and_ignores_the_mode():
    case = random_case(6, 9, seed=3, loc=5.0, scale=4.0)
    ones, zeros = np.ones(9), np.zeros(9)
    out = ref.layernorm_forward(case.x, ones, zeros, {})[0]
    assert np.allclose(out.mean(axis=1), 0) and np.allclose(out.std(axis=1), 1, atol=1e-5)
    assert np.array_equal(ref.layernorm_forward(case.x[:2].copy(), ones, zeros, {})[0], out[:2])
    assert np.array_equal(ref.layernorm_forward(case.x, ones, zeros, {"mode": "test"})[0], out)
    float32 = random_case(6, 9, seed=3, dtype=np.float32)
    assert ref.layernorm_forward(float32.x, float32.gamma, float32.beta, {})[0].dtype == np.float32


@pytest.mark.parametrize("ln_param, words", [
    (None, "ln_param: expected a dict"), ({"eps": -1.0}, "ln_param['eps']: expected a number >= 0"),
    ({"eps": float("nan")}, "ln_param['eps']: expected a finite number")])
def test_bad_ln_param_is_named(ln_param, words):
    case = random_case(3, 4)
    with pytest.raises(ValueError, match=words.replace("[", r"\[").replace("]", r"\]")):
        ref.layernorm_forward(case.x, case.gamma, case.beta, ln_param)


def test_the_solution_passes_the_notebook_check(capsys):
    checks.check_layernorm(ref.layers)
    printed = capsys.readouterr().out
    assert printed.count("✓") == 4 and "✗" not in printed


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_fails_the_notebook_check_with_its_words(mistake, capsys):
    edits, says, _, _ = MISTAKES[mistake]
    with pytest.raises(checks.CheckFailed) as failure:
        checks.check_layernorm(mutant(*edits))
    assert says in str(failure.value)


@pytest.mark.parametrize("mistake", MISTAKES)
def test_each_mistake_loses_hidden_points_and_is_named(mistake):
    edits, _, named, visible_lost = MISTAKES[mistake]
    module = mutant(*edits)
    hidden = run_check("hidden_layernorm", module)
    assert hidden.fraction < 1.0
    assert named in hidden.diagnosis, hidden.diagnosis
    assert hidden.named
    assert (run_check("test_layernorm", module).fraction == 0.0) == visible_lost


def test_eps_read_without_a_default_loses_the_visible_test_and_says_how():
    # ln_param may be empty (the visible check passes {}); the hidden checks all give eps.
    module = mutant((EPS_LINE, '    eps = ln_param["eps"]\n', F))
    assert run_check("test_layernorm", module).fraction == 0.0
    assert "ln_param.get('eps', 1e-5)" in run_check("test_layernorm", module).diagnosis
