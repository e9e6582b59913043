"""Start sandboxed programs from this process's fork server (autograder/isolation/fork_server.py).

    process = fork_client.spawn(sandbox_args, cwd, stdin=fd, stdout=fd)

runs what `python -I autograder/isolation/sandbox.py *sandbox_args` would run, in cwd, and
returns a ForkedProcess, which behaves as the subprocess.Popen that start would
have given. The server has already imported what the programs need (ipykernel,
numpy), so a kernel or a probe costs a fork instead of a new Python.

The process is the server's child, not ours: it is watched through a pidfd, and
the server reaps it only once we have seen it end (release), so its pid and
process group stay its own for as long as we may signal them.
"""
import array
import asyncio
import atexit
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from . import sandbox

SERVER_SCRIPT = Path(__file__).resolve().parent / "fork_server.py"
START_TIMEOUT = 60  # seconds for the server to import what it preloads
MAX_MESSAGE = 1 << 16


class ForkServerError(RuntimeError):
    """The fork server could not start a program."""


def available():
    """True where programs can be forked from the server (Linux, with pidfds)."""
    return sys.platform.startswith("linux") and hasattr(os, "pidfd_open") and hasattr(signal, "pidfd_send_signal")


class ForkServer:
    """The fork server of this process, started on first use and stopped when this process ends."""

    def __init__(self):
        self.process = self.channel = None
        self.lock = threading.Lock()

    def _started(self):
        if self.process is None or self.process.poll() is not None:
            self.channel, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
            # -E -s -B: the interpreter flags the sandbox's environment gives its programs (see fork_server.py)
            # Only the sandbox's environment, from the start: the programs are forked, never exec'd, so the
            # strings of the server's first environment stay in their memory (its stack), readable there.
            self.process = subprocess.Popen([sys.executable, "-E", "-s", "-B", str(SERVER_SCRIPT)], cwd="/",
                                            env=sandbox.environment(),
                                            stdin=theirs.fileno())
            theirs.close()
            if not select.select([self.channel], [], [], START_TIMEOUT)[0] or \
                    "ready" not in json.loads(self.channel.recv(MAX_MESSAGE) or b"{}"):
                self.stop()
                raise ForkServerError(f"the fork server did not start within {START_TIMEOUT} s")
        return self.channel

    def _ask(self, request, fds=()):
        with self.lock:
            try:
                channel = self._started()
                channel.sendmsg([json.dumps(request).encode()],
                                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else [])
                reply = json.loads(channel.recv(MAX_MESSAGE) or b'{"error": "the fork server ended"}')
            except (OSError, ValueError) as exc:
                reply = {"error": f"the fork server failed ({type(exc).__name__}: {exc})"}
        if "error" in reply:
            raise ForkServerError(reply["error"])
        return reply

    def start(self, sandbox_args, cwd, stdin=None, stdout=None, stderr=None):
        """Fork the program of sandbox_args in cwd, with these file descriptors as its stdio; returns its pid."""
        fds = {name: fd for name, fd in (("stdin", stdin), ("stdout", stdout), ("stderr", stderr)) if fd is not None}
        return self._ask({"start": list(sandbox_args), "cwd": str(cwd), "fds": list(fds)}, list(fds.values()))["pid"]

    def release(self, pid):
        """Let the server reap `pid`, which has ended; returns its exit code as Popen.returncode gives it."""
        return os.waitstatus_to_exitcode(self._ask({"release": pid})["status"])

    def stop(self):
        if self.process is not None:
            self.channel.close()
            self.process.wait()
            self.process = self.channel = None


SERVER = ForkServer()
atexit.register(SERVER.stop)


class ForkedProcess:
    """A program forked by the server, with the parts of subprocess.Popen's interface the grader uses."""

    def __init__(self, server, pid, stdin=None, stdout=None):
        self.server, self.pid, self.returncode = server, pid, None
        self.stdin, self.stdout, self.stderr = stdin, stdout, None
        self._pidfd = os.pidfd_open(pid)  # not yet reaped (see the module's docstring): it is this process

    def _ended(self):
        os.close(self._pidfd)
        try:
            self.returncode = self.server.release(self.pid)
        except ForkServerError:
            self.returncode = -signal.SIGKILL  # the server is gone, and with it the exit status

    def poll(self):
        if self.returncode is None and select.select([self._pidfd], [], [], 0)[0]:
            self._ended()
        return self.returncode

    def wait(self, timeout=None):
        if self.returncode is None:
            if not select.select([self._pidfd], [], [], timeout)[0]:
                raise subprocess.TimeoutExpired(f"process {self.pid}", timeout)
            self._ended()
        return self.returncode

    async def ended(self):
        """Wait in the event loop until the process has ended (jupyter_client itself polls every 0.1 s)."""
        if self.returncode is None:
            loop = asyncio.get_running_loop()
            readable = loop.create_future()
            loop.add_reader(self._pidfd, lambda: readable.done() or readable.set_result(None))
            try:
                await readable
            finally:
                loop.remove_reader(self._pidfd)
            self._ended()
        return self.returncode

    def send_signal(self, signum):
        if self.returncode is None:
            signal.pidfd_send_signal(self._pidfd, signum)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


def spawn(sandbox_args, cwd, pipes=False, output=None):
    """Fork what `python -I sandbox.py *sandbox_args` would run, in cwd; returns its ForkedProcess.

    With pipes=True, its stdin and stdout are pipes, open as process.stdin and process.stdout
    (binary, as Popen's with stdin=PIPE, stdout=PIPE) and its stderr is /dev/null; otherwise
    stdin is /dev/null and its stdout and stderr go to the file descriptor `output`, or to the
    server's stderr (the grading log).
    """
    if not pipes:
        return ForkedProcess(SERVER, SERVER.start(sandbox_args, cwd, stdout=output, stderr=output))
    stdin_read, stdin_write = os.pipe()
    stdout_read, stdout_write = os.pipe()
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        pid = SERVER.start(sandbox_args, cwd, stdin=stdin_read, stdout=stdout_write, stderr=null)
    except BaseException:
        for fd in (stdin_write, stdout_read):
            os.close(fd)
        raise
    finally:
        for fd in (stdin_read, stdout_write, null):
            os.close(fd)
    return ForkedProcess(SERVER, pid, os.fdopen(stdin_write, "wb"), os.fdopen(stdout_read, "rb"))
