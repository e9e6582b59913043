"""Run a submission's code through cs231n_style.probe in the sandbox, and judge what comes back.

    verdicts = run_trusted_checks(submission_dir, ["hidden_forward", ...])

The probe runs in the submission's own folder (its layers.py, and the cs231n_style
helpers that nbgrader restored from the source), under autograder.isolation.sandbox; the
judging runs here, against the reference. Whatever the submission does (loop,
exit, crash, flood the output, forge its results), the worst it gets is zero for
the checks it spoils.
"""
import json
import os
import signal
import subprocess
import sys
import threading
import time

from cs231n_style.probe import decode, encode

from ..isolation import fork_client, sandbox
from ..budget import SubmissionBudget
from ..facts import AFTER_TIMEOUT, CHECK_TIMEOUT, MEMORY_MB
from .compare import Verdict
from . import source_analysis, speed, timing_check
from .registry import TIMED_OUTSIDE, judge, make_requests

# Seconds of CPU per check. The slowest correct style measured (pure-Python loops over every element in the
# forward pass and the closed form) needs 0.17 s for the most demanding check, the reference 0.01 s. A loop that
# never ends is stopped here, whatever the machine's load, instead of at the check's timeout.
CHECK_CPU_SECONDS = 5
IMPORT_TIMEOUT = 30  # seconds to start and import the student's layers.py
MAX_OUTPUT = 64 * 1024 * 1024  # bytes of results we are willing to read


def _failed(message, check_ids):
    return {check_id: Verdict(0.0, [f"✗ {message}"], message) for check_id in check_ids}


def _sandbox_args(directory, insecure, memory_mb, arguments):
    return ["--expose", str(directory), *(["--insecure"] if insecure else []), "--memory-mb", str(memory_mb),
            "--", sys.executable, "-m", "cs231n_style.probe", *arguments]


def _start(directory, insecure, memory_mb, arguments=()):
    """The probe, in the sandbox, with pipes as its stdin and stdout: forked where that is possible."""
    args = _sandbox_args(directory, insecure, memory_mb, arguments)
    if fork_client.available():
        return fork_client.spawn(args, directory, pipes=True)
    return subprocess.Popen([*sandbox.launcher(), *args], cwd=directory, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)


class _Output:
    """Collects a process's stdout in a thread, up to MAX_OUTPUT bytes."""

    def __init__(self, stream):
        self.data = bytearray()
        self.overflow = False
        self.done = threading.Event()
        threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        while chunk := stream.read1(1 << 16):
            if len(self.data) + len(chunk) > MAX_OUTPUT:
                self.overflow = True
                break
            self.data += chunk
        self.done.set()

    def wait_for_line(self, timeout):
        deadline = time.monotonic() + timeout
        while b"\n" not in self.data and not self.done.is_set() and time.monotonic() < deadline:
            time.sleep(0.01)
        return b"\n" in self.data or self.done.is_set()


def _kill(process):
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def probe(directory, requests_by_check, insecure=False, memory_mb=MEMORY_MB, check_timeout=CHECK_TIMEOUT, budget=None):
    """Run the probe on a submission folder; returns its decoded output or {"error": message}.

    budget: seconds after which the probe starts no more checks (None: no limit but the timeouts).
    """
    job = json.dumps({"checks": {cid: encode(rq) for cid, rq in requests_by_check.items()}, "timeout": check_timeout,
                      "cpu": min(CHECK_CPU_SECONDS, check_timeout), "after_timeout": AFTER_TIMEOUT, "budget": budget})
    process = _start(directory, insecure, memory_mb)
    threading.Thread(target=_feed, args=(process.stdin, job.encode()), daemon=True).start()
    output = _Output(process.stdout)
    import_timeout = min(IMPORT_TIMEOUT, budget if budget is not None else IMPORT_TIMEOUT)
    if not output.wait_for_line(import_timeout):
        _kill(process)
        return {"error": f"importing layers.py did not finish within {round(import_timeout, 1):g} s "
                         "(an endless loop at import?)", "ran_out": "importing layers.py"}
    checks_time = check_timeout * len(requests_by_check)
    if not output.done.wait(min(checks_time, budget if budget is not None else checks_time) + 10):
        _kill(process)
        return {"error": "the checks did not finish in time", "ran_out": "the checks"}
    if output.overflow:  # it may still be writing, to a pipe nobody reads any more
        _kill(process)
        return {"error": "the checks produced more output than the grader reads"}
    try:
        process.wait(timeout=5)  # its output is complete: it has nothing left to do but end
    except subprocess.TimeoutExpired:
        _kill(process)
    text = bytes(output.data)
    first, _, rest = text.partition(b"\n")
    try:
        result = json.loads(rest if first == b"imported" else text)
    except RecursionError:
        return {"error": "the checks' output could not be read (nested too deeply: not what the probe writes)"}
    except ValueError:
        code = process.returncode
        how = f"was killed by signal {-code}" if code < 0 else f"exited with code {code}"
        return {"error": f"the process running layers.py {how} before reporting (sys.exit or os._exit at import?)"}
    return result if isinstance(result, dict) else {"error": "the checks' output could not be read"}


