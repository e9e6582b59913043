"""The hidden tests: the student's functions against the reference, on inputs they never saw.

Each check builds requests (inputs for cs231n_style.probe, which runs the
student's code) and judges the probe's results against autograder.reference.
Judging happens in the grader's process; the student's process only runs the
probe. The check ids are the grade_ids of the hidden test cells of the
notebook, so a check's score becomes that cell's score.

    verdict = run_check("hidden_backward_graph", student_layers_module)   # in one process
    requests = make_requests("hidden_backward_graph"); ...; judge(...)     # across processes
"""
from dataclasses import dataclass, field

import numpy as np

from cs231n_style.data import random_case
from cs231n_style.probe import run_requests

from . import reference as ref

# Per-column error allowed between a correct implementation and the reference,
# in units of the gradient's size (see cs231n_style.gradient_check.scaled_error).
THRESHOLD = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 2e-3}

# Shapes, scales, eps and dtypes the student never saw. The batch of two and
# the spread near sqrt(eps) make mistakes with N - 1 or with eps visible.
BATCHNORM_CASES = (
    dict(N=2, D=5, loc=0.0, scale=1.0, eps=1e-5, dtype="float64", seed=11),
    dict(N=7, D=1, loc=3.0, scale=2.0, eps=1e-3, dtype="float64", seed=12),
    dict(N=32, D=16, loc=-50.0, scale=10.0, eps=1e-5, dtype="float64", seed=13),
    dict(N=16, D=4, loc=0.0, scale=3e-3, eps=1e-5, dtype="float64", seed=14),
    dict(N=64, D=8, loc=5.0, scale=2.0, eps=1e-5, dtype="float32", seed=15),
    dict(N=128, D=32, loc=0.0, scale=1.0, eps=1e-4, dtype="float32", seed=16),
)


@dataclass
class Verdict:
    """How a check went: the fraction of its points earned, and one line per finding."""

    fraction: float
    lines: list = field(default_factory=list)

    def __str__(self):
        return "\n".join(self.lines)


def _label(c):
    return f"{c['N']}x{c['D']} {c['dtype']}, spread {c['scale']:g}, eps {c['eps']:g}"


def _inputs(c):
    case = random_case(c["N"], c["D"], seed=c["seed"], dtype=c["dtype"], loc=c["loc"], scale=c["scale"])
    return case.x, case.gamma, case.beta, case.dout


def _scales(x, gamma, dout, eps):
    """Per-column sizes of out, dx, dgamma and dbeta (float64, all positive)."""
    x, gamma, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, dout))
    var = x.var(axis=0)
    xhat = (x - x.mean(axis=0)) / np.sqrt(var + eps)
    tiny = 1e-300
    return {"out": np.abs(gamma) + 1.0,
            "dx": np.abs(gamma * dout).max(axis=0) / np.sqrt(var + eps) + tiny,
            "dgamma": np.abs(dout * xhat).sum(axis=0) + tiny,
            "dbeta": np.abs(dout).sum(axis=0) + tiny}


def compare(name, student, expected, scale):
    """(error, problem): the scaled error of a student array, or why it cannot be compared."""
    if student is None:
        return None, f"{name} is not an array of numbers"
    expected = np.asarray(expected)
    if student.shape != expected.shape:
        return None, f"{name} has shape {student.shape}, expected {expected.shape}"
    if student.dtype != expected.dtype:
        return None, f"{name} is {student.dtype}, expected {expected.dtype} (keep the input's dtype)"
    if not np.all(np.isfinite(student)):
        return None, f"{name} contains nan or inf"
    diff = np.abs(student.astype(np.float64) - expected.astype(np.float64))
    return float(np.max(diff / scale)), None


class _Tally:
    """Counts passed sub-checks and collects the lines that explain them."""

    def __init__(self):
        self.passed = self.total = 0
        self.lines = []

    def check(self, ok, line):
        self.total += 1
        self.passed += bool(ok)
        self.lines.append(("✓ " if ok else "✗ ") + line)
        return ok

    def compare(self, label, name, student, expected, scale):
        error, problem = compare(name, student, expected, scale)
        if problem:
            return self.check(False, f"{label}: {problem}")
        limit = THRESHOLD[np.asarray(expected).dtype]
        return self.check(error <= limit, f"{label}: {name} error {error:.1e} (limit {limit:.0e})")

    def verdict(self):
        return Verdict(self.passed / self.total if self.total else 0.0, self.lines)


