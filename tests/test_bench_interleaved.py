"""The many-function interleaved timer, on a fake clock so its order and arithmetic are exact."""
import gc

import pytest
from helpers import FakeClock

from autograder.bench import interleaved
from autograder.bench.interleaved import RoundTimes, Spread, rotation, time_interleaved




@pytest.fixture
def clock(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(interleaved.time, "perf_counter", clock)
    return clock


def test_each_round_starts_one_later_and_warms_up_before_timing(clock):
    functions = {name: clock.work(name, 1.0) for name in "abc"}
    times = time_interleaved(functions, rounds=4, min_seconds=0.5)
    assert times.calls == {"a": 1, "b": 1, "c": 1}  # one call lasts min_seconds
    timed = clock.calls[-24:]  # per timing: one untimed call, then one timed call
    assert "".join(timed) == "aabbcc" "bbccaa" "ccaabb" "aabbcc"


def test_without_warm_up_calls(clock):
    functions = {name: clock.work(name, 1.0) for name in "abc"}
    time_interleaved(functions, rounds=4, min_seconds=0.5, warmup_calls=0)
    assert "".join(clock.calls[-12:]) == "abc" "bca" "cab" "abc"


def test_rotation():
    assert rotation(("a", "b", "c"), 0) == ("a", "b", "c")
    assert rotation(("a", "b", "c"), 4) == ("b", "c", "a")
    assert rotation(("a",), 7) == ("a",)


def test_times_are_per_call_and_ratios_per_round(clock):
    functions = {"slow": clock.work("slow", 0.003), "fast": clock.work("fast", 0.001)}
    times = time_interleaved(functions, rounds=5, min_seconds=0.01)
    assert times.names == ("slow", "fast") and times.rounds == 5
    assert times.calls["fast"] >= 10 and times.calls["slow"] >= 4  # each lasts min_seconds on its own
    assert times.seconds["slow"] == pytest.approx((0.003,) * 5)
    assert times.median("fast") == pytest.approx(0.001)
    ratio = times.ratio("slow", "fast")
    assert ratio.values == pytest.approx((3.0,) * 5)
    assert str(ratio) == "3.0 (3.0–3.0)"


def test_ratio_pairs_the_rounds():
    times = RoundTimes(("a", "b"), {"a": (4.0, 2.0, 9.0), "b": (2.0, 2.0, 3.0)}, {"a": 1, "b": 1})
    assert times.ratio("a", "b").values == (2.0, 1.0, 3.0)  # not sorted medians divided
    assert times.ratio("b", "a").values == (0.5, 1.0, 3.0 / 9.0)


def test_spread_format():
    assert str(Spread((2.2, 2.4, 2.6))) == "2.4 (2.2–2.6)"
    assert str(Spread((0.5, 0.4, 0.8))) == "0.50 (0.40–0.80)"
    spread = Spread((1.0, 3.0, 2.0, 10.0))
    assert (spread.low, spread.median, spread.high) == (1.0, 2.5, 10.0)


@pytest.mark.parametrize("kwargs, argument", [
    ({"functions": {}}, "functions"),
    ({"rounds": 0}, "rounds"),
    ({"min_seconds": 0}, "min_seconds"),
    ({"warmup_calls": -1}, "warmup_calls"),
])
def test_bad_arguments(kwargs, argument):
    arguments = {"functions": {"a": lambda: None}, **kwargs}
    with pytest.raises(ValueError, match=f"^{argument}: "):
        time_interleaved(**arguments)


def test_gc_state_is_restored(clock):
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        time_interleaved({"a": clock.work("a", 1.0)}, rounds=1, min_seconds=0.5)
        assert gc.isenabled() == enabled
    gc.enable()


def test_real_functions():
    times = time_interleaved({"sum": lambda: sum(range(2000)), "none": lambda: None}, rounds=3, min_seconds=0.001)
    assert times.rounds == 3 and all(v > 0 for v in times.ratio("sum", "none").values)
