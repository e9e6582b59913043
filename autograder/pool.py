"""The grading command's side of the workers (worker.py): start them, feed them students, replace the stuck.

    outcomes = grade_all(out, students, jobs=2, timeout=900, on_done=callback)

Each of `jobs` threads owns one worker process and hands it students one at a
time from a shared queue. A worker that takes longer than `timeout` on one
student, or dies, costs that student the grade (with the reason), and is
replaced; the other students are graded as usual.
"""
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time

from . import course

READY_TIMEOUT = 120  # seconds for a worker to import nbgrader and load the course


class WorkerFailed(RuntimeError):
    """The worker process died or stopped answering."""


class Worker:
    """One `python -m autograder.worker OUT` process."""

    def __init__(self, out, name, command=None):
        self.out, self.name = out, name
        self.command = command or [sys.executable, "-m", "autograder.worker", str(out)]
        self.process = self.runtime = None
        self.lines = queue.Queue()

    def start(self):
        """Start the worker process and wait until it is ready; raises WorkerFailed."""
        env = course.nbgrader_env(self.out)
        # Kernels' connection files and ipc:// sockets (isolation/kernels.py): a folder of this worker's own, short
        # enough to hold them (kernels._socket_base), removed when the worker stops.
        self.runtime = tempfile.mkdtemp(prefix=f"bn-{self.name}-", dir="/tmp" if os.path.isdir("/tmp") else None)
        env["JUPYTER_RUNTIME_DIR"] = self.runtime
        # One BLAS thread: the worker's arithmetic is small, and each thread costs address space, which it caps
        # (worker.limit_memory); the student's processes get their environment from the sandbox.
        env.update(OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
        log = (self.out / "logs" / f"{self.name}.log").open("a")
        self.process = subprocess.Popen(self.command, cwd=self.out,
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log,
                                        text=True, start_new_session=True)
        log.close()
        self.lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.process.stdout, self.lines), daemon=True).start()
        try:
            self._reply(READY_TIMEOUT)
        except WorkerFailed as error:
            self.stop()
            raise WorkerFailed(f"the grading worker did not start ({error})") from None

    @staticmethod
    def _read(stream, lines):
        for line in stream:
            lines.put(line)
        lines.put(None)

    def _reply(self, timeout):
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise WorkerFailed(f"no answer within {timeout} s") from None
        if line is None:
            raise WorkerFailed(f"the worker exited (code {self.process.wait()}); see logs/{self.name}.log")
        return json.loads(line)

    def grade(self, student, timeout):
        """'' if graded, else why not."""
        try:
            if self.process is None:
                self.start()
            self.process.stdin.write(student + "\n")
            self.process.stdin.flush()
            reply = self._reply(timeout)
        except (WorkerFailed, OSError, ValueError) as error:
            self.stop()
            if isinstance(error, WorkerFailed) and str(error).startswith("no answer"):
                return f"could not be graded: grading took longer than {timeout} s"
            return f"could not be graded: {error}"
        if reply.get("student") != student:
            self.stop()
            return "could not be graded: the grading worker answered out of turn"
        return reply.get("error", "")

    def kill(self):
        """Kill the worker and everything in its process group now (from another thread: its own then fails)."""
        process = self.process
        if process is not None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    def stop(self, graceful=False):
        """End the worker: at once (it failed), or once it has finished what it is doing (graceful)."""
        if self.process is None:
            return
        try:
            if graceful:
                try:
                    self.process.stdin.close()
                    self.process.wait(timeout=30)
                    return
                except (OSError, ValueError, subprocess.TimeoutExpired):
                    pass
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()
        finally:
            self.process = None
            course.remove_folder(self.runtime)


def grade_all(out, students, jobs, timeout, on_done=lambda student, error: None, command=None,
              while_starting=None, seconds=None):
    """Grade `students` with `jobs` workers; returns {student: '' or why it could not be graded}.

    seconds: a dict that gets {student: wall clock its worker took for it}, where given.

    command: the worker's command line (default: python -m autograder.worker OUT).
    while_starting: a function run while the workers start (importing nbgrader takes seconds);
    they take students once it has returned. What it raises is raised here, and nobody is graded.
    An interrupt (KeyboardInterrupt) kills every worker and what it started, then is raised here.
    """
    (out / "logs").mkdir(exist_ok=True)
    todo = queue.Queue()
    for student in students:
        todo.put(student)
    errors = {}
    set_up, set_up_failed = threading.Event(), []
    workers = []

    def run(name):
        worker = Worker(out, name, command)
        workers.append(worker)
        try:
            try:
                worker.start()
            except WorkerFailed:
                pass  # grade() starts it again, and says why for each student it cannot grade
            set_up.wait()
            while not set_up_failed:
                try:
                    student = todo.get_nowait()
                except queue.Empty:
                    return
                start = time.perf_counter()
                errors[student] = worker.grade(student, timeout)
                if seconds is not None:
                    seconds[student] = round(time.perf_counter() - start, 2)
                on_done(student, errors[student])
        finally:
            worker.stop(graceful=True)

    threads = [threading.Thread(target=run, args=(f"worker-{k + 1}",)) for k in range(min(jobs, len(students)))]
    for thread in threads:
        thread.start()
    try:
        if while_starting is not None:
            while_starting()
        set_up.set()
        for thread in threads:
            thread.join()
    except BaseException:  # what while_starting raised, or an interrupt (grade turns SIGTERM into one)
        set_up_failed.append(True)
        set_up.set()
        for worker in workers:
            worker.kill()  # and with it its fork server, whose programs die with it (isolation/fork_server.py)
        for thread in threads:
            thread.join()
        raise
    return errors
