"""Grading on a Dask cluster: one task per student, carrying that student's files, returning all OUT needs.

    errors = cluster.grade_all(out, students, address, timeout, settings, on_done=callback)

The grading command (grade.py, `grade --scheduler ADDRESS`) takes the submissions in as it does for
local grading (course.prepare: intake, limits, repairs), then sends each student's taken-in folder,
as bytes, in a task of its own: no worker needs to see the instructor's files. On each Dask worker
a plugin (GradingPlugin) keeps what makes local grading fast: a course folder of its own, set up
once, and one long-lived grading worker (pool.Worker: nbgrader loaded once, the fork server, the
caches). A task writes the student's files there, grades them one at a time, and returns the
autograded folder, the feedback, the logs and the sandbox's status; that worker's gradebook is
its scratch. This process writes each result into OUT and the scores into OUT's gradebook with
nbgrader's own SaveAutoGrades and AssignLatePenalties (save_scores), so OUT holds what a local run
writes, and only this process writes the gradebook.

A worker that dies in the middle of a task costs nobody a grade: the scheduler runs the task
again on another worker. A submission whose grading ended more workers than the scheduler allows
(its distributed.scheduler.allowed-failures, 3 by default) is not tried again: its report says so.
The scheduler counts a death against every task the worker holds, so this process gives each task
to a worker that holds none (submit_more), and claims the cluster for the whole run
(_the_only_command): another command's set-up would take this one's plugin off the workers.
"""
import contextlib
import hashlib
import os
import re
import shutil
import socket
import stat
import tempfile
import threading
import time
import tomllib
import warnings
from pathlib import Path, PurePosixPath

import dask
from distributed.diagnostics.plugin import WorkerPlugin

from . import course, pool
from .facts import ASSIGNMENT, COURSE_ID, NOTEBOOK, ROOT
from .isolation import sandbox

PLUGIN = "cs231n-grading"
ENDED_WORKER_FOLDER = re.compile(r"(?:cs231n|bn)-dask-([1-9]\d*)-[^/]+")  # see remove_folders_of_ended_workers
CONNECT_TIMEOUT = 30  # seconds to reach the scheduler
CLAIM_TIMEOUT = 5  # seconds to wait for another grading command to let go of the cluster


class ClusterError(course.CourseError):
    """The cluster cannot grade at all (no scheduler, no worker, another version of the project)."""


def project_version():
    """This project's version and a digest of its code: what a worker must run to grade as the client does."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    digest = hashlib.sha256()
    for folder in ("autograder", "cs231n_style"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "__pycache__" not in path.parts:
                digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update((ROOT / "source" / ASSIGNMENT / NOTEBOOK).read_bytes())
    return f"{version}+{digest.hexdigest()[:12]}"


def read_tree(folder):
    """{path under folder (posix): bytes} of every regular file below it (links are not followed)."""
    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("*")) if folder.is_dir() else ():
        if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
            files[path.relative_to(folder).as_posix()] = path.read_bytes()
    return files


def write_tree(folder, files):
    """Write {relative posix path: bytes} under folder, which is emptied first; refuses paths that leave it."""
    folder = Path(folder)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for rel, data in files.items():
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or ".." in parts:
            raise ValueError(f"{rel!r}: not a path inside the folder")
        path = folder.joinpath(*parts)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def check_reachable(address):
    """Raise ClusterError unless something listens at the scheduler's address: said before the course folder is
    prepared, and at once where nothing listens (where the Dask client would try again for CONNECT_TIMEOUT)."""
    from distributed.comm import get_address_host_port, parse_address

    expected = "expected the address of a running `dask scheduler`, as tcp://HOST:PORT (its port is 8786 by default)"
    try:
        scheme, _ = parse_address(address)
        host, port = get_address_host_port(address)
    except (ValueError, TypeError) as error:
        raise ClusterError(f"--scheduler: {expected}, got {address!r} ({error})") from None
    if scheme != "tcp":  # tls:// and the others: the client says what it lacks, on connecting
        return
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT).close()
    except OSError as error:
        raise ClusterError(f"--scheduler: cannot reach the Dask scheduler at {address} "
                           f"({error.strerror or error}); {expected}") from None


class VersionMismatch(RuntimeError):
    pass


def plugin_name(version, settings):
    """The plugin's name for a version and settings: a later run with the same ones finds its workers set up."""
    key = hashlib.sha256(repr((version, sorted(settings.items()))).encode()).hexdigest()[:12]
    return f"{PLUGIN}-{key}"


