"""The speed check (hidden_alt_faster), timed from outside the student's process.

    result = speed.measure(process, request, timeout)

`process` runs `python -m cs231n_style.probe --timed-calls` in the sandbox
(cs231n_style/timed_calls.py). This module asks it for a few calls at a time (a
timing), each on a dout of its own from a seed chosen here just before, and
measures a timing as the CPU time the student's process spent on it: the
nanoseconds of all its threads, read from /proc/PID/task/*/schedstat while none
of them is running (the process waits for its next message then). The two
functions alternate in interleaved pairs, as cs231n_style.timing does. After
each timing, a random share of its calls (and the first of each function) have
their result compared with the reference here: only functions that return the
gradient (to within TOLERANCE) are timed to the end.

So nothing the student's import patches can forge a time, and no call can reuse
an earlier one's result. What this cannot stop: a graph version written to be
slow, or work handed to a thread that ends before the call returns (its CPU
time is not counted).

Returns the result timing_check.judge reads: {"timing": {"ratios": [...],
"calls_per_timing": [...]}}, or {part: {"error": ...}} for the part that failed,
or {"wrong": line} for a result that is not the gradient.
"""
import os
import random
import time


from cs231n_style.data import random_case
from cs231n_style.gradient_check import gradient_scales
from cs231n_style.timed_calls import MAX_CALLS, Channel, ChannelError, dout_for
from cs231n_style.timing import compare_timers

from .. import reference as ref
from . import timing_check
from .compare import compare

GRAPH, ALT = "batchnorm_backward", "batchnorm_backward_alt"
PARTS = ("forward", GRAPH, ALT)  # what a failed call is reported under
FUNCTIONS = ("batchnorm_forward", GRAPH, ALT)  # the student's functions the timing calls
GRADS = ("dx", "dgamma", "dbeta")
EPS = 1e-5
VERIFIED_SHARE = 0.05  # of the calls after the first of each function, whose result is compared with the reference
# How far from the gradient a timed result may be, as a fraction of its scale (gradient_scales): far looser
# than the correctness checks, whose points a mistake costs already, so that only a function that does not
# compute the gradient at all (a stub, a patched probe's answer, a large mistake) is not timed.
TOLERANCE = 1e-2
SETTLE_SECONDS = 0.05  # longest wait for the student's threads to stop running before their CPU time is read


class _Failed(Exception):
    def __init__(self, result):
        super().__init__(result)
        self.result = result


