"""The timing cell: the student's two backward passes against each other and against the memory floor."""
import timeit
from dataclasses import dataclass

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
        def times_floor(c):
            return f"{c.median:.1f}x the floor (range {c.low:.1f}–{c.high:.1f}x)"

        return "\n".join([
            f"On a {self.N}x{self.D} float64 batch:",
            f"  {self.speedup}",
            f"  your graph version takes {times_floor(self.graph_over_floor)}",
            f"  your closed form takes   {times_floor(self.alt_over_floor)}",
            f"  the memory floor: {self.floor_bytes / 1e6:.1f} MB moved (dout and x read twice, dx written once) "
            f"in {self.floor_seconds * 1e3:.2f} ms, {self.floor_bytes / self.floor_seconds / 1e9:.0f} GB/s",
        ])


def time_alt_vs_graph(layers, N=1024, D=256, pairs=15):
    """Time your batchnorm_backward, your batchnorm_backward_alt and the memory floor on one cache.

    Prints and returns a BackwardTimings; while the autograder runs the notebook it prints one
    line and returns None (the autograder times your code in a process of its own).
    """
    if being_graded():
        return skipped_while_grading("the timing")
    case = random_case(N, D, seed=0, loc=12.0, scale=5.0)
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
    return timings


def _seconds_per_call(fn, min_seconds=0.01):
    number = max(1, int(min_seconds / max(timeit.timeit(fn, number=1), 1e-9)))
    return min(timeit.repeat(fn, number=number, repeat=5)) / number


