"""A Dask cluster on loopback, as an instructor starts one: `dask scheduler` and `dask worker` processes.

    with LoopbackCluster(folder, workers=2) as cluster:
        grade(..., scheduler=cluster.address)

Each worker has one thread (grading is one student at a time per worker) and its nanny, which starts a
new worker if the worker dies. All are started from this checkout (PYTHONPATH), with their logs in
`folder`. Used by the grading benchmark (--dask) and tests/test_cluster.py.
"""
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from ..facts import ROOT

DASK = Path(sys.executable).parent / "dask"
START_TIMEOUT = 60  # seconds for the scheduler and the workers to be up
PR_SET_PDEATHSIG = 1  # prctl(2)


def _end_with_parent():
    """In a started process: SIGTERM once the process that started it ends, however it ends (a benchmark killed
    before it could stop its cluster)."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LoopbackCluster:
    def __init__(self, folder, workers=2, worker_args=(), scheduler_env=None, worker_env=None):
        self.folder, self.workers, self.port = Path(folder), workers, free_port()
        self.worker_args = list(worker_args)  # more options of `dask worker`, e.g. ["--preload", "module"]
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT)}
        # More environment of the scheduler, of the workers: dask's configuration (DASK_DISTRIBUTED__...), say
        self.scheduler_env = {**self.env, **(scheduler_env or {})}
        self.worker_env = {**self.env, **(worker_env or {})}
        self.processes = []

    def _start(self, *args, name, env):
        with (self.folder / f"{name}.log").open("w") as log:
            self.processes.append(subprocess.Popen([str(DASK), *args], cwd=self.folder, env=env, stdout=log,
                                                   stderr=log, start_new_session=True,
                                                   preexec_fn=_end_with_parent))

    def __enter__(self):
        from distributed import Client

        self.folder.mkdir(parents=True, exist_ok=True)
        self._start("scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard", name="scheduler",
                    env=self.scheduler_env)
        for k in range(1, self.workers + 1):
            self._start("worker", self.address, "--nthreads", "1", "--no-dashboard", "--name", f"w{k}",
                        "--local-directory", str(self.folder / f"w{k}"), *self.worker_args, name=f"worker-{k}",
                        env=self.worker_env)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                with Client(self.address, timeout=5) as client:
                    if self.workers:
                        client.wait_for_workers(self.workers, timeout=START_TIMEOUT)
                return self
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    self.__exit__()
                    raise

    def __exit__(self, *exc):
        for process in self.processes[::-1]:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
