"""Benchmark of the batch-norm backward pass: `python -m autograder.bench backward`.

For each dtype (float64, float32) and batch size N x D, six functions are
timed in interleaved rounds (see interleaved.py) on the same arrays:

    graph  reference batchnorm_backward: node by node through the graph
    alt    reference batchnorm_backward_alt: the closed form
    fast   autograder.bench.fast.batchnorm_backward_fast: the closed form, tuned numpy
    torch  PyTorch's native CPU batch-norm backward, one thread (optional; see torch_backward.py)
    fused  cs231n_style.fused.batchnorm_backward_fused: one compiled loop, two passes, one thread (optional: numba)
    floor  the memory-traffic floor: stream the bytes a fused two-pass kernel must move (see cs231n_style/memory_floor.py)

and the table shows the median time per call of the graph version and the
ratios of backward_table.RATIOS (graph/alt, alt/fast, fast/torch, fast/floor,
fused/torch, fused/floor), each a time divided by a time within the same round,
as "median (lowest–highest)" over the rounds. Before timing, fast, torch and
fused are checked against the reference closed form on the benchmark's own
arrays, so every row compares the same computation; that first call also
compiles the fused kernel, so its compile time is not timed.
"""
import argparse
import functools
import time

import numpy as np

from cs231n_style import fused as fused_kernel
from cs231n_style.data import random_case

from ..reference import batchnorm_backward, batchnorm_backward_alt, batchnorm_forward
from .fast import batchnorm_backward_fast
from . import options, torch_backward
from .agreement import max_scaled_error, tolerance
from .allocator import keep_freed_memory
from .backward_table import COLUMNS, format_row, header, table_line
from cs231n_style.memory_floor import floor_function
from .interleaved import time_interleaved

DEFAULT_SIZES = ((64, 256), (256, 256), (1024, 256), (4096, 512), (16384, 512))
DEFAULT_DTYPES = ("float64", "float32")
DEFAULT_ROUNDS = 15
DEFAULT_MIN_SECONDS = 0.05
QUICK = {"sizes": ((8, 4), (32, 16)), "rounds": 3, "min_seconds": 0.001}
LEFT_OUT = "fused kernel: left out (--no-fused)"

def backward_functions(dout, cache, torch=None, fused=None):
    """The functions to time, each called with no arguments, by name (torch and fused only if given).

    - torch: the torch module
    - fused: a function (dout, x, gamma, mean, inv_std) -> (dx, dgamma, dbeta), as
      cs231n_style.fused.batchnorm_backward_fused
    """
    functions = {
        "graph": functools.partial(batchnorm_backward, dout, cache),
        "alt": functools.partial(batchnorm_backward_alt, dout, cache),
        "fast": functools.partial(batchnorm_backward_fast, dout, cache),
    }
    if torch is not None:
        functions["torch"] = torch_backward.torch_backward_function(torch, dout, cache)
    if fused is not None:
        functions["fused"] = functools.partial(fused, dout, *(cache[key] for key in ("x", "gamma", "mean", "inv_std")))
    functions["floor"] = floor_function(dout, cache["x"])
    return functions


def describe_fused(numba):
    """One line naming what the fused row measures, or why it is missing."""
    if numba is None:
        return f"numba: not installed — {fused_kernel.INSTALL}"
    return (f"cs231n_style.fused.batchnorm_backward_fused: eq. (4) as one loop, two passes over dout and x, "
            f"compiled by numba {numba.__version__}, 1 thread (parallel=False)")


def check_agreement(functions, dout, cache):
    """Raise RuntimeError unless fast (and torch, and fused) give the reference closed form's gradients."""
    expected = functions["alt"]()
    for name in ("fast", "torch", "fused"):
        if name in functions:
            actual = [np.asarray(g) for g in functions[name]()]
            error = max_scaled_error(actual, expected, dout, cache)
            if not error <= tolerance(dout.dtype):
                raise RuntimeError(f"{name}: disagrees with the reference closed form on {dout.shape} "
                                   f"{dout.dtype} (scaled error {error:.1e}); its timing would mean nothing")


def measure(N, D, dtype, torch=None, fused=None, rounds=DEFAULT_ROUNDS, min_seconds=DEFAULT_MIN_SECONDS, seed=0):
    """Time every implementation on one seeded N x D batch of `dtype`; returns a RoundTimes."""
    case = random_case(N, D, seed=seed, dtype=dtype)
    _, cache = batchnorm_forward(case.x, case.gamma, case.beta, case.bn_param)
    functions = backward_functions(case.dout, cache, torch, fused)
    check_agreement(functions, case.dout, cache)
    return time_interleaved(functions, rounds=rounds, min_seconds=min_seconds)


