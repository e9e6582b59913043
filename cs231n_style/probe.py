"""Run the student's functions on given inputs and record what they did.

The autograder decides grades in its own process, against the reference,
which the student's code never sees. This module is the only part that runs
in the student's process: it calls the student's functions on the inputs of
a request and records the outputs, whether any input or cache was changed,
which of the student's functions each call used, and how many lines of the
student's file it ran. It judges nothing.

A request is a dict:
    {"kind": "batchnorm", "x", "gamma", "beta", "dout": arrays, "bn_param": dict,
     "backwards": ["batchnorm_backward", ...], "lines_for": [...], "nearby": [[x, gamma, beta], ...]}
     ("nearby": inputs near the first, whose train-mode out is recorded as forward's "nearby")
    {"kind": "test_mode", "batches": [x, ...], "x", "gamma", "beta": arrays, "bn_param": dict}
    {"kind": "variant", "forward", "backward": names, "args": [arrays or numbers], "dout": array}
    {"kind": "stages", "x", "gamma", "beta", "dout": arrays, "bn_param": dict}
    {"kind": "timing", "N", "D", "seed", "pairs": ints, "loc", "scale": numbers}
The result of each is a dict of plain values and arrays; a function that
raised is recorded as {"error": "ExceptionName: message"}.

As a program, `python -m cs231n_style.probe < requests.json > results.json`
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
import contextlib
import copy
import io
import json
import os
import resource
import select
import signal
import sys
import time

import numpy as np

from .data import random_case
from .errors import raised
from .stages import backward_stages
from .timed_calls import Channel, dumps, loads, serve
from .timing import compare_speed
from .tracing import CallRecorder as _CallRecorder
from .tracing import same as _same



def _error(exc):
    return {"error": f"{type(exc).__name__}: {exc}"[:500]}


def _array(value):
    """The student's output as a numeric array, or None if it is not one."""
    try:
        array = np.asarray(value)
    except Exception:
        return None
    return array if array.dtype.kind in "fiub" else None


# Set in a check's child process (_run_in_child): where the name of each student function is written as it starts,
# and "-" as it returns, so that a check that runs out of time can say which function was running.
_progress_fd = None


@contextlib.contextmanager
def _running(name):
    if _progress_fd is not None:
        os.write(_progress_fd, name.encode() + b"\n")
    try:
        yield
    finally:
        if _progress_fd is not None:
            os.write(_progress_fd, b"-\n")


def _call(layers, name, args, record_lines=False):
    """Call layers.name(*args); returns (output or None, info dict).

    info records whether any array argument changed ("mutated_inputs") and, with
    record_lines, the functions of the student's file that ran and how many of
    its lines ran ("functions", "lines").
    """
    function = getattr(layers, name, None)
    if not callable(function):
        return None, {"error": f"{name} is missing from layers.py"}
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    before = [a.copy() for a in arrays]
    code = getattr(function, "__code__", None)
    recorder = _CallRecorder(code.co_filename if code else None)
    try:
        with _running(name):
            if record_lines:
                with recorder:
                    output = function(*args)
            else:
                output = function(*args)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: record and go on
        return None, {"error": raised(name, exc, code.co_filename if code else None)[:500]}
    info = {"mutated_inputs": not all(_same(a, b) for a, b in zip(before, arrays))}
    if record_lines:
        info.update(functions=sorted(recorder.functions), lines=recorder.lines)
    return output, info


def _tuple_of_arrays(output, count):
    if not isinstance(output, tuple) or len(output) != count:
        return None
    return [_array(item) for item in output]


def _batchnorm(layers, request):
    bn_param = dict(request["bn_param"])
    args = (request["x"], request["gamma"], request["beta"], bn_param)
    output, info = _call(layers, "batchnorm_forward", args)
    result = {"forward": info}
    if "error" in info:
        return result
    pair = output if isinstance(output, tuple) and len(output) == 2 else (None, None)
    info["out"] = _array(pair[0])
    info["running_mean"] = _array(bn_param.get("running_mean"))
    info["running_var"] = _array(bn_param.get("running_var"))
    cache = pair[1]
    if request.get("nearby"):
        info["nearby"] = [_nearby_out(layers, point, request["bn_param"]) for point in request["nearby"]]
    for name in request.get("backwards", []):
        try:
            snapshot = copy.deepcopy(cache)
        except Exception:
            snapshot = None
        # A fresh dout for each: one function changing it must not spoil the next one's inputs.
        grads, binfo = _call(layers, name, (request["dout"].copy(), cache),
                             record_lines=name in request.get("lines_for", []))
        if "error" not in binfo:
            binfo["grads"] = _tuple_of_arrays(grads, 3)
            binfo["mutated_cache"] = snapshot is not None and not _same(snapshot, cache)
        result[name] = binfo
    return result


