"""The speed check's calls, timed from the grader: the message channel, the CPU reading, and the whole check.

The samples `fakes_the_timer` and `alt_memoizes` (graded by test_demo and test_integrity)
show the attacks this stops; here are the parts it is built of.
"""
import json
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from autograder.facts import MEMORY_MB
from autograder.samples import write_submission
from autograder.samples.edit import solution_text
from autograder.trusted import speed, timing_check
from autograder.trusted.probe_runner import run_trusted_checks
from cs231n_style.timed_calls import MAX_ARRAY_BYTES, MAX_LINE, Channel, ChannelError, dout_for

CHECK = "hidden_alt_faster"


@pytest.fixture
def channel_pair():
    """(here, there): two channels joined by two pipes."""
    a_read, b_write = os.pipe()
    b_read, a_write = os.pipe()
    yield Channel(a_read, a_write), Channel(b_read, b_write)
    for fd in (a_read, b_write, b_read, a_write):
        os.close(fd)


def test_messages_carry_arrays_exactly(channel_pair):
    here, there = channel_pair
    x, g = np.arange(12.0).reshape(3, 4), np.linspace(0, 1, 4, dtype=np.float32)
    here.send({"case": 1e-5}, [x, g])
    message, arrays = there.receive(time.monotonic() + 5)
    assert message == {"case": 1e-5}
    assert [a.dtype for a in arrays] == [np.float64, np.float32]
    np.testing.assert_array_equal(arrays[0], x)
    np.testing.assert_array_equal(arrays[1], g)
    arrays[0][0, 0] = 7  # writable: a student's function may write into its inputs
    here.send({"go": True})
    assert there.receive()[0] == {"go": True}


