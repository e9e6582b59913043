"""The probe's requests: call the student's functions on given inputs and record what they did.

Each kind of request (KINDS) calls functions of the student's `layers` module and records their outputs,
whether any input or cache was changed, which of the student's functions a call used and how many lines of
the student's file it ran. It judges nothing: the grader does, in its own process.

A request is a dict:
    {"kind": "batchnorm", "x", "gamma", "beta", "dout": arrays, "bn_param": dict,
     "backwards": ["batchnorm_backward", ...], "lines_for": [...], "nearby": [[x, gamma, beta], ...]}
     ("nearby": inputs near the first, whose train-mode out is recorded as forward's "nearby")
    {"kind": "test_mode", "batches": [x, ...], "x", "gamma", "beta": arrays, "bn_param": dict}
    {"kind": "variant", "forward", "backward": names, "args": [arrays or numbers], "dout": array}
    {"kind": "stages", "x", "gamma", "beta", "dout": arrays, "bn_param": dict}
    {"kind": "timing", "N", "D", "seed", "pairs": ints, "loc", "scale": numbers}
The result of each is a dict of plain values and arrays; a function that
raised is recorded as {"error": "ExceptionName: message"}. cs231n_style/probe.py
runs them in the student's process, one child process per check.
"""
import contextlib
import copy
import os
import time

import numpy as np

from .data import random_case
from .errors import raised
from .stages import backward_stages
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


# Set in a check's child process (report_progress_to): where the name of each student function is written as it
# starts, and "-" as it returns, so that a check that runs out of time can say which function was running.
_progress_fd = None


def report_progress_to(fd):
    """From now on, write the name of each student function as it starts, and "-" as it returns, to fd."""
    global _progress_fd
    _progress_fd = fd


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
