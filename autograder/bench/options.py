"""Argument types for the benchmarks' command lines.

Each raises argparse.ArgumentTypeError with what was expected, and argparse
prefixes the option's name, e.g.
"argument --sizes: expected sizes like 64x256,1024x256, got '64by256'".
"""
import argparse
import re

import numpy as np

FLOAT_DTYPES = ("float64", "float32")


def sizes(text):
    """'64x256,1024x256' (or with ×) -> ((64, 256), (1024, 256)); N and D positive."""
    parsed = []
    for item in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*[x×X]\s*(\d+)\s*", item)
        if not match or int(match[1]) < 1 or int(match[2]) < 1:
            raise argparse.ArgumentTypeError(f"expected sizes like 64x256,1024x256 (N and D at least 1), got {text!r}")
        parsed.append((int(match[1]), int(match[2])))
    return tuple(parsed)


def dtypes(text):
    """'float64,float32' -> ('float64', 'float32'); only those two."""
    names = tuple(name.strip() for name in text.split(","))
    for name in names:
        if name not in FLOAT_DTYPES:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of {' and '.join(FLOAT_DTYPES)}, "
                                             f"got {name!r}")
    return tuple(np.dtype(name).name for name in names)


def positive_int(text):
    """A whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def positive_seconds(text):
    """A number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value