def _status(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return line.split()[1:]
    return []


def student_process(pid):
    """The pid whose CPU time is the student's: the sandbox's process 1, the only child of the process the
    grader started (which waits outside the namespaces), or that process itself where there are none."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    parent = int(f.read().rsplit(")", 1)[1].split()[1])
                if parent == pid and _status(entry, "NSpid")[-1:] == ["1"]:
                    return int(entry)
            except (OSError, ValueError, IndexError):
                continue
    return pid


def cpu_seconds(pid):
    """CPU time of all the threads of process pid, read once none of them is running (or SETTLE_SECONDS passed).

    A running thread's count lags by up to a scheduler tick; a waiting one's is exact.
    """
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        total, running = 0, False
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            raise _Failed({"timing": {"error": "the process running layers.py ended during the timing"}}) from None
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    running |= f.read().rsplit(")", 1)[1].split()[0] == "R"
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    total += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                continue  # a thread that just ended
        if not running or time.monotonic() > deadline:
            return total / 1e9
        time.sleep(50e-6)


class _Session:
    """The conversation with one timed-calls process."""

    def __init__(self, channel, pid, case, timeout):
        self.channel, self.pid, self.case = channel, pid, case
        self.timeout, self.deadline = timeout, time.monotonic() + timeout
        # The douts' seeds and which results are checked: neither predictable from this source.
        self.chooser = random.SystemRandom()
        self.checked = set()
        _, self.ref_cache = ref.batchnorm_forward(case.x, case.gamma, case.beta, {"mode": "train", "eps": EPS})

    def expect(self, key):
        try:
            message, arrays = self.channel.receive(self.deadline)
        except ChannelError as exc:
            raise _Failed(_unfinished(exc, self.timeout)) from None
        if key not in message:
            failed = {part: {"error": str(info["error"])[:500]} for part, info in message.items()
                      if part in PARTS and isinstance(info, dict) and "error" in info}
            raise _Failed(failed or {"timing": {"error": "the timing's answers are not what the probe sends"}})
        return message, arrays

    def send(self, message, arrays=()):
        try:
            self.channel.send(message, arrays, self.deadline)
        except ChannelError as exc:
            raise _Failed(_unfinished(exc, self.timeout)) from None

    def start(self):
        c = self.case
        self.send({"case": EPS}, [c.x, c.gamma, c.beta])
        self.expect("ready")

    def timer(self, name):
        """timer(number): CPU seconds of `number` calls of the student's `name`, each on a fresh dout."""
        def timed(number):
            seeds = [self.chooser.getrandbits(62) for _ in range(min(number, MAX_CALLS))]
            # Several calls: one untimed call first, so that they find the caches as a loop of calls leaves
            # them; a call long enough to be timed alone needs none.
            warm_up = self.chooser.getrandbits(62) if number > 1 else None
            self.send({"call": name, "seeds": seeds, "warm_up": warm_up})
            self.expect("armed")
            before = cpu_seconds(self.pid)
            self.send({"go": True})
            self.expect("done")
            spent = max(cpu_seconds(self.pid) - before, 1e-9)
            for i, seed in enumerate(seeds):
                if name not in self.checked or self.chooser.random() < VERIFIED_SHARE:
                    self.checked.add(name)
                    self.check(name, i, dout_for(seed, self.case.x.shape))
            return spent * number / len(seeds)
        return timed

    def check(self, name, i, dout):
        self.send({"send": i})
        message, grads = self.expect("grads")
        N, D = self.case.x.shape
        if not message["grads"] or len(grads) != 3:
            raise _Failed({"wrong": f"during the timing on {N}x{D}, {name} did not return (dx, dgamma, dbeta) "
                                    "as arrays of floats"})
        expected = ref.batchnorm_backward_alt(dout, self.ref_cache)
        size = gradient_scales(self.case.x, self.case.gamma, dout, EPS)
        for grad, student, exp in zip(GRADS, grads, expected):
            comparison = compare(grad, student, exp, size[grad])
            if comparison.problem or comparison.error > TOLERANCE:
                found = comparison.problem or f"off by {comparison.error:.1e} of its scale"
                raise _Failed({"wrong": f"during the timing on {N}x{D}, {name} returned a {grad} that is not "
                                        f"the gradient ({found}): only functions that return the gradient, to "
                                        f"within {TOLERANCE:.0%}, are timed"})


def _unfinished(exc, timeout):
    if exc.timed_out:
        return {"timing": {"error": f"did not finish within {timeout:g} s (an endless loop, or calls of many "
                                    "seconds each?)"}}
    return {"timing": {"error": f"the timing did not finish ({exc})"}}


def measure(process, request, timeout):
    """Time the student's two backward functions in `process` (started with --timed-calls) as `request` says
    (timing_check.requests: N, D, seed, loc, scale, pairs, min_seconds, max_seconds); returns the result dict."""
    channel = Channel(process.stdout.fileno(), process.stdin.fileno())
    try:
        if channel.read_line(time.monotonic() + timeout) != b"imported\n":
            return {"timing": {"error": "importing layers.py failed"}}
        case = random_case(request["N"], request["D"], seed=request["seed"], loc=request["loc"], scale=request["scale"])
        session = _Session(channel, student_process(process.pid), case, timeout)
        session.start()
        result = compare_timers(session.timer(GRAPH), session.timer(ALT), names=("graph", "alt"),
                                pairs=request["pairs"], min_seconds=request["min_seconds"],
                                max_seconds=request["max_seconds"], decided=timing_check.clearly_faster)
        session.send({"end": True})
    except ChannelError as exc:
        return _unfinished(exc, timeout)
    except _Failed as failed:
        return failed.result
    except OSError:  # the process ended: a write to its closed pipe
        return {"timing": {"error": "the process running layers.py ended during the timing"}}
    except Exception as exc:  # answers shaped unlike what the probe sends: forged or broken
        return {"timing": {"error": f"the timing's answers could not be read ({type(exc).__name__})"}}
    return {"timing": {"ratios": list(result.ratios), "calls_per_timing": list(result.calls_per_timing)}}