def _nearby_out(layers, point, bn_param):
    """The train-mode out of batchnorm_forward at (x, gamma, beta) = point, or None if it failed."""
    output, info = _call(layers, "batchnorm_forward", (*point, dict(bn_param)))
    return _array(output[0]) if "error" not in info and isinstance(output, tuple) and len(output) == 2 else None


def _test_mode(layers, request):
    bn_param = dict(request["bn_param"], mode="train")
    for x in request["batches"]:
        _, info = _call(layers, "batchnorm_forward", (x, request["gamma"], request["beta"], bn_param))
        if "error" in info:
            return {"train": info}
    running = (_array(bn_param.get("running_mean")), _array(bn_param.get("running_var")))
    bn_param["mode"] = "test"
    output, info = _call(layers, "batchnorm_forward", (request["x"], request["gamma"], request["beta"], bn_param))
    if "error" not in info:
        info["out"] = _array(output[0]) if isinstance(output, tuple) and len(output) == 2 else None
        info["running_mean_before"], info["running_var_before"] = running
        info["running_mean"] = _array(bn_param.get("running_mean"))
        info["running_var"] = _array(bn_param.get("running_var"))
    return {"test": info}


def _variant(layers, request):
    output, info = _call(layers, request["forward"], tuple(request["args"]))
    result = {"forward": info}
    if "error" in info:
        return result
    pair = output if isinstance(output, tuple) and len(output) == 2 else (None, None)
    info["out"] = _array(pair[0])
    grads, binfo = _call(layers, request["backward"], (request["dout"], pair[1]))
    if "error" not in binfo:
        binfo["grads"] = _tuple_of_arrays(grads, request.get("outputs", 3))
    result["backward"] = binfo
    return result


def _stages(layers, request):
    args = (request["x"], request["gamma"], request["beta"], dict(request["bn_param"]))
    output, info = _call(layers, "batchnorm_forward", args)
    if "error" in info:
        return {"forward": info}
    cache = output[1] if isinstance(output, tuple) and len(output) == 2 else None
    backward = getattr(layers, "batchnorm_backward", None)
    if not callable(backward):
        return {"forward": info, "stages": {"error": "batchnorm_backward is missing from layers.py"}}
    before = request["dout"].copy()
    try:
        with _running("batchnorm_backward"):
            stages = backward_stages(backward, request["dout"], cache)
    except BaseException as exc:
        code = getattr(backward, "__code__", None)
        return {"forward": info, "stages": {"error": raised("batchnorm_backward", exc,
                                                            code.co_filename if code else None)[:500]}}
    found = {name: _array(value) for name, value in stages.items()}
    return {"forward": info, "stages": found, "mutated_inputs": not _same(before, request["dout"])}


def _timing(layers, request):
    case = random_case(request["N"], request["D"], seed=request["seed"], loc=request["loc"], scale=request["scale"])
    request = {"x": case.x, "gamma": case.gamma, "beta": case.beta, "dout": case.dout, "pairs": request["pairs"],
               "min_seconds": request.get("min_seconds", 0.01), "max_seconds": request.get("max_seconds")}
    bn_param = {"mode": "train"}
    output, info = _call(layers, "batchnorm_forward", (request["x"], request["gamma"], request["beta"], bn_param))
    if "error" in info:
        return {"forward": info}
    cache = output[1] if isinstance(output, tuple) and len(output) == 2 else None
    for name in ("batchnorm_backward", "batchnorm_backward_alt"):
        _, info = _call(layers, name, (request["dout"], cache))
        if "error" in info:
            return {name: info}
    try:
        # CPU time of this thread (BLAS runs on it: one thread): waiting for a busy core does not count.
        # (Not process_time: under the sandbox's CPU-time limit Linux counts process time in 4 ms ticks.)
        result = compare_speed(layers.batchnorm_backward, layers.batchnorm_backward_alt, request["dout"], cache,
                               names=("graph", "alt"), pairs=request["pairs"], clock=time.thread_time,
                               min_seconds=request["min_seconds"], max_seconds=request["max_seconds"])
    except BaseException as exc:
        return {"timing": _error(exc)}
    return {"timing": {"ratios": list(result.ratios), "calls_per_timing": result.calls_per_timing}}


KINDS = {"batchnorm": _batchnorm, "test_mode": _test_mode, "variant": _variant, "stages": _stages, "timing": _timing}


def run_requests(layers, requests):
    """Run each request against the module `layers`; returns one result dict per request."""
    return [KINDS[request["kind"]](layers, request) for request in requests]


# --- the program: JSON in, JSON out, one child process per check -----------------

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
    global _progress_fd
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
        _progress_fd = progress_write
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
