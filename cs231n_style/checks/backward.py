"""Checks of the two backward passes: numerical gradients, stage by stage, against each other, and how
they are written (what the hidden tests grade of it)."""
import copy

import numpy as np

from ..data import make_case, random_case
from ..gradient_check import (check_gradient, eval_numerical_gradient, eval_numerical_gradient_array, gradient_scales,
                              same_entries,
                              scaled_error)
from ..stages import STAGE_NAMES, as_stage, backward_stages
from ..tracing import LOOP_SIZES, CallRecorder, loops_over_batch, same
from .report import (CheckFailed, call_student, note, passed, report_gradient_checks, running_student_code,
                     student_function, unpack)

GRADS = ("dx", "dgamma", "dbeta")
TOL = 1e-7
STAGE_TOL = 1e-6  # the numerical dmean and dvar are a little less accurate than dx's


def student_gradients(layers, name, case):
    """Run the student's forward (train mode) then backward `name`; returns (cache, (dx, dgamma, dbeta))."""
    _, cache = unpack("batchnorm_forward", call_student(layers, "batchnorm_forward", case.x, case.gamma, case.beta,
                                                        dict(case.bn_param)), 2, "out, cache")
    grads = unpack(name, call_student(layers, name, case.dout, cache), 3, "dx, dgamma, dbeta")
    return cache, grads


def numerical_gradients(layers, case):
    """Numerical (dx, dgamma, dbeta) of the student's own forward, as CS231n checks them."""
    def out(x, gamma, beta):
        return call_student(layers, "batchnorm_forward", x, gamma, beta, dict(case.bn_param))[0]

    return (eval_numerical_gradient_array(lambda v: out(v, case.gamma, case.beta), case.x, case.dout),
            eval_numerical_gradient_array(lambda v: out(case.x, v, case.beta), case.gamma, case.dout),
            eval_numerical_gradient_array(lambda v: out(case.x, case.gamma, v), case.beta, case.dout))


def check_backward(layers, name="batchnorm_backward"):
    """Compare batchnorm_backward or batchnorm_backward_alt with numerical gradients (CS231n's 4x5 check),
    then check that float32 input gives float32 gradients."""
    case = make_case("gradcheck")
    _, grads = student_gradients(layers, name, case)
    numeric = numerical_gradients(layers, case)
    report_gradient_checks([check_gradient(g, a, n, TOL) for g, a, n in zip(GRADS, grads, numeric)], name)
    _, grads32 = student_gradients(layers, name, make_case("gradcheck", dtype=np.float32))
    dtypes = {g: np.asarray(a).dtype for g, a in zip(GRADS, grads32)}
    other = [f"{g} is {d}" for g, d in dtypes.items() if d != np.float32]
    if any(d.kind != "f" or d.itemsize < 4 for d in dtypes.values()):
        raise CheckFailed(f"for float32 input, {', '.join(other)}: return float32 gradients, the input's dtype")
    if other:
        note(f"for float32 input, {', '.join(other)}: keep the input's dtype (the docstring asks for it, and the "
             "autograder takes a small deduction for a wider one)")
    else:
        passed("float32 in, float32 gradients out")
    check_how_it_is_written(layers, name)


def check_how_it_is_written(layers, name):
    """What the hidden tests grade of how a backward pass is written, each shown as passed or noted: it
    leaves dout and the cache unchanged; the closed form also calls no batchnorm_backward and runs no
    Python loop over the batch."""
    function = student_function(layers, name)
    code = getattr(function, "__code__", None)
    lines, called, changed = [], set(), False
    for N, D in LOOP_SIZES:
        case = random_case(N, D, seed=N, loc=1.0, scale=2.0)
        _, cache = unpack("batchnorm_forward", call_student(layers, "batchnorm_forward", case.x, case.gamma,
                                                            case.beta, {"mode": "train"}), 2, "out, cache")
        dout, cache_before = case.dout.copy(), copy.deepcopy(cache)
        with CallRecorder(code.co_filename if code else None) as recorder:
            unpack(name, call_student(layers, name, dout, cache), 3, "dx, dgamma, dbeta")
        lines.append(recorder.lines)
        called |= recorder.functions
        changed = changed or not np.array_equal(dout, case.dout) or not same(cache, cache_before)
    hidden = "a hidden test checks it"
    if changed:
        note(f"{name} changes dout or the cache in place: compute new arrays instead ({hidden})")
    else:
        passed(f"{name} leaves dout and the cache unchanged")
    if name != "batchnorm_backward_alt":
        return
    if "batchnorm_backward" in called:
        note(f"{name} calls batchnorm_backward: write the closed form itself ({hidden})")
    if loops_over_batch(*lines):
        note(f"{name} loops over the batch in Python ({lines[0]} lines of layers.py run for N = "
             f"{LOOP_SIZES[0][0]}, {lines[1]} for N = {LOOP_SIZES[1][0]}): use whole-array operations ({hidden})")
    if "batchnorm_backward" not in called and not loops_over_batch(*lines):
        passed(f"{name} is a closed form of its own: no call to batchnorm_backward, no Python loop over the batch")


