"""Trusted checks of how batchnorm_backward_alt is written: no call to the graph version, no loop
over the batch, no changed inputs, and faster than the graph version."""
import numpy as np

from cs231n_style.data import random_case
from cs231n_style.tracing import LOOP_SIZES, loops_over_batch

from . import source_analysis
from .cases import batchnorm_request
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
# and a second grading worker beside it, two measurements of correct ones fell to 1.09 and 1.13. A closed form that
# calls the graph version is failed from its source (timing_judge), untimed.
MIN_SPEEDUP = 1.1
# Measurements made at most while they fall short of MIN_SPEEDUP (probe_runner): a burst of memory traffic
# from other processes (more of them than cores) slows both functions alike and pulls a correct closed form's
# ratio towards 1 for the seconds it lasts; a closed form that is no faster falls short every time.
TIMING_ATTEMPTS = 3
# CPU seconds after which the pairs stop (at least 3 are measured): the reference's 21 pairs take about
# 1 s (84 timings of at least 10 ms); a closed form that loops over the batch takes 0.5 s per call, and
# would hold grading up for minutes.
TIMING_BUDGET = 2.0


def requests():
    out = []
    for N, D in LOOP_SIZES:
        case = random_case(N, D, seed=N, loc=1.0, scale=2.0)
        out.append(batchnorm_request(case.x, case.gamma, case.beta, case.dout, 1e-5, backwards=[ALT], lines_for=[ALT]))
    return out


def judge(requests_, results, source=None):
    """source: the text of the graded layers.py, read by the grader (source_analysis decides from it)."""
    tally = Tally()
    facts = source_analysis.analyze(source) if source is not None else source_analysis.SourceFacts()
    infos = []
    for (N, D), result in zip(LOOP_SIZES, results):
        label = f"{ALT} on {N}x{D}"
        if tally.failed_call(label, result["forward"]) or tally.failed_call(label, result.get(ALT)):
            return tally.verdict()
        infos.append(result[ALT])
    # The source decides; what the student's process reports can only add a failure.
    calls_graph = facts.calls_graph or any("batchnorm_backward" in info["functions"] for info in infos)
    failure = (f"{ALT} reaches functions without naming them ({'; '.join(facts.dynamic)}): call what it uses by "
               "name, so that the grader can tell it is a closed form" if facts.dynamic else
               f"{ALT} calls batchnorm_backward: write the closed form instead")
    tally.check(None, not calls_graph and not facts.dynamic, f"{ALT} does not call batchnorm_backward", failure)
    small, large = infos[0]["lines"], infos[1]["lines"]
    counts = f"{small} lines of layers.py run for N = {LOOP_SIZES[0][0]}, {large} for N = {LOOP_SIZES[1][0]}"
    where = f"{'; '.join(facts.loops)}; " if facts.loops else ""
    tally.check(None, not facts.loops and not loops_over_batch(small, large),
                f"no Python loop over the batch ({counts})",
                f"{ALT} loops over the batch in Python ({where}{counts}): use whole-array operations")
    tally.check(None, not any(i["mutated_inputs"] or i["mutated_cache"] for i in infos),
                f"{ALT} leaves dout and the cache unchanged", f"{ALT} changes dout or the cache in place")
    return tally.verdict()


def timing_requests():
    N, D = TIMING_SIZE
    return [{"kind": "timing", "N": N, "D": D, "seed": 7, "loc": 12.0, "scale": 5.0, "pairs": TIMING_PAIRS,
             "min_seconds": TIMING_MIN_SECONDS, "max_seconds": TIMING_BUDGET}]


def timing_judge(requests_, results, source=None):
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
    return verdict
