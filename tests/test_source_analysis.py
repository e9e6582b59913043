"""How the closed form is written, decided from its source in the grader's process (trusted/source_analysis.py)."""
import textwrap

import pytest

from autograder.trusted.source_analysis import analyze

GRAPH = "def batchnorm_backward(dout, cache):\n    for i in range(len(dout)):\n        pass\n    return 1, 2, 3\n"


def _facts(alt_body, extra=""):
    alt = "def batchnorm_backward_alt(dout, cache):\n" + textwrap.indent(textwrap.dedent(alt_body), "    ")
    return analyze(GRAPH + textwrap.dedent(extra) + alt)


@pytest.mark.parametrize("body, extra", [
    ("return batchnorm_backward(dout, cache)\n", ""),
    ("return graph(dout, cache)\n", "graph = batchnorm_backward\n"),
    ("return helper(dout, cache)\n", "def helper(d, c):\n    return batchnorm_backward(d, c)\n"),
    ("f = batchnorm_backward\nreturn f(dout, cache)\n", ""),
])
def test_a_call_of_the_graph_version_is_found_however_it_is_made(body, extra):
    assert _facts(body, extra).calls_graph


def test_a_closed_form_of_its_own_does_not_call_the_graph_version():
    facts = _facts("x, g = cache\nreturn dout * g, dout.sum(0), dout.sum(0)\n")
    assert not facts.calls_graph and facts.loops == [] and facts.error == ""


@pytest.mark.parametrize("body", [
    'return globals()["batchnorm_" + "backward"](dout, cache)\n',
    'return getattr(sys.modules[__name__], "batchnorm_backward")(dout, cache)\n',
    'return eval("batchnorm_backward")(dout, cache)\n',
])
def test_functions_reached_without_their_name_are_reported(body):
    facts = _facts(body)
    assert facts.dynamic and facts.dynamic[0].startswith("line "), facts


@pytest.mark.parametrize("body", [
    "rows = dout.shape [0]\nfor i in range(rows):\n    pass\n",
    "for i in range(N):\n    pass\n",
    "for i in range(dout.shape[0]):\n    pass\n",
    "for i in range(len(dout)):\n    pass\n",
    "for row in dout:\n    pass\n",
    "for i, row in enumerate(dout):\n    pass\n",
    "while True:\n    break\n",
    "rows = [r * 2 for r in dout]\n",
    "rows = [dout[i] for i in range(len(dout))]\n",
])
def test_loops_over_the_batch_are_found(body):
    facts = _facts(body + "return 1, 2, 3\n")
    assert facts.loops and facts.loops[0].startswith("line "), facts


@pytest.mark.parametrize("body", [
    "for d in range(D):\n    pass\n",
    "for d in range(dout.shape[1]):\n    pass\n",
    "for k in range(2):\n    pass\n",
    "for name in ('dgamma', 'dbeta'):\n    pass\n",
    "shapes = [a.shape for a in cache]\n",
])
def test_loops_that_do_not_run_over_the_batch_are_not_counted(body):
    assert _facts(body + "return 1, 2, 3\n").loops == []


def test_the_graph_versions_own_loop_is_not_the_closed_forms():
    assert _facts("return 1, 2, 3\n").loops == []


def test_unreadable_sources_say_why():
    assert "does not parse" in analyze("def batchnorm_backward_alt(:\n").error
    assert "not defined" in analyze(GRAPH).error