def numerical_stages(case, eps):
    """Each stage of the paper's graph as a numerical derivative of L = sum(dout * out).

    Returns {stage: (numerical gradient, point)} for dxhat (N, D), dvar (D,) and dmean (D,),
    each a partial derivative with the other stages' inputs held at their forward values.
    """
    x, gamma, beta, dout = case.x, case.gamma, case.beta, case.dout
    mean, var = x.mean(axis=0), x.var(axis=0)

    def loss_of_xhat(xhat):
        return np.sum(dout * (gamma * xhat + beta))

    def loss_of_var(v):
        return loss_of_xhat((x - mean) / np.sqrt(v + eps))

    def loss_of_mean(m):  # the variance depends on the mean too, as in the paper's graph
        return loss_of_xhat((x - m) / np.sqrt(((x - m) ** 2).mean(axis=0) + eps))

    xhat = (x - mean) / np.sqrt(var + eps)
    return {name: eval_numerical_gradient(f, point, h=1e-6)
            for name, f, point in (("dxhat", loss_of_xhat, xhat), ("dvar", loss_of_var, var), ("dmean", loss_of_mean, mean))}


def check_backward_stages(layers):
    """Check dxhat, dvar and dmean of the student's graph backward, then dx, dgamma, dbeta."""
    case = make_case("gradcheck")
    _, cache = unpack("batchnorm_forward", call_student(layers, "batchnorm_forward", case.x, case.gamma, case.beta,
                                                        dict(case.bn_param)), 2, "out, cache")
    backward = student_function(layers, "batchnorm_backward")
    with running_student_code("batchnorm_backward"):
        stages = backward_stages(backward, case.dout, cache)
    expected = numerical_stages(case, case.bn_param["eps"])
    first_wrong = None
    for name in STAGE_NAMES:
        if name not in stages:
            note(f"{name}: no variable of that name in batchnorm_backward — name it so to have this stage checked")
            continue
        value = as_stage(np.asarray(stages[name], dtype=np.float64), expected[name].shape)
        check = check_gradient(name, value, expected[name], STAGE_TOL)
        print(("✓ " if check.ok else "✗ ") + str(check))
        if not check.ok and first_wrong is None:
            first_wrong = name
    numeric = numerical_gradients(layers, case)
    final = [check_gradient(g, stages[g], n, TOL) for g, n in zip(GRADS, numeric)]
    for check in final:
        print(("✓ " if check.ok else "✗ ") + str(check))
    if first_wrong:
        before = STAGE_NAMES[:STAGE_NAMES.index(first_wrong)]
        right = f"{', '.join(before)} {'is' if len(before) == 1 else 'are'} right, so " if before else ""
        raise CheckFailed(f"the first wrong stage is {first_wrong}: {right}look at the line that computes {first_wrong}")
    wrong = [c.name for c in final if not c.ok]
    if wrong:
        raise CheckFailed(f"every named stage is right but {', '.join(wrong)} is not: look at the last step(s) "
                          "of batchnorm_backward")
    passed("every stage of batchnorm_backward matches its numerical gradient")


def check_alt_matches_graph(layers, N=100, D=500, tol=1e-10):
    """The graph and closed-form backward on the same cache agree (float64)."""
    case = random_case(N, D, seed=231, loc=12.0, scale=5.0)
    cache, graph = student_gradients(layers, "batchnorm_backward", case)
    alt = unpack("batchnorm_backward_alt", call_student(layers, "batchnorm_backward_alt", case.dout, cache), 3,
                 "dx, dgamma, dbeta")
    wrong = []
    scales = gradient_scales(case.x, case.gamma, case.dout, case.bn_param["eps"])
    for g, a, b in zip(GRADS, graph, alt):
        scale = scales[g]
        if np.shape(a) != np.shape(b) and not (same_entries(np.shape(b), np.shape(a))
                                                or same_entries(np.shape(a), np.shape(b))):
            raise CheckFailed(f"{g}: the graph version gives shape {np.shape(a)}, the closed form {np.shape(b)}")
        error = scaled_error(a, np.reshape(b, np.shape(a)), scale)
        ok = error < tol
        print(f"{'✓' if ok else '✗'} {g}: graph and closed form differ by {error:.1e} of the gradient's size — "
              f"{'OK' if ok else 'WRONG'}, expect below {tol:.0e}")
        if not ok:
            wrong.append(g)
    if wrong:
        raise CheckFailed(f"{', '.join(wrong)}: the two backward passes disagree on a {N}x{D} batch — "
                          f"{_which_is_wrong(layers)}")


def _which_is_wrong(layers):
    """Which backward pass differs from the numerical gradient on CS231n's 4x5 check, in words."""
    case = make_case("gradcheck")
    numeric = numerical_gradients(layers, case)
    off = []
    for name in ("batchnorm_backward", "batchnorm_backward_alt"):
        _, grads = student_gradients(layers, name, case)
        if any(not check_gradient(g, a, n, TOL).ok for g, a, n in zip(GRADS, grads, numeric)):
            off.append(name)
    if len(off) == 1:
        return f"{off[0]} is the one that differs from the numerical gradient: fix {off[0]}"
    if off:
        return "both differ from the numerical gradient"
    return "both match the numerical gradient on the 4x5 check, so look for what the larger batch changes"
