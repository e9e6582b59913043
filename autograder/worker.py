"""A grading worker: one long-lived process that autogrades students one after another.

    python -m autograder.worker OUT

Started by the grading command (grade.py), one per job, in the course folder OUT.
It reads one student id per line on stdin and, for each, runs nbgrader's
autograde and generate_feedback through nbgrader's own Python API (what its
formgrader does), then writes one JSON line on its stdout:

    {"student": "...", "error": ""}              graded
    {"student": "...", "error": "could not ..."}  nbgrader failed; see logs/<student>.autograde.log

Importing nbgrader and its preprocessors takes about as long as grading one
student, so a worker pays for it once rather than once per student. The
student's code never runs in this process: nbgrader runs the notebook in a
sandboxed kernel, and the trusted checks run it in a sandboxed probe.
"""
import json
import os
import random
import resource
import sys
import time
from pathlib import Path

from . import course, intake
from .caches import keep_between_students
from .lean_imports import skip_unused_imports
from .facts import ASSIGNMENT

# Address space of a grading worker, in MB: over three times its peak while grading (about 610 MB, of which
# 170 MB resident, with one BLAS thread: pool.py sets it). Inputs are bounded before they reach it
# (notebook_limits, LimitedExecute's output cap); this bounds what is left, such as a library's bug.
WORKER_MEMORY_MB = 2048
ATTEMPTS = 3  # tries of one student's autograde before it is reported as not graded
# Failures of the machine rather than of the submission, which another try may not meet: a gradebook
# another process holds, a kernel or fork server that did not start. Any other failure is the same every
# time, and is reported at once.
TRANSIENT = (*course.CONCURRENT_SETUP, "Kernel didn't respond", "Kernel died before replying",
             "Address already in use", "ForkServerError")


def load_api(out):
    """nbgrader's API on the course folder `out`, configured by its nbgrader_config.py."""
    from nbgrader.apps import NbGrader, NbGraderAPI
    from nbgrader.coursedir import CourseDirectory

    os.chdir(out)  # nbgrader reads nbgrader_config.py from the current folder
    app = NbGrader()
    app.load_config_file()
    coursedir = CourseDirectory(config=app.config)
    coursedir.root = str(out)
    return NbGraderAPI(coursedir, config=app.config)


def _failure_line(result):
    text = (result.get("error") or "") + "\n" + (result.get("log") or "")
    lines = [line for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if "Error" in line or "ERROR" in line]
    return (errors or lines or ["unknown error"])[-1][:200]


def _transient(result):
    text = (result.get("error") or "") + (result.get("log") or "")
    return any(pattern in text for pattern in TRANSIENT)


def grade_one(api, out, student):
    """Autograde `student` and write their feedback; returns '' or why it could not be graded.

    A looping, crashing or exiting notebook is scored by the preprocessors, and nbgrader-metadata
    mishaps are repaired before (nbgrader_cells), so a failure is most often the machine's: a busy
    gradebook, a kernel that could not start (TRANSIENT), tried up to ATTEMPTS times. Any other
    failure would recur: it is reported after the first.
    """
    log = out / "logs" / f"{student}.autograde.log"
    log.write_text("")
    result = {}
    for attempt in range(1, ATTEMPTS + 1):
        result = api.autograde(ASSIGNMENT, student, force=True, create=True)
        with log.open("a") as f:
            f.write(f"--- attempt {attempt}: {'graded' if result['success'] else 'failed'}\n"
                    + (result.get("log") or "") + (result.get("error") or ""))
        if result["success"] or not _transient(result):
            break
        if attempt < ATTEMPTS:
            print(f"{student}: attempt {attempt} failed ({_failure_line(result)}); trying again",
                  file=sys.stderr, flush=True)
            time.sleep(attempt + random.random())
    if not result["success"]:
        if "MemoryError" in (result.get("error") or "") + (result.get("log") or ""):
            return (f"could not be graded: grading it needed more than the worker's {WORKER_MEMORY_MB} MB; "
                    f"see logs/{student}.autograde.log")
        times = f"{attempt} times" if attempt > 1 else "once, in a way another try would not change"
        return (f"could not be graded: nbgrader failed {times} ({_failure_line(result)}); "
                f"see logs/{student}.autograde.log")
    intake.remove_links(out / "autograded" / student / ASSIGNMENT)  # the feedback step copies what is there
    feedback = api.generate_feedback(ASSIGNMENT, student, force=True)
    if not feedback["success"]:
        (out / "logs" / f"{student}.feedback.log").write_text((feedback.get("log") or "") + feedback.get("error", ""))
    return ""


def limit_memory(megabytes=WORKER_MEMORY_MB):
    """Cap this process's address space at `megabytes`, the soft limit only.

    An allocation past it raises MemoryError, which costs the student being graded, where the machine's
    out-of-memory killer could take the grading command and every student with it. The hard limit stays:
    the sandbox sets its own limit on the student's processes (TrustedChecks.memory_mb), above this one.
    """
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = megabytes * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))


def _cpu():
    """(CPU seconds of this process, of its finished children)."""
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m autograder.worker OUT", file=sys.stderr)
        return 2
    out = Path(argv[0]).resolve()
    # Replies go to the original stdout; whatever nbgrader or a library prints goes to stderr.
    replies = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    (out / "logs").mkdir(exist_ok=True)
    limit_memory()
    skip_unused_imports()
    keep_between_students()
    api = load_api(out)
    replies.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        student = line.strip()
        if not student:
            continue
        start, before = time.perf_counter(), _cpu()
        try:
            error = grade_one(api, out, student)
        except Exception as exc:  # nbgrader itself failed on this submission: the next one still gets graded
            error = f"could not be graded: {type(exc).__name__}: {exc}"[:300]
        seconds = time.perf_counter() - start
        own, children = (after - earlier for after, earlier in zip(_cpu(), before))
        print(f"{student}: {seconds:.2f} s (CPU: {own:.2f} s here, {children:.2f} s in the kernel "
              f"and the checks){' - ' + error if error else ''}", file=sys.stderr, flush=True)
        replies.write(json.dumps({"student": student, "error": error}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
