"""The timing-check benchmark runs the real hidden_alt_faster check and counts what it must count.

Whether 200 loaded runs all pass is what the benchmark itself shows; here it runs
a couple of times to check its wiring.
"""
from autograder.bench import timing_check
from autograder.trusted.timing_check import MIN_SPEEDUP


def test_a_short_run_reports_both_counts(capsys):
    status = timing_check.main(["--runs", "2", "--wrong-runs", "2", "--load", "none"])
    out = capsys.readouterr().out
    assert "the other core idle" in out
    assert "reference solution: " in out and "of 2 runs passed as they must" in out
    assert "graph version renamed as the closed form: " in out and "of 2 runs failed as they must" in out
    assert status == (0 if "2 of 2 runs passed" in out and "2 of 2 runs failed" in out else 1)


def test_run_check_gives_the_judges_verdict_and_the_measured_median(tmp_path):
    from autograder.samples.edit import solution_text

    passed, median = timing_check.run_check(timing_check.submission(tmp_path / "s", solution_text()))
    assert median > 0
    assert passed == (median >= MIN_SPEEDUP)
