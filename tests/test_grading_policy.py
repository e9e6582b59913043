"""The grading policy (autograder/trusted/policy.py): right values in a (1, D) shape or a wider dtype cost a
small stated share of the checks concerned, never the whole check; the README states the same shares."""
from pathlib import Path

import numpy as np
import pytest
from mutants import mutant

from autograder.samples.catalog import KEEPDIMS
from autograder.trusted import policy, run_check
from autograder.trusted.compare import Tally

README = Path(__file__).resolve().parent.parent / "README.md"

KEEPDIMS_GRADS = [r for r in KEEPDIMS if r[2] != "batchnorm_forward"]
KEEPDIMS_RUNNING = [r for r in KEEPDIMS if r[2] == "batchnorm_forward"]
FLOAT64_GRADS = [("    return dx, dgamma, dbeta",
                  "    return dx.astype(np.float64), dgamma.astype(np.float64), dbeta.astype(np.float64)", name)
                 for name in ("batchnorm_backward", "batchnorm_backward_alt")]


def _deducted(verdict, kind, share):
    assert not verdict.failures, verdict.lines
    assert verdict.fraction == pytest.approx(1 - share)
    assert len(verdict.deductions) == 1, verdict.deductions
    assert "has the right values" in verdict.deductions[0] and kind in verdict.deductions[0]
    assert f"costs {share:.0%} of this check's points" in verdict.deductions[0]


@pytest.mark.parametrize("check_id", ["test_backward_graph", "test_backward_alt", "test_backward_stages",
                                      "hidden_backward_graph", "hidden_backward_alt"])
def test_gradients_of_shape_1_by_D_cost_the_shape_share_once(check_id):
    verdict = run_check(check_id, mutant(*KEEPDIMS_GRADS))
    _deducted(verdict, "shape (1, ", policy.SHAPE.share)
    assert "return shape (" in verdict.summary()


def test_one_function_in_another_shape_is_not_charged_where_the_two_are_compared():
    graph_only = [r for r in KEEPDIMS_GRADS if r[2] == "batchnorm_backward"]
    verdict = run_check("test_alt_matches_graph", mutant(*graph_only))
    assert verdict.fraction == 1 and not verdict.deductions, verdict.lines


@pytest.mark.parametrize("check_id", ["test_forward_train", "hidden_forward"])
def test_running_averages_of_shape_1_by_D_cost_the_shape_share(check_id):
    _deducted(run_check(check_id, mutant(*KEEPDIMS_RUNNING)), "shape (1, ", policy.SHAPE.share)


def test_test_mode_works_with_running_averages_of_shape_1_by_D():
    verdict = run_check("test_forward_test", mutant(*KEEPDIMS_RUNNING))
    assert verdict.fraction == 1, verdict.lines


def test_float64_gradients_for_float32_input_cost_the_dtype_share():
    verdict = run_check("hidden_backward_alt", mutant(*FLOAT64_GRADS))
    _deducted(verdict, "float64 for float32 input", policy.DTYPE.share)


def test_a_closed_form_right_in_float32_is_not_blamed_for_the_graph_versions_dtype():
    graph_only = [r for r in FLOAT64_GRADS if r[2] == "batchnorm_backward"]
    alt = run_check("hidden_backward_alt", mutant(*graph_only))
    assert alt.fraction == 1 and not alt.deductions, alt.lines
    graph = run_check("hidden_backward_graph", mutant(*graph_only))
    _deducted(graph, "float64 for float32 input", policy.DTYPE.share)


def test_both_deviations_add_up_once_each():
    verdict = run_check("hidden_backward_alt", mutant(*KEEPDIMS_GRADS, *FLOAT64_GRADS))
    assert not verdict.failures
    assert verdict.fraction == pytest.approx(1 - policy.SHAPE.share - policy.DTYPE.share)
    assert len(verdict.deductions) == 2


def test_wrong_values_in_the_deviating_shape_still_fail():
    wrong = [("    dbeta = dout.sum(axis=0)", "    dbeta = 2 * dout.sum(axis=0, keepdims=True)", "batchnorm_backward")]
    verdict = run_check("test_backward_graph", mutant(*wrong))
    assert verdict.fraction == 0 and not verdict.deductions
    assert any("dbeta differs from the reference" in line for line in verdict.failures), verdict.lines


