"""Dependencies run one way: the grader uses the student package, never the reverse.

The package students receive (cs231n_style) must work, and read, without the course
repository: no module of it imports autograder or names a module or file of it. Prose may
speak of "the autograder"; a dotted name or a path (autograder.x, autograder/x) is a
dependency on the repository's layout, even in a docstring.
"""
import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cs231n_style"
GRADER = "autograder"
NAMED = re.compile(rf"\b{GRADER}[./]\w")


def _modules():
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def problems(path):
    """Each place where the module at `path` depends on the grader, as 'line N: what'."""
    found = []
    for node in sorted((n for n in ast.walk(ast.parse(path.read_text(), filename=str(path))) if hasattr(n, "lineno")),
                       key=lambda n: n.lineno):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names = [node.value] if (NAMED.search(node.value) or node.value == GRADER) else []
        else:
            names = []
        found += [f"line {node.lineno}: {name.splitlines()[0][:80]}" for name in names
                  if name == GRADER or name.startswith(f"{GRADER}.") or NAMED.search(name)]
    return found


def test_the_student_package_has_modules_to_check():
    assert len(_modules()) > 30


@pytest.mark.parametrize("path", _modules(), ids=lambda p: p.relative_to(PACKAGE).as_posix())
def test_no_module_of_the_student_package_names_the_grader(path):
    assert problems(path) == []


def test_the_check_finds_an_import_a_dynamic_import_and_a_path(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text('"""Reads autograder/trusted/registry.py."""\nimport autograder.trusted\n'
                   'from autograder import reference\nimport importlib\nimportlib.import_module("autograder")\n'
                   'NOTE = "the autograder runs it"\n')
    assert [p.split(":")[0] for p in problems(bad)] == ["line 1", "line 2", "line 3", "line 5"]
