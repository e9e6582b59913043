"""The timing-check benchmark runs the real hidden_alt_faster check and counts what it must count.

Whether 200 loaded runs all pass is what the benchmark itself shows; here it runs
a couple of times to check its wiring.
"""
from autograder.bench import timing_check
from autograder.trusted.timing_check import CLEAR_PAIRS, MIN_SPEEDUP, TIMING_PAIRS, clearly_faster


def test_a_short_run_reports_both_counts(capsys):
    status = timing_check.main(["--runs", "2", "--wrong-runs", "2", "--load", "none"])
    out = capsys.readouterr().out
    assert "the other core idle" in out
    assert "reference solution: " in out and "of 2 runs passed as they must" in out and "stopped early" in out
    assert "graph version renamed as the closed form: " in out and "of 2 runs failed as they must" in out
    assert status == (0 if "2 of 2 runs passed" in out and "2 of 2 runs failed" in out else 1)


def test_run_check_gives_the_judges_verdict_and_the_measured_median(tmp_path):
    from autograder.samples import write_submission
    from autograder.samples.edit import solution_text

    passed, median, pairs = timing_check.run_check(write_submission(tmp_path / "s", solution_text()))
    assert median > 0
    assert passed == (median >= MIN_SPEEDUP)
    assert pairs in (CLEAR_PAIRS, TIMING_PAIRS) or pairs >= 3  # stopped when clearly faster, or by the CPU budget


def test_the_pairs_stop_early_only_for_a_closed_form_clearly_faster():
    assert clearly_faster([1.6, 1.3, 1.4, 1.5, 1.2, 1.35, 1.3])
    assert not clearly_faster([1.6, 1.3, 1.4, 1.5, 1.2, 1.35])  # too few
    assert not clearly_faster([1.6, 1.3, 1.4, 1.5, 1.05, 1.35, 1.3])  # one below the limit
    assert not clearly_faster([1.12, 1.15, 1.2, 1.3, 1.2, 1.22, 1.24])  # all above it, but not clearly
    assert not clearly_faster([1.0, 1.02, 0.98, 1.01, 1.0, 0.99, 1.03] * 3)  # a closed form that is no faster
