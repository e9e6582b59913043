"""Run the student's functions on given inputs and record what they did.

The autograder decides grades in its own process, against the reference,
which the student's code never sees. This module is the only part that runs
in the student's process: it calls the student's functions on the inputs of
a request and records the outputs, whether any input or cache was changed,
which of the student's functions each call used, and how many lines of the
student's file it ran. It judges nothing.

A request is a dict:
    {"kind": "batchnorm", "x", "gamma", "beta", "dout": arrays, "bn_param": dict,
     "backwards": ["batchnorm_backward", ...], "lines_for": [...]}
    {"kind": "test_mode", "batches": [x, ...], "x", "gamma", "beta": arrays, "bn_param": dict}
    {"kind": "variant", "forward", "backward": names, "args": [arrays or numbers], "dout": array}
    {"kind": "timing", "x", "gamma", "beta", "dout": arrays, "pairs": int}
The result of each is a dict of plain values and arrays; a function that
raised is recorded as {"error": "ExceptionName: message"}.
"""
import copy
import sys

import numpy as np

from .timing import compare_speed


def _error(exc):
    return {"error": f"{type(exc).__name__}: {exc}"[:500]}


def _array(value):
    """The student's output as a numeric array, or None if it is not one."""
    try:
        array = np.asarray(value)
    except Exception:
        return None
    return array if array.dtype.kind in "fiub" else None


def _same(a, b):
    """Deep equality of two snapshots (arrays compared by value, nan equal to nan)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:
        return False


class _CallRecorder:
    """Records which functions of one file run, and how many of its lines, while active."""

    def __init__(self, filename):
        self.filename = filename
        self.functions = set()
        self.lines = 0

    def _trace(self, frame, event, arg):
        if frame.f_code.co_filename != self.filename:
            return None
        if event == "call":
            self.functions.add(frame.f_code.co_name)
        elif event == "line":
            self.lines += 1
        return self._trace

    def __enter__(self):
        self._previous = sys.gettrace()
        sys.settrace(self._trace)
        return self

    def __exit__(self, *exc):
        sys.settrace(self._previous)


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
        if record_lines:
            with recorder:
                output = function(*args)
        else:
            output = function(*args)
    except BaseException as exc:  # SystemExit and KeyboardInterrupt included: record and go on
        return None, _error(exc)
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
    for name in request.get("backwards", []):
        try:
            snapshot = copy.deepcopy(cache)
        except Exception:
            snapshot = None
        grads, binfo = _call(layers, name, (request["dout"], cache), record_lines=name in request.get("lines_for", []))
        if "error" not in binfo:
            binfo["grads"] = _tuple_of_arrays(grads, 3)
            binfo["mutated_cache"] = snapshot is not None and not _same(snapshot, cache)
        result[name] = binfo
    return result


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


def _timing(layers, request):
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
        result = compare_speed(layers.batchnorm_backward, layers.batchnorm_backward_alt, request["dout"], cache,
                               names=("graph", "alt"), pairs=request["pairs"])
    except BaseException as exc:
        return {"timing": _error(exc)}
    return {"timing": {"ratios": list(result.ratios), "calls_per_timing": result.calls_per_timing}}


KINDS = {"batchnorm": _batchnorm, "test_mode": _test_mode, "variant": _variant, "timing": _timing}


def run_requests(layers, requests):
    """Run each request against the module `layers`; returns one result dict per request."""
    return [KINDS[request["kind"]](layers, request) for request in requests]
