"""Grading on a Dask cluster: real `dask scheduler` and `dask worker` processes on loopback, against a local run."""
import csv
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import ends_its_worker
import pytest

from autograder import cluster, demo
from autograder import grade as grading
from autograder.bench.loopback_cluster import LoopbackCluster, free_port
from autograder.facts import ASSIGNMENT, BUDGET_SECONDS, COURSE_ID, NOTEBOOK, ROOT
from autograder.samples import SAMPLES, write_submissions
from autograder.selfcheck import test_points as _test_points

# Correct ones in two styles, mistakes the checks name, a shape the policy deducts for, stubs, code that does not
# compile, a cell that loops, an attack on the checks, and a link that intake refuses on the instructor's side.
NAMES = ("correct_reference", "correct_nine_steps", "no_variance_path", "keepdims_shapes", "stubs", "syntax_error",
         "endless_loop", "patches_checks", "links_to_solution")
# The run in which a worker is killed: a few quick ones of NAMES (no looping cell to wait for).
KILLED_RUN = ("correct_reference", "correct_nine_steps", "no_variance_path", "keepdims_shapes", "stubs",
              "patches_checks")
# The run in which one more student's grading ends every worker it runs on (tests/ends_its_worker.py), with the
# scheduler's allowed-failures (3 by default) low, that few workers die.
ENDING_RUN = ("correct_reference", "no_variance_path", "stubs")
ALLOWED_FAILURES = 1
TIMEOUTS = {"cell_timeout": demo.CELL_TIMEOUT, "check_timeout": demo.CHECK_TIMEOUT}  # the looping cell is cut soon

AUTOMATIC = sum(_test_points()[0].values())  # what a correct submission scores before its inline answers


