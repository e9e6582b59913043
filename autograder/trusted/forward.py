"""Trusted checks of batchnorm_forward: train mode with running averages, and test mode."""
import numpy as np

from cs231n_style.data import make_case, random_case
from cs231n_style.gradient_check import gradient_scales

from .. import reference as ref
from . import mistakes
from .cases import HIDDEN, hidden_inputs, label
from .compare import Tally


def _train_request(x, gamma, beta, dout, **bn_param):
    return {"kind": "batchnorm", "x": x, "gamma": gamma, "beta": beta, "dout": dout,
            "bn_param": {"mode": "train", **bn_param}}


def _judge_train(tally, label_, request, result):
    info = result["forward"]
    if tally.failed_call(label_, info):
        return
    bn_param = {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in request["bn_param"].items()}
    x, gamma, beta = request["x"], request["gamma"], request["beta"]
    out, _ = ref.batchnorm_forward(x, gamma, beta, bn_param)
    eps = bn_param.get("eps", 1e-5)
    scale = gradient_scales(x, gamma, request["dout"], eps)["out"]
    if info["mutated_inputs"]:
        tally.name_mistake(mistakes.changes_inputs("batchnorm_forward"))
    if not tally.compare(label_, "out", info["out"], out, scale):
        before = request["bn_param"].get("running_mean", np.zeros(x.shape[1]))
        tally.name_mistake(mistakes.diagnose("out", info["out"], x, gamma, beta, request["dout"], eps, scale,
                                             running_means={"before": before, "after": bn_param["running_mean"]}))
    for key in ("running_mean", "running_var"):
        expected = bn_param[key]
        if not tally.compare(label_, key, info[key], expected, np.abs(expected) + 1.0) and info[key] is not None:
            _diagnose_running(tally, key, info[key], request, expected)
    tally.check(label_, not info["mutated_inputs"], "x, gamma and beta left unchanged",
                "x, gamma or beta changed in place")


def _diagnose_running(tally, key, student, request, expected):
    bn_param, zeros = request["bn_param"], np.zeros(request["x"].shape[1])
    tally.name_mistake(mistakes.diagnose_running(key, student, bn_param.get(key, zeros), request["x"],
                                                 bn_param.get("momentum", 0.9), bn_param.get("eps", 1e-5),
                                                 start_mean=bn_param.get("running_mean", zeros)))


def _judge_test_mode(tally, label_, request, result):
    info = result.get("test", result.get("train"))
    if tally.failed_call(label_, info):
        return
    bn_param = dict(request["bn_param"], mode="train")
    for x in request["batches"]:
        ref.batchnorm_forward(x, request["gamma"], request["beta"], bn_param)
    bn_param["mode"] = "test"
    x = request["x"]
    out, _ = ref.batchnorm_forward(x, request["gamma"], request["beta"], bn_param)
    if not tally.compare(label_, "out", info["out"], out, np.abs(request["gamma"]) + 1.0) and info["out"] is not None:
        tally.name_mistake(mistakes.diagnose_test_mode(info["out"], x, request["gamma"], request["beta"],
                                                       bn_param["running_mean"], bn_param["running_var"],
                                                       bn_param.get("eps", 1e-5)))
    unchanged = (info["running_mean"] is not None and info["running_var"] is not None
                 and np.array_equal(info["running_mean"], info["running_mean_before"])
                 and np.array_equal(info["running_var"], info["running_var_before"]))
    tally.check(label_, unchanged, "running averages left unchanged by test mode",
                "test mode changed the running averages")
    if not unchanged and info["running_mean"] is not None and info["running_var"] is not None:
        tally.name_mistake(mistakes.TEST_MODE_UPDATES)


# --- hidden_forward --------------------------------------------------------------------

def hidden_requests():
    requests = []
    for c in HIDDEN:
        x, gamma, beta, dout = hidden_inputs(c)
        D = x.shape[1]
        requests.append(_train_request(x, gamma, beta, dout, eps=c["eps"], momentum=0.8,
                                       running_mean=np.linspace(-1, 1, D).astype(x.dtype),
                                       running_var=np.linspace(0.5, 2, D).astype(x.dtype)))
    c = HIDDEN[2]
    x, gamma, beta, _ = hidden_inputs(c)
    batches = [random_case(c["N"], c["D"], seed=100 + i, loc=c["loc"], scale=c["scale"]).x for i in range(3)]
    requests.append({"kind": "test_mode", "batches": batches, "x": x, "gamma": gamma, "beta": beta,
                     "bn_param": {"eps": c["eps"], "momentum": 0.7}})
    return requests


def hidden_judge(requests, results):
    tally = Tally()
    for c, request, result in zip(HIDDEN, requests, results):
        _judge_train(tally, f"train mode, {label(c)}", request, result)
    _judge_test_mode(tally, "test mode after 3 training batches", requests[-1], results[-1])
    return tally.verdict()


# --- the visible checks' twins ------------------------------------------------------------

def train_requests():
    case = make_case("activations")
    D = case.x.shape[1]
    ones, zeros = np.ones(D), np.zeros(D)
    return [_train_request(case.x, ones, zeros, case.dout),
            _train_request(case.x, np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0]), case.dout),
            _train_request(*(a.astype(np.float32) for a in (case.x, ones, zeros, case.dout)))]


def train_judge(requests, results):
    tally = Tally()
    for name, request, result in zip(("gamma = 1, beta = 0", "gamma = [1, 2, 3], beta = [11, 12, 13]", "float32"),
                                     requests, results):
        _judge_train(tally, f"train mode on the 200x3 activations, {name}", request, result)
    return tally.verdict()


def test_mode_requests():
    case = make_case("activations")
    D = case.x.shape[1]
    batches = [make_case("activations", seed).x for seed in range(1, 51)]
    return [{"kind": "test_mode", "batches": batches, "x": case.x, "gamma": np.ones(D), "beta": np.zeros(D),
             "bn_param": {}}]


def test_mode_judge(requests, results):
    tally = Tally()
    _judge_test_mode(tally, "test mode after 50 training batches", requests[0], results[0])
    return tally.verdict()
