"""The hidden checks: the reference scores full marks, wrong code does not, and the probe records what it should."""
import numpy as np
import pytest
from mutants import mutant

from autograder import reference
from autograder.trusted import CHECKS, make_requests, run_check
from cs231n_style.probe_requests import run_requests

REF = reference.layers


@pytest.mark.parametrize("check_id", CHECKS)
def test_reference_scores_full_marks(check_id):
    verdict = run_check(check_id, REF)
    assert verdict.fraction == 1.0, str(verdict)
    assert verdict.lines and all(line.startswith("✓") for line in verdict.lines)


@pytest.mark.parametrize("check_id, replacements", [
    ("hidden_forward", [("var = (xmu * xmu).mean(axis=0)", "var = (xmu * xmu).sum(axis=0) / max(N - 1, 1)")]),
    ("hidden_forward", [("        running_mean = momentum * running_mean + (1 - momentum) * mean",
                         "        running_mean = 0.9 * running_mean + 0.1 * mean")]),
    ("hidden_backward_graph", [("dx = dxhat / std + dvar * 2.0 * xmu / N + dmean / N", "dx = dxhat / std + dmean / N")]),
    ("hidden_backward_alt", [("- xhat * (dxhat * xhat).mean(axis=0)) * inv_std", ") * inv_std", "batchnorm_backward_alt")]),
    ("hidden_backward_alt", [("dxhat = dout * gamma", "dxhat = dout", "batchnorm_backward_alt")]),
    ("hidden_going_further", [("xhat * (dxhat * xhat).sum(axis=0) / (N - 1)", "xhat * (dxhat * xhat).sum(axis=0) / N")]),
])
def test_wrong_code_loses_points(check_id, replacements):
    verdict = run_check(check_id, mutant(*replacements))
    assert verdict.fraction < 1.0
    assert any(line.startswith("✗") for line in verdict.lines)


def test_closed_form_calling_the_graph_version_is_caught():
    cheat = mutant(("    xhat, gamma, inv_std = cache", "    return batchnorm_backward(dout, cache)\n    xhat, gamma, inv_std = cache",
                    "batchnorm_backward_alt"))
    verdict = run_check("hidden_alt_properties", cheat)
    assert "✗ batchnorm_backward_alt calls batchnorm_backward: write the closed form instead" in verdict.lines


def test_a_loop_over_the_batch_is_caught():
    looping = mutant(("    dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) * inv_std\n",
                      "    dx = np.empty_like(dxhat)\n    for i in range(len(dxhat)):\n"
                      "        dx[i] = (dxhat[i] - dxhat.mean(axis=0) - xhat[i] * (dxhat * xhat).mean(axis=0)) * inv_std\n",
                      "batchnorm_backward_alt"))
    verdict = run_check("hidden_alt_properties", looping)
    assert any(line.startswith("✗ batchnorm_backward_alt loops over the batch in Python") for line in verdict.lines)
    assert run_check("hidden_backward_alt", looping).fraction == 1.0  # its numbers are right


def test_modifying_dout_in_place_is_caught():
    inplace = mutant(("    dxhat = dout * gamma\n", "    dout *= gamma\n    dxhat = dout\n", "batchnorm_backward_alt"))
    verdict = run_check("hidden_alt_properties", inplace)
    assert "✗ batchnorm_backward_alt changes dout or the cache in place" in verdict.lines


def test_probe_records_errors_instead_of_raising():
    broken = mutant(("    xhat, gamma, inv_std = cache", "    raise SystemExit(3)\n    xhat, gamma, inv_std = cache",
                     "batchnorm_backward_alt"))
    requests = make_requests("hidden_backward_alt")
    results = run_requests(broken, requests)
    error = results[0]["batchnorm_backward_alt"]["error"]
    assert error.startswith("batchnorm_backward_alt raised SystemExit: 3 at line ")
    assert error.endswith(" of layers.py: raise SystemExit(3)")  # the line of the student's file that raised
    assert run_check("hidden_backward_alt", broken).fraction == 0.0


