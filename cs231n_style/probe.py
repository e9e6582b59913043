"""The probe: run a submission's checks in the student's process, one child process per check.

The autograder decides grades in its own process, against the reference,
which the student's code never sees. This program is the only part that runs
in the student's process: it imports the student's layers.py and runs each
check's requests (cs231n_style/probe_requests.py: call the student's functions,
record what they did) in a child process of its own. It judges nothing.

`python -m cs231n_style.probe < requests.json > results.json`
reads {"checks": {check_id: [request, ...]}, "timeout": seconds, "cpu": seconds,
"after_timeout": seconds, "budget": seconds} and runs each check in a child process
of its own, so that a loop, a crash or an exit in one check costs that check only.
A check ends after "timeout" seconds of wall clock or "cpu" seconds of CPU, and
says which student function was running then; once one has, later checks get at
most "after_timeout" seconds of each; no check starts or goes on once "budget"
seconds have passed. Arrays travel as base64 .npy data (never pickles).
`python -m cs231n_style.probe --timed-calls` instead answers the grader's speed
check, one call at a time (cs231n_style/timed_calls.py).
"""
import base64
import io
import json
import os
import resource
import select
import signal
import sys
import time

import numpy as np

from .probe_requests import report_progress_to, run_requests
from .timed_calls import Channel, dumps, loads, serve


def encode(value):
    """JSON-ready form of nested dicts/lists/tuples of numbers, strings and arrays."""
    if isinstance(value, np.ndarray):
        buffer = io.BytesIO()
        np.save(buffer, value, allow_pickle=False)
        return {"__ndarray__": base64.b64encode(buffer.getvalue()).decode()}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, (np.generic,)):
        return value.item()
    return value


def decode(value):
    """Inverse of encode; arrays are loaded without pickles."""
    if isinstance(value, dict):
        if set(value) == {"__ndarray__"}:
            return np.load(io.BytesIO(base64.b64decode(value["__ndarray__"])), allow_pickle=False)
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def _describe_exit(status, cpu, cpu_used):
    if os.WIFSIGNALED(status):
        signum = os.WTERMSIG(status)
        if cpu is not None and (signum == signal.SIGXCPU or (signum == signal.SIGKILL and cpu_used >= cpu)):
            return f"did not finish within {cpu:g} s of CPU"
        return f"the process was killed by signal {signal.Signals(signum).name}" + (
            " (out of memory?)" if signum == signal.SIGKILL else "")
    return f"the process exited with code {os.WEXITSTATUS(status)} (sys.exit or os._exit?)"


class _Progress:
    """The names the child writes as its student functions start and return (_running), read as they come, so
    that its writes never block; `running` is the function that had started and not returned, if any."""

    def __init__(self, fd):
        self.fd, self.tail, self.open = fd, b"", True

    def read(self):
        chunk = os.read(self.fd, 1 << 16)
        self.open = bool(chunk)
        self.tail = (self.tail + chunk)[-4096:]

    def drain(self):
        while self.open and select.select([self.fd], [], [], 0)[0]:
            self.read()

    @property
    def running(self):
        lines = self.tail.decode(errors="replace").splitlines()
        return lines[-1] if lines and lines[-1] != "-" else None


def _drain(fd):
    """What is left to read in the pipe `fd`, without waiting."""
    os.set_blocking(fd, False)
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
    except BlockingIOError:
        pass
    return chunks


