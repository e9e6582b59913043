"""Trusted checks of the going-further functions against the reference."""
import numpy as np

from cs231n_style.data import make_case, random_case
from cs231n_style.gradient_check import same_entries

from .. import reference as ref
from . import mistakes, policy
from .compare import Tally

SIGMA = ("batchnorm_forward_sigma_eps", "batchnorm_backward_sigma_eps")
UNBIASED = ("batchnorm_forward_unbiased", "batchnorm_backward_unbiased")
AFFINE = ("affine_batchnorm_forward", "affine_batchnorm_backward")

HIDDEN = (
    (SIGMA, dict(N=9, D=3, scale=2.0, eps=1e-5, seed=21)),
    (SIGMA, dict(N=4, D=6, scale=0.05, eps=0.1, seed=22)),
    (UNBIASED, dict(N=2, D=4, scale=1.0, eps=1e-5, seed=23)),
    (UNBIASED, dict(N=12, D=3, scale=0.01, eps=1e-4, seed=24)),
)


def _variant_request(functions, x, gamma, beta, dout, eps):
    return {"kind": "variant", "forward": functions[0], "backward": functions[1],
            "args": [x, gamma, beta, eps], "dout": dout}


def _affine_request(seed, N=10, M=5, D=3):
    rng = np.random.default_rng(seed)
    x, w, b = rng.standard_normal((N, M)), rng.standard_normal((M, D)), rng.standard_normal(D)
    gamma, beta, dout = rng.standard_normal(D), rng.standard_normal(D), rng.standard_normal((N, D))
    return {"kind": "variant", "forward": AFFINE[0], "backward": AFFINE[1],
            "args": [x, w, b, gamma, beta, {"mode": "train"}], "dout": dout, "outputs": 5}


def _judge(tally, request, result):
    forward, backward = getattr(ref, request["forward"]), getattr(ref, request["backward"])
    args = [dict(a) if isinstance(a, dict) else a for a in request["args"]]
    x = request["args"][0]
    label = f"{request['backward']} on {x.shape[0]}x{x.shape[1]}"
    if tally.failed_call(label, result["forward"]) or tally.failed_call(label, result.get("backward")):
        return
    out, cache = forward(*args)
    expected = backward(request["dout"], cache)
    grads = result["backward"]["grads"]
    if grads is None:
        tally.check(label, False, f"should return a tuple of {len(expected)} arrays")
        return
    names = ("dx", "dw", "db", "dgamma", "dbeta") if len(expected) == 5 else ("dx", "dgamma", "dbeta")
    tally.compare(label, "out", result["forward"]["out"], out, 1.0 + np.abs(out).max())
    for name, student, exp in zip(names, grads, expected):
        if name == "db":  # zero up to rounding: judged on its own
            shaped = student is not None and same_entries(student.shape, exp.shape)
            if shaped:
                tally.deviate(policy.SHAPE, policy.advice(policy.SHAPE, name, student, exp))
            tally.check(label, student is not None and (student.shape == exp.shape or shaped)
                        and np.abs(student).max() <= 1e-8, "db is zero")
            continue
        size = 1e-12 + np.abs(exp).max(axis=0)
        if not tally.compare(label, name, student, exp, size) and request["backward"] == SIGMA[1] and name == "dx":
            eps = request["args"][3]
            tally.name_mistake(mistakes.diagnose("dx", student, x, request["args"][1], request["args"][2],
                                                 request["dout"], eps, size, structural=False))  # another formula


def hidden_requests():
    requests = []
    for functions, c in HIDDEN:
        case = random_case(c["N"], c["D"], seed=c["seed"], scale=c["scale"])
        requests.append(_variant_request(functions, case.x, case.gamma, case.beta, case.dout, c["eps"]))
    requests.append(_affine_request(25))
    return requests


def judge(requests, results):
    tally = Tally()
    for request, result in zip(requests, results):
        _judge(tally, request, result)
    return tally.verdict()


def visible_requests(functions):
    if functions == AFFINE:
        return [_affine_request(231, N=6, M=4, D=3)]
    case = make_case("gradcheck")
    return [_variant_request(functions, case.x, case.gamma, case.beta, case.dout, 1e-5)]
