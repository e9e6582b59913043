"""`python -m autograder check [FOLDER]`: the grader's checks on a working copy, without a gradebook.

For self-learners and for students with the course repository at hand: runs every
trusted check (the visible tests and the hidden ones) on FOLDER's
cs231n_style/layers.py, the same way grading does, and prints each test's points
and, where points are lost, the likely mistake.
"""
import sys
from pathlib import Path

from .nbgrader_cells import graded_cells
from .facts import NOTEBOOK, ROOT, SOURCE
from .trusted.probe_runner import run_trusted_checks


def test_points():
    """{grade_id: points} of the automatically graded cells, and the points graded by hand."""
    cells = graded_cells(ROOT / SOURCE / NOTEBOOK)
    return ({grade_id: points for grade_id, points, kind in cells if kind == "auto"},
            sum(points for _, points, kind in cells if kind == "manual"))


def check(folder, stream=sys.stdout):
    """Run and print the checks for `folder`; returns (score, max_score)."""
    folder = Path(folder).resolve()
    if not (folder / "cs231n_style" / "layers.py").is_file():
        raise FileNotFoundError(f"FOLDER: {folder} has no cs231n_style/layers.py (expected the repository root or "
                                "a copy of the release folder)")
    points, manual = test_points()
    print(f"Checking {folder / 'cs231n_style' / 'layers.py'} ...", file=stream, flush=True)
    # Your own code on your own machine: the sandbox where the system has namespaces, the limits alone elsewhere.
    verdicts = run_trusted_checks(folder, list(points), insecure=True)
    width = max(len(gid) for gid in points)
    score = 0.0
    for grade_id, maximum in points.items():
        verdict = verdicts[grade_id]
        earned = round(verdict.fraction * maximum, 2)
        score += earned
        note = "" if verdict.fraction == 1 else verdict.summary()
        print(f"  {grade_id:<{width}}  {earned:>5g} / {maximum:<3g} {note}", file=stream)
    total = sum(points.values())
    print(f"Score: {score:g} / {total:g} automatic points (and {manual:g} points of inline answers, graded by hand)",
          file=stream)
    return score, total


def main(args):
    try:
        check(args.folder)
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
