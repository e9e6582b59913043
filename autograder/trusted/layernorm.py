"""Trusted checks of layer norm against the reference (test_layernorm, hidden_layernorm): out and the three
gradients, and what makes it layer norm rather than batch norm. Each row's statistics are its own, so a batch of
one row is normalized as well as any, and ln_param['mode'] = 'test' changes nothing."""
import numpy as np

from cs231n_style.data import make_case, random_case

from .. import reference as ref
from . import mistakes
from .compare import Tally

FORWARD, BACKWARD = "layernorm_forward", "layernorm_backward"

HIDDEN = (
    dict(N=1, D=6, seed=41, scale=3.0, eps=1e-5),  # one row: statistics over the batch would leave only beta
    dict(N=5, D=5, seed=42, scale=0.5, eps=1e-3),  # square: a row's mean without keepdims=True raises no error
    dict(N=8, D=4, seed=43, loc=50.0, scale=100.0, eps=1e-5),
    dict(N=16, D=12, seed=44, scale=2.0, eps=1e-5, dtype="float32"),
    dict(N=6, D=9, seed=45, scale=1.0, eps=1e-5),
    dict(N=6, D=9, seed=45, scale=1.0, eps=1e-5, mode="test"),  # the one before, in test mode: the same out
    dict(N=6, D=9, seed=45, scale=1.0, eps=1e-5, rows=2),  # its first two rows alone: the same out for them
)


def _request(x, gamma, beta, dout, ln_param):
    return {"kind": "variant", "forward": FORWARD, "backward": BACKWARD, "args": [x, gamma, beta, ln_param],
            "dout": dout}


def _label(request):
    x, ln_param = request["args"][0], request["args"][3]
    mode = f" with ln_param['mode'] = {ln_param['mode']!r}" if "mode" in ln_param else ""
    return f"layer norm on {x.shape[0]}x{x.shape[1]} {x.dtype}{mode}"


def _judge(tally, request, result, earlier):
    """earlier: the student's out of the requests before, as (request, out)."""
    label = _label(request)
    if tally.failed_call(label, result["forward"]):
        return
    x, gamma, beta, ln_param = request["args"]
    dout = request["dout"]
    out, cache = ref.layernorm_forward(x, gamma, beta, dict(ln_param))
    eps = ln_param.get("eps", 1e-5)
    student_out = result["forward"]["out"]
    if not tally.compare(label, "out", student_out, out, 1.0 + np.abs(out).max()):
        if student_out is not None and student_out.shape == x.shape:
            tally.name_mistake(_against_earlier(request, student_out, earlier))
        tally.name_mistake(mistakes.diagnose_layernorm("out", student_out, x, gamma, beta, dout, eps,
                                                       1.0 + np.abs(out).max()))
    if tally.failed_call(label, result.get("backward")):
        return
    for function, info in ((FORWARD, result["forward"]), (BACKWARD, result["backward"])):
        if info.get("mutated_inputs"):
            tally.check(label, False, f"{function} changes its inputs in place")
            tally.name_mistake(mistakes.changes_inputs(function))
    expected = ref.layernorm_backward(dout, cache)
    grads = result["backward"]["grads"]
    if grads is None:
        tally.check(label, False, f"{BACKWARD} should return a tuple of 3 arrays (dx, dgamma, dbeta)")
        return
    for name, student, exp in zip(("dx", "dgamma", "dbeta"), grads, expected):
        size = 1e-12 + np.abs(exp).max(axis=0)
        if not tally.compare(label, name, student, exp, size):
            tally.name_mistake(mistakes.diagnose_layernorm(name, student, x, gamma, beta, dout, eps, size))


def _against_earlier(request, student_out, earlier):
    """What the student's out shows against their own out of an earlier request on the same rows: the same x in
    another mode, or these rows in a larger batch (their out must not change)."""
    x, ln_param = request["args"][0], request["args"][3]
    for before, before_out in earlier:
        rows = before["args"][0]
        if before_out is None or before_out.shape != rows.shape or rows.dtype != x.dtype:
            continue
        if rows.shape == x.shape and np.array_equal(rows, x) and before["args"][3].get("mode") != ln_param.get("mode"):
            if not np.array_equal(before_out, student_out):
                return mistakes.LAYERNORM_NO_TEST_MODE
        elif rows.shape[0] > x.shape[0] and np.array_equal(rows[:x.shape[0]], x):
            if not np.allclose(before_out[:x.shape[0]], student_out, rtol=1e-6, atol=1e-9):
                return mistakes.LAYERNORM_DEPENDS_ON_BATCH
    return None


def judge(requests, results):
    tally = Tally()
    earlier = []
    for request, result in zip(requests, results):
        _judge(tally, request, result, earlier)
        earlier.append((request, (result.get("forward") or {}).get("out")))
    return tally.verdict()


def visible_requests():
    """The notebook's check_layernorm: CS231n's gradient-check case with an empty ln_param, its first row alone,
    and the case again with ln_param['mode'] = 'test'."""
    c = make_case("gradcheck")
    return [_request(c.x, c.gamma, c.beta, c.dout, {}), _request(c.x[:1].copy(), c.gamma, c.beta, c.dout[:1].copy(), {}),
            _request(c.x, c.gamma, c.beta, c.dout, {"mode": "test"})]


def hidden_requests():
    requests = []
    for c in HIDDEN:
        case = random_case(c["N"], c["D"], seed=c["seed"], dtype=np.dtype(c.get("dtype", "float64")),
                           loc=c.get("loc", 0.0), scale=c["scale"])
        ln_param = {"eps": c["eps"], **({"mode": c["mode"]} if "mode" in c else {})}
        rows = slice(0, c.get("rows", c["N"]))
        requests.append(_request(case.x[rows].copy(), case.gamma, case.beta, case.dout[rows].copy(), ln_param))
    return requests
