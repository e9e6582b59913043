"""Compare the speed of two functions fairly on a busy machine.

A single wall-clock time says little: another process, a frequency change or
a garbage collection can double it. Instead the two functions are timed in
pairs, one right after the other (alternating which goes first), and each pair
gives a ratio. Whatever slowed the machine down during a pair slowed both
down, so the ratios are far steadier than the times. The report is the median
ratio and its range over all pairs.
"""
import gc
import statistics
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class SpeedComparison:
    """Speed-ups of `candidate` over `baseline`: baseline time / candidate time, one per pair."""

    baseline: str
    candidate: str
    ratios: tuple
    calls_per_timing: int

    @property
    def median(self):
        return statistics.median(self.ratios)

    @property
    def low(self):
        return min(self.ratios)

    @property
    def high(self):
        return max(self.ratios)

    def __str__(self):
        n = len(self.ratios)
        if self.median >= 1:
            return (f"{self.candidate} is {self.median:.1f}x faster than {self.baseline} "
                    f"(range {self.low:.1f}–{self.high:.1f}x over {n} pairs)")
        return (f"{self.candidate} is {1 / self.median:.1f}x slower than {self.baseline} "
                f"(range {1 / self.high:.1f}–{1 / self.low:.1f}x over {n} pairs)")


def _time_calls(fn, args, number):
    start = time.perf_counter()
    for _ in range(number):
        fn(*args)
    return time.perf_counter() - start


def calls_for(fn, args, min_seconds):
    """How many back-to-back calls of fn(*args) take at least min_seconds (at least 1)."""
    number = 1
    while True:
        elapsed = _time_calls(fn, args, number)
        if elapsed >= min_seconds or number >= 1_000_000:
            return number
        # Aim a little past the target so the next try usually suffices.
        number = max(number * 2, int(number * 1.2 * min_seconds / max(elapsed, 1e-9)))


def compare_speed(baseline, candidate, *args, names=("baseline", "candidate"), pairs=15, min_seconds=0.01):
    """Time baseline(*args) against candidate(*args) in interleaved pairs.

    Inputs:
    - baseline, candidate: functions called as f(*args); results are discarded
    - args: the arguments both are called with
    - names: how the two are called in the report, e.g. ("graph", "alt")
    - pairs: how many ratios to measure (at least 1)
    - min_seconds: each timing runs enough calls to last at least this long

    Returns a SpeedComparison; print it for a line such as
    "alt is 2.4x faster than graph (range 2.2–2.6x over 15 pairs)".
    """
    if pairs < 1:
        raise ValueError(f"pairs: expected at least 1, got {pairs}")
    if min_seconds <= 0:
        raise ValueError(f"min_seconds: expected a positive number of seconds, got {min_seconds}")
    # Calibrating both also warms them up. Both then run the same number of
    # calls, enough for even the faster one to last min_seconds.
    number = max(calls_for(baseline, args, min_seconds), calls_for(candidate, args, min_seconds))
    gc_was_enabled = gc.isenabled()
    gc.disable()
    ratios = []
    try:
        for i in range(pairs):
            if i % 2 == 0:
                t_base = _time_calls(baseline, args, number)
                t_cand = _time_calls(candidate, args, number)
            else:
                t_cand = _time_calls(candidate, args, number)
                t_base = _time_calls(baseline, args, number)
            ratios.append(t_base / t_cand)
    finally:
        if gc_was_enabled:
            gc.enable()
    return SpeedComparison(names[0], names[1], tuple(ratios), number)
