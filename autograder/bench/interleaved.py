"""Time several implementations in interleaved rounds; report ratios with their spread.

The two-function version is `cs231n_style.timing.compare_speed`; this is the
same idea for any number of functions. Each round times every function once,
in an order that rotates from round to round (round r starts with function
r mod k), so no function always runs first or right after the same neighbour.
A ratio of two functions is taken within each round, where whatever slowed the
machine slowed both, and reported as its median and range over the rounds.

Each function gets its own number of calls per timing (enough to last
`min_seconds`), so a function 100x slower than another does not stretch the
benchmark 100-fold; times are per call.

Each timing starts with one untimed call of its function. Functions that
allocate large temporaries leave the memory allocator in a state that can make
the next function's allocations fault in fresh pages (glibc returns freed
memory to the system past a threshold that moves with the sizes it has seen).
The untimed call puts the allocator back in the steady state of repeated calls
of the function being timed, as a timeit loop of that function alone would see.
"""
import gc
import statistics
import time
from dataclasses import dataclass

from cs231n_style.timing import calls_for


@dataclass(frozen=True)
class Spread:
    """Per-round values of one ratio: median, lowest and highest."""

    values: tuple

    @property
    def median(self):
        return statistics.median(self.values)

    @property
    def low(self):
        return min(self.values)

    @property
    def high(self):
        return max(self.values)

    def __str__(self):
        """E.g. '2.3 (2.1–2.6)'."""
        return f"{_number(self.median)} ({_number(self.low)}–{_number(self.high)})"


def _number(value):
    """Two decimals below 1 (0.64), one from there on (1.0, 2.4, 16.6)."""
    return f"{value:.2f}" if value < 0.995 else f"{value:.1f}"


@dataclass(frozen=True)
class RoundTimes:
    """Seconds per call of each function in each round.

    - names: the functions, in the order they were given
    - seconds: dict name -> tuple of seconds per call, one per round
    - calls: dict name -> calls per timing
    """

    names: tuple
    seconds: dict
    calls: dict

    @property
    def rounds(self):
        return len(self.seconds[self.names[0]])

    def median(self, name):
        """Median seconds per call of `name` over the rounds."""
        return statistics.median(self.seconds[name])

    def ratio(self, numerator, denominator):
        """time(numerator) / time(denominator) in each round, as a Spread.

        Above 1 when `denominator` is the faster one: graph/alt = 3 means the
        closed form runs in a third of the graph version's time.
        """
        pairs = zip(self.seconds[numerator], self.seconds[denominator])
        return Spread(tuple(num / den for num, den in pairs))


def _seconds_per_call(fn, number):
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def rotation(names, round_index):
    """The order of round `round_index`: names rotated left by round_index mod len(names)."""
    shift = round_index % len(names)
    return tuple(names[shift:]) + tuple(names[:shift])


def time_interleaved(functions, rounds=15, min_seconds=0.05, warmup_calls=1):
    """Time each function in `functions` once per round, in rotating order.

    Inputs:
    - functions: dict name -> function called with no arguments (bind the
      arguments beforehand, e.g. with functools.partial); results are discarded
    - rounds: how many rounds (at least 1)
    - min_seconds: each timing runs enough calls of its function to last this long
    - warmup_calls: untimed calls of the function right before each of its timings

    Returns a RoundTimes.
    """
    if not functions:
        raise ValueError("functions: expected at least one function to time, got none")
    if rounds < 1:
        raise ValueError(f"rounds: expected at least 1, got {rounds}")
    if not min_seconds > 0:
        raise ValueError(f"min_seconds: expected a positive number of seconds, got {min_seconds}")
    if warmup_calls < 0:
        raise ValueError(f"warmup_calls: expected 0 or more, got {warmup_calls}")
    names = tuple(functions)
    # Calibration also warms each function up (caches, allocator, lazy imports).
    calls = {name: calls_for(functions[name], (), min_seconds) for name in names}
    seconds = {name: [] for name in names}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for r in range(rounds):
            for name in rotation(names, r):
                for _ in range(warmup_calls):
                    functions[name]()
                seconds[name].append(_seconds_per_call(functions[name], calls[name]))
    finally:
        if gc_was_enabled:
            gc.enable()
    return RoundTimes(names, {name: tuple(s) for name, s in seconds.items()}, calls)
