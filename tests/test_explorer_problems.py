"""Unfinished or broken code gives the explorer one clear line, never a traceback."""
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cs231n_style import layers as student_layers
from cs231n_style.data import random_case
from cs231n_style.explorer import Explorer, implementations
from cs231n_style.explorer.implementations import Implementation, resolve
from cs231n_style.explorer.problems import Problem, check_result, describe
from test_explorer_fakes import fake_module, stub

ROOT = Path(__file__).resolve().parent.parent


def _forward(implementation):
    case = random_case(8, 3)
    return implementation.forward(case.x, case.gamma, case.beta, 1e-5)


def test_the_generated_stub_gives_the_not_implemented_line():
    with pytest.raises(Problem) as caught:
        _forward(implementations.student())
    assert str(caught.value) == ("batchnorm_forward is not implemented yet — "
                                 "fill it in in cs231n_style/layers.py")
    assert caught.value.function == "batchnorm_forward"
    assert caught.value.short == "needs batchnorm_forward"
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_any_other_error_is_one_line_naming_the_type_and_the_line(tmp_path):
    source = tmp_path / "my_layers.py"
    source.write_text(textwrap.dedent("""\
        def _helper(x):
            return x.reshape(7, 7)

        def batchnorm_forward(x, gamma, beta, bn_param):
            return _helper(x), None
        """))
    sys.path.insert(0, str(tmp_path))
    try:
        import my_layers
    finally:
        sys.path.remove(str(tmp_path))
    with pytest.raises(Problem) as caught:
        _forward(Implementation("yours", my_layers, "my_layers.py"))
    line = str(caught.value)
    assert line.startswith("batchnorm_forward raised ValueError: cannot reshape array")
    assert line.endswith("at line 2 of my_layers.py: return x.reshape(7, 7)")
    assert "\n" not in line and "Traceback" not in line


def test_long_and_multi_line_messages_are_cut_to_one_short_line():
    line = describe("batchnorm_backward", RuntimeError("x" * 500 + "\nsecond line"), "here")
    assert "\n" not in line and len(line) < 220 and line.endswith("…")
    assert describe("f", KeyError(), "here") == "f raised KeyError"


@pytest.mark.parametrize("result, message", [
    (None, "batchnorm_backward returned NoneType; expected return (dx, dgamma, dbeta)"),
    ((1, 2), "batchnorm_backward returned a tuple of 2; expected return (dx, dgamma, dbeta)"),
    ((None, None, None),
     "batchnorm_backward returned None for dx (not computed yet?); expected return (dx, dgamma, dbeta)"),
    ((np.zeros((3, 8)), None, None), "batchnorm_backward returned dx of shape (3, 8); expected (8, 3)"),
])
def test_wrong_results_are_named(result, message):
    with pytest.raises(Problem) as caught:
        check_result("batchnorm_backward", result, ("dx", "dgamma", "dbeta"), (8, 3))
    assert str(caught.value) == message


def test_a_missing_function_is_named():
    module = fake_module()
    del module.batchnorm_backward_alt
    implementation = resolve({"yours": module})["yours"]
    with pytest.raises(Problem, match="^batchnorm_backward_alt is missing from yours$"):
        implementation.function("batchnorm_backward_alt")


def test_the_reference_is_offered_only_when_the_notebook_names_it():
    assert list(resolve()) == ["yours"]
    offered = resolve(reference_module="autograder.reference")
    assert list(offered) == ["yours", "reference"] and offered["reference"].available
    with pytest.raises(ValueError, match="^reference_module: expected a module name"):
        resolve(reference_module=3)


def test_resolve_rejects_what_is_not_a_dict_of_implementations():
    for bad in ({}, [fake_module()], "layers"):
        with pytest.raises(ValueError, match="^implementations: "):
            resolve(bad)
    with pytest.raises(ValueError, match=r"^implementations\['x'\]: "):
        resolve({"x": None})


def test_a_reference_that_cannot_be_imported_is_offered_as_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "autograder.reference", None)  # import now raises ImportError
    ref = implementations.reference("autograder.reference")
    assert not ref.available and ref.unavailable == implementations.REFERENCE_MISSING.format(
        module="autograder.reference")
    explorer = Explorer(implementations={"yours": fake_module(), "reference": ref})
    options = dict((v, k) for k, v in explorer.controls["implementation"].options)
    assert options["reference"] == "reference (unavailable)"
    assert explorer.problems == []
    explorer.controls["implementation"].value = "reference"
    assert explorer.problems == [f"reference: {ref.unavailable}"]
    assert explorer.dashboard.panels["dx_size"].message.get_text() == "reference: not available here"
    # what needs no implementation still draws
    assert len(explorer.dashboard.panels["epsilon"].lines["direct"].get_ydata()) > 0


def test_the_stubs_give_one_line_and_the_other_panels_keep_working():
    explorer = Explorer(implementations={"yours": student_layers})
    assert explorer.problems == ["batchnorm_forward is not implemented yet — fill it in in cs231n_style/layers.py"]
    assert explorer.status.value.count("<div") == 1 and "Traceback" not in explorer.status.value
    panels = explorer.dashboard.panels
    for name in ("dx_size", "terms", "facts", "agreement"):
        assert panels[name].message.get_visible() and panels[name].message.get_text() == "needs batchnorm_forward"
    assert not panels["dx_size"].measured.get_visible()
    assert np.all(panels["terms"].heights("direct") == 1.0)  # eq. (4) needs no student code
    assert not any(p.get_visible() for p in panels["terms"].bars["yours"])
    assert len(panels["epsilon"].lines["variance"].get_ydata()) == 28


def test_one_line_per_unfinished_function():
    module = fake_module(batchnorm_backward_alt=stub("batchnorm_backward_alt"))
    explorer = Explorer(implementations={"yours": module})
    assert explorer.problems == [
        "batchnorm_backward_alt is not implemented yet — fill it in in cs231n_style/layers.py"]
    panels = explorer.dashboard.panels
    assert panels["dx_size"].measured.get_visible()  # the graph backward works
    assert np.all(np.isfinite(panels["agreement"].lines["graph_vs_numerical"].get_ydata()))
    assert panels["agreement"].message.get_text() == "needs batchnorm_backward_alt"
    explorer.controls["backward"].value = "closed form"
    assert not panels["dx_size"].measured.get_visible()


def test_the_package_works_without_autograder(tmp_path):
    """The student release has cs231n_style/ and no autograder/: the explorer must still open."""
    shutil.copytree(ROOT / "cs231n_style", tmp_path / "cs231n_style",
                    ignore=shutil.ignore_patterns("__pycache__"))
    script = ("from cs231n_style.explorer import Explorer, open_explorer\n"
              "e = Explorer(reference_module=\"autograder.reference\")\n"
              "print(e.problems)\n"
              "print(e.implementations['reference'].available)\n"
              "print(dict(e.controls['implementation'].options))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "['batchnorm_forward is not implemented yet — fill it in in cs231n_style/layers.py']"
    assert lines[1] == "False"
    assert "reference (unavailable)" in lines[2]
