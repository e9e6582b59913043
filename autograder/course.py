"""Set up an nbgrader course folder for grading a set of submissions.

    OUT/
      nbgrader_config.py      loads autograder/nbgrader_config.py, then sets this course's paths
      source/batchnorm_backward/     assembled from the repository (release.assemble_source)
      submitted/<student>/batchnorm_backward/   one copy of each submission
      gradebook.db            nbgrader's SQLite gradebook (or the database of db_url)
      .kernels/               the sandboxed "python3" kernel nbgrader executes notebooks with
      (each worker keeps its kernels' connection files and ipc sockets in a folder of its own under /tmp)
"""
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple

from . import intake, nbgrader_cells, notebook_limits, release
from .isolation import sandbox
from .facts import ASSIGNMENT, BUDGET_SECONDS, CELL_TIMEOUT, CHECK_TIMEOUT, MEMORY_MB, NOTEBOOK, RELEASE, ROOT

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$")
COURSE_CONFIG = ROOT / "autograder" / "nbgrader_config.py"


class CourseError(ValueError):
    """The submissions or the output folder are not what grading needs."""


def find_submissions(submissions):
    """{student_id: folder} for each student folder in `submissions`; raises CourseError if there is none.

    Folders whose names are not usable as student ids are reported in the second value.
    """
    submissions = Path(submissions)
    if not submissions.is_dir():
        raise CourseError(f"SUBMISSIONS: {submissions} is not a folder (expected one folder per student)")
    found, rejected = {}, []
    # is_dir() follows a link: a linked student folder is found here and refused by intake.copy_submission
    for folder in sorted(p for p in submissions.iterdir() if p.is_dir() and not p.name.startswith(".")):
        (found.__setitem__(folder.name, folder) if STUDENT_ID.match(folder.name) else rejected.append(folder.name))
    if not found and not rejected:
        raise CourseError(f"SUBMISSIONS: {submissions} holds no student folders")
    return found, rejected


def gradebook_url(out, db_url=None):
    """The gradebook's database URL: db_url, or the course folder's own SQLite file."""
    return db_url or f"sqlite:///{out / 'gradebook.db'}"


def check_db_url(db_url):
    """Raise CourseError if db_url holds a password: a command line is readable by every process of the machine."""
    if not db_url:
        return
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(db_url)
    except ArgumentError:
        raise CourseError(f"--db-url: expected a database URL such as postgresql://grader@dbhost/course, "
                          f"got {db_url!r}") from None
    if url.password:
        raise CourseError("--db-url: leave the password out of the URL (every process on the machine can read a "
                          "command line); put it in a password file (~/.pgpass, or the file PGPASSFILE names, "
                          "mode 0600) or in PGPASSWORD, which PostgreSQL's client reads")


def write_config(out, db_url=None, memory_mb=MEMORY_MB, cell_timeout=CELL_TIMEOUT, check_timeout=CHECK_TIMEOUT,
                 insecure=False, budget=BUDGET_SECONDS):
    """Write OUT/nbgrader_config.py for this course folder."""
    lines = [
        "c = get_config()  # noqa: F821",
        "import sys",
        "# The course's modules, for a Jupyter server started in this folder (formgrader) without PYTHONPATH",
        f"sys.path[:0] = [] if {str(ROOT)!r} in sys.path else [{str(ROOT)!r}]",
        f"load_subconfig({str(COURSE_CONFIG)!r})  # noqa: F821",
        f"c.CourseDirectory.root = {str(out)!r}",
        f"c.TrustedChecks.insecure = {bool(insecure)!r}",
        f"c.TrustedChecks.memory_mb = {memory_mb}",
        f"c.TrustedChecks.check_timeout = {check_timeout}",
        f"c.Execute.timeout = {cell_timeout}",
        f"c.SubmissionBudget.seconds = {float(budget)!r}",
    ]
    if db_url:
        lines.append(f"c.CourseDirectory.db_url = {db_url!r}")
    config = out / "nbgrader_config.py"
    config.touch(mode=0o600)  # the grader's own: no other user of the machine reads the course's settings
    config.write_text("\n".join(lines) + "\n")


def write_kernelspec(out, memory_mb=MEMORY_MB, insecure=False):
    """A "python3" kernel that starts ipykernel inside autograder.isolation.sandbox; returns the JUPYTER_PATH entry.

    The kernel talks to the grader over ipc:// sockets beside its connection file (the transport of
    kernels.ForkingKernelManager), since the sandbox has no network.
    """
    spec_dir = out / ".kernels" / "kernels" / "python3"
    spec_dir.mkdir(parents=True, exist_ok=True)
    argv = [*sandbox.launcher(), "--memory-mb", str(memory_mb), *(["--insecure"] if insecure else []),
            "--connection-file", "{connection_file}", "--",
            sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "Python 3 (ipykernel)", "language": "python",
            "env": {"PYTHONPATH": str(ROOT)}}
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return out / ".kernels"