def remove_folders_of_ended_workers():
    """Remove what Dask workers of this user on this machine left in the temporary folders when they ended without
    their plugin's teardown (SIGKILL, or the SIGTERM a nanny sends): their course folders (cs231n-dask-PID-*) and
    their grading workers' runtime folders (pool.Worker's bn-dask-PID-*). Kept while process PID lives."""
    for base in {Path(tempfile.gettempdir()), Path("/tmp")}:
        try:
            paths = list(base.iterdir())
        except OSError:
            continue
        for path in paths:
            match = ENDED_WORKER_FOLDER.fullmatch(path.name)
            try:
                mine = match and stat.S_ISDIR(path.lstat().st_mode) and path.lstat().st_uid == os.getuid()
            except OSError:
                continue
            if mine and not _alive(int(match[1])):
                course.remove_folder(path)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # another user's process; no such number
        pass
    return True


class GradingPlugin(WorkerPlugin):
    """What a Dask worker keeps between students: a course folder and a grading worker. Kept between grading runs
    of the same version and settings (idempotent: registering it again does not set the workers up again)."""

    idempotent = True

    def __init__(self, version, settings):
        self.version = version  # the client's
        self.settings = settings  # course.prepare's options (cell_timeout, check_timeout, budget) and insecure
        self.name = plugin_name(version, settings)
        self.out = self.worker = self.lock = self.sandbox = None  # made on the worker (setup): a lock cannot travel

    def setup(self, worker=None):
        mine = project_version()
        if mine != self.version:
            raise VersionMismatch(f"this worker runs the project at version {mine}, the client at {self.version}: "
                                  "start the workers from the same checkout as the grading command")
        from .grade import sandbox_status

        settings = dict(self.settings)
        # Raises where this worker's sandbox has no namespaces and the instructor did not pass --insecure.
        self.sandbox = sandbox_status(settings.pop("insecure", False))
        self.lock = threading.Lock()
        remove_folders_of_ended_workers()
        self.out = Path(tempfile.mkdtemp(prefix=f"cs231n-dask-{os.getpid()}-"))
        course.prepare(self.out, {}, insecure=not sandbox.isolation_available(), **settings)
        course.register_assignment(self.out)
        (self.out / "logs").mkdir(exist_ok=True)
        self.worker = pool.Worker(self.out, f"dask-{os.getpid()}")
        try:
            self.worker.start()  # nbgrader's imports paid now, not by the first student
        except pool.WorkerFailed:
            pass  # grade() starts it again, and says why for each student it cannot grade

    def teardown(self, worker=None):
        if self.worker is not None:
            self.worker.stop(graceful=True)
        if self.out is not None:
            course.remove_folder(self.out)

    def grade(self, student, files, timeout):
        """Grade one student's taken-in folder; returns what the grading command writes into OUT."""
        with self.lock:  # one grading worker: one student at a time
            for part in ("submitted", "autograded", "feedback"):
                course.remove_folder(self.out / part / student)
            write_tree(self.out / "submitted" / student / ASSIGNMENT, files)
            start = time.perf_counter()
            error = self.worker.grade(student, timeout)
            seconds = round(time.perf_counter() - start, 2)
            logs = {path.name: path.read_text(errors="replace")
                    for path in (self.out / "logs").glob(f"{student}.*.log")}
            logs[f"{student}.worker.log"] = self._worker_log_since_last()
            result = {"error": error, "seconds": seconds, "logs": logs, "sandbox": self.sandbox,
                      "autograded": read_tree(self.out / "autograded" / student / ASSIGNMENT),
                      "feedback": read_tree(self.out / "feedback" / student / ASSIGNMENT)}
            for part in ("submitted", "autograded", "feedback"):
                course.remove_folder(self.out / part / student)
            for path in (self.out / "logs").glob(f"{student}.*.log"):
                path.unlink()
            return result


    def _worker_log_since_last(self):
        """What the grading worker wrote to its log (logs/dask-PID.log) since the last student: this one's lines."""
        path = self.out / "logs" / f"{self.worker.name}.log"
        if not path.is_file():
            return ""
        with path.open("rb") as log:
            log.seek(getattr(self, "_log_offset", 0))
            text = log.read()
        self._log_offset = getattr(self, "_log_offset", 0) + len(text)
        return text.decode(errors="replace")


def grade_task(student, files, name, version, timeout):
    """The task of one student, run on a Dask worker by its GradingPlugin called `name`."""
    from distributed import get_worker

    plugin = get_worker().plugins.get(name)
    if plugin is None or plugin.out is None:
        raise VersionMismatch("this worker has no grading plugin set up (see its log)")
    if plugin.version != version:
        raise VersionMismatch(f"this worker runs the project at version {plugin.version}, the client at {version}")
    return plugin.grade(student, files, timeout)


