"""Compare the speed of two functions fairly on a busy machine.

A single wall-clock time says little: another process, a frequency change or
a garbage collection can double it. Instead the two functions are timed close
together, in pairs of pairs: A B B A, then B A A B, and so on. Each such group
gives one ratio, A's two times over B's two times. Whatever slowed the machine
down during a group slowed both down alike, and because each function goes
first as often as second, an advantage of going first or second cancels too
(it is real: the first call after the other function can be ~10% slower). So the
ratios are far steadier than the times. The report is the median ratio and its
range over all groups (called pairs below).
"""
import gc
import statistics
import time
from dataclasses import dataclass

MIN_PAIRS = 3  # pairs measured even past max_seconds
# Two functions whose calibrated calls per timing are within this factor of each other both run the larger number.
# On a busy machine the time of a call depends on how many calls its timing holds (a cost per timing shared by its
# calls, the caches that more calls' inputs fill), so functions timed with different numbers are not compared alike:
# with the same number, two functions of equal speed measure 1 whatever the calibration gave. Further apart, their
# speeds differ far more than that, and each runs its own number, so that a very slow function is called once per
# timing.
SAME_CALLS_WITHIN = 8


@dataclass(frozen=True)
class SpeedComparison:
    """Speed-ups of `candidate` over `baseline`: baseline time / candidate time, one per pair."""

    baseline: str
    candidate: str
    ratios: tuple
    calls_per_timing: tuple  # (baseline's, candidate's) calls in each timing

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


def _time_calls(fn, args, number, clock=None):
    clock = clock or time.perf_counter
    start = clock()
    for _ in range(number):
        fn(*args)
    return clock() - start


def calls_for(fn, args, min_seconds, clock=None):
    """How many back-to-back calls of fn(*args) take at least min_seconds (at least 1)."""
    return _calls_for(lambda number: _time_calls(fn, args, number, clock), min_seconds)


def _calls_for(timer, min_seconds):
    number = 1
    while True:
        elapsed = timer(number)
        if elapsed >= min_seconds or number >= 1_000_000:
            return number
        # Aim a little past the target so the next try usually suffices; grow at most
        # 100-fold at a time, in case the clock ticked too coarsely to see the calls.
        number = min(number * 100, max(number * 2, int(number * 1.2 * min_seconds / max(elapsed, 1e-9))))


def _check(pairs, min_seconds, max_seconds):
    if pairs < 1:
        raise ValueError(f"pairs: expected at least 1, got {pairs}")
    if min_seconds <= 0:
        raise ValueError(f"min_seconds: expected a positive number of seconds, got {min_seconds}")
    if max_seconds is not None and max_seconds <= 0:
        raise ValueError(f"max_seconds: expected a positive number of seconds or None, got {max_seconds}")


def compare_speed(baseline, candidate, *args, names=("baseline", "candidate"), pairs=15, min_seconds=0.01, clock=None,
                  max_seconds=None):
    """Time baseline(*args) against candidate(*args) in interleaved pairs (A B B A, B A A B, ...).

    Inputs:
    - baseline, candidate: functions called as f(*args); results are discarded
    - args: the arguments both are called with
    - names: how the two are called in the report, e.g. ("graph", "alt")
    - pairs: how many ratios to measure (at least 1)
    - min_seconds: each timing runs enough calls to last at least this long
    - clock: the timer, time.perf_counter (wall clock) unless given; time.thread_time
      counts only this thread's CPU time, so time spent waiting for a busy core is left out
    - max_seconds: if given, stop after the pair that brings the timed total past it,
      once MIN_PAIRS pairs are measured (a very slow function then costs seconds, not minutes)

    Returns a SpeedComparison; print it for a line such as
    "alt is 2.4x faster than graph (range 2.2–2.6x over 15 pairs)".
    """
    timers = [lambda number, fn=fn: _time_calls(fn, args, number, clock) for fn in (baseline, candidate)]
    return compare_timers(*timers, names=names, pairs=pairs, min_seconds=min_seconds, max_seconds=max_seconds)


def compare_timers(baseline, candidate, names=("baseline", "candidate"), pairs=15, min_seconds=0.01, max_seconds=None,
                   decided=None):
    """compare_speed's interleaved pairs, for calls timed elsewhere: baseline(number) and candidate(number)
    make that many calls of their function and return the seconds they took. decided: if given, a function
    of the ratios measured so far (a list) that returns True when they settle the comparison: the pairs stop."""
    _check(pairs, min_seconds, max_seconds)
    # Calibrating both also warms them up. Each then runs enough calls to last min_seconds
    # on its own (both the same number, if they are near: SAME_CALLS_WITHIN), and the ratio
    # is of the times per call: a slow function runs once per timing, not as often as the
    # fast one needs.
    timers = (baseline, candidate)
    numbers = tuple(_calls_for(timer, min_seconds) for timer in timers)
    if max(numbers) < SAME_CALLS_WITHIN * min(numbers):
        numbers = (max(numbers),) * 2
    gc_was_enabled = gc.isenabled()
    gc.disable()
    ratios = []
    spent = 0.0
    try:
        for i in range(pairs):
            first, second = (0, 1) if i % 2 == 0 else (1, 0)
            times = [0.0, 0.0]
            for k in (first, second, second, first):
                times[k] += timers[k](numbers[k])
            ratios.append((times[0] / numbers[0]) / (times[1] / numbers[1]))
            spent += times[0] + times[1]
            if max_seconds is not None and spent > max_seconds and len(ratios) >= MIN_PAIRS:
                break
            if decided is not None and decided(ratios):
                break
    finally:
        if gc_was_enabled:
            gc.enable()
    return SpeedComparison(names[0], names[1], tuple(ratios), numbers)
