"""The notebook's checks: they pass the reference and name what is wrong in wrong code."""
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from mutants import mutant
from optional import import_or_skip

from autograder import reference
from cs231n_style import checks
from cs231n_style.autograding import GRADING_ENV
from cs231n_style.checks import CheckFailed, speed

REF = reference.layers
ALL_CHECKS = [checks.check_forward_train, checks.check_forward_test, checks.check_backward_stages,
              checks.check_backward, lambda m: checks.check_backward(m, "batchnorm_backward_alt"),
              checks.check_alt_matches_graph, checks.check_sigma_eps, checks.check_unbiased, checks.check_affine]


@pytest.mark.parametrize("check", ALL_CHECKS)
def test_reference_passes_every_check(check, capsys):
    check(REF)
    out = capsys.readouterr().out
    assert "✓" in out and "✗" not in out


def _fails(check, module, *pattern):
    with pytest.raises(CheckFailed) as info:
        check(module)
    for p in pattern:
        assert p in str(info.value), str(info.value)
    return str(info.value)


def test_failure_renders_as_one_line_per_message_line():
    error = CheckFailed("first line\nsecond line")
    assert error._render_traceback_() == ["✗ first line", "  second line"]
    assert isinstance(error, AssertionError)  # nbgrader counts it as a failed test


def test_unbiased_variance_in_forward_is_named():
    wrong = mutant(("var = (xmu * xmu).mean(axis=0)", "var = (xmu * xmu).sum(axis=0) / (N - 1)"))
    _fails(checks.check_forward_train, wrong, "biased variance", "N - 1")


def test_normalizing_each_row_instead_of_each_column_is_named():
    wrong = mutant(("mean = x.mean(axis=0)\n        xmu = x - mean\n        var = (xmu * xmu).mean(axis=0)",
                    "mean = x.mean(axis=1, keepdims=True)\n        xmu = x - mean\n"
                    "        var = (xmu * xmu).mean(axis=1, keepdims=True)"))
    _fails(checks.check_forward_train, wrong, "axis=0")


def test_swapped_momentum_is_named():
    wrong = mutant(("        running_mean = momentum * running_mean + (1 - momentum) * mean",
                    "        running_mean = (1 - momentum) * running_mean + momentum * mean"))
    _fails(checks.check_forward_train, wrong, "running_mean", "swapped")


def test_running_average_not_stored_is_named():
    wrong = mutant(('    bn_param["running_mean"] = running_mean\n', ""))
    _fails(checks.check_forward_train, wrong, "bn_param has no 'running_mean'")


def test_float64_output_for_float32_input_is_named_without_failing(capsys):
    wrong = mutant(("        inv_std = 1.0 / np.sqrt(var + eps)", "        inv_std = 1.0 / np.sqrt(var.astype(np.float64) + eps)"))
    checks.check_forward_train(wrong)
    assert "• float32 input gave float64 output: keep the input's dtype" in capsys.readouterr().out


KEEPDIMS = [("    dbeta = dout.sum(axis=0)", "    dbeta = dout.sum(axis=0, keepdims=True)", name)
            for name in ("batchnorm_backward", "batchnorm_backward_alt")]


@pytest.mark.parametrize("check", [checks.check_backward, lambda m: checks.check_backward(m, "batchnorm_backward_alt"),
                                   checks.check_backward_stages])
def test_gradients_of_shape_1_by_D_pass_with_a_remark(check, capsys):
    check(mutant(*KEEPDIMS))
    out = capsys.readouterr().out
    assert "✗" not in out
    assert "✓ dbeta: relative error" in out and "(but of shape (1, 5): the docstring asks for another" in out


def test_the_two_backward_passes_in_different_shapes_are_compared_by_value(capsys):
    checks.check_alt_matches_graph(mutant(KEEPDIMS[0]))
    assert "✓ dbeta: graph and closed form differ by" in capsys.readouterr().out


