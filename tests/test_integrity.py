"""Hostile submissions graded end to end, as root and as an ordinary user: no attacker gains, no victim loses.

`python -m autograder grade` runs on the attack samples (links, reading the solution or
another student's work, a daemon that kills every process it can reach, a patched
probe), with a correct submission graded after all of them. Each must be graded as its
catalog entry expects, the victim at full marks, and no process a student started may
outlive the run.
"""
import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import optional
import ordinary_user
import pytest

from autograder.isolation import sandbox
from autograder.samples import SAMPLES, write_submissions
from autograder.samples.verify import problems
from autograder.selfcheck import test_points as _test_points

ROOT = Path(__file__).resolve().parent.parent
ATTACKS = ("links_to_solution", "links_to_other_student", "links_notebook", "hard_link_from_outside",
           "links_secret_file", "fifo_in_submission", "reads_solution", "copies_another_student", "killer_daemon",
           "patches_probe", "patches_checks", "fakes_the_timer", "alt_memoizes", "nests_folders_in_socket_folder")
VICTIM = "zz_victim"  # graded last, with one worker: after every attacker
# What the killer daemon's command line holds (catalog.py).
DAEMON_MARK = b"os.kill(-1, 9)"

AUTOMATIC = sum(_test_points()[0].values())  # what a correct submission scores before its inline answers


def _student_processes(folder):
    """Host processes that belong to the run: the killer daemon, or anything with the folder on its command line."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if DAEMON_MARK in cmdline or str(folder).encode() in cmdline:
            found.append((int(pid), cmdline[:200]))
    return found


@pytest.fixture(scope="module", params=["grader", "ordinary user"])
def graded(request):
    if request.param == "ordinary user" and os.geteuid() == 0 and ordinary_user.available():
        optional.missing(f"running as an ordinary user needs {ordinary_user.available()}")
    if request.param == "ordinary user" and os.geteuid() != 0:
        pytest.skip("the tests already run as an ordinary user: the 'grader' case covers it")
    if not sandbox.isolation_available():
        optional.missing("the sandbox needs Linux namespaces (unprivileged user namespaces without root)")
    folder = ordinary_user.folder("integrity-") if request.param == "ordinary user" else Path(
        __import__("tempfile").mkdtemp(prefix="integrity-"))
    submissions = write_submissions(folder / "submissions", [s for s in SAMPLES if s.name in ATTACKS])
    shutil.copytree(ROOT / "release" / "batchnorm_backward", submissions / VICTIM)
    shutil.copy(ROOT / "autograder" / "reference" / "layers.py", submissions / VICTIM / "cs231n_style" / "layers.py")
    argv = [sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(folder / "out"), "--jobs", "1"]
    env = {"PYTHONPATH": str(ROOT), "HOME": str(folder)}
    command = ordinary_user.command(argv, env) if request.param == "ordinary user" else argv
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900, env={**os.environ, **env})
    left = _student_processes(folder)
    yield folder / "out", run, left, request.param
    shutil.rmtree(folder, ignore_errors=True)


def test_every_attack_is_graded_as_expected_and_the_victim_in_full(graded):
    out, run, _, user = graded
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with (out / "grades.csv").open(newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == sorted((*ATTACKS, VICTIM))
    # Without a control group (an ordinary user, here), the run says so at its start, its end and in every report.
    grouped = user == "grader" and sandbox.groups_available()
    for sample in (s for s in SAMPLES if s.name in ATTACKS):
        report = json.loads((out / "reports" / f"{sample.name}.json").read_text())
        assert problems(sample, report, rows[sample.name]["diagnosis"]) == [], sample.name
        assert (report["sandbox"] == "isolated") if grouped else (sandbox.GROUP_WARNING in report["sandbox"])
    if not grouped:
        assert sandbox.GROUP_WARNING in run.stderr and sandbox.GROUP_WARNING in run.stdout
    assert rows[VICTIM]["score"] == f"{AUTOMATIC:g}" and rows[VICTIM]["diagnosis"] == "all tests passed", rows[VICTIM]


def test_no_process_a_student_started_outlives_the_run(graded):
    _, run, left, _ = graded
    assert run.returncode == 0, run.stderr[-3000:]
    assert left == []


def test_nothing_of_the_linked_files_reaches_the_course_folder(graded):
    out, run, _, _ = graded
    assert run.returncode == 0, run.stderr[-3000:]
    assert [p for p in out.rglob("*") if p.is_symlink()] == []
    assert not list(out.rglob("notes.txt"))  # the link to /etc/shadow