@pytest.mark.parametrize("header", [
    {"arrays": [[[3], "|O"]]},  # object arrays: never
    {"arrays": [[[3], "<i8"]]},  # only floats
    {"arrays": [[[-1, 4], "<f8"]]},
    {"arrays": [[[MAX_ARRAY_BYTES // 8 + 1], "<f8"]]},
    {"arrays": "nonsense"},
])
def test_arrays_the_protocol_does_not_allow_are_refused(channel_pair, header):
    here, there = channel_pair
    os.write(here.write_fd, json.dumps(header).encode() + b"\n")
    with pytest.raises(ChannelError):
        there.receive(time.monotonic() + 5)


@pytest.mark.parametrize("line", [b"[1, 2]\n", b"not json\n", b'"text"\n'])
def test_a_line_that_is_not_a_message_is_refused(channel_pair, line):
    here, there = channel_pair
    os.write(here.write_fd, line)
    with pytest.raises(ChannelError):
        there.receive(time.monotonic() + 5)


def test_a_line_longer_than_the_protocol_allows_is_refused(channel_pair):
    here, there = channel_pair
    writer = threading.Thread(target=os.write, args=(here.write_fd, b"x" * (4 * MAX_LINE)), daemon=True)
    writer.start()  # no newline, and more than a pipe holds
    with pytest.raises(ChannelError, match="longer"):
        there.receive(time.monotonic() + 5)


def test_silence_past_the_deadline_and_the_end_are_told_apart(channel_pair):
    here, there = channel_pair
    with pytest.raises(ChannelError) as silence:
        there.receive(time.monotonic() + 0.05)
    assert silence.value.timed_out
    os.close(here.write_fd)
    here.write_fd = os.open(os.devnull, os.O_WRONLY)  # closed by the fixture instead
    with pytest.raises(ChannelError) as ended:
        there.receive(time.monotonic() + 5)
    assert not ended.value.timed_out


def test_the_grader_and_the_student_make_the_same_fresh_douts():
    a, b = dout_for(11, (4, 3)), dout_for(11, (4, 3))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, dout_for(12, (4, 3)))


def test_cpu_seconds_counts_the_work_of_every_thread_and_not_the_waiting():
    """A child spins 0.3 s in a second thread, then sleeps 0.3 s: about 0.3 s of CPU, read from outside."""
    code = ("import threading, time, sys\n"
            "done = threading.Event()\n"
            "def spin():\n    end = time.thread_time() + 0.3\n    while time.thread_time() < end: pass\n"
            "    done.set(); threading.Event().wait()\n"
            "sys.stdin.readline(); threading.Thread(target=spin, daemon=True).start(); done.wait()\n"
            "print('spun', flush=True); time.sleep(0.3); print('slept', flush=True); sys.stdin.readline()\n")
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.2)  # let it start and wait
        before = speed.cpu_seconds(child.pid)
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline() == "spun\n"
        spun = speed.cpu_seconds(child.pid)
        assert child.stdout.readline() == "slept\n"
        slept = speed.cpu_seconds(child.pid)
    finally:
        child.kill()
        child.wait()
    assert spun - before == pytest.approx(0.3, abs=0.05)
    assert slept - spun < 0.02


def test_the_student_process_is_the_sandboxs_process_1(tmp_path):
    from autograder.isolation import sandbox
    from autograder.trusted.probe_runner import _kill, _start
    if not sandbox.isolation_available():
        pytest.skip("without namespaces the started process is the student's")
    folder = tmp_path / "s"
    write_submission(folder, solution_text())
    process = _start(folder, False, MEMORY_MB, ["--timed-calls"])
    try:
        assert Channel(process.stdout.fileno(), process.stdin.fileno()).read_line(time.monotonic() + 30) == b"imported\n"
        pid = speed.student_process(process.pid)
        assert pid != process.pid
        assert speed._status(pid, "NSpid")[-1] == "1"
    finally:
        _kill(process)


def test_a_correct_solution_passes_and_its_ratio_is_measured(tmp_path):
    verdict = run_trusted_checks(write_submission(tmp_path / "s", solution_text()), [CHECK])[CHECK]
    assert verdict.measured >= timing_check.MIN_SPEEDUP, verdict.lines
    assert verdict.fraction == 1.0


def test_a_function_that_raises_during_the_timing_is_named(tmp_path):
    text = solution_text() + "\n\n_calls = 0\n_alt = batchnorm_backward_alt\n\n\n" \
        "def batchnorm_backward_alt(dout, cache):\n    global _calls\n    _calls += 1\n" \
        "    if _calls > 3:\n        raise FloatingPointError('tired')\n    return _alt(dout, cache)\n"
    verdict = run_trusted_checks(write_submission(tmp_path / "s", text), [CHECK])[CHECK]
    assert verdict.fraction == 0.0
    assert "batchnorm_backward_alt raised FloatingPointError: tired" in verdict.lines[0]


def test_an_endless_loop_in_a_timed_call_costs_the_check_its_timeout(tmp_path):
    from autograder.trusted.probe_runner import _kill, _start
    text = solution_text() + "\n\n_calls = 0\n_alt = batchnorm_backward_alt\n\n\n" \
        "def batchnorm_backward_alt(dout, cache):\n    global _calls\n    _calls += 1\n" \
        "    while _calls > 2:\n        pass\n    return _alt(dout, cache)\n"
    folder = write_submission(tmp_path / "s", text)
    process = _start(folder, False, MEMORY_MB, ["--timed-calls"])
    try:
        start = time.monotonic()
        result = speed.measure(process, timing_check.requests()[0], timeout=3)
        assert time.monotonic() - start < 10
    finally:
        _kill(process)
    assert result == {"timing": {"error": "did not finish within 3 s (an endless loop, or calls of many seconds each?)"}}


@pytest.mark.parametrize("header", [
    {"arrays": [[[8], "<f8"]] * 4},  # more arrays than any message carries
    {"arrays": [[[MAX_ARRAY_BYTES // 16 + 1], "<f8"]] * 2},  # each allowed, together too many bytes
    {"arrays": [[[2, 2, 2], "<f8"]]},
    {"arrays": [[[1e300], "<f8"]]},
    {"arrays": [[[2 ** 70], "<f8"]]},
    {"arrays": [[[4611686018427387904, 4], "<f8"]]},  # a product that wraps around in int64
])
def test_messages_past_the_protocols_bounds_are_refused(channel_pair, header):
    here, there = channel_pair
    os.write(here.write_fd, json.dumps(header).encode() + b"\n")
    with pytest.raises(ChannelError):
        there.receive(time.monotonic() + 5)


def test_a_line_nested_too_deeply_is_refused(channel_pair):
    here, there = channel_pair
    os.write(here.write_fd, b"[" * 30000 + b"\n")
    with pytest.raises(ChannelError):
        there.receive(time.monotonic() + 5)


def test_sending_to_a_side_that_stops_reading_gives_up_at_the_deadline(channel_pair):
    here, _ = channel_pair
    start = time.monotonic()
    with pytest.raises(ChannelError) as stuck:
        here.send({"case": 1e-5}, [np.zeros(1 << 20)], deadline=time.monotonic() + 0.5)  # 8 MB: past a pipe
    assert stuck.value.timed_out and time.monotonic() - start < 3


def test_a_closed_form_that_calls_the_graph_version_fails_from_its_source_untimed(tmp_path):
    from autograder.samples import SAMPLES

    layers = next(s for s in SAMPLES if s.name == "alt_calls_graph").layers()
    start = time.monotonic()
    verdict = run_trusted_checks(write_submission(tmp_path / "s", layers), [CHECK])[CHECK]
    assert verdict.fraction == 0.0 and verdict.measured is None
    assert "cannot be faster than it" in verdict.lines[0]
    assert time.monotonic() - start < 5  # no probe started


@pytest.mark.parametrize("ratio, measurements", [
    (1.0, timing_check.TIMING_ATTEMPTS),  # no faster: perhaps load pulled it down, measured again each time
    (1.3, 1),  # passes
    (0.01, 1),  # far slower (a closed form that loops over the batch): another measurement would not change it
])
def test_a_measurement_that_falls_short_is_made_again_unless_it_fell_far_short(monkeypatch, tmp_path, ratio,
                                                                                measurements):
    from autograder.budget import SubmissionBudget
    from autograder.trusted import probe_runner

    started = []

    def start(*_args):
        started.append(subprocess.Popen(["cat"], stdin=subprocess.PIPE, start_new_session=True))  # ends with its stdin
        return started[-1]

    monkeypatch.setattr(probe_runner, "_start", start)
    monkeypatch.setattr(speed, "measure", lambda *_: {"timing": {"ratios": [ratio] * 5, "calls_per_timing": [4, 4]}})
    verdict = probe_runner._timed(tmp_path, CHECK, False, MEMORY_MB, 60, None, SubmissionBudget(), {})
    assert len(started) == measurements
    assert verdict.fraction == (1.0 if ratio >= timing_check.MIN_SPEEDUP else 0.0)
    assert all(process.poll() is not None for process in started)