def _failed_call(tally, label, info):
    if "error" in info:
        tally.check(False, f"{label}: {info['error']}")
        return True
    return False


# --- hidden_forward ---------------------------------------------------------

def _forward_requests():
    requests = []
    for c in BATCHNORM_CASES:
        x, gamma, beta, dout = _inputs(c)
        D = x.shape[1]
        running = np.linspace(-1, 1, D).astype(x.dtype), np.linspace(0.5, 2, D).astype(x.dtype)
        requests.append({"kind": "batchnorm", "x": x, "gamma": gamma, "beta": beta, "dout": dout,
                         "bn_param": {"mode": "train", "eps": c["eps"], "momentum": 0.8,
                                      "running_mean": running[0], "running_var": running[1]}})
    c = BATCHNORM_CASES[2]
    x, gamma, beta, _ = _inputs(c)
    batches = [random_case(c["N"], c["D"], seed=100 + i, loc=c["loc"], scale=c["scale"]).x for i in range(3)]
    requests.append({"kind": "test_mode", "batches": batches, "x": x, "gamma": gamma, "beta": beta,
                     "bn_param": {"eps": c["eps"], "momentum": 0.7}})
    return requests


def _judge_forward(requests, results):
    tally = _Tally()
    for c, request, result in zip(BATCHNORM_CASES, requests, results):
        label = f"forward, train mode, {_label(c)}"
        info = result["forward"]
        if _failed_call(tally, label, info):
            continue
        bn_param = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in request["bn_param"].items()}
        out, _ = ref.batchnorm_forward(request["x"], request["gamma"], request["beta"], bn_param)
        scale = _scales(request["x"], request["gamma"], request["dout"], c["eps"])
        tally.compare(label, "out", info["out"], out, scale["out"])
        var_scale = np.abs(bn_param["running_var"]) + 1.0
        both = tally.compare(label, "running_mean", info["running_mean"], bn_param["running_mean"],
                             np.abs(bn_param["running_mean"]) + 1.0)
        both &= tally.compare(label, "running_var", info["running_var"], bn_param["running_var"], var_scale)
        tally.check(not info["mutated_inputs"], f"{label}: x, gamma and beta left unchanged")
    request, result = requests[-1], results[-1]
    label = "forward, test mode after 3 training batches"
    info = result.get("test", result.get("train"))
    if not _failed_call(tally, label, info):
        bn_param = dict(request["bn_param"], mode="train")
        for x in request["batches"]:
            ref.batchnorm_forward(x, request["gamma"], request["beta"], bn_param)
        running = bn_param["running_mean"].copy(), bn_param["running_var"].copy()
        bn_param["mode"] = "test"
        out, _ = ref.batchnorm_forward(request["x"], request["gamma"], request["beta"], bn_param)
        tally.compare(label, "out", info["out"], out, np.abs(request["gamma"]) + 1.0)
        unchanged = (info["running_mean"] is not None and np.array_equal(info["running_mean"], info["running_mean_before"])
                     and np.array_equal(info["running_var"], info["running_var_before"]))
        tally.check(unchanged, f"{label}: running averages left unchanged by test mode")
    return tally.verdict()


# --- hidden_backward_graph and hidden_backward_alt ----------------------------

def _backward_requests(name):
    requests = []
    for c in BATCHNORM_CASES:
        x, gamma, beta, dout = _inputs(c)
        backwards = [name] if name == "batchnorm_backward" else ["batchnorm_backward_alt", "batchnorm_backward"]
        requests.append({"kind": "batchnorm", "x": x, "gamma": gamma, "beta": beta, "dout": dout,
                         "bn_param": {"mode": "train", "eps": c["eps"]}, "backwards": backwards})
    return requests


def _judge_backward(name, requests, results):
    tally = _Tally()
    for c, request, result in zip(BATCHNORM_CASES, requests, results):
        label = f"{name}, {_label(c)}"
        if _failed_call(tally, label, result["forward"]) or _failed_call(tally, label, result[name]):
            continue
        _, cache = ref.batchnorm_forward(request["x"], request["gamma"], request["beta"], dict(request["bn_param"]))
        expected = ref.batchnorm_backward_alt(request["dout"], cache)
        scale = _scales(request["x"], request["gamma"], request["dout"], c["eps"])
        info = result[name]
        grads = info["grads"]
        if grads is None:
            tally.check(False, f"{label}: should return a tuple (dx, dgamma, dbeta)")
            continue
        for grad_name, student, exp in zip(("dx", "dgamma", "dbeta"), grads, expected):
            tally.compare(label, grad_name, student, exp, scale[grad_name])
        tally.check(not info["mutated_inputs"] and not info["mutated_cache"], f"{label}: dout and cache left unchanged")
    return tally.verdict()


