"""Grade a folder of submissions with nbgrader, end to end.

    python -m autograder grade SUBMISSIONS --out OUT [--jobs N] [--db-url URL] [--scheduler ADDRESS]

SUBMISSIONS holds one folder per student, each a copy of the release folder with
that student's work. The command sets up the course folder under OUT (see
course.py), autogrades every submission with nbgrader and generates its feedback
HTML (in parallel long-lived workers, pool.py and worker.py; each student's code
in the sandbox), exports the grades, and writes:

    OUT/grades.csv                student_id, score, max_score, diagnosis, then nbgrader's columns
    OUT/reports/<student>.json    the score of every test and its diagnosis
    OUT/feedback/<student>/batchnorm_backward/batchnorm_backward.html

A submission that cannot be graded (nbgrader fails on it, or it runs past the time
limit) costs that student the points, never the others: it still gets a report and
a row, with the reason as its diagnosis.
"""
import csv
import json
import os
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from tqdm import tqdm

from . import course, gradebook, intake, pool
from .isolation import sandbox
from .nbgrader_cells import graded_cells
from .preprocessors import EXECUTION_KEY, KERNEL_KEY, SECONDS_KEY, VERDICTS_FILE
from .facts import ASSIGNMENT, BUDGET_SECONDS, CELL_TIMEOUT, CHECK_TIMEOUT, COURSE_ID

# Seconds beyond the budget of the student's code for the rest of one student's grading (kernel start, feedback):
# a worker that takes longer is stuck, and is replaced.
SUBMISSION_OVERHEAD = 600


@dataclass
class Outcome:
    """What grading one student gave."""

    student: str
    score: float = 0.0
    max_score: float = 0.0
    diagnosis: str = ""
    tests: list = field(default_factory=list)
    error: str = ""
    refused: list = field(default_factory=list)  # what intake.copy_submission refused of the folder
    repaired: list = field(default_factory=list)  # what was changed in the notebook before grading (course.Intake)
    seconds: dict = field(default_factory=dict)  # wall clock of the trusted checks, the notebook's run and in all


