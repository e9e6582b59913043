"""The timing cells: the student's two backward passes against each other and against the memory
floor, then the fused kernel (fused.py, if numba is installed) against the same floor."""
import timeit
from dataclasses import dataclass

import numpy as np

from .. import fused
from ..autograding import being_graded, skipped_while_grading
from ..data import random_case
from ..memory_floor import floor_bytes, floor_function
from ..timing import SpeedComparison, compare_speed
from .report import call_student, running_student_code, student_function, unpack


@dataclass(frozen=True)
class BackwardTimings:
    """What the timing cell measured on one N x D float64 batch.

    - speedup: your graph version's time over your closed form's, per pair
    - graph_over_floor, alt_over_floor: each version's time over the memory floor's, per pair
    - floor_seconds: the floor's time per call; floor_bytes: the bytes it moves
    """

    N: int
    D: int
    speedup: SpeedComparison
    graph_over_floor: SpeedComparison
    alt_over_floor: SpeedComparison
    floor_seconds: float
    floor_bytes: int

    def __str__(self):
        return "\n".join([
            f"On a {self.N}x{self.D} float64 batch:",
            f"  {self.speedup}",
            *self.over_floor_lines(),
            f"  the memory floor: {self.floor_bytes / 1e6:.1f} MB moved (dout and x read twice, dx written once) "
            f"in {self.floor_seconds * 1e3:.2f} ms, {self.floor_bytes / self.floor_seconds / 1e9:.0f} GB/s",
        ])

    def over_floor_lines(self):
        """The two lines giving each of your versions' time over the floor's."""
        return [f"  your graph version takes {_times_floor(self.graph_over_floor)}",
                f"  your closed form takes   {_times_floor(self.alt_over_floor)}"]


def _times_floor(comparison):
    """E.g. '6.1x the floor (range 5.8–6.5x)', for a comparison of something against the floor."""
    return f"{comparison.median:.1f}x the floor (range {comparison.low:.1f}–{comparison.high:.1f}x)"


# The batch both timing cells use: N x D float64, from _timing_case.
N_TIMED, D_TIMED = 1024, 256


def _timing_case(N, D):
    return random_case(N, D, seed=0, loc=12.0, scale=5.0)


# What the timing cell measured last in this kernel: the fused kernel's cell prints it beside its own.
_last_timings = None


def time_alt_vs_graph(layers, N=N_TIMED, D=D_TIMED, pairs=15):
    """Time your batchnorm_backward, your batchnorm_backward_alt and the memory floor on one cache.

    Prints and returns a BackwardTimings; while the autograder runs the notebook it prints one
    line and returns None (the autograder times your code in a process of its own).
    """
    global _last_timings
    if being_graded():
        return skipped_while_grading("the timing")
    case = _timing_case(N, D)
    _, cache = unpack("batchnorm_forward", call_student(layers, "batchnorm_forward", case.x, case.gamma, case.beta,
                                                        dict(case.bn_param)), 2, "out, cache")
    graph = student_function(layers, "batchnorm_backward")
    alt = student_function(layers, "batchnorm_backward_alt")
    with running_student_code("batchnorm_backward"):
        graph(case.dout, cache)
    with running_student_code("batchnorm_backward_alt"):
        alt(case.dout, cache)
    floor = floor_function(case.dout, case.x)
    floor_seconds = _seconds_per_call(floor)
    timings = BackwardTimings(
        N, D,
        speedup=compare_speed(graph, alt, case.dout, cache, names=("your graph version", "your closed form"),
                              pairs=pairs),
        graph_over_floor=compare_speed(lambda: graph(case.dout, cache), floor, pairs=pairs),
        alt_over_floor=compare_speed(lambda: alt(case.dout, cache), floor, pairs=pairs),
        floor_seconds=floor_seconds,
        floor_bytes=floor_bytes(N, D, case.x.dtype),
    )
    print(timings)
    _last_timings = timings
    return timings


def time_fused_kernel(pairs=15):
    """Time the fused kernel of fused.py against the memory floor, on the timing cell's batch.

    The kernel computes eq. (4) in one compiled loop that makes the floor's two passes
    (numba compiles it on the first call, in a few seconds). Prints its time over the floor's
    beside your two versions' (from the last run of the timing cell, time_alt_vs_graph) and
    returns the SpeedComparison: the kernel's time over the floor's, per pair. Without numba,
    or while the autograder runs the notebook, it prints one line and returns None.
    """
    if being_graded():
        return skipped_while_grading("the fused kernel's timing")
    numba = fused.load_numba()
    if numba is None:
        print(f"({fused.NOT_INSTALLED})")
        return None
    timings = _last_timings
    N, D = (timings.N, timings.D) if timings is not None else (N_TIMED, D_TIMED)
    case = _timing_case(N, D)
    x, dout = case.x, case.dout
    mean = x.mean(axis=0)
    inv_std = 1.0 / np.sqrt(x.var(axis=0) + case.bn_param["eps"])
    fused.batchnorm_backward_fused(dout, x, case.gamma, mean, inv_std)  # compiled here, not in the timing
    over_floor = compare_speed(lambda: fused.batchnorm_backward_fused(dout, x, case.gamma, mean, inv_std),
                               floor_function(dout, x), names=("the fused kernel", "the memory floor"), pairs=pairs)
    lines = [f"On {'the same' if timings is not None else 'a'} {N}x{D} float64 batch, "
             f"with the fused kernel compiled by numba {numba.__version__}:"]
    if timings is not None:
        lines += timings.over_floor_lines()
    lines.append(f"  the fused kernel takes   {_times_floor(over_floor)}")
    if timings is None:
        lines.append("  (run the timing cell above to see your two versions beside it)")
    print("\n".join(lines))
    return over_floor


def _seconds_per_call(fn, min_seconds=0.01):
    number = max(1, int(min_seconds / max(timeit.timeit(fn, number=1), 1e-9)))
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


