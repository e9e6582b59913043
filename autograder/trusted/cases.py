"""Inputs of the hidden checks, which the student never saw, and the request that calls the functions on them."""
from cs231n_style.data import random_case

# Shapes, scales, eps and dtypes the student never saw. The batch of two and the
# spread near sqrt(eps) make mistakes with N - 1 or with eps visible.
HIDDEN = (
    dict(N=2, D=5, loc=0.0, scale=1.0, eps=1e-5, dtype="float64", seed=11),
    dict(N=7, D=1, loc=3.0, scale=2.0, eps=1e-3, dtype="float64", seed=12),
    dict(N=32, D=16, loc=-50.0, scale=10.0, eps=1e-5, dtype="float64", seed=13),
    dict(N=16, D=4, loc=0.0, scale=3e-3, eps=1e-5, dtype="float64", seed=14),
    dict(N=64, D=8, loc=5.0, scale=2.0, eps=1e-5, dtype="float32", seed=15),
    dict(N=128, D=32, loc=0.0, scale=1.0, eps=1e-4, dtype="float32", seed=16),
)


def hidden_inputs(c):
    """(x, gamma, beta, dout) of a HIDDEN case."""
    case = random_case(c["N"], c["D"], seed=c["seed"], dtype=c["dtype"], loc=c["loc"], scale=c["scale"])
    return case.x, case.gamma, case.beta, case.dout


def label(c):
    return f"{c['N']}x{c['D']} {c['dtype']}, spread {c['scale']:g}, eps {c['eps']:g}"


def batchnorm_request(x, gamma, beta, dout, eps, backwards=(), **extra):
    return {"kind": "batchnorm", "x": x, "gamma": gamma, "beta": beta, "dout": dout,
            "bn_param": {"mode": "train", "eps": eps}, "backwards": list(backwards), **extra}

