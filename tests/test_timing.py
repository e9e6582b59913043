"""The timing comparison, on a fake clock so its arithmetic is exact."""
import itertools

import pytest
from helpers import FakeClock

from cs231n_style import timing
from cs231n_style.timing import SpeedComparison, compare_speed




def test_ratio_is_baseline_time_over_candidate_time(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(timing.time, "perf_counter", clock)
    result = compare_speed(clock.work("graph", 0.003), clock.work("alt", 0.001), names=("graph", "alt"),
                           pairs=7, min_seconds=0.01)
    assert result.ratios == pytest.approx((3.0,) * 7)
    graph_calls, alt_calls = result.calls_per_timing
    assert graph_calls == alt_calls >= 10  # near in speed: the same number, enough for the faster one
    assert str(result) == "alt is 3.0x faster than graph (range 3.0–3.0x over 7 pairs)"


def test_a_function_far_slower_runs_fewer_calls_per_timing(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(timing.time, "perf_counter", clock)
    result = compare_speed(clock.work("graph", 0.001), clock.work("loop", 0.1), pairs=3, min_seconds=0.01)
    graph_calls, loop_calls = result.calls_per_timing
    assert graph_calls >= 10 and loop_calls == 1  # 100x apart: each lasts min_seconds on its own
    assert result.ratios == pytest.approx((0.01,) * 3)


def test_a_fixed_cost_per_timing_does_not_tell_two_equal_functions_apart():
    """Two functions of the same speed whose calibrations disagree (a first call slowed by load: 1 call against 4)
    measure 1 all the same, though each timing costs 2 ms besides its calls of 2.5 ms."""
    def timer(spikes):
        def timed(number):
            slowed = spikes.pop(0) if spikes else 0.0
            return 0.0025 * number + 0.002 + slowed
        return timed

    result = timing.compare_timers(timer([0.01]), timer([]), pairs=5, min_seconds=0.01)
    assert result.calls_per_timing == (4, 4)
    assert result.ratios == pytest.approx((1.0,) * 5)


def test_pairs_of_pairs_alternate_which_function_goes_first(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(timing.time, "perf_counter", clock)
    result = compare_speed(clock.work("a", 1.0), clock.work("b", 1.0), pairs=4, min_seconds=0.5)
    timed = clock.calls[-16:]  # one call per timing once calibrated
    assert timed == ["a", "b", "b", "a", "b", "a", "a", "b"] * 2
    assert result.calls_per_timing == (1, 1)


def test_time_budget_stops_the_pairs_once_enough_are_measured(monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(timing.time, "perf_counter", clock)
    slow = compare_speed(clock.work("graph", 0.01), clock.work("loop", 1.0), pairs=15, min_seconds=0.01,
                         max_seconds=2.5)
    assert len(slow.ratios) == timing.MIN_PAIRS  # past 2.5 s after two pairs (2.02 s each); three are kept
    assert slow.ratios == pytest.approx((0.01,) * 3)
    quick = compare_speed(clock.work("graph", 0.01), clock.work("alt", 0.005), pairs=15, min_seconds=0.01,
                          max_seconds=2.5)
    assert len(quick.ratios) == 15


def test_the_pairs_stop_once_the_caller_says_they_decide_it():
    seen = []

    def decided(ratios):
        seen.append(list(ratios))
        return len(ratios) == 4

    # timers for calls timed elsewhere: n calls of 20 ms against n calls of 10 ms
    result = timing.compare_timers(lambda n: 0.02 * n, lambda n: 0.01 * n, pairs=15, decided=decided)
    assert result.ratios == pytest.approx((2.0,) * 4)
    assert [len(r) for r in seen] == [1, 2, 3, 4]
    assert len(timing.compare_timers(lambda n: 0.02 * n, lambda n: 0.01 * n, pairs=15).ratios) == 15


def test_report_of_a_slower_candidate_and_spread():
    result = SpeedComparison("graph", "alt", (0.5, 0.4, 0.8), (1, 1))
    assert result.median == 0.5
    assert str(result) == "alt is 2.0x slower than graph (range 1.2–2.5x over 3 pairs)"
    faster = SpeedComparison("graph", "alt", (2.2, 2.4, 2.6), (1, 1))
    assert (faster.low, faster.median, faster.high) == (2.2, 2.4, 2.6)


def test_real_functions_give_one_ratio_per_pair():
    result = compare_speed(lambda: sum(range(2000)), lambda: None, pairs=3, min_seconds=0.001)
    assert len(result.ratios) == 3 and all(r > 0 for r in result.ratios)


@pytest.mark.parametrize("kwargs, argument", [({"pairs": 0}, "pairs"), ({"min_seconds": 0}, "min_seconds"),
                                              ({"max_seconds": -1}, "max_seconds")])
def test_bad_arguments(kwargs, argument):
    with pytest.raises(ValueError, match=f"^{argument}: "):
        compare_speed(lambda: None, lambda: None, **kwargs)


def test_gc_state_is_restored(monkeypatch):
    import gc
    clock = FakeClock()
    monkeypatch.setattr(timing.time, "perf_counter", clock)
    for enabled in (True, False):
        (gc.enable if enabled else gc.disable)()
        compare_speed(clock.work("a", 1.0), clock.work("b", 1.0), pairs=1, min_seconds=0.5)
        assert gc.isenabled() == enabled
    gc.enable()
    assert list(itertools.islice(clock.calls, 2))  # the fake functions really ran