def save_scores(out, student, db_url):
    """Write the scores of `student`'s autograded notebook (in OUT) into the gradebook, as nbgrader's autograde
    does on the worker: the student, the submission (with its timestamp, if handed in), then SaveAutoGrades and
    AssignLatePenalties."""
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
    from nbgrader.utils import parse_utc
    from sqlalchemy.exc import SAWarning

    submitted = out / "submitted" / student / ASSIGNMENT / "timestamp.txt"
    timestamp = parse_utc(submitted.read_text().strip()) if submitted.is_file() else None
    with Gradebook(db_url, COURSE_ID) as gradebook, warnings.catch_warnings():
        # nbgrader's update_or_create_submission warns of its own session handling (SQLAlchemy), as when it
        # autogrades: the submission is stored all the same
        warnings.simplefilter("ignore", category=SAWarning)
        gradebook.update_or_create_student(student)
        if timestamp:
            gradebook.update_or_create_submission(ASSIGNMENT, student, timestamp=timestamp)
        else:
            gradebook.update_or_create_submission(ASSIGNMENT, student)
    notebook = nbformat.read(out / "autograded" / student / ASSIGNMENT / NOTEBOOK, as_version=nbformat.NO_CONVERT)
    resources = {"nbgrader": {"db_url": db_url, "assignment": ASSIGNMENT, "student": student,
                              "notebook": Path(NOTEBOOK).stem}}
    for preprocessor in (SaveAutoGrades(), AssignLatePenalties()):
        notebook, resources = preprocessor.preprocess(notebook, resources)


def _write_result(out, student, result):
    write_tree(out / "autograded" / student / ASSIGNMENT, result["autograded"])
    if result["feedback"]:
        write_tree(out / "feedback" / student / ASSIGNMENT, result["feedback"])
    (out / "logs").mkdir(exist_ok=True)
    for name, text in result["logs"].items():
        if name.startswith(f"{student}.") and "/" not in name:
            (out / "logs" / name).write_text(text)


def grade_all(out, students, address, timeout, settings, db_url, on_done=lambda student, error: None, seconds=None):
    """Grade `students` (taken in under OUT/submitted) on the cluster at `address`; returns ({student: '' or why
    not}, {the sandbox statuses the workers reported}). Raises ClusterError if the cluster cannot grade."""
    from distributed import Client, KilledWorker, as_completed

    version = project_version()
    errors, statuses = {}, set()
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as error:  # TypeError: a tls:// address without its context
        raise ClusterError(f"--scheduler: cannot reach the Dask scheduler at {address} ({error})") from None
    with client, _the_only_command(client, address):
        name = _set_up(client, version, settings)
        tries = client.run_on_scheduler(_allowed_failures) + 1
        futures, waiting, running = {}, iter(students), as_completed()

        def submit(student, worker=None):
            files = read_tree(out / "submitted" / student / ASSIGNMENT)
            future = client.submit(grade_task, student, files, name, version, timeout, key=f"grade-{student}",
                                   pure=False, retries=0, workers=worker and [worker], allow_other_workers=bool(worker))
            futures[future] = (student, worker)
            running.add(future)

        def submit_more():
            # Each task goes to a worker that holds no other: one the scheduler placed itself would wait there behind
            # the running one, and the scheduler counts a worker's death against every task the worker holds, so an
            # innocent student's grade would depend on its neighbour's. (allow_other_workers: should that worker
            # leave first, the scheduler places the task elsewhere.)
            reserved = {worker for _, worker in futures.values()}
            for worker in _idle_workers(client):
                if worker not in reserved:
                    student = next(waiting, None)
                    if student is None:
                        return
                    submit(student, worker)
            if not futures:  # no worker idle (another client's tasks, say): the scheduler chooses, and we wait
                student = next(waiting, None)
                if student is not None:
                    submit(student)

        submit_more()
        for future in running:
            student, _ = futures.pop(future)
            submit_more()  # before this result is written: the worker that returned it grades the next meanwhile
            try:
                result = future.result()
            except KilledWorker:
                errors[student] = (f"could not be graded: grading it ended {tries} Dask workers in turn (the "
                                   "scheduler's allowed-failures), so it was not tried again")
            except VersionMismatch as error:
                raise ClusterError(f"--scheduler: {error}") from None
            except Exception as error:  # the machine's, not the student's: the others still get graded
                errors[student] = f"could not be graded: {type(error).__name__}: {error}"[:300]
            else:
                # Here now: the scheduler need not keep it, nor have it graded again when the worker holding it dies
                future.release()
                statuses.add(result["sandbox"] or "")
                _write_result(out, student, result)
                errors[student] = result["error"]
                if seconds is not None and isinstance(result.get("seconds"), float):
                    seconds[student] = result["seconds"]
                if not result["error"]:
                    save_scores(out, student, db_url)
            on_done(student, errors[student])
    return errors, statuses


