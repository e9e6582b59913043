"""Trusted checks of batchnorm_backward and batchnorm_backward_alt against the reference."""
import numpy as np

from cs231n_style.data import make_case, random_case
from cs231n_style.gradient_check import gradient_scales
from cs231n_style.stages import as_stage

from .. import reference as ref
from . import mistakes
from .cases import HIDDEN, batchnorm_request, hidden_inputs, label
from .compare import Tally, compare, limit

GRAPH, ALT = "batchnorm_backward", "batchnorm_backward_alt"
GRADS = ("dx", "dgamma", "dbeta")
# A backward pass is also judged against the student's own forward pass, where that is wrong: by central
# differences of sum(dout * out) along one random direction per input (x, gamma, beta), with steps of
# STEP times the input's size, in float64. OWN_GRADIENT_TOLERANCE is the relative difference allowed.
STEP = 1e-5
OWN_GRADIENT_TOLERANCE = {np.dtype(np.float64): 1e-6, np.dtype(np.float32): 2e-3}


def with_nearby(request, seed=0):
    """The batchnorm request, asking the probe for the forward pass at points near its inputs as well."""
    rng = np.random.default_rng(seed)
    inputs = [np.asarray(request[k], np.float64) for k in ("x", "gamma", "beta")]
    directions = [rng.normal(size=a.shape) for a in inputs]
    steps = [STEP * (1.0 + np.abs(a).max()) for a in inputs]
    nearby = []
    for i, (direction, step) in enumerate(zip(directions, steps)):
        for sign in (1.0, -1.0):
            point = list(inputs)
            point[i] = inputs[i] + sign * step * direction
            nearby.append(point)
    return dict(request, nearby=nearby, directions=directions, steps=steps)


def _own_gradient(request, result, grads):
    """Whether grads (dx, dgamma, dbeta) are the gradient of sum(dout * out) of the student's own forward pass
    along the request's directions; None where that cannot be told (no nearby outs)."""
    outs = result["forward"].get("nearby")
    if "directions" not in request or not outs or any(o is None or o.shape != request["x"].shape for o in outs):
        return None
    dtype = np.dtype(request["x"].dtype)
    tolerance = OWN_GRADIENT_TOLERANCE.get(dtype, OWN_GRADIENT_TOLERANCE[np.dtype(np.float32)])
    dout = np.asarray(request["dout"], np.float64)
    for i, (grad, direction, step) in enumerate(zip(grads, request["directions"], request["steps"])):
        if grad is None or grad.size != direction.size or grad.dtype.kind != "f" or not np.all(np.isfinite(grad)):
            return False
        above, below = (np.asarray(o, np.float64) for o in (outs[2 * i], outs[2 * i + 1]))
        numeric = float((dout * (above - below)).sum() / (2 * step))
        terms = np.asarray(grad, np.float64).reshape(direction.shape) * direction
        analytic = float(terms.sum())
        # Rounding in either sum: the differences' (float64) and the student's gradient's own dtype.
        rounding = 10 * (np.finfo(np.float64).eps * float((np.abs(dout) * (np.abs(above) + np.abs(below))).sum())
                         / (2 * step) + np.finfo(grad.dtype).eps * float(np.abs(terms).sum()))
        if abs(numeric - analytic) > tolerance * max(abs(numeric), abs(analytic)) + rounding:
            return False
    return True


