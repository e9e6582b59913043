"""Grading throughput: `python -m autograder.bench grading [--n 20] [--jobs 2] [--rounds 1] [--dask [--scheduler A]]`.

Grades N generated submissions twice, into two course folders with the same
configuration (the sandboxed kernel, the trusted checks):
- sequential nbgrader: `nbgrader autograde`, `nbgrader generate_feedback` and
  `nbgrader export` for the whole class, one command after the other, as an
  instructor would run nbgrader by hand (with the course's configuration, so its
  kernels are sandboxed and forked as the project's are);
- the project's command, `python -m autograder grade SUBMISSIONS --out OUT --jobs J`
  (long-lived workers in parallel, feedback included, then the export).
Each is timed end to end, from an empty folder to grades.csv, course set-up
included. With --rounds R > 1 the two alternate (A B, B A, ...) and the ratio
is reported as the median with its range. Every submission's score on every
test must be the same both ways; the benchmark says which differ if any do.
With --dask, the two ways are the project's command with local workers and the same on a Dask
cluster of as many workers on loopback (grade --scheduler), or on the running cluster --scheduler names: Dask's
overhead.

The submissions are samples (autograder/samples) in the proportions of MIX:
correct ones in several styles and typical mistakes, repeated with new student
ids; no endless loops, which would measure the time-out.
"""
import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from .. import course, gradebook
from .. import grade as grading
from ..facts import ASSIGNMENT
from ..samples import SAMPLES, write_submissions
from . import options

# What a class hands in, one cycle of 22: 8 correct (in three styles), each of 14 typical mistakes once
# (unfinished work, and a closed form that loops over the batch, whose timing costs seconds, included).
# The hostile samples are the autograder's tests, not its load.
MIX = (("correct_reference", 4), ("correct_nine_steps", 2), ("correct_other_names", 2), ("no_variance_path", 1),
       ("unbiased_variance", 1), ("gamma_missing", 1), ("wrong_axis", 1), ("sign_error", 1), ("eps_left_out", 1),
       ("momentum_swapped", 1), ("test_mode_batch_statistics", 1), ("alt_calls_graph", 1),
       ("alt_loops_over_batch", 1), ("alt_changes_dout", 1), ("float64_output", 1), ("layernorm_batch_axis", 1),
       ("stubs", 1))
TARGET = 1.5  # seconds per submission at N = 200 on a 2-core machine


def generate(target, n):
    """Write n student folders into target, cycling through MIX; returns target."""
    weights = dict(MIX)
    models = write_submissions(Path(target) / ".models", [s for s in SAMPLES if s.name in weights])
    cycle = [name for name, weight in MIX for _ in range(weight)]
    for i in range(n):
        shutil.copytree(models / cycle[i % len(cycle)], Path(target) / f"student-{i + 1:04d}")
    shutil.rmtree(models)
    return Path(target)


def grade_sequentially(submissions, out):
    """Plain nbgrader, one command at a time, in a course folder set up as the project's command does."""
    students, _ = course.find_submissions(submissions)
    course.prepare(out, students)
    course.register_assignment(out)
    env = {**course.nbgrader_env(out), "JUPYTER_RUNTIME_DIR": str(out / ".runtime")}
    for args in (("autograde", ASSIGNMENT, "--force"), ("generate_feedback", ASSIGNMENT, "--force"),
                 ("export", "--to", str(out / "grades.csv"))):
        run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=out, env=env, capture_output=True,
                             text=True)
        (out / f"nbgrader-{args[0]}.log").write_text(run.stdout + run.stderr)
        if run.returncode != 0:
            raise RuntimeError(f"nbgrader {args[0]} failed; see {out / f'nbgrader-{args[0]}.log'}")


def grade_with_project(submissions, out, jobs, scheduler=None):
    grading.grade(submissions, out, jobs=jobs, progress=False, scheduler=scheduler)


def scores(out, students):
    """{student: {grade_id: score}} from the course folder's gradebook."""
    found = gradebook.read_scores(course.gradebook_url(out), students)
    return {student: {gid: round(float(g[0] or 0), 4) for gid, g in found.get(student, (0, 0, {}))[2].items()}
            for student in students}


def differences(a, b, names=("sequential", "project")):
    """Lines naming every (student, test) whose score differs between a and b (called `names`)."""
    lines = []
    for student in sorted(set(a) | set(b)):
        x, y = a.get(student, {}), b.get(student, {})
        for gid in sorted(set(x) | set(y)):
            if x.get(gid) != y.get(gid):
                lines.append(f"{student} {gid}: {names[0]} {x.get(gid)}, {names[1]} {y.get(gid)}")
    return lines


