"""The timing check (hidden_alt_faster): the closed form is faster than the graph version.

The thresholds are here; speed.py measures from outside the student's process, and probe_runner
runs the measurement up to TIMING_ATTEMPTS times. `python -m autograder.bench timing` runs this check
as grading does, repeatedly and under load.
"""
import numpy as np

from . import source_analysis
from .compare import Tally

ALT = "batchnorm_backward_alt"
TIMING_SIZE = (1024, 256)
TIMING_PAIRS = 21
TIMING_MIN_SECONDS = 0.01  # each timing in a pair lasts at least this long (about six calls on 1024x256)
# The median speed-up the closed form must show over the graph version, halfway (in ratio) between a closed
# form that is no faster and the slowest correct one. Measured on 1024x256 (speed.py: the CPU time of the
# student's process, 21 pairs; `python -m autograder.bench timing --load timing` and `--load memory`, 60 runs
# each): the reference's plain closed form against its lean four-stage graph gives 1.24-1.33 (5th to 95th
# percentile, lowest 1.22), the graph version renamed as the closed form 0.97-1.03; in CI, with the test suite
# and a second grading worker beside it, two measurements of correct ones fell to 1.09 and 1.13. Since both functions
# run the same number of calls per timing (cs231n_style.timing.SAME_CALLS_WITHIN; 40 runs under each load): the
# reference 1.36-1.80 (lowest to highest), the renamed graph version 0.94-1.04. A closed form that calls the graph
# version is failed from its source (judge), untimed.
MIN_SPEEDUP = 1.1
# Measurements made at most while they fall short of MIN_SPEEDUP (probe_runner): a burst of memory traffic
# from other processes (more of them than cores) slows both functions alike and pulls a correct closed form's
# ratio towards 1 for the seconds it lasts; a closed form that is no faster falls short every time.
TIMING_ATTEMPTS = 3
# ...unless a measurement's median is below RETRY_FROM: load pulls a faster closed form's ratio towards 1, not far
# below it (the same code measures 0.83-1.06 under load), so a closed form measured that much slower than its graph
# version (one that loops over the batch: 0.01) would fall short every time, and costs its seconds only once.
RETRY_FROM = 0.8
# CPU seconds after which the pairs stop (at least 3 are measured): the reference's 21 pairs take about
# 1 s (84 timings of at least 10 ms); a closed form that loops over the batch takes 0.5 s per call, and
# would hold grading up for minutes.
TIMING_BUDGET = 2.0
# The pairs stop after CLEAR_PAIRS when none of them is below MIN_SPEEDUP and their median is at least
# CLEAR_SPEEDUP: a closed form that is clearly faster passes about a second of CPU sooner. A closed form that is no
# faster, whose pairs scatter within a few percent of 1, does not show CLEAR_PAIRS pairs at MIN_SPEEDUP or more
# (`python -m autograder.bench timing` counts the early stops of both).
CLEAR_PAIRS = 7
CLEAR_SPEEDUP = 1.25


def clearly_faster(ratios):
    """True once the ratios (graph time / closed-form time, per pair) settle the check as passed."""
    return len(ratios) >= CLEAR_PAIRS and min(ratios) >= MIN_SPEEDUP and float(np.median(ratios)) >= CLEAR_SPEEDUP


def worth_measuring_again(ratios):
    """True if a measurement that fell short (ratios: graph time / closed-form time, per pair) may pass if made
    again."""
    return float(np.median(ratios)) >= RETRY_FROM


def requests():
    N, D = TIMING_SIZE
    return [{"kind": "timing", "N": N, "D": D, "seed": 7, "loc": 12.0, "scale": 5.0, "pairs": TIMING_PAIRS,
             "min_seconds": TIMING_MIN_SECONDS, "max_seconds": TIMING_BUDGET}]


def judge(requests_, results, source=None):
    """source: the text of the graded layers.py. A closed form that calls the graph version cannot be faster
    than it; the source says so for certain, where the timing would only say so nearly always."""
    tally = Tally()
    if source is not None and source_analysis.analyze(source).calls_graph:
        tally.check(None, False, f"{ALT} calls batchnorm_backward, so it cannot be faster than it: write the closed "
                           "form instead")
        return tally.verdict()
    result = results[0]
    for key in ("forward", "batchnorm_backward", ALT, "timing"):
        if key in result and tally.failed_call(f"timing ({key})", result[key]):
            return tally.verdict()
    if "wrong" in result:
        tally.check(None, False, result["wrong"])
        return tally.verdict()
    ratios = result["timing"]["ratios"]
    median = float(np.median(ratios))
    N, D = TIMING_SIZE
    tally.check(None, median >= MIN_SPEEDUP,
                f"on {N}x{D}, your closed form is {median:.2f}x as fast as your graph version (median of "
                f"{len(ratios)} interleaved pairs, range {min(ratios):.2f}–{max(ratios):.2f}x); "
                f"at least {MIN_SPEEDUP}x is expected")
    verdict = tally.verdict()
    verdict.measured = median
    verdict.pairs = len(ratios)
    return verdict