@contextlib.contextmanager
def _the_only_command(client, address):
    """Claim the cluster for this grading command: another command's _set_up would remove this one's plugin from the
    workers (or this one's, the other's). The claim is a Dask semaphore, whose lease lapses when its client is gone."""
    from distributed import Semaphore

    claim = Semaphore(max_leases=1, name=PLUGIN)
    if not claim.acquire(timeout=CLAIM_TIMEOUT):
        claim.close()
        lease = dask.config.get("distributed.scheduler.locks.lease-timeout")
        raise ClusterError(f"--scheduler: another grading command is using the Dask cluster at {address}: one at "
                           "a time, for a command with other settings would take the workers' set-up from under it. "
                           f"Wait until it has ended (one that was killed holds the cluster for {lease} more), or "
                           "start a scheduler and workers of your own")
    try:
        yield
    finally:
        try:
            claim.release()
        except Exception:  # noqa: BLE001 -- a lease the scheduler already let go (this process stalled past it)
            pass
        claim.close()


def _idle_workers(client):
    """The workers ready for a task (not one still setting up its plugins: the scheduler sees it as "init") with
    none assigned, of this command or any other."""
    ready = {worker for worker, info in client.scheduler_info()["workers"].items() if info.get("status") == "running"}
    return [worker for worker, keys in client.processing().items() if not keys and worker in ready]


def _allowed_failures(dask_scheduler=None):
    """The times the scheduler runs a task again after losing its worker (run on the scheduler)."""
    return dask_scheduler.allowed_failures


def _set_up(client, version, settings):
    """Register the plugin on every worker (and on those that join later), after removing the plugins of other
    versions or settings; returns its name. Raises ClusterError if the workers cannot grade."""
    plugin = GradingPlugin(version, settings)
    theirs = client.run_on_scheduler(_scheduler_version())
    if theirs is None:
        raise ClusterError("--scheduler: the Dask scheduler cannot import this project, and it unpickles every task, "
                           "which names the project's functions: start it from a checkout of the same version, as "
                           "PYTHONPATH=$PWD .venv/bin/dask scheduler")
    if theirs != version:
        raise ClusterError(f"--scheduler: the Dask scheduler runs the project at version {theirs}, the client at "
                           f"{version}: start it from the same checkout as the grading command")
    if not client.scheduler_info().get("workers"):
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    # Before anything on the workers changes: a command from another checkout leaves them set up as they were
    # (the plugin checks again, on the workers that join later).
    try:
        versions = client.run(_worker_version)
    except Exception:  # noqa: BLE001 -- a checkout without _worker_version: the plugin's set-up refuses it below
        versions = {}
    for worker, theirs in versions.items():
        if theirs != version:
            raise ClusterError(f"--scheduler: the worker at {worker} refused to grade: it runs the project at "
                               f"version {theirs}, the client at {version}: start the workers from the same "
                               "checkout as the grading command")
    for stale in client.run_on_scheduler(_worker_plugins):
        if stale.startswith(PLUGIN) and stale != plugin.name:
            try:
                client.unregister_worker_plugin(stale)  # its teardown stops its grading worker
            except Exception:  # noqa: BLE001 -- one whose set-up failed on the workers is not on them to remove
                pass
    try:
        replies = client.register_plugin(plugin, name=plugin.name)
    except VersionMismatch as error:
        raise ClusterError(f"--scheduler: a worker refused to grade: {error}") from None
    except course.CourseError as error:  # its sandbox, say, where the instructor did not pass --insecure
        raise ClusterError(f"--scheduler: a worker could not set up grading: {error}") from None
    failed = {worker: reply for worker, reply in (replies or {}).items()
              if isinstance(reply, dict) and reply.get("status") == "error"}
    if failed:
        worker, reply = next(iter(failed.items()))
        raise ClusterError(f"--scheduler: the worker at {worker} could not set up grading: "
                           f"{reply.get('exception_text') or reply.get('exception')}")
    return plugin.name


def _scheduler_version():
    """A function that gives the project's version on the scheduler, or None where it cannot import the project:
    made here, so that it travels by value (this module's own functions travel by name)."""
    def version(dask_scheduler=None):
        try:
            from autograder.cluster import project_version
        except ImportError:
            return None
        return project_version()

    return version


def _worker_version(dask_worker=None):
    """The project's version on a worker (run there; by name, so that the worker's own project_version answers)."""
    return project_version()


def _worker_plugins(dask_scheduler=None):
    """The names of the worker plugins the scheduler hands to every worker (run on the scheduler)."""
    return list(dask_scheduler.worker_plugins)
