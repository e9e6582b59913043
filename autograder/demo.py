"""What `make demo` runs: build the release, check the reference math, grade the sample submissions.

The samples (autograder/samples) are correct submissions in several styles, buggy
ones and hostile ones; each comes with what grading must give it, and the demo
says for each whether it did.
"""
import json
import shutil
import sys

from . import grade as grading
from .facts import ROOT
from .isolation.sandbox import groups_available, isolation_available
from .reference.verify import verify_all, verify_published_sigma_eps
from .release import write_generated
from .samples import SAMPLES, write_submissions
from .samples.verify import problems
from .selfcheck import test_points

DEMO_OUT = ROOT / "demo-output"
CELL_TIMEOUT = 20  # seconds: short, so the endless-loop sample does not hold the demo up
CHECK_TIMEOUT = 15


def reference_summary():
    """One line on the reference formulas' gradient checks, one on the published mistake; True if as expected."""
    checks = [check for _, _, check in verify_all()]
    worst = max(check.error for check in checks)
    ok = all(check.ok for check in checks)
    print(f"Reference formulas: {len(checks)} gradient checks against numerical gradients, "
          f"{'all' if ok else 'NOT all'} below 1e-7 (largest relative error {worst:.1e})")
    published = verify_published_sigma_eps()
    print(f"Published formula for x̂ = (x - μ)/(σ + ε): relative error {published.error:.1e}, caught by the check")
    return ok and not published.ok


def grade_samples(out, jobs, progress=True, insecure=False):
    """Write the samples and grade them into `out`; returns (outcomes, {sample name: problems})."""
    if out.exists():
        shutil.rmtree(out)
    submissions = write_submissions(out / "submissions")
    outcomes = grading.grade(submissions, out / "course", jobs=jobs, progress=progress,
                             cell_timeout=CELL_TIMEOUT, check_timeout=CHECK_TIMEOUT, insecure=insecure)
    by_name = {o.student: o for o in outcomes}
    found = {}
    for sample in SAMPLES:
        report = json.loads((out / "course" / "reports" / f"{sample.name}.json").read_text())
        found[sample.name] = problems(sample, report, by_name[sample.name].diagnosis, isolation_available(),
                                     groups_available())
    return outcomes, found


def run(out=DEMO_OUT, jobs=None, insecure=False):
    changed = write_generated()
    print(f"Release: {len(changed)} generated file(s) rebuilt" if changed else "Release: up to date")
    math_ok = reference_summary()
    if not isolation_available() and insecure:
        print("Note: this system gives no Linux namespaces, so students' code is graded with the limits alone; "
              "the sample that reads the solution from disk is not held to its expectation.")
    elif not groups_available():
        print("Note: the sandbox gets no control group here (an ordinary user, most often), so its memory and "
              "processes are limited per process only; the sample that forks to hold memory is not held to its "
              "expectation.")
    print(f"\nGrading {len(SAMPLES)} sample submissions into {out / 'course'} ...", flush=True)
    try:
        outcomes, found = grade_samples(out, jobs or grading.default_jobs(), insecure=insecure)
    except grading.course.CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    descriptions = {s.name: s.description for s in SAMPLES}
    width = max(len(o.student) for o in outcomes)
    print(f"\n{'student':<{width}}  {'score':>9}  as expected  diagnosis")
    for o in outcomes:
        verdict = "yes" if not found.get(o.student) else "NO: " + "; ".join(found[o.student])
        print(f"{o.student:<{width}}  {o.score:>4g}/{o.max_score:<4g}  {verdict:<11}  {o.diagnosis}")
        print(f"{'':<{width}}  {'':>9}  {'':<11}  ({descriptions.get(o.student, '')})")
    mismatched = [name for name, p in found.items() if p]
    course = out / "course"
    print(f"\n{len(outcomes) - len(mismatched)} of {len(outcomes)} samples graded as expected. "
          f"Manual grading of the {test_points()[1]:g} points of inline answers is left to the instructor.")
    print(f"Wrote {course / 'grades.csv'}, {course / 'reports'}/<student>.json, "
          f"and the feedback in {course / 'feedback'}/<student>/.")
    return 0 if math_ok and not mismatched else 1


if __name__ == "__main__":
    sys.exit(run())
