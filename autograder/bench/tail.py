"""Endless loops in a class: `python -m autograder.bench tail [--n 200] [--loops 5] [--rounds 1] [--jobs 2]`.

Grades N generated submissions (grading.MIX) with the project's command, and the same
N with every (100 / loops)-th replaced by the endless_loop sample (a closed form that
never returns), under the same student ids, with the default limits (autograder/budget.py).
The two runs alternate over the rounds (A B, B A, ...). It prints each run's time and
their ratio, and checks that every other student's score on every test is the same in
both. Target: the run with 5% endless loops within 1.25x of the run without them.
"""
import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from .. import grade as grading
from ..samples import SAMPLES, write_submissions
from . import options
from .grading import _timed, differences, generate, grade_with_project, scores

LOOPING_SAMPLE = "endless_loop"
TARGET = 1.25  # at most this many times the time of the class without endless loops, at 5%


def with_loops(submissions, target, percent):
    """A copy of `submissions` in which every (100 / percent)-th student hands in LOOPING_SAMPLE; returns
    (target, the replaced students)."""
    shutil.copytree(submissions, target)
    looping = write_submissions(Path(target).parent / ".looping", [s for s in SAMPLES if s.name == LOOPING_SAMPLE])
    every = max(1, round(100 / percent))
    students = sorted(p.name for p in Path(target).iterdir() if p.is_dir())
    replaced = students[every - 1::every]
    for student in replaced:
        shutil.rmtree(Path(target) / student)
        shutil.copytree(looping / LOOPING_SAMPLE, Path(target) / student)
    shutil.rmtree(looping)
    return Path(target), replaced


def parser():
    p = argparse.ArgumentParser(prog="python -m autograder.bench tail", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=options.positive_int, default=200, help="submissions to grade (default 200)")
    p.add_argument("--loops", type=float, default=5.0, help="percent of them that loop forever (default 5)")
    p.add_argument("--jobs", type=options.positive_int, default=grading.default_jobs(),
                   help=f"workers of the project's command (default {grading.default_jobs()})")
    p.add_argument("--rounds", type=options.positive_int, default=1, help="times to grade each way, alternating (default 1)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if not 0 < args.loops <= 50:
        print(f"error: --loops: expected a percentage above 0 and at most 50, got {args.loops:g}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="tail-bench-"))
    try:
        plain = generate(work / "plain", args.n)
        looping, replaced = with_loops(plain, work / "looping", args.loops)
        students = sorted(p.name for p in plain.iterdir() if p.is_dir())
        print(f"Grading {args.n} generated submissions, then the same with {len(replaced)} of them replaced by "
              f"{LOOPING_SAMPLE}; {args.jobs} workers, {args.rounds} round(s) each way.", flush=True)
        times, results = {"plain": [], "looping": []}, {}
        for r in range(args.rounds):
            for way in (("plain", "looping") if r % 2 == 0 else ("looping", "plain")):
                out = work / f"{way}-{r + 1}"
                seconds = _timed(grade_with_project, plain if way == "plain" else looping, out, args.jobs)
                times[way].append(seconds)
                results.setdefault(way, scores(out, students))
                shutil.rmtree(out)
                print(f"  round {r + 1}: {way:<8} {seconds:7.1f} s", flush=True)
        ratios = [b / a for a, b in zip(times["plain"], times["looping"])]
        ratio = statistics.median(ratios)
        spread = f" (range {min(ratios):.2f}–{max(ratios):.2f}x over {len(ratios)} rounds)" if len(ratios) > 1 else ""
        print(f"\nwithout endless loops {statistics.median(times['plain']):7.1f} s")
        print(f"with {len(replaced):>3} of {args.n:<3}      {statistics.median(times['looping']):7.1f} s   "
              f"{ratio:.2f}x{spread}")
        others = set(students) - set(replaced)
        diff = differences({s: results["plain"][s] for s in others}, {s: results["looping"][s] for s in others},
                           ("without endless loops", "with them"))
        if diff:
            print(f"scores: {len(diff)} of the other students' differ:\n  " + "\n  ".join(diff[:20]))
        else:
            print(f"scores: identical for the other {len(others)} students")
        if abs(args.loops - 5) < 1e-9:
            print(f"target: at most {TARGET}x with 5% endless loops: {'met' if ratio <= TARGET else 'NOT met'}")
        return 1 if diff else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
