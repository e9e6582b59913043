"""A `dask worker --preload` for tests/test_cluster.py: the grading of one student ends its worker process.

As a submission whose grading makes the machine's out-of-memory killer take the worker would: the worker gets
SIGKILL, its nanny starts a new one, and the scheduler counts the death against the task it was running.

grade_all submits autograder.cluster.grade_task, which pickle sends by name (module and qualified name): the
worker calls dask_setup before it joins the scheduler, which puts a wrapper under that name, so the tasks the
worker receives run the wrapper. Before it ends the worker, the wrapper appends the worker's pid to the file named
by the environment variable ENDED_WORKERS_LOG, with the keys of the other tasks the worker holds to run (those
the scheduler counts the death against too). Importing this module elsewhere changes nothing.
"""
import os
import signal
import time

from distributed import get_worker

from autograder import cluster

STUDENT = "breaks_its_worker"
LOG = "ENDED_WORKERS_LOG"  # the environment variable naming the file of the pids ended
DELAY = 2  # seconds into its grading: by then the results the worker has just returned are (mostly) fetched


def dask_setup(worker):
    grade_task = cluster.grade_task

    def ending_its_worker(student, *args, **kwargs):
        if student == STUDENT:
            time.sleep(DELAY)
            held = [key for key, task in get_worker().state.tasks.items()
                    if task.state in ("waiting", "ready", "constrained", "executing") and key != f"grade-{student}"]
            with open(os.environ[LOG], "a") as log:
                log.write(" ".join([str(os.getpid()), *held]) + "\n")
            os.kill(os.getpid(), signal.SIGKILL)
        return grade_task(student, *args, **kwargs)

    cluster.grade_task = ending_its_worker
