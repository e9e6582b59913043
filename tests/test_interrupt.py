"""Stopping `python -m autograder grade` mid-run (Ctrl-C, or a request to end) ends every process it started.

The run grades a student whose notebook loops for ever and two others, with two workers;
once kernels and probes are running, the command gets SIGINT or SIGTERM. It must exit
within seconds with 128 + the signal's number and a message, and none of the processes
that descended from it at that moment (workers, fork servers, sandboxes, kernels, probes,
a student's daemon) may still be alive.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.isolation import sandbox
from autograder.samples import SAMPLES, write_submissions

ROOT = Path(__file__).resolve().parent.parent
STUDENTS = ("endless_loop", "killer_daemon", "correct_reference")


def _processes():
    """{pid: (parent pid, start time)} of every process on the machine that has not ended (zombies have)."""
    found = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            found[int(entry)] = (int(fields[1]), fields[19])
    return found


def _descendants(root):
    """{pid: start time} of the processes below `root` now (a pid with its start time names one process)."""
    table = _processes()
    below, frontier = {}, {root}
    while frontier:
        frontier = {pid for pid, (parent, _) in table.items() if parent in frontier and pid not in below}
        below.update({pid: table[pid][1] for pid in frontier})
    return below


def _autograding(out):
    """How many students nbgrader has begun to autograde (each has its log)."""
    logs = out / "logs"
    return len(list(logs.glob("*.autograde.log"))) if logs.is_dir() else 0


def _alive(processes):
    table = _processes()
    return [pid for pid, start in processes.items() if pid in table and table[pid][1] == start]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_run_ends_every_process_the_run_started(tmp_path, signum):
    if not sandbox.isolation_available():
        pytest.skip("the sandbox's namespaces are needed for the forked kernels this test stops")
    submissions = write_submissions(tmp_path / "submissions", [s for s in SAMPLES if s.name in STUDENTS])
    out = tmp_path / "out"
    run = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
                            "--jobs", "2"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while _autograding(out) < 2:  # both workers at work: kernels and probes run in the sandbox by then
            assert run.poll() is None and time.monotonic() < deadline, run.communicate()
            time.sleep(0.2)
        time.sleep(3)
        started = _descendants(run.pid)
        assert len(started) >= 6, started  # two workers, their fork servers, sandboxes and what runs in them
        run.send_signal(signum)
        stdout, stderr = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 128 + signum, stderr[-3000:]
    assert f"grading stopped by {signal.Signals(signum).name}" in stderr
    assert not (out / "grades.csv").exists()
    end = time.monotonic() + 10  # SIGKILL takes effect at once, but the dying may take a moment to exit
    while _alive(started) and time.monotonic() < end:
        time.sleep(0.2)
    left = {pid: Path(f"/proc/{pid}/stat").read_text()[:120] for pid in _alive(started)}
    assert left == {}