def test_running_averages_of_shape_1_by_D_pass_with_a_remark(capsys):
    wrong = mutant(("        running_mean = momentum * running_mean + (1 - momentum) * mean",
                    "        running_mean = (momentum * running_mean + (1 - momentum) * mean).reshape(1, -1)",
                    "batchnorm_forward"))
    checks.check_forward_train(wrong)
    checks.check_forward_test(wrong)
    out = capsys.readouterr().out
    assert "✗" not in out and "• running_mean has shape (1, 3): the docstring asks for (3,)" in out


def test_float64_gradients_for_float32_input_are_named_without_failing(capsys):
    wrong = mutant(("    return dx, dgamma, dbeta", "    return dx, dgamma.astype(np.float64), dbeta", "batchnorm_backward"))
    checks.check_backward(wrong)
    out = capsys.readouterr().out
    assert "• for float32 input, dgamma is float64: keep the input's dtype" in out
    checks.check_backward(REF)
    assert "✓ float32 in, float32 gradients out" in capsys.readouterr().out


def test_test_mode_with_batch_statistics_is_named():
    wrong = mutant(("out = gamma * ((x - running_mean) / np.sqrt(running_var + eps)) + beta",
                    "out = gamma * ((x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)) + beta"))
    _fails(checks.check_forward_test, wrong, "batch's own statistics")


def test_test_mode_that_updates_the_running_averages_is_named():
    wrong = mutant(("out = gamma * ((x - running_mean) / np.sqrt(running_var + eps)) + beta",
                    "out = gamma * ((x - running_mean) / np.sqrt(running_var + eps)) + beta\n"
                    "        running_mean = 0.5 * running_mean"))
    _fails(checks.check_forward_test, wrong, "changed the running averages")


def test_stage_check_names_the_first_wrong_stage(capsys):
    wrong = mutant(("dvar = (dxhat * xmu).sum(axis=0) * -0.5 * std**-3", "dvar = (dxhat * xmu).sum(axis=0) * 0.5 * std**-3"))
    _fails(checks.check_backward_stages, wrong, "first wrong stage is dvar", "dxhat is right")
    out = capsys.readouterr().out
    assert "✓ dxhat" in out and "✗ dvar" in out


def test_stage_check_when_only_the_last_step_is_wrong():
    wrong = mutant(("dx = dxhat / std + dvar * 2.0 * xmu / N + dmean / N", "dx = dxhat / std + dvar * 2.0 * xmu / N + dmean"))
    _fails(checks.check_backward_stages, wrong, "every named stage is right but dx is not")


def test_stage_check_notes_missing_names_without_failing(capsys):
    renamed = mutant(("    dvar = (dxhat * xmu).sum(axis=0) * -0.5 * std**-3\n", "    dv = (dxhat * xmu).sum(axis=0) * -0.5 * std**-3\n"),
                     ("dmean = -dxhat.sum(axis=0) / std + dvar * (-2.0 * xmu).mean(axis=0)",
                      "dmean = -dxhat.sum(axis=0) / std + dv * (-2.0 * xmu).mean(axis=0)"),
                     ("dx = dxhat / std + dvar * 2.0 * xmu / N", "dx = dxhat / std + dv * 2.0 * xmu / N"))
    checks.check_backward_stages(renamed)
    assert "dvar: no variable of that name" in capsys.readouterr().out


def test_an_exception_in_student_code_is_one_line_with_its_place():
    wrong = mutant(("dxhat = dout * gamma\n    dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean",
                    "dxhat = dout * gamma[:, None]\n    dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean"))
    message = _fails(lambda m: checks.check_backward(m, "batchnorm_backward_alt"), wrong,
                     "batchnorm_backward_alt raised ValueError", "of layers.py: dxhat = dout * gamma[:, None]")
    assert "\n" not in message


def test_wrong_number_of_returned_values_is_named():
    wrong = mutant(("    return dx, dgamma, dbeta\n\n\n# ----", "    return dx, dgamma\n\n\n# ----"))
    _fails(lambda m: checks.check_backward(m, "batchnorm_backward_alt"), wrong,
           "should return a tuple (dx, dgamma, dbeta), got a tuple of 2")


def test_closed_form_without_the_variance_term_fails_both_checks():
    wrong = mutant(("dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) * inv_std",
                    "dx = (dxhat - dxhat.mean(axis=0)) * inv_std"))
    _fails(lambda m: checks.check_backward(m, "batchnorm_backward_alt"), wrong, "dx of batchnorm_backward_alt")
    _fails(checks.check_alt_matches_graph, wrong, "dx: the two backward passes disagree")