def _judge_alt_agrees_with_graph(requests, results):
    """Part of hidden_backward_alt: the student's two versions agree with each other."""
    tally = _Tally()
    for c, request, result in zip(BATCHNORM_CASES, requests, results):
        graph, alt = result.get("batchnorm_backward", {}), result.get("batchnorm_backward_alt", {})
        if "error" in graph or "error" in alt or "error" in result["forward"]:
            continue  # reported already, or the graph version's own check reports it
        if graph.get("grads") is None or alt.get("grads") is None:
            continue
        scale = _scales(request["x"], request["gamma"], request["dout"], c["eps"])
        tally.compare(f"your graph and closed form, {_label(c)}", "dx", alt["grads"][0], graph["grads"][0], scale["dx"])
    return tally


# --- hidden_alt_properties: no call to the graph version, no loop over the batch ---

ALT_SIZES = ((16, 8), (64, 8))
TIMING_SIZE = (1024, 256)
TIMING_PAIRS = 15
MIN_SPEEDUP = 1.1  # the median speed-up the closed form must show over the graph version


def _alt_property_requests():
    requests = []
    for N, D in ALT_SIZES:
        case = random_case(N, D, seed=N, loc=1.0, scale=2.0)
        requests.append({"kind": "batchnorm", "x": case.x, "gamma": case.gamma, "beta": case.beta,
                         "dout": case.dout, "bn_param": {"mode": "train"}, "backwards": ["batchnorm_backward_alt"],
                         "lines_for": ["batchnorm_backward_alt"]})
    return requests


def _judge_alt_properties(requests, results):
    tally = _Tally()
    infos = []
    for (N, D), result in zip(ALT_SIZES, results):
        label = f"batchnorm_backward_alt on {N}x{D}"
        if _failed_call(tally, label, result["forward"]) or _failed_call(tally, label, result["batchnorm_backward_alt"]):
            return tally.verdict()
        infos.append(result["batchnorm_backward_alt"])
    calls_graph = any("batchnorm_backward" in info["functions"] for info in infos)
    tally.check(not calls_graph, "batchnorm_backward_alt does not call batchnorm_backward"
                if not calls_graph else "batchnorm_backward_alt calls batchnorm_backward: write the closed form instead")
    small, large = infos[0]["lines"], infos[1]["lines"]
    loops = large > small + 2
    tally.check(not loops, f"no Python loop over the batch ({small} lines run for N = {ALT_SIZES[0][0]}, "
                           f"{large} for N = {ALT_SIZES[1][0]})")
    tally.check(not any(i["mutated_inputs"] or i["mutated_cache"] for i in infos),
                "batchnorm_backward_alt leaves dout and the cache unchanged")
    return tally.verdict()


# --- hidden_alt_faster ----------------------------------------------------------

def _timing_requests():
    case = random_case(*TIMING_SIZE, seed=7, loc=12.0, scale=5.0)
    return [{"kind": "timing", "x": case.x, "gamma": case.gamma, "beta": case.beta, "dout": case.dout,
             "pairs": TIMING_PAIRS}]


def _judge_timing(requests, results):
    tally = _Tally()
    result = results[0]
    for key in ("forward", "batchnorm_backward", "batchnorm_backward_alt", "timing"):
        if key in result and _failed_call(tally, f"timing ({key})", result[key]):
            return tally.verdict()
    ratios = result["timing"]["ratios"]
    median = float(np.median(ratios))
    N, D = TIMING_SIZE
    tally.check(median >= MIN_SPEEDUP,
                f"on {N}x{D}, your closed form is {median:.2f}x as fast as your graph version (range "
                f"{min(ratios):.2f}–{max(ratios):.2f}x over {len(ratios)} pairs); it must be at least "
                f"{MIN_SPEEDUP}x")
    return tally.verdict()


# --- hidden_going_further --------------------------------------------------------