def _judge_grads(tally, label_, name, request, result):
    """Compare one backward's (dx, dgamma, dbeta) with the reference; diagnose what differs."""
    if tally.failed_call(label_, result["forward"]) or tally.failed_call(label_, result.get(name)):
        return
    x, gamma, beta, dout = request["x"], request["gamma"], request["beta"], request["dout"]
    eps = request["bn_param"]["eps"]
    _, cache = ref.batchnorm_forward(x, gamma, beta, dict(request["bn_param"]))
    expected = ref.batchnorm_backward_alt(dout, cache)
    size = gradient_scales(x, gamma, dout, eps)
    info = result[name]
    if info["grads"] is None:
        tally.check(label_, False, f"{name} should return a tuple (dx, dgamma, dbeta)")
        return
    if info["mutated_inputs"] or info["mutated_cache"]:
        tally.name_mistake(mistakes.changes_inputs(name))
    forward_right = _forward_is_right(request, result)
    # A forward pass that is batch norm with a slip the diagnosis can name costs the forward tests; a backward pass
    # that is the exact gradient of it keeps its own points. (Not of any forward pass: a constant one and a zero
    # gradient would agree too.)
    slip = None if forward_right else mistakes.diagnose("out", result["forward"].get("out"), x, gamma, beta, dout,
                                                        eps, size["out"], small_batches=True)
    if slip and _own_gradient(request, result, info["grads"]):
        tally.check(label_, True, f"{name} gives the gradient of your own batchnorm_forward, whose slip the forward "
                                  "tests take points for")
    else:
        for grad, student, exp in zip(GRADS, info["grads"], expected):
            if not tally.compare(label_, grad, student, exp, size[grad]):
                if forward_right:
                    tally.name_mistake(mistakes.diagnose(grad, student, x, gamma, beta, dout, eps, size[grad]))
                else:  # the gradients of a wrong forward pass's cache, and not of that forward pass either
                    tally.diagnose(f"your batchnorm_forward is wrong on these inputs, and {name} is not the gradient "
                                   "of your forward pass either: fix batchnorm_forward first")
    tally.check(label_, not info["mutated_inputs"] and not info["mutated_cache"], "dout and cache left unchanged",
                f"{name} changed dout or the cache in place")


def _forward_is_right(request, result):
    """Whether the student's train-mode out, computed for this backward check, is the reference's."""
    out, _ = ref.batchnorm_forward(request["x"], request["gamma"], request["beta"], dict(request["bn_param"]))
    found = compare("out", result["forward"].get("out"), out, np.abs(request["gamma"]) + 1.0, values_only=True)
    return found.error is not None and found.error <= limit(out.dtype)


def _agreement(tally, label_, request, result):
    graph, alt = result.get(GRAPH), result.get(ALT)
    if not graph or not alt or "error" in graph or "error" in alt or not graph.get("grads") or not alt.get("grads"):
        return
    size = gradient_scales(request["x"], request["gamma"], request["dout"], request["bn_param"]["eps"])
    if not tally.compare(f"{label_}, your closed form against your graph version", "dx", alt["grads"][0],
                         graph["grads"][0], size["dx"], against="your graph version's", dtype=request["x"].dtype):
        tally.diagnose(_which_is_wrong(request, {GRAPH: graph["grads"], ALT: alt["grads"]}))


# --- hidden_backward_graph, hidden_backward_alt -------------------------------------------

def hidden_requests(name):
    backwards = [GRAPH] if name == GRAPH else [ALT, GRAPH]
    return [with_nearby(batchnorm_request(*hidden_inputs(c), eps=c["eps"], backwards=backwards)) for c in HIDDEN]


def hidden_judge(name, requests, results):
    tally = Tally()
    for c, request, result in zip(HIDDEN, requests, results):
        _judge_grads(tally, f"{name}, {label(c)}", name, request, result)
    if name == ALT:
        for c, request, result in zip(HIDDEN, requests, results):
            _agreement(tally, label(c), request, result)
    return tally.verdict()


# --- the visible checks' twins ----------------------------------------------------------------

def _gradcheck_request(name):
    case = make_case("gradcheck")
    return with_nearby(batchnorm_request(case.x, case.gamma, case.beta, case.dout, case.bn_param["eps"],
                                         backwards=[name]))


def gradcheck_requests(name):
    return [_gradcheck_request(name)]