def run(sizes=DEFAULT_SIZES, dtypes=DEFAULT_DTYPES, rounds=DEFAULT_ROUNDS, min_seconds=DEFAULT_MIN_SECONDS,
        torch="load", fused="load", out=print):
    """Measure every size in every dtype and print the tables as rows complete.

    Inputs:
    - sizes: sequence of (N, D)
    - dtypes: sequence of numpy dtype names
    - rounds, min_seconds: see interleaved.time_interleaved
    - torch: "load" to use PyTorch if it is installed, None to leave it out, or the torch module
    - fused: "load" to use cs231n_style.fused.batchnorm_backward_fused if numba is installed,
      None to leave it out, or a function taking and returning what that one does
    - out: function printing one line

    Returns a list of (dtype name, (N, D), RoundTimes).
    """
    if torch == "load":
        torch = torch_backward.load_torch()
        torch_line = torch_backward.describe(torch)
    else:
        torch_line = torch_backward.describe(torch) if torch is not None else torch_backward.LEFT_OUT
    numba = fused_kernel.load_numba()
    if fused == "load":
        fused = fused_kernel.batchnorm_backward_fused if numba is not None else None
        fused_line = describe_fused(numba)
    else:
        fused_line = describe_fused(numba) if fused is not None else LEFT_OUT
    start = time.perf_counter()
    for line in header({"torch": torch_line, "fused": fused_line}, rounds):
        out(line)
    results = []
    for dtype in dtypes:
        out("")
        out(f"{dtype}")
        out(table_line(COLUMNS))
        for N, D in sizes:
            if torch is None:
                times = measure(N, D, dtype, None, fused, rounds, min_seconds)
            else:
                with torch_backward.one_thread(torch):
                    times = measure(N, D, dtype, torch, fused, rounds, min_seconds)
            out(format_row(N, D, dtype, times))
            results.append((dtype, (N, D), times))
    out("")
    out(f"Done in {time.perf_counter() - start:.0f} s.")
    return results


def parser():
    """The command line of this benchmark."""
    p = argparse.ArgumentParser(
        prog="python -m autograder.bench backward",
        description="Time the batch-norm backward pass: graph version, closed form, tuned numpy, "
                    "PyTorch (if installed), the fused kernel (if numba is installed) and the memory-traffic floor.")
    p.add_argument("--quick", action="store_true",
                   help="tiny sizes and few rounds, to check that the benchmark runs (numbers mean little)")
    p.add_argument("--sizes", type=options.sizes, metavar="NxD,...",
                   help="batch sizes, default " + ",".join(f"{n}x{d}" for n, d in DEFAULT_SIZES))
    p.add_argument("--dtypes", type=options.dtypes, metavar="DTYPE,...",
                   help="float64 and/or float32, default " + ",".join(DEFAULT_DTYPES))
    p.add_argument("--rounds", type=options.positive_int, metavar="N",
                   help=f"interleaved rounds per size, default {DEFAULT_ROUNDS}")
    p.add_argument("--min-seconds", type=options.positive_seconds, metavar="S",
                   help=f"each timing lasts at least this long, default {DEFAULT_MIN_SECONDS}")
    p.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if it is installed")
    p.add_argument("--no-fused", action="store_true", help="leave the fused kernel out even if numba is installed")
    p.add_argument("--system-allocator", action="store_true",
                   help="leave malloc as it is (by default freed memory is kept, so calls do not page-fault)")
    return p


def main(argv=None):
    """Run the benchmark from command-line arguments; returns the exit status."""
    args = parser().parse_args(argv)
    if not args.system_allocator:
        keep_freed_memory()
    defaults = QUICK if args.quick else {"sizes": DEFAULT_SIZES, "rounds": DEFAULT_ROUNDS,
                                         "min_seconds": DEFAULT_MIN_SECONDS}
    run(sizes=args.sizes or defaults["sizes"],
        dtypes=args.dtypes or DEFAULT_DTYPES,
        rounds=args.rounds or defaults["rounds"],
        min_seconds=args.min_seconds or defaults["min_seconds"],
        torch=None if args.no_torch else "load",
        fused=None if args.no_fused else "load")
    return 0