@pytest.mark.parametrize("student, reason", [
    (np.ones((2, 5)), "shape (2, 5), expected (5,)"),
    (np.ones(5, dtype=np.float16), "is float16, expected float32"),
])
def test_other_shapes_and_narrower_dtypes_fail_the_input(student, reason):
    tally = Tally()
    assert not tally.compare("case", "dgamma", student, np.ones(5, dtype=np.float32), np.ones(5))
    assert reason in tally.lines[0] and not tally.deviations
    assert tally.verdict().fraction == 0


def test_a_hidden_check_with_a_deviation_and_a_failed_input_loses_both():
    tally = Tally()
    tally.compare("first input", "dgamma", np.ones((1, 4)), np.ones(4), np.ones(4))
    tally.compare("second input", "dgamma", np.zeros(4), np.ones(4), np.ones(4))
    assert tally.verdict().fraction == pytest.approx(0.5 - policy.SHAPE.share)


def test_a_closed_form_narrower_than_the_input_gains_nothing_against_the_graph_version():
    # off by 1e-5 of its size: within float32's limit (2e-3), far past float64's (1e-7), which the input is
    narrow = [("    return dx, dgamma, dbeta", "    return (dx * (1 + 1e-5)).astype(np.float32), dgamma, dbeta",
               "batchnorm_backward_alt")]
    verdict = run_check("test_alt_matches_graph", mutant(*narrow))
    assert verdict.fraction == 0, verdict.lines
    assert any("dx differs from your graph version's by" in line and "(allowed 1e-07)" in line
               for line in verdict.failures), verdict.lines


@pytest.mark.parametrize("shape", [(5, 1), (1, 10), (5, 1, 1)])
def test_a_column_or_other_arrangement_is_not_the_same_entries(shape):
    tally = Tally()
    assert not tally.compare("case", "dgamma", np.ones(shape), np.ones(5), np.ones(5))
    assert "has shape" in tally.lines[0] and not tally.deviations


def test_groups_are_explicit_not_read_from_the_wording():
    tally = Tally()
    tally.check("input: with a colon", True, "a: b")
    tally.check("input: with a colon", False, "c: d")
    tally.check(None, True, "a check of its own: passed")
    assert tally.verdict().fraction == pytest.approx(0.5)
    assert tally.lines == ["✓ input: with a colon: a: b", "✗ input: with a colon: c: d", "✓ a check of its own: passed"]


def test_the_readme_states_each_share():
    text = README.read_text()
    section = text[text.index("### Grading policy"):]
    section = section[:section.index("\n### ", 1)]
    for deviation in policy.DEVIATIONS:
        item = section.split(f"**{deviation.kind}**", 1)[1].split("\n  - ", 1)[0]
        item = " ".join(item.split())
        assert f"{deviation.share:.0%} of the check's points" in item, (deviation, item)


def test_a_sample_expecting_a_deduction_accepts_only_a_deduction():
    from autograder.samples.catalog import SAMPLES
    from autograder.samples.verify import problems

    sample = next(s for s in SAMPLES if s.name == "keepdims_shapes")
    deducted = set(sample.expect.deducted)

    def report(points_of):
        return {"tests": [{"id": t, "points": points_of(t), "max_points": 10.0, "diagnosis": "d"}
                          for t in sorted(deducted | {"test_alt_matches_graph"})]}

    diagnosis = "has the right values but shape (1, 5)"
    assert problems(sample, report(lambda t: 9.5 if t in deducted else 10.0), diagnosis) == []
    full = problems(sample, report(lambda t: 10.0), diagnosis)
    lost = problems(sample, report(lambda t: 4.0 if t in deducted else 10.0), diagnosis)
    assert len(full) == len(lost) == len(deducted)
    assert all("expected a deduction of the grading policy" in p for p in full + lost)


def test_the_closed_forms_docstring_states_the_speed_check_and_how_it_is_graded():
    from autograder.facts import SOLUTION_LAYERS
    from autograder.trusted.timing_check import MIN_SPEEDUP

    text = " ".join(SOLUTION_LAYERS.read_text().split())
    alt = text[text.index("def batchnorm_backward_alt("):text.index("def batchnorm_forward_sigma_eps(")]
    assert f"at least {MIN_SPEEDUP} times as fast as your batchnorm_backward" in alt
    assert "no Python loop over the batch" in alt and "Do not call batchnorm_backward" in alt
    assert "Leave dout and the cache unchanged" in alt
