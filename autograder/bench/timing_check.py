"""Does the autograder's one timing assertion flake? `python -m autograder.bench timing`.

The hidden test hidden_alt_faster asserts that a student's closed form is at
least MIN_SPEEDUP times as fast as their graph version: the median ratio of TIMING_PAIRS
interleaved pairs on 1024x256, in the CPU time of the student's process as the
grader reads it (autograder/trusted/timing_check.py, speed.py). This runs exactly that check, as grading does
(the probe in the sandbox, then the judge), many times:
- on the reference solution, whose lean four-stage graph makes it the hardest
  correct case: every run must pass;
- on a closed form that is the graph version under another name (catalog.graph_under_another_name; one that
  calls batchnorm_backward fails from its source, untimed): every run must fail;
each with the other core kept busy (--load): by a process that spins (the default), by one that
times the reference's backward passes on the same size as another grading worker's speed check does
(`timing`), by one that streams through arrays far larger than the caches (`memory`), or not at all (`none`).
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from ..samples import write_submission
from ..samples.catalog import SAMPLES, graph_under_another_name
from ..trusted import timing_check
from ..trusted.probe_runner import run_trusted_checks
from . import options

CHECK = "hidden_alt_faster"
LOADS = {  # --load: (the program that keeps the other core busy, how the report says so)
    "spin": ("while True: pass", "the other core spinning"),
    "timing": (("from autograder import reference as ref\n"
               "from cs231n_style.data import random_case\n"
               f"c = random_case(*{timing_check.TIMING_SIZE}, seed=1, loc=12.0, scale=5.0)\n"
               "while True:\n"
               "    _, cache = ref.batchnorm_forward(c.x, c.gamma, c.beta, {'mode': 'train'})\n"
               "    ref.batchnorm_backward(c.dout, cache)\n"
               "    ref.batchnorm_backward_alt(c.dout, cache)\n"),
               "the other core timing the reference's backward passes"),
    "memory": (("import numpy as np\n"
               "a, b = np.ones(2 ** 25), np.ones(2 ** 25)\n"
               "while True:\n"
               "    np.add(a, b, out=a)\n"), "the other core streaming through 512 MB of arrays"),
    "none": (None, "the other core idle"),
}


def run_check(folder):
    """One grading run of hidden_alt_faster on a submission folder: (passed, median ratio or nan, pairs measured)."""
    verdict = run_trusted_checks(folder, [CHECK])[CHECK]
    return (verdict.fraction == 1.0, verdict.measured if verdict.measured is not None else float("nan"),
            verdict.pairs or 0)


def _summary(name, outcomes, expect_pass):
    medians = [m for _, m, _ in outcomes]
    wanted = sum(ok == expect_pass for ok, _, _ in outcomes)
    early = sum(0 < pairs < timing_check.TIMING_PAIRS for _, _, pairs in outcomes)
    return (f"{name}: {wanted} of {len(outcomes)} runs {'passed' if expect_pass else 'failed'} as they must; "
            f"median ratio lowest {min(medians):.2f}, 5th percentile {np.percentile(medians, 5):.2f}, "
            f"median {statistics.median(medians):.2f}, 95th percentile {np.percentile(medians, 95):.2f}, "
            f"highest {max(medians):.2f} (limit {timing_check.MIN_SPEEDUP}); {early} stopped early, clearly faster")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.bench timing", description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=options.positive_int, default=200, help="runs on the reference (default 200)")
    parser.add_argument("--wrong-runs", type=options.positive_int, default=50,
                        help="runs on the graph version renamed as the closed form (default 50)")
    parser.add_argument("--load", choices=sorted(LOADS), default="spin",
                        help="what keeps the other core busy (default spin)")
    args = parser.parse_args(argv)
    samples = {s.name: s for s in SAMPLES}
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        right = write_submission(Path(tmp) / "right", samples["correct_reference"].layers())
        wrong = write_submission(Path(tmp) / "wrong", graph_under_another_name())
        program, _ = LOADS[args.load]
        load = subprocess.Popen([sys.executable, "-c", program]) if program else None
        try:
            passes = [run_check(right) for _ in range(args.runs)]
            fails = [run_check(wrong) for _ in range(args.wrong_runs)]
        finally:
            if load:
                load.kill()
    N, D = timing_check.TIMING_SIZE
    print(f"{CHECK} on {N}x{D}, {timing_check.TIMING_PAIRS} interleaved pairs in the CPU time of the student's process, as graded "
          f"(probe in the sandbox), {LOADS[args.load][1]}:")
    print("  " + _summary("reference solution", passes, expect_pass=True))
    print("  " + _summary("graph version renamed as the closed form", fails, expect_pass=False))
    print(f"  {time.monotonic() - start:.0f} s")
    flaked = sum(not ok for ok, _, _ in passes) + sum(ok for ok, _, _ in fails)
    return 1 if flaked else 0
