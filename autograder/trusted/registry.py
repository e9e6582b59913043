"""Every graded test cell of the notebook and the trusted check that scores it.

A check is a pair (requests, judge): requests() builds the inputs and says which
student functions to call (cs231n_style.probe runs them, in the student's
sandbox); judge(requests, results) compares what came back with the reference,
in the grader's process, and returns a Verdict. The keys are the notebook's
grade_ids, so a verdict becomes the score of that cell.
"""
import inspect

from cs231n_style.probe_requests import run_requests

from . import backward, forward, going_further, layernorm, properties, timing_check

CHECKS = {
    # visible tests: the same inputs as the notebook's check, judged against the reference
    "test_forward_train": (forward.train_requests, forward.train_judge),
    "test_forward_test": (forward.test_mode_requests, forward.test_mode_judge),
    "test_backward_stages": (backward.stages_requests, backward.stages_judge),
    "test_backward_graph": (lambda: backward.gradcheck_requests(backward.GRAPH),
                            lambda rq, rs: backward.gradcheck_judge(backward.GRAPH, rq, rs)),
    "test_backward_alt": (lambda: backward.gradcheck_requests(backward.ALT),
                          lambda rq, rs: backward.gradcheck_judge(backward.ALT, rq, rs)),
    "test_alt_matches_graph": (backward.agreement_requests, backward.agreement_judge),
    "test_sigma_eps": (lambda: going_further.visible_requests(going_further.SIGMA), going_further.judge),
    "test_unbiased": (lambda: going_further.visible_requests(going_further.UNBIASED), going_further.judge),
    "test_affine": (lambda: going_further.visible_requests(going_further.AFFINE), going_further.judge),
    "test_layernorm": (layernorm.visible_requests, layernorm.judge),
    # hidden tests: inputs the student never saw
    "hidden_forward": (forward.hidden_requests, forward.hidden_judge),
    "hidden_backward_graph": (lambda: backward.hidden_requests(backward.GRAPH),
                              lambda rq, rs: backward.hidden_judge(backward.GRAPH, rq, rs)),
    "hidden_backward_alt": (lambda: backward.hidden_requests(backward.ALT),
                            lambda rq, rs: backward.hidden_judge(backward.ALT, rq, rs)),
    "hidden_alt_properties": (properties.requests, properties.judge),
    "hidden_alt_faster": (timing_check.requests, timing_check.judge),
    "hidden_going_further": (going_further.hidden_requests, going_further.judge),
    "hidden_layernorm": (layernorm.hidden_requests, layernorm.judge),
}


def make_requests(check_id):
    """The probe requests of a check: the inputs, and which student functions to call."""
    if check_id not in CHECKS:
        raise ValueError(f"check_id: expected one of {', '.join(CHECKS)}, got {check_id!r}")
    return CHECKS[check_id][0]()


# Checks whose calls the grader times from outside the student's process (speed.py), with a probe of their own.
TIMED_OUTSIDE = {"hidden_alt_faster"}

# Checks judged from the submitted source as well (read by the grader, not reported by the probe).
JUDGED_FROM_SOURCE = {"hidden_alt_properties", "hidden_alt_faster"}


def judge(check_id, requests, results, source=None):
    """Judge the probe's results of a check against the reference; returns a Verdict.

    A visible test scores all or nothing, as its cell in the notebook does; a hidden
    test earns the fraction of its inputs on which everything was right. Either way the
    deviations of the grading policy (policy.py) cost their share. source: the text of the
    graded layers.py, for the checks of JUDGED_FROM_SOURCE.
    """
    extra = {"source": source} if check_id in JUDGED_FROM_SOURCE else {}
    verdict = CHECKS[check_id][1](requests, results, **extra)
    if check_id.startswith("test_") and (verdict.failures or not verdict.lines):
        verdict.fraction = 0.0
    return verdict


def run_check(check_id, layers):
    """Make the requests, run the probe on `layers` in this process, and judge (for the source notebook)."""
    requests = make_requests(check_id)
    try:
        source = inspect.getsource(layers)
    except (OSError, TypeError):
        source = None
    return judge(check_id, requests, run_requests(layers, requests), source)