@pytest.fixture(scope="module")
def submissions(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    write_submissions(folder, [s for s in SAMPLES if s.name in NAMES])
    return folder


@pytest.fixture(scope="module")
def local(demo_run):
    """The local grading of NAMES: the demo's (conftest.py), which grades every sample with two workers and
    TIMEOUTS."""
    out, run = demo_run
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return out / "course"


def _reports(out, students=NAMES):
    return {path.stem: json.loads(path.read_text()) for path in sorted((out / "reports").glob("*.json"))
            if path.stem in students}


def _scores(out, students=NAMES):
    with (out / "grades.csv").open() as f:
        return [(row["student_id"], row["score"], row["max_score"], _numbers_out(row["diagnosis"]))
                for row in csv.DictReader(f) if row["student_id"] in students]


def _numbers_out(text):
    """The timing check draws its seeds and the calls it checks at random, each run: its numbers vary."""
    return re.sub(r"\d+(\.\d+)?(e[-+]\d+)?", "#", text) if isinstance(text, str) else text


def _without_sandbox(report):
    """A report as two runs of the same grading must agree on it: the sandbox's status and the seconds taken apart,
    the timing check's measured numbers as numbers."""
    report = {key: value for key, value in report.items() if key not in ("sandbox", "seconds")}
    report["tests"] = [dict(test, diagnosis=_numbers_out(test["diagnosis"])) if test["id"] == "hidden_alt_faster"
                       else test for test in report["tests"]]
    return report


def test_a_class_graded_on_the_cluster_is_graded_as_a_local_run(submissions, dask_cluster, local, tmp_path):
    out = tmp_path / "out"
    grading.grade(submissions, out, progress=False, scheduler=dask_cluster.address, **TIMEOUTS)
    remote, here = _reports(out), _reports(local)
    assert sorted(remote) == sorted(NAMES)
    for student in NAMES:  # every test's points and diagnosis
        assert _without_sandbox(remote[student]) == _without_sandbox(here[student]), student
    assert _scores(out) == _scores(local)
    assert _gradebook(out) == _gradebook(local) and len(_gradebook(out)) >= len(NAMES) - 2
    assert remote["correct_reference"]["score"] == AUTOMATIC and remote["stubs"]["score"] == 0
    for reports in (remote, here):  # the worker adds the whole grading's wall clock to the record (the class report)
        seconds = reports["correct_reference"]["seconds"]
        assert seconds["total"] > seconds["checks"] + seconds["notebook"] > 0
    for student in set(NAMES) - {"links_to_solution"}:  # refused at intake, on this machine
        assert (out / "feedback" / student / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")).is_file(), student
        assert (out / "autograded" / student / ASSIGNMENT / NOTEBOOK).is_file()
        assert "attempt 1" in (out / "logs" / f"{student}.autograde.log").read_text()
        assert f"{student}: " in (out / "logs" / f"{student}.worker.log").read_text()


def test_a_worker_killed_in_the_middle_costs_no_student_a_grade(dask_cluster, local, tmp_path):
    from distributed import Client

    out, killed, failures = tmp_path / "out", [], []
    submissions = write_submissions(tmp_path / "submissions", [s for s in SAMPLES if s.name in KILLED_RUN])

    def kill_one_busy_worker():
        with Client(dask_cluster.address, timeout=10) as client:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and not killed:
                busy = [worker for worker, tasks in client.processing().items() if tasks]
                if busy:
                    pid = client.run(os.getpid, workers=busy[:1])[busy[0]]
                    time.sleep(1.0)  # well inside the task: grading one student takes seconds
                    os.kill(pid, signal.SIGKILL)  # its nanny starts a new worker, which gets the plugin
                    killed.append(pid)
                time.sleep(0.05)

    def killer_run():
        try:
            kill_one_busy_worker()
        except Exception as error:  # said below, not lost in the thread
            failures.append(error)

    before = _set_up_as_grade_will(dask_cluster)
    killer = threading.Thread(target=killer_run)
    killer.start()
    grading.grade(submissions, out, progress=False, scheduler=dask_cluster.address, **TIMEOUTS)
    killer.join()
    after = _plugin_folders(dask_cluster)
    kept = [address for address in before if after.get(address) == before[address]]
    assert kept and all(before[address] for address in kept)  # the worker not killed was not set up again
    assert not failures and killed, f"no worker was killed: {failures}"
    assert _scores(out, KILLED_RUN) == _scores(local, KILLED_RUN)  # every student once, graded as locally
    assert len({row[0] for row in _scores(out, KILLED_RUN)}) == len(KILLED_RUN)
    assert _gradebook(out, KILLED_RUN) == _gradebook(local, KILLED_RUN)  # one submission each, scored as locally


def _plugin_folders(dask_cluster):
    """{worker: {plugin name: its course folder}} of the cluster's workers."""
    from distributed import Client

    def folders(dask_worker=None):  # run on each worker: a local function travels by value, not by name
        return {name: str(p.out) for name, p in dask_worker.plugins.items() if name.startswith(cluster.PLUGIN)}

    with Client(dask_cluster.address, timeout=10) as client:
        return client.run(folders)


def _set_up_as_grade_will(dask_cluster):
    """Set the workers up for TIMEOUTS, as grade() will (nothing is done again where they are); their plugins."""
    from distributed import Client

    with Client(dask_cluster.address, timeout=10) as client:
        cluster._set_up(client, cluster.project_version(), {**TIMEOUTS, "budget": BUDGET_SECONDS, "insecure": False})
    return _plugin_folders(dask_cluster)


def _gradebook(out, students=NAMES):
    """{student: {grade id: auto score}} of the submissions of `students` in OUT's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{out / 'gradebook.db'}", COURSE_ID) as gradebook:
        return {submission.student.id: {grade.name: grade.auto_score for notebook in submission.notebooks
                                        for grade in notebook.grades}
                for submission in gradebook.find_assignment(ASSIGNMENT).submissions
                if submission.student.id in students}


@pytest.mark.parametrize("refusing", ["scheduler", "worker"])
def test_the_cluster_refuses_a_client_of_another_version(submissions, dask_cluster, tmp_path, monkeypatch, refusing):
    mine, before = cluster.project_version(), _set_up_as_grade_will(dask_cluster)
    assert all(before.values())
    monkeypatch.setattr(cluster, "project_version", lambda: "0.0.1+other")  # in this process only
    if refusing == "worker":  # a scheduler of the client's version: the workers' own check answers
        monkeypatch.setattr(cluster, "_scheduler_version", lambda: lambda dask_scheduler=None: "0.0.1+other")
    with pytest.raises(cluster.ClusterError) as refused:
        grading.grade(submissions, tmp_path / "out", progress=False, scheduler=dask_cluster.address, **TIMEOUTS)
    expected = {"scheduler": f"the Dask scheduler runs the project at version {mine}, the client at 0.0.1+other",
                "worker": f"refused to grade: it runs the project at version {mine}, the client at 0.0.1+other"}
    assert expected[refusing] in str(refused.value)
    assert not (tmp_path / "out" / "grades.csv").exists()
    assert _plugin_folders(dask_cluster) == before  # the refused command took nothing down on the workers


def test_a_scheduler_that_cannot_import_the_project_is_an_error_saying_how_to_start_it(submissions, tmp_path):
    # It unpickles each task, which names grade_task: started without the checkout on its path, it would fail
    # every task. An empty PYTHONPATH counts as none.
    with LoopbackCluster(tmp_path / "cluster", workers=0, scheduler_env={"PYTHONPATH": ""}) as running:
        with pytest.raises(cluster.ClusterError, match=r"^--scheduler: the Dask scheduler cannot import this project"
                                                       r".*PYTHONPATH=\$PWD \.venv/bin/dask scheduler$"):
            grading.grade(submissions, tmp_path / "out", progress=False, scheduler=running.address, **TIMEOUTS)
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_a_worker_plugin_of_another_version_refuses_to_set_up():
    """What refuses a worker that joins after the client checked the others: the plugin's own set-up."""
    plugin = cluster.GradingPlugin("0.0.1+other", {**TIMEOUTS, "budget": BUDGET_SECONDS, "insecure": False})
    with pytest.raises(cluster.VersionMismatch) as refused:
        plugin.setup()
    assert "0.0.1+other" in str(refused.value) and cluster.project_version() in str(refused.value)
    assert plugin.out is None and plugin.worker is None  # nothing was set up


def test_a_worker_without_namespaces_grades_only_when_told_insecure(tmp_path):
    preload = tmp_path / "no_namespaces.py"  # as on a machine (or a pod) where user namespaces are not allowed
    preload.write_text("from autograder.isolation import sandbox\nsandbox._available = False\n")
    submissions = write_submissions(tmp_path / "submissions", [s for s in SAMPLES if s.name == "correct_reference"])
    with LoopbackCluster(tmp_path / "cluster", workers=1, worker_args=["--preload", str(preload)]) as running:
        with pytest.raises(cluster.ClusterError, match="could not set up grading: .*namespaces.*--insecure"):
            grading.grade(submissions, tmp_path / "refused", progress=False, scheduler=running.address, **TIMEOUTS)
        assert not (tmp_path / "refused" / "grades.csv").exists()
        grading.grade(submissions, tmp_path / "out", progress=False, scheduler=running.address, insecure=True,
                      **TIMEOUTS)
    report = _reports(tmp_path / "out")["correct_reference"]
    assert report["sandbox"].startswith("warning: ") and "namespaces" in report["sandbox"]
    assert report["score"] == AUTOMATIC


def test_a_submission_whose_grading_ends_its_workers_is_not_tried_again_and_costs_the_others_nothing(local, tmp_path):
    student, tries = ends_its_worker.STUDENT, ALLOWED_FAILURES + 1  # the first try, then one per failure allowed
    # Taken in first (in sorted order): the scheduler would hand its worker the next student's task too, to wait
    # behind it, and count the worker's death against both, did the command not keep one task per worker.
    assert sorted(ENDING_RUN + (student,))[0] == student
    samples = [s for s in SAMPLES if s.name in ENDING_RUN]
    submissions = write_submissions(tmp_path / "submissions", [*samples, dataclasses.replace(samples[0], name=student)])
    out, ended = tmp_path / "out", tmp_path / "ended_workers.txt"
    with LoopbackCluster(tmp_path / "cluster", workers=2, worker_args=["--preload", ends_its_worker.__file__],
                         scheduler_env={"DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES": str(ALLOWED_FAILURES)},
                         worker_env={ends_its_worker.LOG: str(ended)}) as running:
        run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(submissions), "--out", str(out),
                              "--scheduler", running.address, "--cell-timeout", str(TIMEOUTS["cell_timeout"]),
                              "--check-timeout", str(TIMEOUTS["check_timeout"])],
                             cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # Each try ended its worker (SIGKILL, as the out-of-memory killer sends), whose nanny started another.
    deaths = [line.split() for line in ended.read_text().splitlines()]
    pids = [pid for pid, *_ in deaths]
    assert len(set(pids)) == len(pids) == tries, pids
    assert all(not held for _, *held in deaths), deaths  # no other student's task was held by a dying worker
    nannies = "".join(log.read_text() for log in sorted((tmp_path / "cluster").glob("worker-*.log")))
    assert all(f"Worker process {pid} was killed by signal 9" in nannies for pid in pids), nannies[-3000:]
    # What the command prints and writes for it: the reason, with the scheduler's count (not this process's
    # dask configuration, which allows 3), no score and no grading.
    why = (f"could not be graded: grading it ended {tries} Dask workers in turn (the scheduler's allowed-failures), "
           "so it was not tried again")
    assert re.search(rf"^{student} +0 / 100 +{re.escape(why)}$", run.stdout, re.MULTILINE), run.stdout
    report = json.loads((out / "reports" / f"{student}.json").read_text())
    assert report["error"] == why and report["score"] == 0
    assert all(not test["points"] and test["diagnosis"] == why for test in report["tests"])
    with (out / "grades.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert sorted(row["student_id"] for row in rows) == sorted(ENDING_RUN + (student,))  # each once
    row = next(row for row in rows if row["student_id"] == student)
    assert (row["score"], row["diagnosis"], row["nbgrader_score"]) == ("0", why, "")
    assert not (out / "autograded" / student).exists() and not (out / "feedback" / student).exists()
    # The others: graded once each, as locally.
    assert _scores(out, ENDING_RUN) == _scores(local, ENDING_RUN)
    assert _gradebook(out, ENDING_RUN + (student,)) == _gradebook(local, ENDING_RUN)  # none for it
    remote, here = _reports(out, ENDING_RUN), _reports(local, ENDING_RUN)
    assert sorted(remote) == sorted(ENDING_RUN)
    assert all(_without_sandbox(remote[name]) == _without_sandbox(here[name]) for name in ENDING_RUN)


def test_an_unreachable_scheduler_is_an_error_naming_the_option(submissions, tmp_path, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT", 2)
    address = f"tcp://127.0.0.1:{free_port()}"
    with pytest.raises(cluster.ClusterError, match="^--scheduler: cannot reach the Dask scheduler at tcp://127") as e:
        grading.grade(submissions, tmp_path / "out", progress=False, scheduler=address)
    assert address in str(e.value) and "expected the address of a running `dask scheduler`" in str(e.value)
    assert not (tmp_path / "out").exists()  # said before the course folder was prepared


@pytest.mark.parametrize("address", ["127.0.0.1", "tcp://127.0.0.1:port", "http://127.0.0.1:8786"])
def test_a_scheduler_address_that_is_no_address_is_an_error_naming_the_option(submissions, tmp_path, address):
    with pytest.raises(cluster.ClusterError, match="^--scheduler: expected the address of a running `dask sch"
                                                   r"eduler`, as tcp://HOST:PORT .*, got '"):
        grading.grade(submissions, tmp_path / "out", progress=False, scheduler=address)
    assert not (tmp_path / "out").exists()


def test_a_result_cannot_write_outside_its_folder(tmp_path):
    with pytest.raises(ValueError, match="not a path inside the folder"):
        cluster.write_tree(tmp_path / "a", {"../escaped": b"x"})
    cluster.write_tree(tmp_path / "a", {"b/c.txt": b"x"})
    assert cluster.read_tree(tmp_path / "a") == {"b/c.txt": b"x"}


def test_the_folders_of_workers_that_ended_without_teardown_go_when_the_next_sets_up(tmp_path):
    ended = _ended_pid()
    base = Path(tempfile.gettempdir())
    gone = [base / f"cs231n-dask-{ended}-course", base / f"bn-dask-{ended}-runtime"]
    kept = [base / f"cs231n-dask-{os.getpid()}-alive", base / f"cs231n-dask-x{ended}-other",
            base / f"bn-{ended}-local"]
    target = tmp_path / "target"
    target.mkdir()
    link = base / f"cs231n-dask-{ended}-link"  # a link is not a worker's folder: neither it nor its target goes
    try:
        for folder in gone + kept:
            (folder / "autograded" / "deep").mkdir(parents=True)
            (folder / "autograded" / "deep" / "Cell.ipynb").write_text("{}")
            (folder / "autograded" / "deep" / "Cell.ipynb").chmod(0o444)  # as nbgrader leaves them
        link.symlink_to(target)
        if os.geteuid() == 0:  # another user's: not this worker's to remove (an ordinary user could not)
            kept.append(base / f"bn-dask-{ended}-nobody")
            kept[-1].mkdir()
            os.chown(kept[-1], 65534, 65534)
        cluster.remove_folders_of_ended_workers()
        assert [folder.exists() for folder in gone + kept] == [False] * len(gone) + [True] * len(kept)
        assert link.is_symlink() and target.is_dir()
    finally:
        for folder in gone + kept:
            subprocess.run(["rm", "-rf", str(folder)])
        link.unlink(missing_ok=True)


def _ended_pid():
    """The pid of a process that has ended (and, so soon after, not been given to another)."""
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def test_a_second_grading_command_on_a_cluster_in_use_is_refused_and_changes_nothing(submissions, dask_cluster,
                                                                                     tmp_path, monkeypatch):
    from distributed import Client, Semaphore

    before = _set_up_as_grade_will(dask_cluster)
    monkeypatch.setattr(cluster, "CLAIM_TIMEOUT", 1)
    with Client(dask_cluster.address, timeout=10, set_as_default=False) as other:  # the first command's claim
        claim = Semaphore(max_leases=1, name=cluster.PLUGIN, scheduler_rpc=other.scheduler, loop=other.loop)
        assert claim.acquire(timeout=5)
        with pytest.raises(cluster.ClusterError, match="^--scheduler: another grading command is using the Dask "
                                                       f"cluster at {dask_cluster.address}: one at a time"):
            grading.grade(submissions, tmp_path / "out", progress=False, scheduler=dask_cluster.address,
                          cell_timeout=TIMEOUTS["cell_timeout"], check_timeout=TIMEOUTS["check_timeout"] + 1)
        claim.release()
    assert not (tmp_path / "out" / "grades.csv").exists()
    assert _plugin_folders(dask_cluster) == before  # its other settings did not take the first command's set-up
