"""Command line of the grading side: `python -m autograder COMMAND`."""
import argparse
import signal
import sys
from pathlib import Path

from .facts import BUDGET_SECONDS, CELL_TIMEOUT, CHECK_TIMEOUT
from .lean_imports import skip_unused_imports


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="grade the bundled sample submissions (what `make demo` runs)")
    demo.add_argument("--out", type=Path, default=None, help="where to write (default: demo-output/)")
    demo.add_argument("--jobs", type=int, default=None, help="submissions graded at once")
    grade = commands.add_parser("grade", help="grade a folder of submissions with nbgrader")
    grade.add_argument("submissions", type=Path, metavar="SUBMISSIONS", help="one folder per student")
    grade.add_argument("--out", type=Path, required=True, help="the course folder to create and grade in")
    grade.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: up to 4, one per core)")
    grade.add_argument("--db-url", default=None,
                       help="gradebook database URL, e.g. postgresql://user@host/gradebook (default: SQLite in OUT)")
    grade.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="grade on the workers of this Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: "
                            "$DASK_SCHEDULER_ADDRESS, else local workers; see README.md, \"Grading on a cluster\")")
    grade.add_argument("--cell-timeout", type=int, default=CELL_TIMEOUT,
                       help=f"seconds a notebook cell may run (default {CELL_TIMEOUT})")
    grade.add_argument("--check-timeout", type=int, default=CHECK_TIMEOUT,
                       help=f"seconds a trusted check may run (default {CHECK_TIMEOUT})")
    grade.add_argument("--budget", type=int, default=BUDGET_SECONDS,
                       help=f"seconds one submission's checks and cells may run in all; what is left once they "
                            f"are spent is scored at once, with a message (default {BUDGET_SECONDS})")
    for command in (demo, grade):
        command.add_argument("--insecure", action="store_true",
                             help="where Linux namespaces are not available, grade with resource limits alone "
                                  "(students' code can then read what the grader can); refused otherwise")
    check = commands.add_parser("check", help="run the grader's checks on a working copy, without a gradebook")
    check.add_argument("folder", type=Path, nargs="?", default=Path("."),
                       help="a folder with cs231n_style/layers.py (default: the current folder)")
    report = commands.add_parser("report", help="write OUT/report.html, the class report (grade writes it too)")
    report.add_argument("out", type=Path, metavar="OUT", help="a folder graded by `grade`")
    report.add_argument("--db-url", default=None, help="the gradebook, if grade was given --db-url")
    export = commands.add_parser("export", help="the grades, manual points included, for Canvas, Moodle or as CSV")
    export.add_argument("out", type=Path, metavar="OUT", help="a folder graded by `grade`")
    export.add_argument("--format", required=True, choices=("canvas", "moodle", "csv"), help="the layout to write")
    export.add_argument("--roster", type=Path, default=None,
                        help="CSV with a student_id column and the LMS's ids (see README.md, \"Grades for an LMS\")")
    export.add_argument("--output", type=Path, default=None, help="the file to write (default: OUT/export/FORMAT.csv)")
    export.add_argument("--column", default=None, help="the grade column's header (default: the assignment's name; "
                        "Canvas matches an existing assignment by \"Name (id)\")")
    export.add_argument("--db-url", default=None, help="the gradebook, if grade was given --db-url")
    args = parser.parse_args(argv)
    skip_unused_imports()
    if args.command in ("demo", "grade"):
        try:
            return _run(args)
        except KeyboardInterrupt as interrupt:
            why = str(interrupt) or "SIGINT"
            print(f"\ngrading stopped by {why}: every worker and every student's process were ended, "
                  "and no grades.csv was written", file=sys.stderr)
            return 128 + signal.Signals[why].value
    return _run(args)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def _run(args):
    # A request to end (SIGTERM, SIGHUP) ends a grading run as Ctrl-C does: pool.grade_all kills every worker.
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    if args.command == "demo":
        from .demo import DEMO_OUT, run

        return run(args.out or DEMO_OUT, args.jobs, args.insecure)
    if args.command == "check":
        from .selfcheck import main as check_main

        return check_main(args)
    if args.command == "report":
        from .class_report import main as report_main

        return report_main(args)
    if args.command == "export":
        from .export import main as export_main

        return export_main(args)
    if args.command == "grade":
        from . import grade as grading

        if args.jobs is None:
            args.jobs = grading.default_jobs()
        return grading.main(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