def _feed(stream, data):
    try:
        stream.write(data)
        stream.close()
    except (BrokenPipeError, OSError):
        pass


def _source(directory):
    """The text of the submission's layers.py, read here (None if it cannot be read as a regular file)."""
    try:
        fd = os.open(os.path.join(directory, "cs231n_style", "layers.py"), os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as f:
        return f.read(8 * 1024 * 1024).decode("utf-8", errors="replace")


def _timed(directory, check_id, insecure, memory_mb, timeout, source, budget, ran_out):
    """Judge a check of TIMED_OUTSIDE: a probe of its own answers calls timed from here (speed.py), measured
    again (up to timing_check.TIMING_ATTEMPTS in all) where only the speed fell short, and not by far."""
    requests = make_requests(check_id)
    if source is not None and source_analysis.analyze(source).calls_graph:
        return judge(check_id, requests, [{}], source)  # decided from the source (timing_check.judge)
    for name in speed.FUNCTIONS:
        if name in ran_out:
            return _failed(f"{name} did not finish in an earlier check ({ran_out[name]}), so it is not timed",
                           [check_id])[check_id]
    for _ in range(timing_check.TIMING_ATTEMPTS):
        if budget.limit(timeout) <= 0:
            return _failed(f"this check was not run: {budget.spent_message()}", [check_id])[check_id]
        process = _start(directory, insecure, memory_mb, ["--timed-calls"])
        try:
            with budget.spending():
                result = speed.measure(process, requests[0], budget.limit(timeout))
        finally:
            _feed(process.stdin, b"")  # closes it: the probe ends, if it has not already
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass
            _kill(process)
        if str(result.get("timing", {}).get("error", "")).startswith("did not finish"):
            budget.ran_out = budget.ran_out or f"the check {check_id}"
        verdict = judge(check_id, requests, [result], source)
        ratios = result.get("timing", {}).get("ratios")
        if verdict.fraction == 1 or not ratios or not timing_check.worth_measuring_again(ratios):
            break
    return verdict


def _probed_verdict(check_id, requests, outcome, source, budget):
    if isinstance(outcome, dict) and outcome.get("not_run") == "budget":
        return _failed(f"this check was not run: {budget.spent_message()}", [check_id])[check_id]
    if isinstance(outcome, dict) and outcome.get("stopped") == "budget":
        return _failed(f"this check was stopped: {budget.spent_message()}", [check_id])[check_id]
    if not isinstance(outcome, dict) or "results" not in outcome:
        message = outcome.get("error") if isinstance(outcome, dict) else None
        return _failed(f"this check {message}" if message else "this check reported nothing", [check_id])[check_id]
    try:
        return judge(check_id, requests, decode(outcome["results"]), source)
    except Exception as exc:  # results shaped unlike what the probe writes: forged or broken
        return _failed(f"the results of this check could not be read ({type(exc).__name__})", [check_id])[check_id]


def run_trusted_checks(directory, check_ids, insecure=False, memory_mb=MEMORY_MB, check_timeout=CHECK_TIMEOUT,
                       budget=None):
    """Probe a submission folder and judge each check; returns {check_id: Verdict}.

    budget: the submission's SubmissionBudget, charged with the time the student's code took here, and
    told when something ran out of time (a new one, of the default size, if None).
    """
    budget = budget if budget is not None else SubmissionBudget()
    probed = [check_id for check_id in check_ids if check_id not in TIMED_OUTSIDE]
    requests = {check_id: make_requests(check_id) for check_id in probed}
    source = _source(directory)
    output = {}
    if probed:
        with budget.spending():
            output = probe(directory, requests, insecure, memory_mb, check_timeout, budget.left())
        if isinstance(output.get("ran_out"), str):
            budget.ran_out = budget.ran_out or output["ran_out"]
        if "error" in output:
            return _failed(output["error"], check_ids)
        if "import_error" in output:
            return _failed(str(output["import_error"]), check_ids)
    ran_out = output.get("ran_out")
    ran_out = {str(k): str(v) for k, v in ran_out.items()} if isinstance(ran_out, dict) else {}
    if ran_out or output.get("timed_out"):
        budget.ran_out = budget.ran_out or "a check"
    checks = output.get("checks") if isinstance(output.get("checks"), dict) else {}
    verdicts = {check_id: _probed_verdict(check_id, requests[check_id], checks.get(check_id), source, budget)
                for check_id in probed}
    verdicts.update({check_id: _timed(directory, check_id, insecure, memory_mb, check_timeout, source, budget,
                                      ran_out)
                     for check_id in check_ids if check_id in TIMED_OUTSIDE})
    return {check_id: verdicts[check_id] for check_id in check_ids}