def _kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _run_in_child(layers, requests, timeout, cpu=None):
    """Run one check's requests in a forked child, for at most `timeout` s of wall clock and `cpu` s of CPU.

    Returns (its results or {"error": ...}, None or how it ran out of time: "wall" or "cpu", the student function
    that was running then). Whatever the child started dies with it (its own process group).
    """
    fds = os.pipe() + os.pipe()
    read_end, write_end, progress_read, progress_write = fds
    try:
        pid = os.fork()
    except OSError:
        for fd in fds:
            os.close(fd)
        raise
    if pid == 0:  # the child
        os.setpgid(0, 0)
        os.close(read_end)
        os.close(progress_read)
        report_progress_to(progress_write)
        if cpu is not None:
            seconds = max(1, int(cpu + 0.999))
            resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
        try:  # whatever happens, the child ends here, never in its parent's code
            try:
                data = dumps({"results": encode(run_requests(layers, requests))}).encode()
            except BaseException as exc:
                data = dumps({"error": f"{type(exc).__name__}: {exc}"[:500]}).encode()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(data)
        finally:
            os._exit(0)
    os.close(write_end)
    os.close(progress_write)
    pidfd = os.pidfd_open(pid)
    progress = _Progress(progress_read)
    chunks, deadline, exited, eof = [], time.monotonic() + timeout, False, False
    try:
        while not exited:
            left = deadline - time.monotonic()
            watched = [pidfd] + ([] if eof else [read_end]) + ([progress_read] if progress.open else [])
            ready = select.select(watched, [], [], left)[0] if left > 0 else []
            if not ready:
                break
            if progress_read in ready:
                progress.read()
            if read_end in ready:
                chunk = os.read(read_end, 1 << 20)
                eof = not chunk
                chunks.append(chunk)
            exited = pidfd in ready
        _kill_group(pid)  # the child, if it is still running, and whatever it started
        if exited:
            chunks += _drain(read_end)
        progress.drain()
        _, status, usage = os.wait4(pid, 0)
    finally:
        for fd in (read_end, progress_read, pidfd):
            os.close(fd)
    if not exited:
        return ({"error": f"did not finish within {round(timeout, 1):g} s" + _while(progress.running)}, "wall",
                progress.running)
    try:
        return loads(b"".join(chunks)), None, None
    except ValueError:
        message = _describe_exit(status, cpu, usage.ru_utime + usage.ru_stime)
        if not message.startswith("did not finish"):
            return {"error": message}, None, None
        return {"error": message + _while(progress.running)}, "cpu", progress.running


def _while(running):
    return f": {running} was still running (an endless loop?)" if running else " (an endless loop?)"


def run_checks(layers, checks, timeout, cpu=None, after_timeout=None, budget=None):
    """Run each check's requests in a child of its own, each for at most `timeout` s of wall clock and `cpu` s of CPU.

    Once a check has run out of time, later checks get at most `after_timeout` s of each; no check starts, or
    goes on, past `budget` s. Returns ({check_id: results or {"error": ...} or {"not_run"/"stopped": "budget"}},
    {name of a function that was running when its check ran out of time: that check}, [checks that ran out]).
    """
    results, ran_out, timed_out = {}, {}, []
    deadline = time.monotonic() + (budget if budget is not None else float("inf"))
    for check_id, requests in checks.items():
        left = deadline - time.monotonic()
        if left <= 0:
            results[check_id] = {"not_run": "budget"}
            continue
        limit = min(timeout, left)
        results[check_id], how, running = _run_in_child(layers, requests, limit, cpu)
        if how is None:
            continue
        if how == "wall" and limit < timeout:
            results[check_id] = {"stopped": "budget"}
        timed_out.append(check_id)
        if running:
            ran_out.setdefault(running, check_id)
        if after_timeout is not None:
            timeout = min(timeout, after_timeout)
            cpu = min(cpu, after_timeout) if cpu is not None else after_timeout
    return results, ran_out, timed_out


def main():
    timed_calls = sys.argv[1:] == ["--timed-calls"]  # the speed check's calls (cs231n_style/timed_calls.py)
    job = None if timed_calls else json.loads(sys.stdin.read())
    out = os.fdopen(os.dup(1), "w")  # the results channel; the student's prints go nowhere
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(os.devnull, "w")
    try:
        from cs231n_style import layers
    except BaseException as exc:  # a syntax error, an exception or an exit at import
        error = f"importing layers.py failed: {type(exc).__name__}: {exc}"[:500]
        out.write(dumps({"import_error": error}) + "\n")
        return
    out.write("imported\n")  # the grader's import timeout stops here
    out.flush()
    if timed_calls:
        serve(layers, Channel(0, out.fileno()))
        return
    checks, ran_out, timed_out = run_checks(
        layers, {check_id: decode(requests) for check_id, requests in job["checks"].items()},
        job.get("timeout", 60), job.get("cpu"), job.get("after_timeout"), job.get("budget"))
    out.write(dumps({"checks": checks, "ran_out": ran_out, "timed_out": timed_out}))
    out.flush()


if __name__ == "__main__":
    main()