VARIANT_CASES = (
    ("batchnorm_forward_sigma_eps", "batchnorm_backward_sigma_eps", dict(N=9, D=3, scale=2.0, eps=1e-5, seed=21)),
    ("batchnorm_forward_sigma_eps", "batchnorm_backward_sigma_eps", dict(N=4, D=6, scale=0.05, eps=0.1, seed=22)),
    ("batchnorm_forward_unbiased", "batchnorm_backward_unbiased", dict(N=2, D=4, scale=1.0, eps=1e-5, seed=23)),
    ("batchnorm_forward_unbiased", "batchnorm_backward_unbiased", dict(N=12, D=3, scale=0.01, eps=1e-4, seed=24)),
)
AFFINE_CASE = dict(N=10, M=5, D=3, seed=25)


def _going_further_requests():
    requests = []
    for forward, backward, c in VARIANT_CASES:
        case = random_case(c["N"], c["D"], seed=c["seed"], scale=c["scale"])
        requests.append({"kind": "variant", "forward": forward, "backward": backward,
                         "args": [case.x, case.gamma, case.beta, c["eps"]], "dout": case.dout})
    rng = np.random.default_rng(AFFINE_CASE["seed"])
    N, M, D = AFFINE_CASE["N"], AFFINE_CASE["M"], AFFINE_CASE["D"]
    x, w, b = rng.standard_normal((N, M)), rng.standard_normal((M, D)), rng.standard_normal(D)
    gamma, beta, dout = rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D))
    requests.append({"kind": "variant", "forward": "affine_batchnorm_forward", "backward": "affine_batchnorm_backward",
                     "args": [x, w, b, gamma, beta, {"mode": "train"}], "dout": dout, "outputs": 5})
    return requests


def _judge_going_further(requests, results):
    tally = _Tally()
    for request, result in zip(requests, results):
        forward, backward = getattr(ref, request["forward"]), getattr(ref, request["backward"])
        args = [dict(a) if isinstance(a, dict) else a for a in request["args"]]
        label = f"{request['backward']} on {request['args'][0].shape[0]}x{request['args'][0].shape[1]}"
        if _failed_call(tally, label, result["forward"]) or _failed_call(tally, label, result["backward"]):
            continue
        out, cache = forward(*args)
        expected = backward(request["dout"], cache)
        grads = result["backward"]["grads"]
        if grads is None:
            tally.check(False, f"{label}: should return a tuple of {len(expected)} arrays")
            continue
        names = ("dx", "dw", "db", "dgamma", "dbeta") if len(expected) == 5 else ("dx", "dgamma", "dbeta")
        tally.compare(label, "out", result["forward"]["out"], out, 1.0 + np.abs(out).max())
        for name, student, exp in zip(names, grads, expected):
            if name == "db":
                continue  # zero up to rounding: its scale is meaningless
            tally.compare(label, name, student, exp, 1e-12 + np.abs(exp).max(axis=0))
    return tally.verdict()


# --- the registry ----------------------------------------------------------------

def _judge_alt(requests, results):
    verdict = _judge_backward("batchnorm_backward_alt", requests, results)
    agreement = _judge_alt_agrees_with_graph(requests, results)
    fraction = verdict.fraction if not agreement.total else (
        0.8 * verdict.fraction + 0.2 * agreement.passed / agreement.total)
    return Verdict(fraction, verdict.lines + agreement.lines)


CHECKS = {
    "hidden_forward": (_forward_requests, _judge_forward),
    "hidden_backward_graph": (lambda: _backward_requests("batchnorm_backward"),
                              lambda rq, rs: _judge_backward("batchnorm_backward", rq, rs)),
    "hidden_backward_alt": (lambda: _backward_requests("batchnorm_backward_alt"), _judge_alt),
    "hidden_alt_properties": (_alt_property_requests, _judge_alt_properties),
    "hidden_alt_faster": (_timing_requests, _judge_timing),
    "hidden_going_further": (_going_further_requests, _judge_going_further),
}


def make_requests(check_id):
    """The probe requests of a check: the inputs, and which student functions to call."""
    if check_id not in CHECKS:
        raise ValueError(f"check_id: expected one of {', '.join(CHECKS)}, got {check_id!r}")
    return CHECKS[check_id][0]()


def judge(check_id, requests, results):
    """Judge the probe's results of a check against the reference; returns a Verdict."""
    return CHECKS[check_id][1](requests, results)


def run_check(check_id, layers):
    """Make the requests, run the probe on `layers` in this process, and judge."""
    requests = make_requests(check_id)
    return judge(check_id, requests, run_requests(layers, requests))
