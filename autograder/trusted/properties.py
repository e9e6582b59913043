"""Trusted checks of how batchnorm_backward_alt is written: no call to the graph version, no loop
over the batch, no changed inputs (hidden_alt_properties; its speed is timing_check.py's)."""
from cs231n_style.data import random_case
from cs231n_style.tracing import LOOP_SIZES, loops_over_batch

from . import source_analysis
from .cases import batchnorm_request
from .compare import Tally

ALT = "batchnorm_backward_alt"
def requests():
    out = []
    for N, D in LOOP_SIZES:
        case = random_case(N, D, seed=N, loc=1.0, scale=2.0)
        out.append(batchnorm_request(case.x, case.gamma, case.beta, case.dout, 1e-5, backwards=[ALT], lines_for=[ALT]))
    return out


def judge(requests_, results, source=None):
    """source: the text of the graded layers.py, read by the grader (source_analysis decides from it)."""
    tally = Tally()
    facts = source_analysis.analyze(source) if source is not None else source_analysis.SourceFacts()
    infos = []
    for (N, D), result in zip(LOOP_SIZES, results):
        label = f"{ALT} on {N}x{D}"
        if tally.failed_call(label, result["forward"]) or tally.failed_call(label, result.get(ALT)):
            return tally.verdict()
        infos.append(result[ALT])
    # The source decides; what the student's process reports can only add a failure.
    calls_graph = facts.calls_graph or any("batchnorm_backward" in info["functions"] for info in infos)
    failure = (f"{ALT} reaches functions without naming them ({'; '.join(facts.dynamic)}): call what it uses by "
               "name, so that the grader can tell it is a closed form" if facts.dynamic else
               f"{ALT} calls batchnorm_backward: write the closed form instead")
    tally.check(None, not calls_graph and not facts.dynamic, f"{ALT} does not call batchnorm_backward", failure)
    small, large = infos[0]["lines"], infos[1]["lines"]
    counts = f"{small} lines of layers.py run for N = {LOOP_SIZES[0][0]}, {large} for N = {LOOP_SIZES[1][0]}"
    where = f"{'; '.join(facts.loops)}; " if facts.loops else ""
    tally.check(None, not facts.loops and not loops_over_batch(small, large),
                f"no Python loop over the batch ({counts})",
                f"{ALT} loops over the batch in Python ({where}{counts}): use whole-array operations")
    tally.check(None, not any(i["mutated_inputs"] or i["mutated_cache"] for i in infos),
                f"{ALT} leaves dout and the cache unchanged", f"{ALT} changes dout or the cache in place")
    return tally.verdict()
