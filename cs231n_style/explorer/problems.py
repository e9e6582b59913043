"""Turn whatever goes wrong in a layer implementation into one readable line.

The explorer calls code that may be unfinished: a stub raises
NotImplementedError, a half-written function raises anything or returns the
wrong thing. A traceback in the middle of a widget helps nobody, so every call
into an implementation goes through `call`, which raises `Problem` with one
line such as "batchnorm_backward_alt is not implemented yet — fill it in in
cs231n_style/layers.py". The panels that need that function say they are
waiting for it; the others keep drawing.
"""
import re
import warnings

import numpy as np

from ..errors import raised

_STUB_MESSAGE = re.compile(r"^(\w+) in (\S+) is not implemented yet$")


class Problem(Exception):
    """A function of an implementation cannot be used; str(problem) is one line for the student.

    - function: the name of the function that failed, e.g. "batchnorm_forward"
    - short: a few words for a panel that cannot draw without it, e.g. "needs batchnorm_forward"
    """

    def __init__(self, function, line, short=None):
        super().__init__(line)
        self.function = function
        self.short = short or f"needs {function}"


def describe(function, exc, where, source_file=None):
    """One line saying that `function` raised `exc`.

    Inputs:
    - function: name of the function called, e.g. "batchnorm_forward"
    - exc: the exception it raised
    - where: where the student edits it, e.g. "cs231n_style/layers.py"
    - source_file: path of the file it lives in, to name the line that raised

    Returns a str without newlines.
    """
    if isinstance(exc, NotImplementedError):
        match = _STUB_MESSAGE.match(str(exc).strip())
        path = match.group(2) if match else where
        return f"{function} is not implemented yet — fill it in in {path}"
    return raised(function, exc, source_file)


def call(function, fn, args, where, source_file=None):
    """Call fn(*args); raise Problem with one line if it raises.

    Numpy warnings (division by zero in unfinished code, say) are silenced:
    their effect, nan or inf in the result, is reported by the checks instead.
    """
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return fn(*args)
    except Problem:
        raise
    except Exception as exc:  # anything student code raises becomes one line
        raise Problem(function, describe(function, exc, where, source_file)) from None


def check_result(function, result, names, shape):
    """Check that `function` returned a tuple whose first entry is an array of `shape`.

    Inputs:
    - function: its name, for the message
    - result: what it returned
    - names: the names of the entries expected, e.g. ("out", "cache")
    - shape: the shape expected of the first entry

    Returns the first entry as a numpy array; raises Problem otherwise.
    """
    expected = f"return ({', '.join(names)})"
    if not isinstance(result, tuple) or len(result) != len(names):
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise Problem(function, f"{function} returned {got}; expected {expected}")
    first = result[0]
    if first is None:
        raise Problem(function, f"{function} returned None for {names[0]} (not computed yet?); expected {expected}")
    first = np.asarray(first)
    if first.shape != tuple(shape):
        raise Problem(function, f"{function} returned {names[0]} of shape {first.shape}; expected {tuple(shape)}")
    return first