def test_the_published_sigma_eps_formula_is_shown_failing(capsys):
    error = checks.show_published_sigma_eps()
    assert error > 1e-2
    assert "relative error" in capsys.readouterr().out


def test_affine_with_a_nonzero_bias_gradient_is_named():
    wrong = mutant(("db = dh.sum(axis=0)", "db = dout.sum(axis=0)"))
    _fails(checks.check_affine, wrong, "db should be zero")


def test_sigma_eps_with_the_published_mistake_fails():
    wrong = mutant(("dx = (dxhat - dxhat.mean(axis=0) - scaled * (dxhat * xmu).mean(axis=0)) / (std + eps)",
                    "dx = (dxhat - dxhat.mean(axis=0) - scaled * (dxhat * xmu).mean(axis=0)) / np.sqrt(std + eps)"))
    _fails(checks.check_sigma_eps, wrong, "dx of batchnorm_backward_sigma_eps")


def test_unbiased_with_n_instead_of_n_minus_1_fails():
    wrong = mutant(("xhat * (dxhat * xhat).sum(axis=0) / (N - 1)", "xhat * (dxhat * xhat).sum(axis=0) / N"))
    _fails(checks.check_unbiased, wrong, "dx of batchnorm_backward_unbiased")


def test_timing_cell_reports_the_speedup_and_the_distance_to_the_memory_floor(capsys):
    result = checks.time_alt_vs_graph(REF, N=256, D=64, pairs=3)
    assert len(result.speedup.ratios) == 3 and all(np.isfinite(result.speedup.ratios))
    # No backward pass moves fewer bytes than the floor, which moves only those it must.
    assert result.alt_over_floor.median > 1 and result.graph_over_floor.median > 1
    assert result.floor_bytes == 5 * 256 * 64 * 8
    out = capsys.readouterr().out
    assert "On a 256x64 float64 batch:" in out and "your closed form is" in out
    assert "your closed form takes" in out and "x the floor" in out and "MB moved" in out


def test_illustrations_step_aside_while_the_autograder_runs(monkeypatch, capsys):
    from cs231n_style.explorer import open_explorer
    from cs231n_style.graph_figure import draw_graph

    monkeypatch.setenv(GRADING_ENV, "1")
    assert checks.time_alt_vs_graph(REF) is None
    assert checks.time_fused_kernel() is None
    assert draw_graph() is None
    assert open_explorer() is None
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" is left out")[0] for line in lines] == [
        "(the timing", "(the fused kernel's timing", "(the figure", "(the explorer"]


def test_fused_kernel_cell_prints_its_distance_to_the_floor_beside_the_students_versions(capsys):
    numba = import_or_skip("numba", "make bench-deps, or pip install numba")
    timings = checks.time_alt_vs_graph(REF, N=256, D=64, pairs=3)
    capsys.readouterr()
    result = checks.time_fused_kernel(pairs=3)
    assert len(result.ratios) == 3 and all(np.isfinite(result.ratios))
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"On the same 256x64 float64 batch, with the fused kernel compiled by numba {numba.__version__}:"
    assert lines[1:3] == timings.over_floor_lines()
    assert lines[3].startswith("  the fused kernel takes   ") and lines[3].endswith("x)") and len(lines) == 4


def test_fused_kernel_cell_without_the_timing_cell_says_to_run_it(monkeypatch, capsys):
    import_or_skip("numba", "make bench-deps, or pip install numba")
    monkeypatch.setattr(speed, "_last_timings", None)
    assert len(checks.time_fused_kernel(pairs=1).ratios) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("On a 1024x256 float64 batch")
    assert lines[-1] == "  (run the timing cell above to see your two versions beside it)"


def test_fused_kernel_cell_without_numba_says_how_to_install_it_in_one_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "numba", None)  # `import numba` now raises ImportError
    assert checks.time_fused_kernel() is None
    assert capsys.readouterr().out == ("(the fused kernel needs numba, which is not installed: pip install numba "
                                       "(or, in the course repository, make bench-deps))\n")