class Intake(NamedTuple):
    refused: list  # sentences: what intake.copy_submission refused of the folder
    repaired: list  # sentences: what notebook_limits and nbgrader_cells changed in the notebook
    error: str  # why the submission cannot be graded at all, or ""


def prepare(out, students, db_url=None, memory_mb=MEMORY_MB, cell_timeout=CELL_TIMEOUT, check_timeout=CHECK_TIMEOUT,
            insecure=False, budget=BUDGET_SECONDS):
    """Create the course folder under `out`; register_assignment(out) then sets up the gradebook.

    Returns {student: Intake}: what was refused of that student's folder, what was repaired in
    the notebook, and why the submission cannot be graded at all ("" if it can).
    """
    out.mkdir(parents=True, exist_ok=True)
    if (out / "submitted").exists() or (out / "autograded").exists():
        raise CourseError(f"--out: {out} already holds a graded course; choose an empty or new folder")
    write_config(out, db_url, memory_mb, cell_timeout, check_timeout, insecure, budget)
    write_kernelspec(out, memory_mb, insecure)
    release.assemble_source(out / "source" / ASSIGNMENT)
    taken = {}
    release_notebook = ROOT / RELEASE / NOTEBOOK
    for student, folder in students.items():
        dest = out / "submitted" / student / ASSIGNMENT
        try:
            refused = intake.copy_submission(folder, dest)
            repaired = notebook_limits.enforce(dest / NOTEBOOK) + nbgrader_cells.repair(dest / NOTEBOOK,
                                                                                        release_notebook)
            taken[student] = Intake(refused, intake.summarized(repaired, "changes"), "")
        except Exception as refusal:  # nothing in one submission may stop the others from being graded
            shutil.rmtree(out / "submitted" / student, ignore_errors=True)
            if isinstance(refusal, notebook_limits.NotANotebook):
                why = f"{NOTEBOOK}: {refusal}"
            elif isinstance(refusal, intake.SubmissionRefused):
                why = str(refusal)
            else:
                why = f"the submission could not be taken in ({type(refusal).__name__})"
            taken[student] = Intake([], [], why)
    return taken


# Errors of a gradebook that another grading process is setting up or writing at the same moment.
# (Two grading runs against one --db-url gradebook, or a worker's first autograde while the assignment is being
# registered.) ForeignKeyViolation: nbgrader saw no submissions and set about replacing the notebook's cells, and
# another process's first autograde added a submission in between; tried again, nbgrader keeps the cells.
# MissingEntry "No such grade": the other way round, another process's set-up replaced the graded cells while
# this autograde was saving its scores; tried again, they are there.
CONCURRENT_SETUP = ("database is locked", "UniqueViolation", "already exists", "could not serialize",
                    "deadlock detected", "ForeignKeyViolation", "No such grade")


def register_assignment(out, attempts=4):
    """nbgrader generate_assignment: the assignment, its notebooks and their graded cells into the gradebook.

    Several processes sharing one gradebook may create its tables at the same
    moment; the one that loses the race tries again once the tables are there.
    """
    for attempt in range(attempts):
        try:
            return nbgrader(out, "generate_assignment", ASSIGNMENT, "--force")
        except CourseError as error:
            if attempt == attempts - 1 or not any(text in str(error) for text in CONCURRENT_SETUP):
                raise
            time.sleep(1 + attempt + random.random())


def nbgrader_env(out):
    """The environment of nbgrader commands: the project importable, the sandboxed kernel found first,
    and this Python's scripts on PATH (nbgrader runs `alembic` from there)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return {**os.environ, "PATH": path, "PYTHONPATH": str(ROOT), "JUPYTER_PATH": str(out / ".kernels")}


def nbgrader(out, *args, timeout=None, env=None, log=None):
    """Run an nbgrader command in the course folder; raises CourseError with its output if it fails."""
    # python -m nbgrader, minus an import it never uses (autograder/lean_imports.py)
    run = subprocess.run([sys.executable, "-m", "autograder.lean_imports", "nbgrader", *args], cwd=out,
                         env=env or nbgrader_env(out), capture_output=True, text=True, timeout=timeout)
    if log is not None:
        log.write_text(run.stdout + run.stderr)
    if run.returncode != 0:
        raise CourseError(f"nbgrader {' '.join(args)} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")
    return run


def remove_folder(path):
    """Remove a folder and everything below it, however deep: a kernel may nest thousands of folders in the one it
    writes, past the recursion limit of shutil.rmtree. rm works without recursion; never raises."""
    try:
        subprocess.run(["rm", "-rf", "--one-file-system", "--", str(path)], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
    except Exception:
        pass