def test_forward_check_covers_small_batches_float32_and_test_mode():
    requests = make_requests("hidden_forward")
    shapes = {r["x"].shape for r in requests if r["kind"] == "batchnorm"}
    dtypes = {r["x"].dtype for r in requests if r["kind"] == "batchnorm"}
    assert (2, 5) in shapes and any(s[1] == 1 for s in shapes)
    assert dtypes == {np.dtype(np.float32), np.dtype(np.float64)}
    assert any(r["kind"] == "test_mode" for r in requests)


@pytest.mark.parametrize("replacement, wrong, right", [
    (("dx = dxhat / std + dvar * 2.0 * xmu / N + dmean / N", "dx = dxhat / std + dvar * 2.0 * xmu / N - dmean / N",
      "batchnorm_backward"), "batchnorm_backward", "batchnorm_backward_alt"),
    (("dxhat - dxhat.mean(axis=0)", "dxhat + dxhat.mean(axis=0)", "batchnorm_backward_alt"),
     "batchnorm_backward_alt", "batchnorm_backward"),
])
def test_when_the_two_backward_passes_disagree_the_wrong_one_is_named(replacement, wrong, right):
    from cs231n_style import checks
    from cs231n_style.checks import CheckFailed

    module = mutant(replacement)
    for check_id in ("test_alt_matches_graph", "hidden_backward_alt"):
        verdict = run_check(check_id, module)
        assert f"{wrong} is the one that differs from the reference; {right} is right" in verdict.diagnosis
    with pytest.raises(CheckFailed) as info:
        checks.check_alt_matches_graph(module)
    assert f"{wrong} is the one that differs from the numerical gradient: fix {wrong}" in str(info.value)


def test_a_wrong_forward_pass_is_not_diagnosed_as_a_backward_mistake():
    module = mutant(("xhat = xmu * inv_std", "xhat = 2 * xmu * inv_std", "batchnorm_forward"))
    assert run_check("hidden_forward", module).fraction < 1
    for check_id in ("hidden_backward_graph", "hidden_backward_alt"):
        verdict = run_check(check_id, module)
        assert verdict.fraction < 1 and "fix batchnorm_forward first" in verdict.diagnosis, verdict
        assert not verdict.named


def test_a_backward_pass_right_for_its_own_wrong_forward_keeps_its_points():
    # out = gamma x̂ - beta (a slip the diagnosis names), and a graph backward that is its exact gradient.
    own = mutant(("out = gamma * xhat + beta", "out = gamma * xhat - beta", "batchnorm_forward"),
                 ("dbeta = dout.sum(axis=0)", "dbeta = -dout.sum(axis=0)", "batchnorm_backward"))
    assert "sign of beta" in run_check("hidden_forward", own).diagnosis
    for check_id in ("test_backward_graph", "hidden_backward_graph"):
        verdict = run_check(check_id, own)
        assert verdict.fraction == 1.0, verdict.lines
        assert any("gives the gradient of your own batchnorm_forward" in line for line in verdict.lines)
    # The closed form, left as the reference's, is right by the reference: it keeps its points as well.
    assert run_check("hidden_backward_alt", own).fraction == 1.0


def test_a_made_up_forward_pass_and_its_gradient_earn_no_backward_points():
    # out = x, and the exact gradient of that: consistent, but not batch norm.
    fake = mutant(("out = gamma * xhat + beta", "out = x + 0 * (gamma * xhat + beta)", "batchnorm_forward"),
                  ("dx = dxhat / std + dvar * 2.0 * xmu / N + dmean / N",
                   "dx = dout + 0 * (dxhat / std + dvar * 2.0 * xmu / N + dmean / N)", "batchnorm_backward"),
                  ("dbeta = dout.sum(axis=0)", "dbeta = 0 * dout.sum(axis=0)", "batchnorm_backward"),
                  ("dgamma = (dout * cache[\"xhat\"]).sum(axis=0)", "dgamma = 0 * dout.sum(axis=0)",
                   "batchnorm_backward"))
    assert run_check("hidden_backward_graph", fake).fraction == 0.0