def _source_tests(out):
    """[(grade_id, points, kind)] of every graded cell of the source notebook, in order."""
    return graded_cells(out / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")


def _outcome(out, student, error, scores, tests, refused=(), repaired=(), total_seconds=None):
    """The Outcome of one student from the gradebook's scores (gradebook.read_scores) and the trusted checks'
    record."""
    record_path = out / "autograded" / student / ASSIGNMENT / VERDICTS_FILE
    record = json.loads(record_path.read_text()) if record_path.is_file() and not error else {}
    outcome = Outcome(student, max_score=sum(points for _, points, _ in tests), error=error, refused=list(refused),
                      repaired=list(repaired))
    if isinstance(record.get(SECONDS_KEY), dict):
        outcome.seconds = dict(record[SECONDS_KEY])
    if total_seconds is not None:
        outcome.seconds["total"] = total_seconds
    score, _, grades = scores.get(student, (0.0, None, {}))
    if error or student not in scores:
        outcome.score = 0.0
        grades = {}
    else:
        outcome.score = round(float(score), 2)
    for grade_id, points, kind in tests:
        earned, _, needs_manual = grades.get(grade_id, (0.0 if kind == "auto" else None, points, kind == "manual"))
        diagnosis = None
        if error:
            diagnosis = error
        elif grade_id in record and record[grade_id]["fraction"] < 1:
            diagnosis = record[grade_id]["summary"]
        elif kind == "manual":
            diagnosis = "awaits manual grading" if needs_manual else None
        earned = None if earned is None else round(float(earned), 2)
        outcome.tests.append({"id": grade_id, "points": None if (kind == "manual" and needs_manual) else earned,
                              "max_points": points, "diagnosis": diagnosis})
    failing = [t for t in outcome.tests if t["diagnosis"] and t["diagnosis"] != "awaits manual grading"]
    # The first failing test that names the mistake, else the first failing test: a visible check's small
    # case may show only that dx is wrong where a hidden one's larger case shows why.
    named = [t for t in failing if (record.get(t["id"]) or {}).get("named")]
    shown = (named or failing)[:1]
    outcome.diagnosis = error or (f"{shown[0]['id']}: {shown[0]['diagnosis']}" if shown else "all tests passed")
    if refused:
        outcome.diagnosis += f" (refused from the submission: {'; '.join(refused)})"
    if repaired:
        outcome.diagnosis += f" (changed in the notebook before grading: {'; '.join(repaired)})"
    if isinstance(record.get(EXECUTION_KEY), str):
        outcome.diagnosis += f" (the notebook stopped running: {record[EXECUTION_KEY]})"
    if isinstance(record.get(KERNEL_KEY), str):
        outcome.diagnosis += f" (the notebook's kernel: {record[KERNEL_KEY]})"
    # It quotes the student's exceptions: no control character reaches a terminal or a spreadsheet.
    outcome.diagnosis = intake.shown(outcome.diagnosis)
    return outcome


def _write_reports(out, outcomes, sandbox_warning=None):
    reports = out / "reports"
    reports.mkdir(exist_ok=True)
    for o in outcomes:
        if o.error == "invalid id":  # no file name to write it under: its row in grades.csv says why
            continue
        (reports / f"{o.student}.json").write_text(json.dumps(
            {"student": o.student, "score": o.score, "max_score": o.max_score, "tests": o.tests,
             "refused": o.refused, "repaired": o.repaired, "sandbox": sandbox_warning or "isolated",
             "seconds": o.seconds, "error": o.error or None},
            indent=1) + "\n")


def _export(out, db_url):
    """nbgrader's own CSV export (its CsvExportPlugin, as `nbgrader export` runs it), as {student_id: row};
    empty if it fails (logs/export.log says why)."""
    from nbgrader.api import Gradebook
    from nbgrader.plugins import CsvExportPlugin

    target = out / "nbgrader_grades.csv"
    try:
        with Gradebook(db_url, COURSE_ID) as book:
            CsvExportPlugin(to=str(target)).export(book)
    except Exception:
        (out / "logs" / "export.log").write_text(traceback.format_exc())
        return {}
    with target.open(newline="") as f:
        return {row["student_id"]: row for row in csv.DictReader(f)}


def _write_grades(out, outcomes, nbgrader_rows):
    extra = []
    for row in nbgrader_rows.values():
        extra += [k for k in row if k != "student_id" and f"nbgrader_{k}" not in extra]
        break
    extra = [f"nbgrader_{k}" for k in extra] if extra and not extra[0].startswith("nbgrader_") else extra
    with (out / "grades.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "score", "max_score", "diagnosis", *extra])
        for o in outcomes:
            row = nbgrader_rows.get(o.student, {})
            writer.writerow([o.student, f"{o.score:g}", f"{o.max_score:g}", o.diagnosis,
                             *[row.get(k.removeprefix("nbgrader_"), "") for k in extra]])


def print_table(outcomes, stream=sys.stdout):
    width = max([len("student")] + [len(o.student) for o in outcomes])
    print(f"{'student':<{width}}  {'score':>11}  diagnosis", file=stream)
    for o in outcomes:
        print(f"{o.student:<{width}}  {o.score:>5g} / {o.max_score:<3g}  {o.diagnosis}", file=stream)


def sandbox_status(insecure):
    """None where students' code runs in the sandbox with all its protections; else the warning to print
    and report (each missing protection, in a sentence).

    Raises CourseError where the sandbox's namespaces are missing and insecure grading was not asked for.
    """
    if not sandbox.isolation_available():
        if not insecure:
            raise course.CourseError(f"{sandbox.INSECURE_WARNING}. Grade on a machine with user namespaces "
                                     "(see README.md), or pass --insecure to grade anyway")
        return f"warning: {sandbox.INSECURE_WARNING}"
    if not sandbox.groups_available():
        return f"warning: {sandbox.GROUP_WARNING} (see README.md, \"A sandbox for the student's code\")"
    return None


def grade(submissions, out, jobs=1, db_url=None, progress=True, cell_timeout=CELL_TIMEOUT, check_timeout=CHECK_TIMEOUT,
          insecure=False, budget=BUDGET_SECONDS, scheduler=None):
    """Grade every student folder of `submissions` into the course folder `out`; returns the Outcomes.

    insecure: grade with the limits alone where the sandbox's namespaces are missing (else refused).
    budget: seconds of wall clock for all of one submission's checks and cells (autograder/budget.py).
    scheduler: the address of a Dask scheduler whose workers grade instead of local ones (cluster.py).
    """
    out = Path(out).resolve()
    course.check_db_url(db_url)
    warning = sandbox_status(insecure)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    students, rejected = course.find_submissions(submissions)
    for name, value in (("--jobs", jobs), ("--cell-timeout", cell_timeout), ("--check-timeout", check_timeout),
                        ("--budget", budget)):
        if value < 1:
            raise course.CourseError(f"{name}: expected at least 1, got {value}")
    if scheduler:  # before the course folder is made: a wrong address is said at once
        from . import cluster

        cluster.check_reachable(scheduler)
    taken = course.prepare(out, students, db_url=db_url, cell_timeout=cell_timeout, check_timeout=check_timeout,
                           insecure=not sandbox.isolation_available(), budget=budget)
    gradable = [student for student in students if not taken[student].error]
    url = course.gradebook_url(out, db_url)
    totals = {}  # {student: wall clock of its autograding and feedback}, for the class report
    with tqdm(total=len(gradable), desc="grading", unit="submission", disable=not progress, file=sys.stderr) as bar:
        if scheduler:
            from . import cluster

            course.register_assignment(out)
            settings = {"cell_timeout": cell_timeout, "check_timeout": check_timeout, "budget": budget,
                        "insecure": insecure}
            errors, statuses = cluster.grade_all(out, gradable, scheduler, budget + SUBMISSION_OVERHEAD, settings,
                                                 url, on_done=lambda *_: bar.update(), seconds=totals)
            warning = "; ".join(sorted(filter(None, statuses | {warning or ""}))) or None
        else:
            errors = pool.grade_all(out, gradable, jobs, budget + SUBMISSION_OVERHEAD, on_done=lambda *_: bar.update(),
                                    while_starting=lambda: course.register_assignment(out), seconds=totals)
    refused = {student: f"could not be graded: {i.error}" for student, i in taken.items() if i.error}
    gradebook.add_students(url, refused)
    errors.update(refused)
    tests = _source_tests(out)
    scores = gradebook.read_scores(url, students)
    outcomes = [_outcome(out, student, errors[student], scores, tests, taken[student].refused,
                         taken[student].repaired, totals.get(student)) for student in students]
    outcomes += [Outcome(intake.shown(name), 0.0, sum(p for _, p, _ in tests),
                         "could not be graded: the folder name is not a usable student id "
                         "(letters, digits, _ . @ - only)", error="invalid id") for name in rejected]
    _write_reports(out, outcomes, warning)
    _write_grades(out, outcomes, _export(out, url))
    _write_class_report(out, url)
    return outcomes


def _write_class_report(out, db_url):
    """OUT/report.html; a failure to write it is said, and costs no student anything."""
    from . import class_report

    try:
        class_report.write_report(out, db_url)
    except Exception:  # noqa: BLE001 -- every grade is written already
        (out / "logs" / "report.log").write_text(traceback.format_exc())
        print(f"warning: the class report could not be written; see {out / 'logs' / 'report.log'}", file=sys.stderr)


def main(args):
    try:
        outcomes = grade(args.submissions, args.out, jobs=args.jobs, db_url=args.db_url,
                         cell_timeout=args.cell_timeout, check_timeout=args.check_timeout,
                         insecure=args.insecure, budget=args.budget,
                         scheduler=args.scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS") or None)
    except course.CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print_table(outcomes)
    warning = sandbox_status(args.insecure)
    if warning:
        print(f"\n{warning}")
    out = Path(args.out)
    print(f"\nwrote {out / 'grades.csv'}, {out / 'reports'}/<student>.json and the feedback in {out / 'feedback'}")
    return 0


def default_jobs():
    return max(1, min(4, os.cpu_count() or 1))