def _compare_with_dask(args, work, submissions, students):
    """Local workers against a loopback Dask cluster of as many workers, alternating; returns the exit status.
    The cluster is started once, before the rounds, as an instructor's cluster stands; each grading run sets up
    its workers (the plugin: a course folder, nbgrader loaded) and is timed with that."""
    from .loopback_cluster import LoopbackCluster

    times, results = {"local": [], "dask": []}, {}
    where = "loopback" if args.scheduler is None else args.scheduler
    with contextlib.nullcontext(SimpleNamespace(address=args.scheduler)) if args.scheduler else \
            LoopbackCluster(work / "cluster", workers=args.jobs) as cluster:
        for r in range(args.rounds):
            for way in (("local", "dask") if r % 2 == 0 else ("dask", "local")):
                out = work / f"{way}-{r + 1}"
                seconds = _timed(grade_with_project, submissions, out, args.jobs,
                                 cluster.address if way == "dask" else None)
                times[way].append(seconds)
                results.setdefault(way, scores(out, students))
                print(f"  round {r + 1}: {way:<6} {seconds:7.1f} s  ({seconds / args.n:.2f} s per submission)",
                      flush=True)
    per = {way: statistics.median(t) / args.n for way, t in times.items()}
    overheads = [d / local - 1 for d, local in zip(times["dask"], times["local"])]
    print(f"\n{'':<44}{'s per submission':>18}")
    print(f"{'python -m autograder grade':<44}{per['local']:>18.2f}   ({args.jobs} local workers)")
    print(f"{'python -m autograder grade --scheduler':<44}{per['dask']:>18.2f}   ({args.jobs} Dask workers, {where})")
    spread = (f" (range {100 * min(overheads):+.1f}% to {100 * max(overheads):+.1f}% over {len(overheads)} rounds)"
              if len(overheads) > 1 else "")
    print(f"Dask's overhead: {100 * statistics.median(overheads):+.1f}%{spread}")
    diff = differences(results["local"], results["dask"], names=("local", "dask"))
    if diff:
        print(f"scores: {len(diff)} differ between the two ways:\n  " + "\n  ".join(diff[:20]))
    else:
        print(f"scores: identical both ways for all {args.n} submissions")
    return 1 if diff else 0


def _timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def parser():
    p = argparse.ArgumentParser(prog="python -m autograder.bench grading", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=options.positive_int, default=20, help="submissions to grade (default 20; 200 for the target)")
    p.add_argument("--jobs", type=options.positive_int, default=grading.default_jobs(),
                   help=f"workers of the project's command (default {grading.default_jobs()})")
    p.add_argument("--rounds", type=options.positive_int, default=1, help="times to grade each way, alternating (default 1)")
    p.add_argument("--keep", type=Path, default=None, help="keep the submissions and course folders here")
    p.add_argument("--dask", action="store_true",
                   help="compare the project's command with local workers against the same on a Dask cluster of "
                        "--jobs workers on loopback (grade --scheduler), instead of against sequential nbgrader")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="with --dask: grade on the running cluster whose scheduler is at ADDRESS instead of starting "
                        "one on loopback (give --jobs its number of workers, for a fair comparison)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    if args.scheduler and not args.dask:
        parser().error("--scheduler: compares against a cluster, so it needs --dask")
    work = Path(tempfile.mkdtemp(prefix="grading-bench-")) if args.keep is None else args.keep.resolve()
    keep = args.keep is not None
    if args.keep is not None and work.exists() and any(work.iterdir()):
        print(f"error: --keep: {work} is not empty", file=sys.stderr)
        return 2
    try:
        submissions = generate(work / "submissions", args.n)
        students = sorted(p.name for p in submissions.iterdir() if p.is_dir())
        correct = sum(w for name, w in MIX if name.startswith("correct"))
        mistakes = sum(1 for name, _ in MIX if not name.startswith("correct"))
        print(f"Grading {args.n} generated submissions ({correct} of every {sum(w for _, w in MIX)} correct, the "
              f"others {mistakes} kinds of mistakes) on {os.cpu_count()} cores, "
              f"{args.rounds} round(s) each way; the project's command with {args.jobs} workers.", flush=True)
        if args.dask:
            return _compare_with_dask(args, work, submissions, students)
        times = {"sequential": [], "project": []}
        results = {}
        for r in range(args.rounds):
            order = ("sequential", "project") if r % 2 == 0 else ("project", "sequential")
            for way in order:
                out = work / f"{way}-{r + 1}"
                if way == "sequential":
                    seconds = _timed(grade_sequentially, submissions, out)
                else:
                    seconds = _timed(grade_with_project, submissions, out, args.jobs)
                times[way].append(seconds)
                results.setdefault(way, scores(out, students))
                print(f"  round {r + 1}: {way:<10} {seconds:7.1f} s  ({seconds / args.n:.2f} s per submission)",
                      flush=True)
        per = {way: statistics.median(t) / args.n for way, t in times.items()}
        ratios = [s / p for s, p in zip(times["sequential"], times["project"])]
        print(f"\n{'':<34}{'s per submission':>18}")
        print(f"{'sequential nbgrader':<34}{per['sequential']:>18.2f}")
        print(f"{'python -m autograder grade':<34}{per['project']:>18.2f}   ({args.jobs} workers)")
        spread = f" (range {min(ratios):.2f}–{max(ratios):.2f}x over {len(ratios)} rounds)" if len(ratios) > 1 else ""
        print(f"speed-up: {statistics.median(ratios):.2f}x{spread}")
        diff = differences(results["sequential"], results["project"])
        tests = len(next(iter(results["project"].values()), {}))
        if diff:
            keep = True  # the course folders and logs, to see why
            print(f"scores: {len(diff)} differ between the two ways:\n  " + "\n  ".join(diff[:20]))
            print(f"the course folders and their logs are kept in {work}")
        else:
            print(f"scores: identical both ways for all {args.n} submissions ({tests} graded cells each)")
        if args.n >= 200:
            verdict = "met" if per["project"] <= TARGET else "NOT met"
            print(f"target: at most {TARGET} s per submission at N = 200: {verdict}")
        return 1 if diff else 0
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