def test_a_hidden_cell_runs_the_checks_it_is_given_and_otherwise_announces_itself(monkeypatch, capsys):
    assert checks.graded_outside("hidden_backward_graph", None, REF) is None
    assert "the autograder runs it" in capsys.readouterr().out
    calls = []

    def run_check(check_id, layers):
        calls.append((check_id, layers))
        return SimpleNamespace(lines=["✓ dx right", "✗ dgamma wrong"])

    with pytest.raises(CheckFailed, match="^dgamma wrong$"):
        checks.graded_outside("hidden_backward_graph", run_check, REF)
    assert calls == [("hidden_backward_graph", REF)]
    assert "hidden_backward_graph: 1 of 2 checks passed" in capsys.readouterr().out
    monkeypatch.setenv(GRADING_ENV, "1")  # under the autograder, never: it runs them in its own process
    assert checks.graded_outside("hidden_backward_graph", run_check, REF) is None
    assert len(calls) == 1


def test_narrower_gradients_for_float32_input_fail_the_visible_check():
    wrong = mutant(("    return dx, dgamma, dbeta",
                    "    return (dx.astype(np.float16) if dout.dtype == np.float32 else dx), dgamma, dbeta",
                    "batchnorm_backward"))
    _fails(checks.check_backward, wrong, "for float32 input, dx is float16: return float32 gradients")


def test_running_averages_of_another_arrangement_fail_the_visible_check():
    wrong = mutant(("        running_mean = momentum * running_mean + (1 - momentum) * mean",
                    "        running_mean = np.tile(momentum * running_mean + (1 - momentum) * mean, (2, 1))",
                    "batchnorm_forward"))
    _fails(checks.check_forward_train, wrong, "running_mean has shape (2, 3), expected (3,)")


ALT_LINE = "dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) * inv_std"


@pytest.mark.parametrize("replacement, words", [
    ((ALT_LINE, "dx = np.empty_like(dxhat)\n    for i in range(dx.shape[0]):\n        dx[i] = (dxhat[i] - "
      "dxhat.mean(axis=0) - xhat[i] * (dxhat * xhat).mean(axis=0)) * inv_std", "batchnorm_backward_alt"),
     "batchnorm_backward_alt loops over the batch in Python"),
    (("dx = (dxhat - dxhat.mean", "dx = batchnorm_backward(dout, cache)[0] + 0 * (dxhat - dxhat.mean",
      "batchnorm_backward_alt"), "batchnorm_backward_alt calls batchnorm_backward"),
    (("dxhat = dout * gamma\n    dx = (", "cache['seen'] = True\n    dxhat = dout * gamma\n    dx = (",
      "batchnorm_backward_alt"), "batchnorm_backward_alt changes dout or the cache in place"),
])
def test_the_visible_check_says_what_the_hidden_test_grades_of_how_the_closed_form_is_written(
        replacement, words, capsys):
    checks.check_backward(mutant(replacement), "batchnorm_backward_alt")  # a note, not a failure
    out = capsys.readouterr().out
    assert f"• {words}" in out and "a hidden test checks it" in out, out
    assert "is a closed form of its own" not in out or "in place" in words


def test_the_visible_checks_pass_how_the_reference_is_written(capsys):
    checks.check_backward(REF, "batchnorm_backward_alt")
    checks.check_backward(REF)
    checks.check_forward_train(REF)
    out = capsys.readouterr().out
    assert "✓ batchnorm_backward_alt is a closed form of its own" in out
    assert "✓ batchnorm_backward leaves dout and the cache unchanged" in out
    assert "✓ x, gamma and beta left unchanged" in out and "•" not in out.replace("• before batch norm", "")


def test_a_forward_that_changes_its_input_is_told(capsys):
    # Centring x in place leaves out right; the check's later steps then see the changed x.
    with pytest.raises(CheckFailed):
        checks.check_forward_train(mutant(("xmu = x - mean", "x -= mean\n        xmu = x", "batchnorm_forward")))
    out = capsys.readouterr().out
    assert "• batchnorm_forward changes x, gamma or beta in place" in out and "✓ x, gamma" not in out, out