def gradcheck_judge(name, requests, results):
    tally = Tally()
    _judge_grads(tally, f"{name} on CS231n's 4x5 check data", name, requests[0], results[0])
    return tally.verdict()


def agreement_requests():
    case = random_case(100, 500, seed=231, loc=12.0, scale=5.0)
    return [batchnorm_request(case.x, case.gamma, case.beta, case.dout, 1e-5, backwards=[GRAPH, ALT])]


def agreement_judge(requests, results):
    tally = Tally()
    request, result = requests[0], results[0]
    if tally.failed_call("100x500", result["forward"]):
        return tally.verdict()
    for name in (GRAPH, ALT):
        if tally.failed_call(f"{name} on 100x500", result.get(name)):
            return tally.verdict()
    graph, alt = result[GRAPH]["grads"], result[ALT]["grads"]
    if graph is None or alt is None:
        tally.check(None, False, "both backward passes should return a tuple (dx, dgamma, dbeta)")
        return tally.verdict()
    size = gradient_scales(request["x"], request["gamma"], request["dout"], 1e-5)
    agree = [tally.compare("your closed form against your graph version on 100x500", grad, a, b, size[grad],
                           against="your graph version's", dtype=request["x"].dtype)
             for grad, a, b in zip(GRADS, alt, graph)]
    if not all(agree):
        tally.diagnose(_which_is_wrong(request, {GRAPH: graph, ALT: alt}))
    return tally.verdict()


def _which_is_wrong(request, grads):
    """Which of the two backward passes' gradients ({name: (dx, dgamma, dbeta)}) differ from the reference's."""
    x, gamma, beta, dout = request["x"], request["gamma"], request["beta"], request["dout"]
    eps = request["bn_param"]["eps"]
    _, cache = ref.batchnorm_forward(x, gamma, beta, dict(request["bn_param"]))
    expected, size = ref.batchnorm_backward_alt(dout, cache), gradient_scales(x, gamma, dout, eps)
    comparisons = {name: [compare(g, a, e, size[g], values_only=True) for g, a, e in zip(GRADS, found, expected)]
                   for name, found in grads.items()}
    off = [name for name, found in comparisons.items()
           if any(c.error is None or c.error > limit(x.dtype) for c in found)]
    if len(off) == 1:
        right = ALT if off[0] == GRAPH else GRAPH
        return f"{off[0]} is the one that differs from the reference; {right} is right"
    return "both backward passes differ from the reference" if off else None


def stages_requests():
    request = _gradcheck_request(GRAPH)
    return [dict(request, kind="stages")]


def stages_judge(requests, results):
    tally = Tally()
    request, result = requests[0], results[0]
    label_ = "batchnorm_backward's stages on CS231n's 4x5 check data"
    if tally.failed_call(label_, result.get("forward")) or tally.failed_call(label_, result.get("stages")):
        return tally.verdict()
    _, cache = ref.batchnorm_forward(request["x"], request["gamma"], request["beta"], dict(request["bn_param"]))
    expected = ref.batchnorm_backward_stages(request["dout"], cache)
    found = result["stages"]
    if result.get("mutated_inputs"):
        tally.name_mistake(mistakes.changes_inputs(GRAPH))
    size = gradient_scales(request["x"], request["gamma"], request["dout"], request["bn_param"]["eps"])
    for stage in ("dxhat", "dvar", "dmean"):
        if stage in found:  # a stage the student did not name is not checked, as in the notebook
            student = found[stage]
            if student is not None:
                student = as_stage(student, expected[stage].shape)
            tally.compare(label_, stage, student, expected[stage], np.abs(expected[stage]).max() + 1e-300)
    for grad in GRADS:
        if not tally.compare(label_, grad, found.get(grad), expected[grad], size[grad]):
            tally.name_mistake(mistakes.diagnose(grad, found.get(grad), request["x"], request["gamma"],
                                                 request["beta"], request["dout"], request["bn_param"]["eps"],
                                                 size[grad]))
    return tally.verdict()
