"""The student edition of layers.py: generated, current, and free of solutions."""
import importlib.util
import os
import subprocess
import inspect

import numpy as np
import pytest

from autograder import facts, release
from autograder.editions import SolutionMarkerError, has_solution, student_edition
from cs231n_style.data import make_case

SOLUTION = facts.SOLUTION_LAYERS.read_text()
STUDENT_PATH = facts.ROOT / facts.STUDENT_LAYERS


def _solution_lines(text):
    """Code lines inside solution regions that do not also appear outside them (e.g. in a docstring)."""
    inside_lines, outside_lines, inside = set(), set(), False
    for line in text.splitlines():
        s = line.strip()
        if s == "### BEGIN SOLUTION":
            inside = True
        elif s == "### END SOLUTION":
            inside = False
        elif s and not s.startswith("#"):
            (inside_lines if inside else outside_lines).add(s)
    return inside_lines - outside_lines


def _load_student_module():
    spec = importlib.util.spec_from_file_location("student_layers", STUDENT_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_files_are_current():
    stale = release.stale_files()
    assert not stale, (
        f"{stale} differ from what `make release` generates from autograder/reference/layers.py. "
        "Run `make release`. (Working on the assignment yourself? Then this difference is your work: "
        "check it with `python -m autograder check` instead.)")


def test_student_edition_contains_no_solution_line():
    student = STUDENT_PATH.read_text()
    assert not has_solution(student)
    solution_lines = _solution_lines(SOLUTION)
    assert len(solution_lines) > 30  # the scan has something to look for
    leaked = solution_lines & {line.strip() for line in student.splitlines()}
    assert not leaked


def test_every_stub_raises_not_implemented_naming_function_and_file():
    module = _load_student_module()
    case = make_case("gradcheck")
    w, b = np.ones((5, 5)), np.zeros(5)
    calls = {
        "batchnorm_forward": (case.x, case.gamma, case.beta, {"mode": "train"}),
        "batchnorm_backward": (case.dout, {}),
        "batchnorm_backward_alt": (case.dout, {}),
        "batchnorm_forward_sigma_eps": (case.x, case.gamma, case.beta),
        "batchnorm_backward_sigma_eps": (case.dout, {}),
        "batchnorm_forward_unbiased": (case.x, case.gamma, case.beta),
        "batchnorm_backward_unbiased": (case.dout, {}),
        "affine_batchnorm_forward": (case.x, w, b, case.gamma, case.beta, {"mode": "train"}),
        "affine_batchnorm_backward": (case.dout, ()),
        "layernorm_forward": (case.x, case.gamma, case.beta, {}),
        "layernorm_backward": (case.dout, {}),
    }
    functions = {n for n, f in inspect.getmembers(module, inspect.isfunction) if f.__module__ == "student_layers"}
    assert functions == set(calls)
    for name, args in calls.items():
        with pytest.raises(NotImplementedError, match=f"^{name} in cs231n_style/layers.py is not implemented yet$"):
            getattr(module, name)(*args)
    with pytest.raises(NotImplementedError):  # test mode has its own region
        module.batchnorm_forward(case.x, case.gamma, case.beta, {"mode": "test"})


def test_stubs_keep_the_argument_checks():
    module = _load_student_module()
    case = make_case("gradcheck")
    with pytest.raises(ValueError, match="^gamma: "):
        module.batchnorm_forward(case.x, case.gamma[:3], case.beta, {"mode": "train"})


def test_student_docstrings_give_shapes():
    module = _load_student_module()
    for name in ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt"):
        doc = getattr(module, name).__doc__
        assert "(N, D)" in doc and "(D,)" in doc, name
    assert "running_mean" in module.batchnorm_forward.__doc__ and "momentum" in module.batchnorm_forward.__doc__


def test_student_edition_replaces_each_region_keeping_indentation():
    text = (
        "def f(x):\n"
        "    y = 1\n"
        "    ### BEGIN SOLUTION\n"
        "    y = x * 2\n"
        "    ### END SOLUTION\n"
        "    return y\n"
        "\n"
        "class A:\n"
        "    def g(self):\n"
        "        ### BEGIN SOLUTION\n"
        "        return 3\n"
        "        ### END SOLUTION\n"
    )
    assert student_edition(text, "pkg/m.py") == (
        "def f(x):\n"
        "    y = 1\n"
        "    # YOUR CODE HERE\n"
        '    raise NotImplementedError("f in pkg/m.py is not implemented yet")\n'
        "    return y\n"
        "\n"
        "class A:\n"
        "    def g(self):\n"
        "        # YOUR CODE HERE\n"
        '        raise NotImplementedError("g in pkg/m.py is not implemented yet")\n'
    )


@pytest.mark.parametrize("text, problem", [
    ("def f():\n    ### BEGIN SOLUTION\n    pass\n", "never closed"),
    ("def f():\n    ### END SOLUTION\n", "without"),
    ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "inside another"),
    ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "outside a function"),
])
def test_unbalanced_markers_are_rejected(text, problem):
    with pytest.raises(SolutionMarkerError, match=problem):
        student_edition(text, "m.py")


def test_the_source_assignment_is_assembled_from_the_authored_files(tmp_path):
    target = tmp_path / "source" / facts.ASSIGNMENT
    (target / "cs231n_style").mkdir(parents=True)
    (target / "cs231n_style" / "left_over.py").write_text("# from an older assembly\n")
    release.assemble_source(target)
    assert (target / facts.NOTEBOOK).read_bytes() == (facts.ROOT / facts.SOURCE / facts.NOTEBOOK).read_bytes()
    assert (target / facts.STUDENT_LAYERS).read_text() == SOLUTION
    authored = sorted(p.relative_to(facts.ROOT / "cs231n_style").as_posix()
                      for p in (facts.ROOT / "cs231n_style").rglob("*.py") if "__pycache__" not in p.parts)
    assembled = sorted(p.relative_to(target / "cs231n_style").as_posix()
                       for p in (target / "cs231n_style").rglob("*.py") if "__pycache__" not in p.parts)
    assert assembled == authored  # the left-over file is gone
    assert (target / "cs231n_style" / "probe.py").read_bytes() == (facts.ROOT / "cs231n_style" / "probe.py").read_bytes()


def test_the_assembled_source_package_is_never_committed():
    package = f"{release.SOURCE_PACKAGE}/probe.py"
    ignored = subprocess.run(["git", "check-ignore", "--no-index", "-q", package], cwd=facts.ROOT)
    tracked = subprocess.run(["git", "ls-files", "--error-unmatch", package], cwd=facts.ROOT, capture_output=True)
    assert ignored.returncode == 0 and tracked.returncode != 0


def test_the_release_folder_is_the_root_student_version_through_links():
    for rel, target in release.RELEASE_LINKS.items():
        assert os.readlink(facts.ROOT / rel) == target
    assert sorted(p.name for p in (facts.ROOT / facts.RELEASE).iterdir()) == [facts.NOTEBOOK, "cs231n_style"]
    assert (facts.ROOT / facts.RELEASE / facts.STUDENT_LAYERS).read_bytes() == STUDENT_PATH.read_bytes()
