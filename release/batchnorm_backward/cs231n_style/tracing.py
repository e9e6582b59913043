"""What a call of the student's code did: which functions of its file ran and how many of their lines
(CallRecorder), and whether it changed its arguments (same, on copies taken before)."""
import sys

import numpy as np


class CallRecorder:
    """Records the names of the functions of `filename` that are called, and the number of their lines
    that run, while active (`with CallRecorder(filename) as recorder: ...`)."""

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


# How the hidden test tells a Python loop over the batch: the lines of layers.py that one call of the closed
# form runs, on batches of the two sizes (N, D); a loop over the rows runs more lines on the larger one.
LOOP_SIZES = ((16, 8), (64, 8))
LOOP_SLACK = 2  # extra lines allowed on the larger batch (a branch taken once more, say)


def loops_over_batch(lines_small, lines_large):
    """True if the larger batch of LOOP_SIZES ran more lines than the slack allows."""
    return lines_large > lines_small + LOOP_SLACK


def same(a, b):
    """Deep equality of two snapshots (arrays compared by value, nan equal to nan)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape
                and a.dtype == b.dtype and np.array_equal(a, b, equal_nan=a.dtype.kind == "f"))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if type(a) is type(b) and hasattr(a, "__dict__") and not callable(a):  # a cache object of the student's
        return same(vars(a), vars(b))
    try:
        return bool(a == b)
    except Exception:
        return False
