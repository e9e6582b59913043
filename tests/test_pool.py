"""The grading workers' pool: a stuck or dead worker costs one student, and is replaced."""
import subprocess
import sys

from autograder import pool
from autograder.facts import ROOT

# A stand-in for autograder/worker.py that speaks its protocol: "ready", then one reply per student.
FAKE_WORKER = r"""
import json, os, sys, time
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    student = line.strip()
    if student == "stuck":
        time.sleep(600)
    if student == "dies":
        os._exit(3)
    if student == "wrong-turn":
        print(json.dumps({"student": "somebody-else", "error": ""}), flush=True)
        continue
    error = "could not be graded: nbgrader failed" if student == "broken" else ""
    print(json.dumps({"student": student, "error": error}), flush=True)
"""


def _grade(tmp_path, students, jobs=1, timeout=5):
    script = tmp_path / "fake_worker.py"
    script.write_text(FAKE_WORKER)
    (tmp_path / "logs").mkdir(exist_ok=True)
    done = []
    errors = pool.grade_all(tmp_path, students, jobs, timeout, on_done=lambda s, e: done.append(s),
                            command=[sys.executable, str(script)])
    return errors, done


def test_every_student_is_graded_and_reported_once(tmp_path):
    students = [f"s{i}" for i in range(7)]
    errors, done = _grade(tmp_path, students, jobs=2)
    assert errors == {s: "" for s in students}
    assert sorted(done) == students


def test_a_stuck_or_dead_worker_costs_only_that_student(tmp_path):
    errors, done = _grade(tmp_path, ["a", "stuck", "b", "dies", "c", "wrong-turn", "broken", "d"], timeout=3)
    assert errors["stuck"] == "could not be graded: grading took longer than 3 s"
    assert errors["dies"].startswith("could not be graded: the worker exited (code 3)")
    assert errors["wrong-turn"] == "could not be graded: the grading worker answered out of turn"
    assert errors["broken"] == "could not be graded: nbgrader failed"
    assert {s: errors[s] for s in "abcd"} == {s: "" for s in "abcd"}  # the replacements graded the rest
    assert len(done) == 8


def test_a_worker_that_never_starts_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "READY_TIMEOUT", 2)
    script = tmp_path / "silent.py"
    script.write_text("import time; time.sleep(600)")
    (tmp_path / "logs").mkdir()
    errors = pool.grade_all(tmp_path, ["a"], 1, 5, command=[sys.executable, str(script)])
    assert errors["a"].startswith("could not be graded: the grading worker did not start")


class _FlakyAPI:
    """nbgrader's API as the worker uses it, failing the first `failures` autogrades."""

    def __init__(self, failures, error="RuntimeError: Kernel died before replying to kernel_info"):
        self.failures, self.calls, self.error = failures, 0, error

    def autograde(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.failures:
            return {"success": False, "error": self.error}
        return {"success": True, "log": "[AutogradeApp | INFO] graded"}

    def generate_feedback(self, *args, **kwargs):
        return {"success": True}


def test_a_failed_autograde_is_tried_again_and_logged(tmp_path, monkeypatch):
    from autograder import worker

    monkeypatch.setattr(worker.time, "sleep", lambda seconds: None)
    (tmp_path / "logs").mkdir()
    assert worker.grade_one(_FlakyAPI(2), tmp_path, "s1") == ""
    log = (tmp_path / "logs" / "s1.autograde.log").read_text()
    assert "--- attempt 1: failed" in log and "--- attempt 3: graded" in log
    error = worker.grade_one(_FlakyAPI(5), tmp_path, "s2")
    assert error.startswith("could not be graded: nbgrader failed 3 times (RuntimeError: Kernel died")


def test_a_failure_that_would_recur_is_reported_after_one_try(tmp_path, monkeypatch):
    from autograder import worker

    monkeypatch.setattr(worker.time, "sleep", lambda seconds: None)
    (tmp_path / "logs").mkdir()
    api = _FlakyAPI(5, error="ValidationError: Notebook failed to validate; the nbgrader metadata may be corrupted.")
    error = worker.grade_one(api, tmp_path, "s3")
    assert api.calls == 1
    assert error.startswith("could not be graded: nbgrader failed once, in a way another try would not change "
                            "(ValidationError: Notebook failed to validate")
    busy = _FlakyAPI(2, error="sqlalchemy.exc.OperationalError: database is locked")
    assert worker.grade_one(busy, tmp_path, "s4") == "" and busy.calls == 3


def test_a_worker_caps_its_own_memory_and_leaves_the_hard_limit(tmp_path):
    code = ("import resource, numpy\n"
            "from autograder.worker import limit_memory\n"
            "hard = resource.getrlimit(resource.RLIMIT_AS)[1]\n"
            "limit_memory(400)\n"
            "soft, after = resource.getrlimit(resource.RLIMIT_AS)\n"
            "assert soft == 400 << 20 and after == hard, (soft, after, hard)\n"
            "try:\n    numpy.ones(1 << 27)\nexcept MemoryError:\n    print('refused')\n"
            "resource.setrlimit(resource.RLIMIT_AS, (hard, hard))\n"  # what the sandbox does for a student
            "print(numpy.ones(1 << 27).nbytes)\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["refused", str(8 << 27)]
