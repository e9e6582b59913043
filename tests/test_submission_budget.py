"""The time limits of one submission: CPU and wall clock per check, functions not called again, the budget."""
import time
import types

import pytest

from autograder.budget import SubmissionBudget
from autograder.facts import AFTER_TIMEOUT, MEMORY_MB
from cs231n_style import probe


def _layers(**functions):
    return types.SimpleNamespace(**functions)


def _forward_request(name="batchnorm_forward"):
    import numpy as np

    x = np.ones((4, 3))
    return [{"kind": "variant", "forward": name, "backward": "unused", "args": [x], "dout": x}]


def _spin(*args):
    while True:
        pass


def _sleep(*args):
    while True:
        time.sleep(0.05)


def _quick(x):
    return x, None


def test_a_spinning_function_is_stopped_by_its_cpu_time_and_later_checks_get_the_short_limits():
    layers = _layers(spins=_spin, quick=_quick)
    checks = {"first": _forward_request("spins"), "second": _forward_request("spins"), "other": _forward_request("quick")}
    start = time.monotonic()
    results, ran_out, timed_out = probe.run_checks(layers, checks, timeout=60, cpu=2, after_timeout=1)
    assert time.monotonic() - start < 30  # the wall-clock timeout (60 s) was never waited for
    assert results["first"]["error"] == "did not finish within 2 s of CPU: spins was still running (an endless loop?)"
    assert results["second"]["error"] in ("did not finish within 1 s of CPU: spins was still running (an endless loop?)",
                                          "did not finish within 1 s: spins was still running (an endless loop?)")
    assert "error" not in results["other"]  # a function that returns still gets its check
    assert ran_out == {"spins": "first"} and timed_out == ["first", "second"]


def test_a_waiting_function_is_stopped_by_the_wall_clock():
    layers = _layers(sleeps=_sleep, also_sleeps=_sleep)
    checks = {"first": _forward_request("sleeps"), "second": _forward_request("also_sleeps")}
    start = time.monotonic()
    results, ran_out, _ = probe.run_checks(layers, checks, timeout=2, cpu=5, after_timeout=0.5)
    assert results["first"]["error"] == "did not finish within 2 s: sleeps was still running (an endless loop?)"
    assert results["second"]["error"] == "did not finish within 0.5 s: also_sleeps was still running (an endless loop?)"
    assert ran_out == {"sleeps": "first", "also_sleeps": "second"}
    assert time.monotonic() - start < 2 + 0.5 + 5


def test_a_timeout_after_the_students_function_returned_names_no_function():
    class Endless:
        def __array__(self, *args, **kwargs):  # read by the probe once the student's function has returned
            _sleep()

    layers = _layers(lazy=lambda x: (Endless(), None))
    results, ran_out, timed_out = probe.run_checks(layers, {"c": _forward_request("lazy")}, timeout=1)
    assert results["c"]["error"] == "did not finish within 1 s (an endless loop?)"
    assert ran_out == {} and timed_out == ["c"]


def test_no_check_starts_or_goes_on_once_the_budget_is_spent():
    layers = _layers(sleeps=_sleep, quick=_quick)
    checks = {"slow": _forward_request("sleeps"), "later": _forward_request("quick")}
    results, _, timed_out = probe.run_checks(layers, checks, timeout=60, cpu=5, budget=1)
    assert results == {"slow": {"stopped": "budget"}, "later": {"not_run": "budget"}} and timed_out == ["slow"]


def test_a_child_that_goes_on_after_its_results_and_what_it_started_are_stopped(tmp_path):
    import os

    def escapes(x):
        if os.fork() == 0:  # a grandchild that spins forever
            (tmp_path / "grandchild").write_text(str(os.getpid()))
            while True:
                pass
        while True:
            time.sleep(0.05)

    layers = _layers(escapes=escapes)
    start = time.monotonic()
    _, ran_out, _ = probe.run_checks(layers, {"c": _forward_request("escapes")}, timeout=1.5, cpu=5)
    assert time.monotonic() - start < 10 and ran_out == {"escapes": "c"}
    grandchild = int((tmp_path / "grandchild").read_text())
    time.sleep(0.2)
    try:
        state = open(f"/proc/{grandchild}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        state = "gone"
    assert state in ("gone", "Z"), state  # killed with its group (a zombie until its parent's parent reaps it)


def test_a_check_that_calls_a_function_many_times_is_not_held_up_by_the_names_it_reports():
    layers = _layers(counted=_quick)
    many = _forward_request("counted") * 20_000  # 40,000 lines of names: more than a pipe holds unread
    start = time.monotonic()
    results, _, timed_out = probe.run_checks(layers, {"many": many}, timeout=60, cpu=30)
    assert "error" not in results["many"] and len(results["many"]["results"]) == 20_000 and timed_out == []
    assert time.monotonic() - start < 50


def test_the_budget_limits_each_timeout_by_what_is_left_and_shortens_them_after_a_timeout():
    budget = SubmissionBudget(seconds=10)
    assert budget.limit(60) == 10 and budget.limit(3) == 3 and budget.limit(None) == 10
    with budget.spending():
        time.sleep(0.2)
    assert 9.5 < budget.left() < 9.81
    assert budget.limit(60, AFTER_TIMEOUT) == pytest.approx(budget.left())
    budget.ran_out = "the check test_backward_alt"
    assert budget.limit(60, AFTER_TIMEOUT) == AFTER_TIMEOUT
    assert budget.limit(60) == pytest.approx(budget.left())  # checks already know: their probe shortens them
    budget.used = 11
    assert budget.left() == 0 and budget.limit(60, AFTER_TIMEOUT) == 0
    assert budget.spent_message() == "the submission had used its 10 s budget"


def test_the_budget_is_read_from_the_configuration_once_per_notebook():
    from traitlets.config import Config

    config = Config()
    config.SubmissionBudget.seconds = 7.0
    resources = {}
    budget = SubmissionBudget.of(resources, config)
    assert budget.seconds == 7.0 and SubmissionBudget.of(resources, config) is budget
    assert SubmissionBudget.of({}, config) is not budget


def test_a_function_that_loops_on_some_inputs_only_still_gets_its_later_checks():
    import numpy as np

    def loops_on_four_rows(x):
        while len(x) == 4:
            pass
        return x, None

    layers = _layers(picky=loops_on_four_rows)
    other = [{**_forward_request("picky")[0], "args": [np.ones((3, 3))]}]
    results, ran_out, _ = probe.run_checks(layers, {"four": _forward_request("picky"), "three": other},
                                           timeout=60, cpu=1, after_timeout=1)
    assert "picky was still running" in results["four"]["error"] and ran_out == {"picky": "four"}
    assert "error" not in results["three"] and "error" not in results["three"]["results"][0]["forward"]


def test_the_speed_check_does_not_time_a_function_that_ran_out_of_time(tmp_path):
    from autograder.trusted import probe_runner

    for name in ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt"):
        verdict = probe_runner._timed(tmp_path, "hidden_alt_faster", False, MEMORY_MB, 60, None, SubmissionBudget(),
                                      {name: "test_forward_test"})
        assert verdict.fraction == 0
        assert verdict.summary() == f"{name} did not finish in an earlier check (test_forward_test), so it is not timed"
